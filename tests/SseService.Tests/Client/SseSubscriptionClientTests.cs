using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sse.V1;
using SseService.Client;
using SseService.Tests.Infrastructure;

using SseEvent = SseService.Client.SseEvent;

namespace SseService.Tests.Client;

public sealed class SseSubscriptionClientTests
{
    /// <summary>Reconnect almost at once: the tests wait on events, never on the clock.</summary>
    private static readonly SseSubscriptionClientOptions FastReconnect = new()
    {
        ReconnectDelay = TimeSpan.FromMilliseconds(20),
        MaxReconnectDelay = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public async Task AddSseSubscriptionClient_Subscribe_ReceivesWhatIsPublishedBelowTheNamespace()
    {
        // Arrange: both clients from one container, as an application would have them.
        await using var service = await TestService.StartAsync();
        var recorder = new ConnectionRecorder();
        var services = new ServiceCollection();
        services.AddSseBroadcaster(options => options.Address = service.GrpcAddress);
        services.AddSseSubscriptionClient(options => options.Address = service.HttpAddress).AddHttpMessageHandler(() => recorder);
        await using var provider = services.BuildServiceProvider();
        var broadcaster = provider.GetRequiredService<ISseBroadcaster>();
        var client = provider.GetRequiredService<SseSubscriptionClient>();
        await using var pump = EventPump.Start(token => client.SubscribeAsync("/pets", cancellationToken: token));
        Assert.Equal(HttpStatusCode.OK, (await recorder.NextAsync()).Status);

        // Act
        var dog = await broadcaster.PublishAsync("/pets/dogs", "Corgi", eventType: "new-dog");
        await broadcaster.PublishAsync("/petshop", "not below /pets");
        var cat = await broadcaster.PublishAsync("/pets/cats", "line 1\nline 2");

        // Assert
        Assert.Equal(new SseEvent("new-dog", "Corgi", dog.Id), await pump.ReadAsync());
        Assert.Equal(new SseEvent("message", "line 1\nline 2", cat.Id), await pump.ReadAsync());
    }

    [Fact]
    public async Task Subscribe_SeveralNamespaces_OneStreamGetsEachOnceAndResumesTheUnionAfterACut()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        using var recorder = new ConnectionRecorder();
        var client = new SseSubscriptionClient(recorder.CreateClient(service.HttpAddress), FastReconnect);
        await using var pump = EventPump.Start(token => client.SubscribeAsync(["/a", "/b", "/a/x"], cancellationToken: token));
        Assert.Equal(HttpStatusCode.OK, (await recorder.NextAsync()).Status);
        Assert.Equal(1, service.Hub.SubscriberCount);
        var ax = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/a/x", Data = "a/x" });
        Assert.Equal(new SseEvent("message", "a/x", ax.Id), await pump.ReadAsync());

        // Act: cut; while it is away, events to both, and to neither.
        recorder.HoldNext();
        service.Hub.OpenSubscription("/a").Cut(abort: true);
        var missed = new List<SseEvent>();
        foreach (var ns in new[] { "/b", "/c", "/a", "/b/y" })
        {
            var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = ns, Data = ns });
            if (ns != "/c")
            {
                missed.Add(new SseEvent("message", ns, reply.Id));
            }
        }

        recorder.Release();

        // Assert: one reconnect with the last id read, then exactly the union's missed events.
        var attempt = await recorder.NextAsync();
        Assert.Equal(ax.Id, attempt.LastEventId);
        Assert.Equal("replayed", attempt.Resume);
        foreach (var expected in missed)
        {
            Assert.Equal(expected, await pump.ReadAsync());
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Subscribe_ServerCutsTheConnection_ResumesWithNoGapAndNoDuplicate(bool abort)
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        using var recorder = new ConnectionRecorder();
        var client = new SseSubscriptionClient(recorder.CreateClient(service.HttpAddress), FastReconnect);
        await using var pump = EventPump.Start(token => client.SubscribeAsync("/seq", cancellationToken: token));
        Assert.Null((await recorder.NextAsync()).LastEventId);
        var ids = new List<string>();

        for (var round = 0; round < 3; round++)
        {
            // Live events, read as they come.
            await PublishSequenceAsync(service, ids, count: 5);
            await AssertReadsAsync(pump, ids, from: ids.Count - 5);

            // Act: the server cuts the stream; five events are published while the client is certainly away.
            recorder.HoldNext();
            service.Hub.OpenSubscription("/seq").Cut(abort);
            await PublishSequenceAsync(service, ids, count: 5);
            recorder.Release();

            // Assert: it came back after the last id it read, and got exactly what it missed, in order.
            var attempt = await recorder.NextAsync();
            Assert.Equal(ids[^6], attempt.LastEventId);
            Assert.Equal("replayed", attempt.Resume);
            await AssertReadsAsync(pump, ids, from: ids.Count - 5);
        }

        // Nothing repeated after the last event either: the next one read is the next one published.
        await PublishSequenceAsync(service, ids, count: 1);
        await AssertReadsAsync(pump, ids, from: ids.Count - 1);
    }

    [Fact]
    public async Task Subscribe_ForcedDisconnectsWhileProducerStreams_EverySequenceNumberArrivesOnceInOrder()
    {
        // Arrange: a producer streams 0..N-1 through the client library while the subscriber reads.
        const int Count = 1_000;
        int[] cutsAfter = [200, 400, 600, 800];
        await using var service = await TestService.StartAsync();
        using var recorder = new ConnectionRecorder();
        var client = new SseSubscriptionClient(recorder.CreateClient(service.HttpAddress), FastReconnect);
        await using var pump = EventPump.Start(token => client.SubscribeAsync("/seq", cancellationToken: token));
        await recorder.NextAsync();
        await using var provider = BroadcasterProvider(service.GrpcAddress);
        var producer = StreamSequenceAsync(provider.GetRequiredService<ISseBroadcaster>(), "/seq", Count);

        // Act and assert: at each cut point, wait until the current connection is up, then cut it,
        // alternately aborted and ended cleanly.
        var cuts = 0;
        for (var expected = 0; expected < Count; expected++)
        {
            var item = await pump.ReadAsync();
            Assert.False(item.IsReset, $"reset at #{expected}: {item.Data}");
            Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), item.Data);
            if (cuts < cutsAfter.Length && expected == cutsAfter[cuts])
            {
                if (cuts > 0)
                {
                    var attempt = await recorder.NextAsync();
                    Assert.NotNull(attempt.LastEventId);
                    Assert.Equal("replayed", attempt.Resume);
                }

                service.Hub.OpenSubscription("/seq").Cut(abort: cuts % 2 == 0);
                cuts++;
            }
        }

        var summary = await producer;
        Assert.Equal((ulong)Count, summary.Accepted);

        // Every reconnection resumed from history, none had to reset.
        var last = await recorder.NextAsync();
        Assert.Equal("replayed", last.Resume);
        Assert.Equal(0, recorder.Pending);
    }

    [Fact]
    public async Task Subscribe_HistoryTooSmallForWhatWasMissed_SurfacesResetThenWhatIsHeldThenLive()
    {
        // Arrange: the history holds a single event.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:History:MaxEvents"] = "1" });
        using var recorder = new ConnectionRecorder();
        var client = new SseSubscriptionClient(recorder.CreateClient(service.HttpAddress), FastReconnect);
        await using var pump = EventPump.Start(token => client.SubscribeAsync("/seq", cancellationToken: token));
        await recorder.NextAsync();
        var ids = new List<string>();
        await PublishSequenceAsync(service, ids, count: 1);
        await AssertReadsAsync(pump, ids, from: 0);

        // Act: cut it, and publish three events while it is away; only the last is still held.
        recorder.HoldNext();
        service.Hub.OpenSubscription("/seq").Cut(abort: true);
        await PublishSequenceAsync(service, ids, count: 3);
        recorder.Release();

        // Assert
        var attempt = await recorder.NextAsync();
        Assert.Equal(ids[0], attempt.LastEventId);
        Assert.Equal("too-old", attempt.Resume);
        var reset = await pump.ReadAsync();
        Assert.True(reset.IsReset);
        Assert.Equal("sse-reset", reset.EventType);
        Assert.Null(reset.Id);
        Assert.Equal(new SseResetNotice(ids[0], SseResetReasons.TooOld), reset.Reset);
        await AssertReadsAsync(pump, ids, from: 3); // what is still held
        await PublishSequenceAsync(service, ids, count: 1);
        await AssertReadsAsync(pump, ids, from: 4); // then live
    }

    [Fact]
    public async Task Subscribe_FromAnIdTheServiceNeverIssued_SurfacesUnknownResetThenLive()
    {
        await using var service = await TestService.StartAsync();
        using var recorder = new ConnectionRecorder();
        var client = new SseSubscriptionClient(recorder.CreateClient(service.HttpAddress), FastReconnect);

        await using var pump = EventPump.Start(token => client.SubscribeAsync("/seq", lastEventId: "not-issued-here", cancellationToken: token));

        Assert.Equal("unknown", (await recorder.NextAsync()).Resume);
        var reset = await pump.ReadAsync();
        Assert.Equal(new SseResetNotice("not-issued-here", SseResetReasons.Unknown), reset.Reset);
        var ids = new List<string>();
        await PublishSequenceAsync(service, ids, count: 1);
        await AssertReadsAsync(pump, ids, from: 0);
    }

    [Fact]
    public async Task Subscribe_CutBeforeAnyEventArrived_ResumesFromTheOpeningId()
    {
        // Arrange: connected, but no event yet: all it has is the id the stream opened with.
        await using var service = await TestService.StartAsync();
        using var recorder = new ConnectionRecorder();
        var client = new SseSubscriptionClient(recorder.CreateClient(service.HttpAddress), FastReconnect);
        await using var pump = EventPump.Start(token => client.SubscribeAsync("/seq", cancellationToken: token));
        await recorder.NextAsync();

        // Act: an event is published while it is away.
        recorder.HoldNext();
        service.Hub.OpenSubscription("/seq").Cut(abort: false);
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/seq", Data = "missed" });
        recorder.Release();

        // Assert: it resumed from where its first stream started, so nothing is missing.
        var attempt = await recorder.NextAsync();
        Assert.NotNull(attempt.LastEventId);
        Assert.Equal("replayed", attempt.Resume);
        Assert.Equal("missed", (await pump.ReadAsync()).Data);
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/seq", Data = "live" });
        Assert.Equal("live", (await pump.ReadAsync()).Data);
    }

    [Fact]
    public async Task Subscribe_ServerSentRetryHint_WaitsThatLongInsteadOfTheConfiguredDelay()
    {
        // Arrange: the service sends "retry: 1500" on every stream; the configured delay is far longer.
        // The clock records each reconnect wait and lets it elapse at once.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:RetryMilliseconds"] = "1500" });
        using var recorder = new ConnectionRecorder();
        var time = new RecordingTimeProvider();
        var options = new SseSubscriptionClientOptions { ReconnectDelay = TimeSpan.FromMinutes(10), MaxReconnectDelay = TimeSpan.FromMinutes(10) };
        // The jitter at its lowest: every wait is exactly the hint (ReconnectJitterTests covers the spread).
        var client = new SseSubscriptionClient(recorder.CreateClient(service.HttpAddress), options, logger: null, time, new ReconnectBackoffTests.FixedRandom(0));
        await using var pump = EventPump.Start(token => client.SubscribeAsync("/seq", cancellationToken: token));
        await recorder.NextAsync();
        var ids = new List<string>();
        await PublishSequenceAsync(service, ids, count: 1);
        await AssertReadsAsync(pump, ids, from: 0);

        // Act 1: the stream ends.
        service.Hub.OpenSubscription("/seq").Cut(abort: false);
        await recorder.NextAsync();

        // Act 2: a producer's per-event hint replaces it; the stream is aborted.
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/seq", Data = "hint", RetryMs = 250 });
        Assert.Equal("hint", (await pump.ReadAsync()).Data);
        service.Hub.OpenSubscription("/seq").Cut(abort: true);
        await recorder.NextAsync();

        // Assert
        Assert.Equal([TimeSpan.FromMilliseconds(1500), TimeSpan.FromMilliseconds(250)], time.Delays);
    }

    [Fact]
    public async Task Subscribe_ConnectionGoesSilent_IsReplacedAfterIdleTimeout()
    {
        // Arrange: no keep-alives for an hour, and a client that calls a connection dead after 200 ms of silence.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:KeepAliveInterval"] = "01:00:00" });
        using var recorder = new ConnectionRecorder();
        var options = new SseSubscriptionClientOptions
        {
            ReconnectDelay = TimeSpan.FromMilliseconds(20),
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
            IdleTimeout = TimeSpan.FromMilliseconds(200),
        };
        var client = new SseSubscriptionClient(recorder.CreateClient(service.HttpAddress), options);
        await using var pump = EventPump.Start(token => client.SubscribeAsync("/seq", cancellationToken: token));
        await NextConnectedAsync(recorder);

        // Act and assert: with nothing received, it connects again by itself.
        await NextConnectedAsync(recorder);
    }

    /// <summary>The next attempt that connected (on a very slow machine an attempt may time out before its headers).</summary>
    private static async Task<ConnectionAttempt> NextConnectedAsync(ConnectionRecorder recorder)
    {
        while (true)
        {
            var attempt = await recorder.NextAsync();
            if (attempt.Status == HttpStatusCode.OK)
            {
                return attempt;
            }
        }
    }

    [Fact]
    public async Task Subscribe_Cancelled_EndsWithoutExceptionAndClosesTheConnection()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        using var recorder = new ConnectionRecorder();
        var client = new SseSubscriptionClient(recorder.CreateClient(service.HttpAddress), FastReconnect);
        await using var pump = EventPump.Start(token => client.SubscribeAsync("/seq", cancellationToken: token));
        await recorder.NextAsync();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = service.Hub.OpenSubscription("/seq").Closed.Register(() => closed.TrySetResult());

        // Act
        await pump.StopAsync();

        // Assert: the enumeration ended normally, and the server saw the connection go.
        await closed.Task.WaitAsync(SseSubscriber.DefaultTimeout);
    }

    [Fact]
    public async Task Subscribe_NamespaceTheServiceRefuses_ThrowsWithItsReasonAndDoesNotRetry()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxNamespaceDepth"] = "2" });
        using var recorder = new ConnectionRecorder();
        var client = new SseSubscriptionClient(recorder.CreateClient(service.HttpAddress), FastReconnect);

        var error = await Assert.ThrowsAsync<HttpRequestException>(async () =>
        {
            await foreach (var _ in client.SubscribeAsync("/a/b/c"))
            {
            }
        });

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("invalid namespace", error.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await recorder.NextAsync()).Status);
        Assert.Equal(0, recorder.Pending);
    }

    [Fact]
    public async Task Subscribe_NamespaceWithCharactersToEscape_RoundTrips()
    {
        await using var service = await TestService.StartAsync();
        using var recorder = new ConnectionRecorder();
        var client = new SseSubscriptionClient(recorder.CreateClient(service.HttpAddress), FastReconnect);
        await using var pump = EventPump.Start(token => client.SubscribeAsync("/café/a b?c#d%20", cancellationToken: token));
        Assert.Equal(HttpStatusCode.OK, (await recorder.NextAsync()).Status);

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/café/a b?c#d%20/deeper", Data = "found" });

        Assert.Equal("found", (await pump.ReadAsync()).Data);
    }

    [Fact]
    public async Task AddSseSubscriptionClient_WithoutAddress_ResolvingFailsWithMessageNamingTheOption()
    {
        var services = new ServiceCollection();
        services.AddSseSubscriptionClient(_ => { });
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<SseSubscriptionClient>());

        Assert.Contains("SseSubscriptionClientOptions.Address is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_MaxDelayBelowDelay_FailsWithMessageNamingBoth()
    {
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:1") };
        var options = new SseSubscriptionClientOptions { ReconnectDelay = TimeSpan.FromSeconds(5), MaxReconnectDelay = TimeSpan.FromSeconds(1) };

        var error = Assert.Throws<OptionsValidationException>(() => new SseSubscriptionClient(http, options));

        Assert.Contains("MaxReconnectDelay (00:00:01) must be at least ReconnectDelay (00:00:05)", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Publishes the next <paramref name="count"/> numbers of the sequence to /seq, recording their ids.</summary>
    private static async Task PublishSequenceAsync(TestService service, List<string> ids, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var data = ids.Count.ToString(CultureInfo.InvariantCulture);
            ids.Add((await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/seq", Data = data })).Id);
        }
    }

    /// <summary>Reads sequence numbers <paramref name="from"/>..end of <paramref name="ids"/>, exactly, with their ids.</summary>
    private static async Task AssertReadsAsync(EventPump pump, List<string> ids, int from)
    {
        for (var expected = from; expected < ids.Count; expected++)
        {
            var item = await pump.ReadAsync();
            Assert.Equal(new SseEvent("message", expected.ToString(CultureInfo.InvariantCulture), ids[expected]), item);
        }
    }

    private static async Task<BroadcastSummary> StreamSequenceAsync(ISseBroadcaster broadcaster, string ns, int count)
    {
        using var call = broadcaster.OpenStream();
        // Paced, so that publishing goes on across the cuts rather than finishing before the first.
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
        for (var i = 0; i < count; i++)
        {
            if (i % 4 == 0)
            {
                await pace.WaitForNextTickAsync();
            }

            await call.RequestStream.WriteAsync(new SseMessage { Namespace = ns, Data = i.ToString(CultureInfo.InvariantCulture) });
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    private static ServiceProvider BroadcasterProvider(Uri grpcAddress)
    {
        var services = new ServiceCollection();
        services.AddSseBroadcaster(options => options.Address = grpcAddress);
        return services.BuildServiceProvider();
    }

    /// <summary>Records every wait the client asks for and lets it elapse at once.</summary>
    private sealed class RecordingTimeProvider : TimeProvider
    {
        private readonly List<TimeSpan> _delays = [];

        public IReadOnlyList<TimeSpan> Delays
        {
            get
            {
                lock (_delays)
                {
                    return [.. _delays];
                }
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_delays)
            {
                _delays.Add(dueTime);
            }

            return System.CreateTimer(callback, state, TimeSpan.Zero, period);
        }
    }
}
