using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

/// <summary>
/// <c>?backlog=N</c>: a new stream starts with the last N events its namespace received, then live;
/// over every transport (one derived class each, at the end of this file).
/// </summary>
public abstract class BacklogTests
{
    protected abstract Transport Transport { get; }

    [Fact]
    public async Task Backlog_MoreInHistoryThanAsked_GetsTheLastNOfItsNamespaceInOrderThenLive()
    {
        await using var service = await StartAsync();
        var matching = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            // The namespace and below, as live delivery: /pets and /pets/dogs, not /other or /petshop.
            var ns = (i % 4) switch { 0 => "/pets", 1 => "/pets/dogs", 2 => "/other", _ => "/petshop" };
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = ns, Data = $"{ns} {i}" });
            if (i % 4 < 2)
            {
                matching.Add($"{ns} {i}");
            }
        }

        await using var subscriber = await service.SubscribeAsync("/subscribe/pets?backlog=10");

        Assert.False(subscriber.Response.Headers.Contains("X-SSE-Resume"));
        var backlog = await subscriber.ReadManyAsync(10);
        Assert.Equal(matching.TakeLast(10), backlog.Select(item => item.Data));
        EventIdAssert.StrictlyIncreasing(backlog.Select(item => item.EventId!));
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/cats", Data = "live" });
        Assert.Equal("live", (await subscriber.ReadAsync())!.Value.Data);
    }

    [Fact]
    public async Task Backlog_FewerInHistoryThanAsked_GetsAllThereAreThenLive()
    {
        await using var service = await StartAsync();
        for (var i = 0; i < 3; i++)
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = $"old {i}" });
        }

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/other", Data = "not for it" });
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets?backlog=100");

        var backlog = await subscriber.ReadManyAsync(3);
        Assert.Equal(["old 0", "old 1", "old 2"], backlog.Select(item => item.Data));
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = "live" });
        Assert.Equal("live", (await subscriber.ReadAsync())!.Value.Data);
    }

    [Fact]
    public async Task Backlog_AfterReadingIt_ReconnectWithLastEventIdGetsNoBacklogAgain()
    {
        await using var service = await StartAsync();
        for (var i = 0; i < 5; i++)
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = $"old {i}" });
        }

        string lastSeen;
        await using (var first = await service.SubscribeAsync("/subscribe/pets?backlog=3"))
        {
            Assert.Equal(["old 2", "old 3", "old 4"], (await first.ReadManyAsync(3)).Select(item => item.Data));
            lastSeen = first.LastEventId!;
        }

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = "missed" });

        // A reconnecting EventSource keeps its URL (so ?backlog=3) and adds Last-Event-ID: the id wins.
        await using var header = await service.SubscribeAsync("/subscribe/pets?backlog=3", lastEventId: lastSeen);
        Assert.Equal("replayed", header.Response.Headers.GetValues("X-SSE-Resume").Single());
        Assert.Equal("missed", (await header.ReadAsync())!.Value.Data);

        // The query form of the id wins too.
        await using var query = await service.SubscribeAsync($"/subscribe/pets?backlog=3&lastEventId={Uri.EscapeDataString(lastSeen)}");
        Assert.Equal("replayed", query.Response.Headers.GetValues("X-SSE-Resume").Single());
        Assert.Equal("missed", (await query.ReadAsync())!.Value.Data);

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = "live" });
        Assert.Equal("live", (await header.ReadAsync())!.Value.Data);
        Assert.Equal("live", (await query.ReadAsync())!.Value.Data);
    }

    [Theory]
    [InlineData("?backlog=101", "backlog 101 is over the limit of 100 events (Sse:MaxBacklog)")]
    [InlineData("?backlog=ten", "invalid backlog \"ten\"")]
    [InlineData("?backlog=-1", "invalid backlog \"-1\"")]
    [InlineData("?backlog=99999999999", "invalid backlog \"99999999999\"")]
    [InlineData("?backlog=1&backlog=2", "invalid backlog \"1,2\"")]
    public async Task Backlog_OverTheLimitOrNotANumber_Is400WithTheReason(string query, string reason)
    {
        await using var service = await StartAsync();

        var (subscriber, response) = await SseSubscriber.TryConnectAsync(service.Http, "/subscribe/pets" + query);

        using (response)
        {
            Assert.Null(subscriber);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(0, service.Hub.SubscriberCount);
    }

    [Fact]
    public async Task Backlog_AtAConfiguredLimit_IsAcceptedAndOneMoreIsNot()
    {
        await using var service = await StartAsync(new Dictionary<string, string?> { ["Sse:MaxBacklog"] = "5" });

        await using (var atLimit = await service.SubscribeAsync("/subscribe/pets?backlog=5"))
        {
            Assert.Equal(HttpStatusCode.OK, atLimit.Response.StatusCode);
        }

        var (subscriber, response) = await SseSubscriber.TryConnectAsync(service.Http, "/subscribe/pets?backlog=6");
        using (response)
        {
            Assert.Null(subscriber);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("(Sse:MaxBacklog)", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task MaxBacklog_Negative_StopsTheServiceAtStartNamingTheKey()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            StartAsync(new Dictionary<string, string?> { ["Sse:MaxBacklog"] = "-1" }));

        Assert.Contains("MaxBacklog", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backlog_WhilePublishing_ThenLive_HasNoGapAndNoDuplicate()
    {
        await using var service = await StartAsync();
        const int Total = 2000;
        const int Backlog = 50;
        var published = 0;
        using var halfway = new SemaphoreSlim(0);
        var publishing = Task.Run(async () =>
        {
            for (var i = 0; i < Total; i++)
            {
                await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/count", Data = i.ToString(CultureInfo.InvariantCulture) });
                if (Interlocked.Increment(ref published) == Total / 4)
                {
                    halfway.Release();
                }
            }
        });

        // Subscribe while the producer is still going: the bound between backlog and live falls mid-stream.
        await halfway.WaitAsync(TimeSpan.FromSeconds(60));
        await using var subscriber = await service.SubscribeAsync($"/subscribe/count?backlog={Backlog}");
        var received = new List<int>();
        while (received.Count == 0 || received[^1] != Total - 1)
        {
            var item = await subscriber.ReadAsync();
            Assert.NotNull(item);
            received.Add(int.Parse(item.Value.Data, CultureInfo.InvariantCulture));
        }

        await publishing;

        // One run of consecutive numbers ending at the last: nothing skipped, nothing twice, and at
        // least the backlog before the moment it subscribed.
        Assert.Equal(Enumerable.Range(received[0], received.Count), received);
        Assert.True(received.Count >= Backlog + 1, $"got {received.Count} events from {received[0]}");
        Assert.True(received[0] <= Total - Backlog - 1);
    }

    private Task<TestService> StartAsync(IDictionary<string, string?>? settings = null) => TestService.StartAsync(settings, Transport);
}

public sealed class BacklogTestsOverHttp1Direct : BacklogTests
{
    protected override Transport Transport => Transport.Http1Direct;
}

public sealed class BacklogTestsOverHttpsHttp2 : BacklogTests
{
    protected override Transport Transport => Transport.HttpsHttp2;
}
