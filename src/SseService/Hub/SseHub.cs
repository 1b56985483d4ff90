using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using SseService.Telemetry;

namespace SseService.Hub;

/// <summary>
/// The fan-out heart: publishers hand it validated publications, it encodes each once and queues the
/// same bytes to every matching subscription. It knows no HTTP and no gRPC.
/// </summary>
public sealed class SseHub
{
    private readonly NamespaceTrie _subscriptions = new();
    private readonly Lock _publishGate = new();
    private readonly TimeProvider _time;
    private readonly HubOptions _options;
    private readonly SseCounters _counters;
    private readonly SseInstrumentation? _instrumentation;
    private readonly EventHistory _history;
    private readonly BacklogSignal _backlogEased = new();

    // Held while a closed subscription's counts move from the trie to the closed totals, and while
    // totals are read, so that monotonic counters never appear to go back.
    private readonly Lock _accountingGate = new();
    private long _closedDeliveries;
    private long _closedBytes;
    private long _sequence;
    private long _lastSubscriptionId;

    public SseHub(IOptions<HubOptions> options, TimeProvider time, SseCounters? counters = null, SseInstrumentation? instrumentation = null)
    {
        _options = options.Value;
        _time = time;
        _counters = counters ?? new SseCounters();
        _instrumentation = instrumentation;
        _history = new EventHistory(_options.History, time);
        _counters.UseLiveTotals(ReadLiveTotals);

        // Server-assigned ids start from the clock (microseconds since 1970), so they keep increasing
        // across restarts as long as fewer than a million events a second were published on average.
        _sequence = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
    }

    public HubOptions Options => _options;

    /// <summary>Open subscriptions on this instance.</summary>
    public int SubscriberCount => _subscriptions.Count;

    /// <summary>Publications accepted since start.</summary>
    public long MessagesPublished => _counters.MessagesPublished;

    /// <summary>The counters this hub feeds (shared with the admin page and the meter).</summary>
    public SseCounters Counters => _counters;

    /// <summary>Events held for resume, and their approximate memory.</summary>
    public (int Events, long Bytes) HistorySize => (_history.Count, _history.Bytes);

    /// <summary>
    /// Registers a subscription. With <paramref name="lastEventId"/> (a client's Last-Event-ID), it
    /// first gets every event after that id that its namespace receives, then live events, with no
    /// gap and no duplicate: registration and the replay's upper bound are fixed under the publish lock.
    /// Without one, <paramref name="backlog"/> &gt; 0 starts it with the last that many events its
    /// namespace received (from the history, bounded the same way), then live events.
    /// </summary>
    public Subscription Subscribe(NamespacePath ns, SubscriberInfo info, string? lastEventId = null, int backlog = 0) =>
        Subscribe([ns], info, lastEventId, backlog);

    /// <summary>
    /// Registers one subscription for several namespaces: each event any of them receives reaches it
    /// once, in the global order, also where they overlap; a Last-Event-ID replays the union's missed
    /// events, and a backlog is the last events of the union.
    /// </summary>
    public Subscription Subscribe(IReadOnlyList<NamespacePath> namespaces, SubscriberInfo info, string? lastEventId = null, int backlog = 0)
    {
        var subscription = new Subscription(
            Interlocked.Increment(ref _lastSubscriptionId), NamespaceSet.Normalize(namespaces), info, _options.SubscriberQueueCapacity,
            _time.GetUtcNow(), _backlogEased);
        long lastPublished;
        lock (_publishGate)
        {
            _subscriptions.Add(subscription);
            lastPublished = _sequence;
        }

        _counters.ConnectionOpened();
        if (!string.IsNullOrEmpty(lastEventId))
        {
            PrepareReplay(subscription, lastEventId, lastPublished);
        }
        else
        {
            if (backlog > 0 && lastPublished > 0)
            {
                var replay = new List<SseFrame>(Math.Min(backlog, 1024));
                _history.CollectLast(backlog, lastPublished, subscription.Namespaces, replay);
                subscription.Replay = replay;
            }

            // The replay's ids set the client's last id; without one, the opening does.
            if (subscription.Replay.Count == 0 && lastPublished > 0)
            {
                subscription.OpeningId = lastPublished.ToString(CultureInfo.InvariantCulture);
            }
        }

        return subscription;
    }

