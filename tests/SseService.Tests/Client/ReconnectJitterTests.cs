using System.Diagnostics;
using System.Net;
using Sse.V1;
using SseService.Client;
using SseService.Tests.Infrastructure;

using SseEvent = SseService.Client.SseEvent; // Sse.V1 has an SseEvent too (the gRPC Subscribe message)

namespace SseService.Tests.Client;

/// <summary>
/// The subscription client's reconnect waits over real sockets: at least what <c>retry:</c> or
/// <c>Retry-After</c> asked for, spread by jitter, growing while the service keeps refusing, and back to
/// the base once a connection was healthy. The clock is injected: it records each wait and (unless a test
/// wants real time) lets it elapse at once, so the tests wait on connection attempts, not on the clock.
/// </summary>
public sealed class ReconnectJitterTests
{
    [Fact]
    public async Task Subscribe_ServerSentRetry_WaitsAtLeastThatLongInRealTimeAndAtMostHalfAgain()
    {
        // Arrange: the configured delay is far longer than the server's retry: 300, so only the hint can explain a short wait.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:RetryMilliseconds"] = "300" });
        using var recorder = new ConnectionRecorder();
        var time = new WaitRecorder(realWaits: true);
        var options = new SseSubscriptionClientOptions { ReconnectDelay = TimeSpan.FromMinutes(10), MaxReconnectDelay = TimeSpan.FromMinutes(10) };
        var client = new SseSubscriptionClient(recorder.CreateClient(service.HttpAddress), options, logger: null, time);
        await using var pump = EventPump.Start(token => client.SubscribeAsync("/jitter", cancellationToken: token));
        await recorder.NextAsync();
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/jitter", Data = "one" });
        Assert.Equal("one", (await pump.ReadAsync()).Data);

        // Act
        var clock = Stopwatch.StartNew();
        service.Hub.OpenSubscription("/jitter").Cut(abort: false);
        var back = await recorder.NextAsync();
        var away = clock.Elapsed;

        // Assert: a lower bound on real time only; the wait asked for is within the jitter's range.
        Assert.Equal(HttpStatusCode.OK, back.Status);
        Assert.True(away >= TimeSpan.FromMilliseconds(300), $"came back after {away}, before retry: 300 ms");
        Assert.InRange(Assert.Single(time.Waits), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(450));
    }

    [Fact]
    public async Task Subscribe_RepeatedRefusals_BacksOffWithJitterAtLeastRetryAfter_ThenStartsOverAfterAHealthyConnection()
    {
        // Arrange: the service's one slot is taken, so every attempt is refused 503 with Retry-After: 2.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Sse:Limits:MaxConnections"] = "1",
            ["Sse:Limits:RetryAfter"] = "00:00:02",
        });
        var holder = await service.SubscribeAsync("/subscribe/held");
        using var recorder = new ConnectionRecorder();
        var time = new WaitRecorder(realWaits: false);
        var options = new SseSubscriptionClientOptions { ReconnectDelay = TimeSpan.FromSeconds(1), MaxReconnectDelay = TimeSpan.FromSeconds(60) };
        var client = new SseSubscriptionClient(recorder.CreateClient(service.HttpAddress), options, logger: null, time, new Random(20261201));
        await using var pump = EventPump.Start(token => client.SubscribeAsync("/jitter", cancellationToken: token));

        // Act 1: eight refusals in a row, then the slot frees.
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await recorder.NextAsync()).Status);
        }

        recorder.HoldNext();
        var refusedWaits = time.Waits.Take(7).ToArray();
        await holder.DisposeAsync();
        recorder.Release();
        while ((await recorder.NextAsync()).Status != HttpStatusCode.OK)
        {
        }

        // Act 2: a healthy connection (an event delivered), then the server ends it.
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/jitter", Data = "in" });
        Assert.Equal("in", (await pump.ReadAsync()).Data);
        var before = time.Waits.Count;
        service.Hub.OpenSubscription("/jitter").Cut(abort: false);

        // The slot is given back as the stream ends, which may be just after the client saw the end and came back.
        while ((await recorder.NextAsync()).Status != HttpStatusCode.OK)
        {
        }

        // Assert: every refused wait honoured Retry-After and the cap, grew at most threefold, and they spread out and grew.
        Assert.Equal(7, refusedWaits.Length);
        Assert.All(refusedWaits, wait => Assert.InRange(wait, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60)));
        for (var i = 1; i < refusedWaits.Length; i++)
        {
            Assert.True(refusedWaits[i] <= refusedWaits[i - 1] * 3, $"wait {i} ({refusedWaits[i]}) more than three times the one before ({refusedWaits[i - 1]})");
        }

        Assert.True(refusedWaits.Distinct().Count() >= 5, $"jitter should spread the waits: {string.Join(", ", refusedWaits)}");
        Assert.True(refusedWaits.Max() > TimeSpan.FromSeconds(6), $"the waits should grow while refused: {string.Join(", ", refusedWaits)}");

        // After the healthy connection it starts over from the base (1 s, plus at most half of it).
        Assert.InRange(time.Waits[before], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task Subscribe_IdThatIsNotAscii_ResumesAfterItThroughTheQuery()
    {
        // Arrange: a producer id with a tab and non-ASCII characters, which a plain HttpClient cannot send as a header.
        await using var service = await TestService.StartAsync();
        using var recorder = new ConnectionRecorder();
        var options = new SseSubscriptionClientOptions { ReconnectDelay = TimeSpan.FromMilliseconds(20), MaxReconnectDelay = TimeSpan.FromSeconds(1) };
        var client = new SseSubscriptionClient(recorder.CreateClient(service.HttpAddress), options);
        await using var pump = EventPump.Start(token => client.SubscribeAsync("/jitter", cancellationToken: token));
        await recorder.NextAsync();
        const string Id = "chien\t🐶 é";
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/jitter", Id = Id, Data = "one" });
        Assert.Equal(new SseEvent("message", "one", Id), await pump.ReadAsync());

        // Act
        recorder.HoldNext();
        service.Hub.OpenSubscription("/jitter").Cut(abort: true);
        var missed = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/jitter", Data = "two" });
        recorder.Release();
        var back = await recorder.NextAsync();

        // Assert
        Assert.Equal((Id, HttpStatusCode.OK, "replayed"), (back.LastEventId, back.Status, back.Resume));
        Assert.Equal(new SseEvent("message", "two", missed.Id), await pump.ReadAsync());
    }

    /// <summary>Records every wait the client asks for; lets it elapse at once, or for real.</summary>
    private sealed class WaitRecorder(bool realWaits) : TimeProvider
    {
        private readonly List<TimeSpan> _waits = [];

        public IReadOnlyList<TimeSpan> Waits
        {
            get
            {
                lock (_waits)
                {
                    return [.. _waits];
                }
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_waits)
            {
                _waits.Add(dueTime);
            }

            return System.CreateTimer(callback, state, realWaits ? dueTime : TimeSpan.Zero, period);
        }
    }
}
