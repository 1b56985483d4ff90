using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Sse.V1;
using SseService.Tests.Infrastructure;
using SseService.Tests.Security;

namespace SseService.Tests.Grpc;

/// <summary>gRPC <c>Subscribe</c> from the generated C# client, over real HTTP/2 on a loopback port.</summary>
public sealed class SubscribeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Subscribe_TwoNamespaces_GetsEachEventOnceWithItsFieldsInGlobalOrder()
    {
        await using var service = await TestService.StartAsync();
        using var call = await SubscribeAsync(service, ["/pets", "/time/utc", "/pets/dogs"]);

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Event = "bark", Data = "line 1\nline 2\r\nline 3", Id = "dog-1" });
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/time/local", Data = "not mine" });
        var time = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/time/utc", Data = "12:00" });
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = "end" });

        var events = await ReadAsync(call, 3);
        Assert.Equal(new SseEvent { Id = "dog-1", Event = "bark", Data = "line 1\nline 2\nline 3", Namespace = "/pets/dogs" }, events[0]);
        Assert.Equal(new SseEvent { Id = time.Id, Event = "", Data = "12:00", Namespace = "/time/utc" }, events[1]);
        Assert.Equal("end", events[2].Data);
        Assert.Equal(1, service.Hub.SubscriberCount);
    }

    [Fact]
    public async Task Subscribe_IdleStream_GetsNoKeepAliveEvents()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:KeepAliveInterval"] = "00:00:00.050" });
        using var call = await SubscribeAsync(service, ["/idle"]);

        // The hub queues keep-alive comments to an idle stream (they show in its byte count); none is an event.
        var subscription = Subscriptions(service).Single();
        var opened = subscription.BytesWritten;
        await WaitUntilAsync(() => subscription.BytesWritten > opened + 3 * ": keep-alive\n\n".Length);
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/idle", Data = "first event" });

        Assert.Equal("first event", (await ReadAsync(call, 1))[0].Data);
    }

    [Fact]
    public async Task Subscribe_WithLastEventId_ReplaysExactlyTheMissedEventsOfTheUnionThenLive()
    {
        await using var service = await TestService.StartAsync();
        string lastSeen;
        using (var first = await SubscribeAsync(service, ["/a", "/b"]))
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/b", Data = "seen" });
            lastSeen = (await ReadAsync(first, 1))[0].Id;
        }

        var expected = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            var ns = (i % 3) switch { 0 => "/a/x", 1 => "/b", _ => "/c" };
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = ns, Data = $"{ns} {i}" });
            if (ns != "/c")
            {
                expected.Add($"{ns} {i}");
            }
        }

        using var resumed = await SubscribeAsync(service, ["/a", "/b"], lastSeen);
        Assert.Equal("replayed", (await resumed.ResponseHeadersAsync).GetValue("sse-resume"));
        var replayed = await ReadAsync(resumed, expected.Count);
        Assert.Equal(expected, replayed.Select(e => e.Data));
        Assert.True(replayed.Select(e => long.Parse(e.Id, CultureInfo.InvariantCulture)).Order().SequenceEqual(replayed.Select(e => long.Parse(e.Id, CultureInfo.InvariantCulture))));

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/a", Data = "live" });
        Assert.Equal("live", (await ReadAsync(resumed, 1))[0].Data);
    }

    [Fact]
    public async Task Subscribe_OpeningIdHeader_ResumesFromWhenItConnected()
    {
        await using var service = await TestService.StartAsync();
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/a", Data = "before" });
        string openingId;
        using (var first = await SubscribeAsync(service, ["/a"]))
        {
            openingId = (await first.ResponseHeadersAsync).GetValue("sse-last-event-id")!;
        }

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/a", Data = "while away" });
        using var resumed = await SubscribeAsync(service, ["/a"], openingId);

        Assert.Equal("while away", (await ReadAsync(resumed, 1))[0].Data);
    }

    [Fact]
    public async Task Subscribe_WithIdOlderThanHistory_GetsTheResetEventThenWhatIsHeld()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:History:MaxEvents"] = "3" });
        string lastSeen;
        using (var first = await SubscribeAsync(service, ["/a"]))
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/a", Data = "seen" });
            lastSeen = (await ReadAsync(first, 1))[0].Id;
        }

        for (var i = 0; i < 10; i++)
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/a", Data = $"{i}" });
        }

        using var resumed = await SubscribeAsync(service, ["/a"], lastSeen);

        Assert.Equal("too-old", (await resumed.ResponseHeadersAsync).GetValue("sse-resume"));
        var events = await ReadAsync(resumed, 4);
        Assert.Equal("sse-reset", events[0].Event);
        Assert.Equal("", events[0].Id);
        var notice = JsonDocument.Parse(events[0].Data).RootElement;
        Assert.Equal((lastSeen, "too_old"), (notice.GetProperty("lastEventId").GetString(), notice.GetProperty("reason").GetString()));
        Assert.Equal(["7", "8", "9"], events.Skip(1).Select(e => e.Data));
    }

    [Fact]
    public async Task Subscribe_WithUnknownId_GetsTheResetEventWithReasonUnknown()
    {
        await using var service = await TestService.StartAsync();
        using var call = await SubscribeAsync(service, ["/a"], "not-an-id-we-issued");

        var reset = (await ReadAsync(call, 1))[0];

        Assert.Equal("sse-reset", reset.Event);
        Assert.Equal("unknown", JsonDocument.Parse(reset.Data).RootElement.GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData(new string[0], "", "namespaces: at least one namespace is required")]
    [InlineData(new[] { "/ok", "bad" }, "", "namespaces[1] 'bad' must start with '/'")]
    [InlineData(new[] { "/a", "/b", "/c" }, "", "namespaces: too many namespaces: 3 (limit 2, Sse:MaxNamespacesPerStream)")]
    [InlineData(new[] { "/a" }, "a\u0001b", "invalid Last-Event-ID: it must not contain CR, LF or NUL, nor any other control character but tab (U+0001 at index 1)")]
    public async Task Subscribe_BadRequest_IsInvalidArgumentNamingTheFieldAndRule(string[] namespaces, string lastEventId, string detail)
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxNamespacesPerStream"] = "2" });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = service.Broadcaster.Subscribe(Request(namespaces, lastEventId));
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(detail, error.Status.Detail);
        Assert.Equal(0, service.Hub.SubscriberCount);
    }

    [Fact]
    public async Task Subscribe_OneOfSeveralNamespacesRefused_IsRefusedWhole()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Sse:Auth:Jwt:SigningKey"] = TestTokens.SigningKey,
            ["Sse:Auth:PrivateNamespaces:0"] = "/private/*",
        });
        var bearer = new Metadata { { "authorization", "Bearer " + TestTokens.Hs256("alice", publish: ["/private/*"], subscribe: ["/private/dogs"]) } };

        var forbidden = await StatusOfAsync(service, ["/public", "/private/dogs", "/private/cats"], bearer);
        var anonymous = await StatusOfAsync(service, ["/public", "/private/dogs"], headers: null);

        Assert.Equal((StatusCode.PermissionDenied, "jwt:alice may not subscribe to /private/cats"), (forbidden.StatusCode, forbidden.Detail));
        Assert.Equal((StatusCode.Unauthenticated, "/private/dogs is private: a credential is required"), (anonymous.StatusCode, anonymous.Detail));
        Assert.Equal(0, service.Hub.SubscriberCount);

        using var granted = await SubscribeAsync(service, ["/public", "/private/dogs"], headers: bearer);
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/private/dogs", Data = "for alice" }, bearer);
        Assert.Equal("for alice", (await ReadAsync(granted, 1))[0].Data);
    }

    [Fact]
    public async Task Subscribe_ClientStopsReading_IsCutAndCountedWhileAnotherGetsEverything()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:SubscriberQueueCapacity"] = "8" });
        using var healthy = await SubscribeAsync(service, ["/flood"]);

        // On a connection of its own, so its unread data holds back only its own stream.
        using var stalledChannel = GrpcChannel.ForAddress(service.GrpcAddress, new GrpcChannelOptions { MaxReceiveMessageSize = null });
        using var stalled = new Broadcaster.BroadcasterClient(stalledChannel).Subscribe(Request(["/flood"], ""));
        await stalled.ResponseHeadersAsync.WaitAsync(Timeout);
        Assert.Equal(2, service.Hub.SubscriberCount);

        var payload = new string('x', 16 * 1024);
        var published = 0;
        while (service.Hub.SubscriberCount == 2)
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/flood", Data = $"{published}:{payload}" });
            Assert.StartsWith($"{published}:", (await ReadAsync(healthy, 1))[0].Data, StringComparison.Ordinal);
            published++;
            Assert.True(published < 5_000, "the stalled call was never cut");
        }

        Assert.Equal(1, service.Hub.Counters.SlowConsumerDisconnects);

        // The stalled call was reset: reading it now fails after at most what it had buffered.
        var readByStalled = 0;
        var end = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await stalled.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout))
            {
                readByStalled++;
            }
        });
        Assert.NotEqual(StatusCode.OK, end.StatusCode);
        Assert.True(readByStalled < published, $"the stalled call read {readByStalled} of {published}");

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/flood", Data = "after the cut" });
        Assert.Equal("after the cut", (await ReadAsync(healthy, 1))[0].Data);
    }

    [Fact]
    public async Task Subscribe_ClientCancels_LeavesTheHub()
    {
        await using var service = await TestService.StartAsync();
        using var cancel = new CancellationTokenSource();
        using var call = await SubscribeAsync(service, ["/a"], cancellationToken: cancel.Token);
        Assert.Equal(1, service.Hub.SubscriberCount);

        await cancel.CancelAsync();

        await WaitUntilAsync(() => service.Hub.SubscriberCount == 0);
    }

    [Fact]
    public async Task GrpcEndpoint_IdleConnections_ArePingedAtTheKeepAliveInterval()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:KeepAliveInterval"] = "00:00:07" });

        var kestrel = service.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(7), kestrel.Limits.Http2.KeepAlivePingDelay);
    }

    private static SubscribeRequest Request(IEnumerable<string> namespaces, string lastEventId)
    {
        var request = new SubscribeRequest { LastEventId = lastEventId };
        request.Namespaces.Add(namespaces);
        return request;
    }

    /// <summary>Opens a call and returns once the server has sent its headers: the hub then holds the subscription.</summary>
    private static async Task<AsyncServerStreamingCall<SseEvent>> SubscribeAsync(
        TestService service, string[] namespaces, string lastEventId = "", Metadata? headers = null, CancellationToken cancellationToken = default)
    {
        var call = service.Broadcaster.Subscribe(Request(namespaces, lastEventId), headers, cancellationToken: cancellationToken);
        await call.ResponseHeadersAsync.WaitAsync(Timeout, CancellationToken.None);
        return call;
    }

    private static async Task<Status> StatusOfAsync(TestService service, string[] namespaces, Metadata? headers)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = service.Broadcaster.Subscribe(Request(namespaces, ""), headers);
            await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout);
        });
        return error.Status;
    }

    private static async Task<List<SseEvent>> ReadAsync(AsyncServerStreamingCall<SseEvent> call, int count)
    {
        var events = new List<SseEvent>(count);
        while (events.Count < count)
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Timeout), "the stream ended");
            events.Add(call.ResponseStream.Current);
        }

        return events;
    }

    private static List<SseService.Hub.Subscription> Subscriptions(TestService service)
    {
        var list = new List<SseService.Hub.Subscription>();
        service.Hub.ForEachSubscription(list.Add);
        return list;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition was not met in time");
            await Task.Delay(20);
        }
    }
}