    private void PrepareReplay(Subscription subscription, string lastEventId, long lastPublished)
    {
        var replay = new List<SseFrame>();
        ResumeOutcome outcome;
        if (!_history.TryResolve(lastEventId, out var afterSequence) || afterSequence > lastPublished)
        {
            outcome = ResumeOutcome.Unknown;
        }
        else if (afterSequence == lastPublished)
        {
            outcome = ResumeOutcome.Replayed; // nothing was published since: nothing missed
        }
        else
        {
            outcome = _history.CollectAfter(afterSequence, lastPublished, subscription.Namespaces, replay)
                ? ResumeOutcome.Replayed
                : ResumeOutcome.TooOld;
        }

        if (outcome is ResumeOutcome.TooOld or ResumeOutcome.Unknown)
        {
            replay.Insert(0, ResetFrame(lastEventId, outcome));
        }

        subscription.Replay = replay;
        subscription.Resume = outcome;
    }

    /// <summary>
    /// The signal that events may be missing. It carries no id, so the client keeps its own last id,
    /// and gets the signal again if it reconnects before any live event.
    /// </summary>
    private SseFrame ResetFrame(string lastEventId, ResumeOutcome outcome)
    {
        var reason = outcome == ResumeOutcome.TooOld ? "too_old" : "unknown";
        var data = System.Text.Json.JsonSerializer.Serialize(new ResetNotice(lastEventId, reason), HubJsonContext.Default.ResetNotice);
        var bytes = SseFrameEncoder.Encode(id: "", _options.History.ResetEventType, data, retryMilliseconds: 0);
        return new SseFrame(bytes, sequence: -1, id: "", NamespacePath.Root, _time.GetTimestamp());
    }

    /// <summary>Removes a subscription whose stream has ended (its writer has stopped); again, it does nothing.</summary>
    public void Unsubscribe(Subscription subscription)
    {
        subscription.Complete();
        lock (_accountingGate)
        {
            if (!_subscriptions.Remove(subscription))
            {
                return;
            }

            _closedDeliveries += subscription.MessagesSent;
            _closedBytes += subscription.BytesWritten;
        }

        if (subscription.CloseReason == CloseReason.SlowConsumer)
        {
            _counters.SlowConsumerDisconnected();
        }

        _backlogEased.Eased(); // one fewer subscriber to wait for
    }

    /// <summary>
    /// Assigns the next sequence (and id, unless the producer gave one), encodes the frame once and
    /// queues it to the namespace's subscribers and its ancestors'. One publication at a time, so every
    /// subscriber sees events in the same order as their sequence.
    /// </summary>
    public PublishResult Publish(in Publication publication)
    {
        using var activity = SseInstrumentation.ActivitySource.StartActivity("sse.publish");
        var started = _time.GetTimestamp();
        PublishResult result;
        lock (_publishGate)
        {
            result = PublishLocked(publication, ++_sequence, started, deliverToSubscribers: true);
        }

        Published(publication, result, started, activity);
        return result;
    }

    /// <summary>
    /// Publishes an event whose place in the order was fixed elsewhere (by a backplane that every
    /// instance reads in the same order). A sequence not above the last one is a duplicate (a
    /// redelivery while catching up) and is dropped: null is returned.
    /// </summary>
    /// <param name="deliverToSubscribers">False to only record it in the history (loading the past at start).</param>
    public PublishResult? PublishSequenced(in Publication publication, long sequence, bool deliverToSubscribers = true)
    {
        using var activity = SseInstrumentation.ActivitySource.StartActivity("sse.publish");
        var started = _time.GetTimestamp();
        PublishResult result;
        lock (_publishGate)
        {
            if (sequence <= _sequence)
            {
                return null;
            }

            _sequence = sequence;
            result = PublishLocked(publication, sequence, started, deliverToSubscribers);
        }

        Published(publication, result, started, activity);
        return result;
    }

    /// <summary>The sequence of the last event published here.</summary>
    public long LastSequence
    {
        get
        {
            lock (_publishGate)
            {
                return _sequence;
            }
        }
    }

    /// <summary>Open subscriptions that an event published to <paramref name="ns"/> would reach.</summary>
    public int CountSubscribers(NamespacePath ns) =>
        _subscriptions.ForEachMatch(ns, 0, static (_, _) => true);

