using System.Globalization;
using System.Net;
using System.Text.Json;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

/// <summary>
/// Resuming with Last-Event-ID, over every transport (one derived class each, at the end of this file).
/// </summary>
public abstract class ResumeTests
{
    protected abstract Transport Transport { get; }

    [Theory]
    [InlineData("/subscribe/pets", false)]
    [InlineData("/subscribe/pets", true)]
    [InlineData("/subscribe/pets/dogs", false)]
    public async Task Reconnect_WithLastEventId_ReplaysExactlyTheMissedMatchingEventsThenLive(string path, bool useQueryParameter)
    {
        await using var service = await StartAsync();
        var lastSeen = await ReadOneThenDisconnectAsync(service, path);

        // While it is away: 100 events it should get, interleaved with others it should not.
        var expected = new List<string>();
        var matchesDogsOnly = path.EndsWith("/dogs", StringComparison.Ordinal);
        for (var i = 0; expected.Count < 100; i++)
        {
            var ns = (i % 3) switch { 0 => "/pets/dogs", 1 => "/pets/cats", _ => "/other" };
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = ns, Data = $"{ns} {i}" });
            if (ns == "/pets/dogs" || (ns == "/pets/cats" && !matchesDogsOnly))
            {
                expected.Add($"{ns} {i}");
            }
        }

        await using var resumed = useQueryParameter
            ? await service.SubscribeAsync($"{path}?lastEventId={Uri.EscapeDataString(lastSeen)}")
            : await service.SubscribeAsync(path, lastEventId: lastSeen);
        Assert.Equal("replayed", resumed.Response.Headers.GetValues("X-SSE-Resume").Single());

        var replayed = await resumed.ReadManyAsync(100);
        Assert.Equal(expected, replayed.Select(item => item.Data));
        EventIdAssert.StrictlyIncreasing(replayed.Select(item => item.EventId!));

        // Then live, right after the last replayed event.
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Data = "live" });
        Assert.Equal("live", (await resumed.ReadAsync())!.Value.Data);
    }

    [Fact]
    public async Task Reconnect_AfterProducerSuppliedId_ResumesAfterIt()
    {
        await using var service = await StartAsync();
        await using (var first = await service.SubscribeAsync("/subscribe/pets"))
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Id = "order-17", Data = "a" });
            Assert.Equal("order-17", (await first.ReadAsync())!.Value.EventId);
        }

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = "b" });
        await using var resumed = await service.SubscribeAsync("/subscribe/pets", lastEventId: "order-17");

        Assert.Equal("b", (await resumed.ReadAsync())!.Value.Data);
    }

    [Fact]
    public async Task Reconnect_WithIdOlderThanHistory_GetsResetEventAndHeaderThenLive()
    {
        await using var service = await StartAsync(new Dictionary<string, string?> { ["Sse:History:MaxEvents"] = "5" });
        var lastSeen = await ReadOneThenDisconnectAsync(service, "/subscribe/pets");
        for (var i = 0; i < 20; i++)
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = $"missed {i}" });
        }

        await using var resumed = await service.SubscribeAsync("/subscribe/pets", lastEventId: lastSeen);

        Assert.Equal("too-old", resumed.Response.Headers.GetValues("X-SSE-Resume").Single());
        var reset = (await resumed.ReadAsync())!.Value;
        Assert.Equal("sse-reset", reset.EventType);
        var notice = JsonDocument.Parse(reset.Data).RootElement;
        Assert.Equal(lastSeen, notice.GetProperty("lastEventId").GetString());
        Assert.Equal("too_old", notice.GetProperty("reason").GetString());

        // What is still held follows (the last 5), then live.
        var held = await resumed.ReadManyAsync(5);
        Assert.Equal(Enumerable.Range(15, 5).Select(i => $"missed {i}"), held.Select(item => item.Data));
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = "live" });
        Assert.Equal("live", (await resumed.ReadAsync())!.Value.Data);
    }

    [Theory]
    [InlineData("not-an-id-we-issued")]
    [InlineData("99999999999999999")]
    public async Task Reconnect_WithUnknownId_GetsResetEventThenLive(string lastEventId)
    {
        await using var service = await StartAsync();
        await using var resumed = await service.SubscribeAsync("/subscribe/pets", lastEventId: lastEventId);

        Assert.Equal("unknown", resumed.Response.Headers.GetValues("X-SSE-Resume").Single());
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = "live" });
        var reset = (await resumed.ReadAsync())!.Value;
        Assert.Equal("sse-reset", reset.EventType);
        Assert.Equal("unknown", JsonDocument.Parse(reset.Data).RootElement.GetProperty("reason").GetString());
        Assert.Equal("live", (await resumed.ReadAsync())!.Value.Data);
    }

    [Theory]
    [InlineData("/subscribe/pets?lastEventId=a%01b", "control character")]
    [InlineData("/subscribe/pets?lastEventId=a%0Ab", "control character")]
    public async Task Subscribe_WithMalformedLastEventId_Gets400WithReason(string path, string reason)
    {
        await using var service = await StartAsync();

        using var response = await service.Http.GetAsync(path);
        Assert.Equal(service.HttpVersion, response.Version);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, service.Hub.SubscriberCount);
    }

    [Fact]
    public async Task Subscribe_WithOverlongLastEventId_Gets400WithReason()
    {
        await using var service = await StartAsync(new Dictionary<string, string?> { ["Sse:MaxFieldLength"] = "16" });

        using var response = await service.Http.GetAsync("/subscribe/pets?lastEventId=" + new string('7', 17));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Last-Event-ID: it is 17 characters, over the limit of 16 (Sse:MaxFieldLength)", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_WithRetryConfigured_SendsRetryHintFirst()
    {
        await using var service = await StartAsync(new Dictionary<string, string?> { ["Sse:RetryMilliseconds"] = "1500" });
        await using var raw = await service.OpenRawAsync("/subscribe/pets");

        var text = await raw.ReadUntilContainsAsync("retry: 1500\n\n");

        Assert.Matches(": ok\n\n(id: [0-9]+\n\n)?retry: 1500\n\n", text);
    }

    [Fact]
    public async Task Reconnect_WithTheOpeningId_GetsWhatWasPublishedSinceItFirstConnected()
    {
        await using var service = await StartAsync();
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = "before it connected" });

        // It connects, gets no event, and drops: all it has is the id sent in the opening.
        string openingId;
        await using (var raw = await service.OpenRawAsync("/subscribe/pets"))
        {
            var text = await raw.ReadUntilAsync(t => System.Text.RegularExpressions.Regex.IsMatch(t, "id: [0-9]+\n\n"));
            openingId = System.Text.RegularExpressions.Regex.Match(text, "id: ([0-9]+)\n\n").Groups[1].Value;
        }

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = "while it was away" });
        await using var resumed = await service.SubscribeAsync("/subscribe/pets", lastEventId: openingId);

        Assert.Equal("replayed", resumed.Response.Headers.GetValues("X-SSE-Resume").Single());
        Assert.Equal("while it was away", (await resumed.ReadAsync())!.Value.Data);
    }

    [Fact]
    public async Task SlowConsumer_CutThenReconnects_LosesNothingWithinHistory()
    {
        await using var service = await StartAsync(new Dictionary<string, string?> { ["Sse:SubscriberQueueCapacity"] = "4" });
        await using var raw = await service.OpenRawAsync("/subscribe/flood", stalls: true);
        await raw.ReadUntilContainsAsync(": ok\n\n");

        // Overflow it until the hub cuts it.
        var payload = new string('x', 32 * 1024);
        var ids = new List<string>();
        while (service.Hub.SubscriberCount > 0)
        {
            ids.Add((await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/flood", Data = $"{ids.Count}:{payload}" })).Id);
            Assert.True(ids.Count < 5_000, "the stalled client was never cut");
        }

        // As a browser would, it comes back with the last id it had fully received; here, the first.
        await using var resumed = await service.SubscribeAsync("/subscribe/flood", lastEventId: ids[0]);
        var replayed = await resumed.ReadManyAsync(ids.Count - 1);

        Assert.Equal(ids.Skip(1), replayed.Select(item => item.EventId!));
    }

    [Fact]
    public async Task ThousandReconnects_WhileProducerPublishes_NoGapNoDuplicate()
    {
        await using var service = await StartAsync(new Dictionary<string, string?> { ["Sse:History:MaxEvents"] = "200000" });
        using var done = new CancellationTokenSource();
        var producer = PublishContinuouslyAsync(service, ["/stress/a", "/stress/b"], done.Token);

        // 20 clients x 50 reconnects, each on one namespace; every session resumes from the last id read.
        var clients = Enumerable.Range(0, 20).Select(c => ReconnectRepeatedlyAsync(service, c % 2 == 0 ? "/stress/a" : "/stress/b", reconnects: 50, seed: c));
        var results = await Task.WhenAll(clients);
        await done.CancelAsync();
        await producer;

        Assert.Equal(1_000, results.Sum(r => r.Sessions));
        Assert.All(results, r => Assert.True(r.Events > 0));
    }

    private static async Task<(int Sessions, int Events)> ReconnectRepeatedlyAsync(TestService service, string ns, int reconnects, int seed)
    {
        var random = new Random(seed);
        string? lastId = null;
        long expectedNext = -1;
        var events = 0;
        for (var session = 0; session < reconnects; session++)
        {
            await using var subscriber = await service.SubscribeAsync($"/subscribe{ns}", lastEventId: lastId);
            var toRead = random.Next(1, 20);
            for (var i = 0; i < toRead; i++)
            {
                var item = (await subscriber.ReadAsync())!.Value;
                Assert.NotEqual("sse-reset", item.EventType);
                var sequence = long.Parse(item.Data, CultureInfo.InvariantCulture);
                if (expectedNext >= 0)
                {
                    Assert.Equal(expectedNext, sequence); // no gap, no duplicate, across reconnects
                }

                expectedNext = sequence + 1;
                lastId = item.EventId;
                events++;
            }
        }

        return (reconnects, events);
    }

    private static async Task PublishContinuouslyAsync(TestService service, string[] namespaces, CancellationToken stop)
    {
        var next = new long[namespaces.Length];
        using var call = service.Broadcaster.BroadcastStream(cancellationToken: CancellationToken.None);
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        try
        {
            while (await pace.WaitForNextTickAsync(stop))
            {
                for (var n = 0; n < namespaces.Length; n++)
                {
                    await call.RequestStream.WriteAsync(new SseMessage { Namespace = namespaces[n], Data = (next[n]++).ToString(CultureInfo.InvariantCulture) }, CancellationToken.None);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        await call.RequestStream.CompleteAsync();
        var summary = await call.ResponseAsync;
        Assert.Equal((ulong)next.Sum(), summary.Accepted);
    }

    private static async Task<string> ReadOneThenDisconnectAsync(TestService service, string path)
    {
        await using var first = await service.SubscribeAsync(path);
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Data = "seen" });
        var item = (await first.ReadAsync())!.Value;
        Assert.Equal("seen", item.Data);
        return item.EventId!;
    }

    private Task<TestService> StartAsync(IDictionary<string, string?>? settings = null) => TestService.StartAsync(settings, Transport);
}

public sealed class ResumeTestsOverHttp1Direct : ResumeTests
{
    protected override Transport Transport => Transport.Http1Direct;
}

public sealed class ResumeTestsOverHttpsHttp2 : ResumeTests
{
    protected override Transport Transport => Transport.HttpsHttp2;
}