    private PublishResult PublishLocked(in Publication publication, long sequence, long started, bool deliverToSubscribers)
    {
        var id = publication.Id.Length > 0 ? publication.Id : sequence.ToString(CultureInfo.InvariantCulture);
        var bytes = SseFrameEncoder.Encode(id, publication.EventType, publication.Data, publication.RetryMilliseconds);
        var frame = new SseFrame(bytes, sequence, id, publication.Namespace, started);
        _history.Add(frame, producerId: publication.Id.Length > 0);
        var subscribers = deliverToSubscribers
            ? _subscriptions.ForEachMatch(publication.Namespace, frame, static (subscription, frame) => subscription.TryEnqueue(frame))
            : 0;
        return new PublishResult(id, subscribers);
    }

    private void Published(in Publication publication, PublishResult result, long started, Activity? activity)
    {
        _counters.MessagePublished();
        _instrumentation?.PublishDuration.Record(_time.GetElapsedTime(started).TotalSeconds);
        if (activity is not null)
        {
            activity.SetTag("sse.namespace", publication.Namespace.Value);
            activity.SetTag("sse.subscribers", result.Subscribers);
            activity.SetTag("sse.message_id", result.Id);
        }
    }

    /// <summary>
    /// The share of the subscriptions <paramref name="ns"/> reaches whose queue is backlogged. Most of
    /// them behind at once means the server, not its clients, is the bottleneck: producers should slow
    /// down rather than have every subscriber cut. Lock-free: it reads two counters per subscription.
    /// </summary>
    public double Congestion(NamespacePath ns)
    {
        var backlogged = new StrongBox<int>();
        var matched = _subscriptions.ForEachMatch(ns, backlogged, static (subscription, backlogged) =>
        {
            if (subscription.IsBacklogged)
            {
                backlogged.Value++;
            }

            return true;
        });
        return matched == 0 ? 0 : (double)backlogged.Value / matched;
    }

    /// <summary>
    /// Completes when some subscription's backlog next falls below the backlogged mark, or one leaves:
    /// the moment a producer held back by <see cref="Congestion"/> should look again. Take it before
    /// checking the congestion, so an ease in between is not missed.
    /// </summary>
    public Task WhenBacklogEases() => _backlogEased.Next();

    /// <summary>
    /// Cuts, as slow consumers, subscriptions whose oldest queued event has waited longer than
    /// <paramref name="maxAge"/>: a client that stopped reading, whose socket buffers absorbed what the
    /// queue bound alone would have caught much later.
    /// </summary>
    public void CloseStalled(TimeSpan maxAge)
    {
        var oldestAllowed = _time.GetTimestamp() - (long)(maxAge.TotalSeconds * _time.TimestampFrequency);
        _subscriptions.ForEach(oldestAllowed, static (subscription, oldestAllowed) =>
        {
            if (subscription.OldestQueuedTimestamp < oldestAllowed)
            {
                subscription.Close(CloseReason.SlowConsumer);
            }
        });
    }

    /// <summary>Queues a keep-alive comment to every subscription that wrote nothing since the last call.</summary>
    public void SendKeepAlives() =>
        _subscriptions.ForEach(0, static (subscription, _) =>
        {
            if (subscription.TakeIdle())
            {
                subscription.TryEnqueue(SseFrame.KeepAlive);
            }
        });

    private LiveTotals ReadLiveTotals()
    {
        lock (_accountingGate)
        {
            var totals = new StrongBox<LiveTotals>(new LiveTotals(0, _closedDeliveries, _closedBytes));
            _subscriptions.ForEach(totals, static (subscription, totals) =>
                totals.Value = new LiveTotals(
                    totals.Value.ActiveConnections + 1,
                    totals.Value.Deliveries + subscription.MessagesSent,
                    totals.Value.BytesWritten + subscription.BytesWritten));
            return totals.Value;
        }
    }

    /// <summary>Ends every stream whose credential has expired by <paramref name="now"/>.</summary>
    public void CloseExpired(DateTimeOffset now) =>
        _subscriptions.ForEach(now, static (subscription, now) =>
        {
            if (subscription.ExpiresAt <= now)
            {
                subscription.Close(CloseReason.CredentialExpired);
            }
        });

    /// <summary>Visits every open subscription (a snapshot per namespace), for status pages.</summary>
    public void ForEachSubscription(Action<Subscription> visit) =>
        _subscriptions.ForEach(visit, static (subscription, visit) => visit(subscription));
}
