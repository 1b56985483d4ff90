using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using SseService.Hub;

namespace SseService.Subscribers;

/// <summary>
/// One subscriber's stream, whatever carries it: it owns the stream's life once admitted, exactly
/// once each: the opening, the replay, live frames (and the keep-alives the hub queues), the end and
/// its reason (client gone, send failed, server stopping, slow consumer, credential expired), the
/// counters and latency samples, and the unsubscribe. Its transport is an <see cref="ISubscriberSink"/>
/// that only moves bytes. Live frames are pushed: a queued frame schedules the stream on a
/// <see cref="SendWorker"/>, whose pass hands the sink everything queued by then in one batch.
/// </summary>
public sealed class StreamOwner : IFrameQueueListener, ISinkEvents
{
    private const int Idle = 0;      // nothing announced: the next queued frame schedules a pass
    private const int Scheduled = 1; // waiting for its worker's next pass
    private const int Sending = 2;   // a pass is handing the sink a batch right now
    private const int Waiting = 3;   // the sink holds a batch (being handed over, or still going out)
    private const int Ended = 4;

    // Latency is sampled (once a second per stream) so recording it never contends on the hot path.
    private const double LatencySampleSeconds = 1;

    private readonly SseHub _hub;
    private readonly Subscription _subscription;
    private readonly SendWorker _worker;
    private readonly StreamSettings _settings;
    private readonly Action? _released;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ISubscriberSink _sink = null!;
    private TaskCompletionSource? _beforeLiveWritable;
    private int _state;
    private int _end;
    private int _inPass;
    private SseFrame? _drainFrame;
    private long _nextLatencySample;

    internal StreamOwner(SseHub hub, Subscription subscription, SendWorker worker, StreamSettings settings, Action? released)
    {
        _hub = hub;
        _subscription = subscription;
        _worker = worker;
        _settings = settings;
        _released = released;
    }

    public Subscription Subscription => _subscription;

    /// <summary>Why it ended (<see cref="StreamEnd.None"/> while it runs).</summary>
    public StreamEnd End => (StreamEnd)Volatile.Read(ref _end);

    /// <summary>
    /// Runs the stream on <paramref name="sink"/> until it ends; then it has left the hub, its limits
    /// slot is released and the sink is closed, in that order (a reconnect never finds it still counted).
    /// </summary>
    public async Task RunAsync(ISubscriberSink sink)
    {
        _sink = sink;
        SubscriberLog.Connected(_settings.Logger, _subscription.Id, _subscription.Namespace.Value, _subscription.Info.ClientAddress);

        // A registration, a completion source and its place in the drain are all a waiting stream holds.
        _settings.Drain.Opened(this);
        var closedByHub = _subscription.Closed.UnsafeRegister(static state =>
        {
            var stream = (StreamOwner)state!;
            stream.Finish(stream._subscription.CloseReason == CloseReason.CredentialExpired ? StreamEnd.CredentialExpired : StreamEnd.SlowConsumer);
        }, this);
        var cut = false;
        try
        {
            sink.Start(this);
            var opening = StreamOpening.For(_subscription.OpeningId, _settings.RetryMilliseconds);
            cut = !await SendBeforeLiveAsync([new SseFrame(opening, sequence: 0, id: "", NamespacePath.Root, publishedTimestamp: 0)])
                || !await SendBeforeLiveAsync(_subscription.Replay);
            if (!cut)
            {
                _subscription.Listen(this);
                await _ended.Task;
            }
        }
        finally
        {
            cut |= TakeOverForEnd();
            closedByHub.Dispose();
            _settings.Drain.Closed(this);
        }

        var end = End;
        _hub.Unsubscribe(_subscription);
        _released?.Invoke();
        await sink.CloseAsync(cut || end is StreamEnd.ClientGone or StreamEnd.SendFailed or StreamEnd.SlowConsumer);
        Log(end);
    }

    /// <summary>For a stream that will never run (its transport failed before it started): leaves the hub and its limits.</summary>
    public void Discard()
    {
        Volatile.Write(ref _state, Ended);
        _hub.Unsubscribe(_subscription);
        _released?.Invoke();
    }

    /// <summary>The opening and the replay, in batches, before any live frame; false if the stream ended meanwhile.</summary>
    private async ValueTask<bool> SendBeforeLiveAsync(IReadOnlyList<SseFrame> frames)
    {
        if (frames.Count == 0)
        {
            return !_ended.Task.IsCompleted;
        }

        // Borrowed: a batch holds a 64 KiB gather buffer, far more than a waiting stream should keep.
        var batch = SendBatch.Rent();
        try
        {
            return await SendBeforeLiveAsync(frames, batch);
        }
        finally
        {
            SendBatch.Return(batch);
        }
    }

    private async ValueTask<bool> SendBeforeLiveAsync(IReadOnlyList<SseFrame> frames, SendBatch batch)
    {
        var index = 0;
        while (index < frames.Count)
        {
            while (index < frames.Count && batch.TryAdd(frames[index]))
            {
                index++;
            }

            var events = CountEvents(batch);
            var writable = _beforeLiveWritable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var sent = _sink.Send(batch);
            _subscription.RecordWritten(events, batch.Bytes);
            batch.Clear();
            if (sent == SinkSend.Failed)
            {
                Finish(StreamEnd.SendFailed);
                return false;
            }

            // A client that never reads would hold this forever: stop waiting when the stream ends.
            var stillSending = sent == SinkSend.Pending && await Task.WhenAny(writable.Task, _ended.Task) != writable.Task;
            _beforeLiveWritable = null; // from now on "writable" is about live batches
            if (stillSending)
            {
                return false;
            }
        }

        return !_ended.Task.IsCompleted;
    }

    /// <summary>Schedules a pass unless one is already due or under way (which will see the new frame).</summary>
    public void FramesQueued()
    {
        if (Interlocked.CompareExchange(ref _state, Scheduled, Idle) == Idle)
        {
            _worker.Schedule(this);
        }
    }

    /// <summary>Called by the worker's pass: everything queued by now (up to a batch) goes to the sink at once.</summary>
    internal void SendPending(SendBatch batch)
    {
        if (Interlocked.CompareExchange(ref _state, Sending, Scheduled) != Scheduled)
        {
            return; // ended
        }

        Volatile.Write(ref _inPass, 1);
        try
        {
            // Events are counted as the batch fills: one pass over frames that are in the cache now.
            var reader = _subscription.Reader;
            var events = 0;
            var oldestPublished = 0L;
            while (reader.TryPeek(out var next) && batch.HasRoomFor(next) && reader.TryRead(out next))
            {
                batch.TryAdd(next);
                if (next.IsEvent)
                {
                    oldestPublished = events == 0 ? next.PublishedTimestamp : oldestPublished;
                    events++;
                }
            }

            if (batch.Count == 0)
            {
                Release(Sending);
                return;
            }

            _subscription.RecordDequeued(events);

            // Waiting before the send: a sink may report "writable" before its Send even returns.
            Volatile.Write(ref _state, Waiting);
            var sent = _sink.Send(batch);

            // Counted once handed to the transport, so the admin page never lags what clients read.
            _subscription.RecordWritten(events, batch.Bytes);
            if (Volatile.Read(ref _drainFrame) is { } last && batch.Contains(last))
            {
                // The shutdown's retry hint is out: this stream's part of the drain is done.
                Finish(StreamEnd.ServerStopping);
            }

            batch.Clear();
            SampleLatency(events, oldestPublished);

            if (sent == SinkSend.Done)
            {
                Release(Waiting);
            }
            else if (sent == SinkSend.Failed)
            {
                Interlocked.CompareExchange(ref _state, Idle, Waiting);
                Finish(StreamEnd.SendFailed);
            }

            // Pending: frames queued meanwhile wait until the sink says it is writable again.
        }
        finally
        {
            Volatile.Write(ref _inPass, 0);
        }
    }

    public void Writable()
    {
        if (Volatile.Read(ref _beforeLiveWritable) is { } beforeLive)
        {
            beforeLive.TrySetResult();
            return;
        }

        Release(Waiting);
    }

    public void Failed() => Finish(StreamEnd.ClientGone);

    /// <summary>
    /// The service is stopping: <paramref name="retry"/> (a <c>retry:</c> hint) goes after what is queued,
    /// and once it is out the stream ends cleanly.
    /// </summary>
    internal void Drain(SseFrame retry)
    {
        if (Interlocked.CompareExchange(ref _drainFrame, retry, null) is null)
        {
            _subscription.TryEnqueue(retry);
        }
    }

    /// <summary>The drain window is over: ends the stream whether or not it took its retry hint.</summary>
    internal void EndDrained() => Finish(StreamEnd.ServerStopping);

    /// <summary>Gives the stream back to the queue; if frames came while it was busy, schedules the next pass.</summary>
    private void Release(int from)
    {
        if (Interlocked.CompareExchange(ref _state, Idle, from) == from && _subscription.Reader.TryPeek(out _))
        {
            FramesQueued();
        }
    }

    /// <summary>Records why the stream ends (the first reason wins) and wakes its run.</summary>
    private void Finish(StreamEnd end)
    {
        if (Interlocked.CompareExchange(ref _end, (int)end, (int)StreamEnd.None) == (int)StreamEnd.None)
        {
            _ended.TrySetResult();
        }
    }

    /// <summary>
    /// Keeps any further pass away from the sink. A pass under way is waited out (it never blocks);
    /// true when the sink still holds a batch going out, which only a cut can end.
    /// </summary>
    private bool TakeOverForEnd()
    {
        var spin = new SpinWait();
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == Sending || Volatile.Read(ref _inPass) != 0)
            {
                spin.SpinOnce();
                continue;
            }

            if (Interlocked.CompareExchange(ref _state, Ended, state) == state)
            {
                return state == Waiting;
            }
        }
    }

    private void SampleLatency(int events, long oldestPublished)
    {
        if (_settings.Latency is not { } latency || events == 0)
        {
            return;
        }

        var time = _settings.Time;
        var now = time.GetTimestamp();
        if (now >= _nextLatencySample)
        {
            latency.Record(time.GetElapsedTime(oldestPublished, now).TotalSeconds);
            _nextLatencySample = now + (long)(LatencySampleSeconds * time.TimestampFrequency);
        }
    }

    private static int CountEvents(SendBatch batch)
    {
        var events = 0;
        foreach (var frame in batch.Frames)
        {
            events += frame.IsEvent ? 1 : 0;
        }

        return events;
    }

    private void Log(StreamEnd end)
    {
        var logger = _settings.Logger;
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        var ns = _subscription.Namespace.Value;
        if (end == StreamEnd.SlowConsumer)
        {
            SubscriberLog.SlowConsumer(logger, _subscription.Id, ns, _subscription.Info.ClientAddress, _subscription.Capacity);
        }

        var reason = end switch
        {
            StreamEnd.SlowConsumer => "slow consumer",
            StreamEnd.CredentialExpired => "credential expired",
            StreamEnd.ServerStopping => "server stopping",
            StreamEnd.SendFailed => "send failed",
            _ => "client closed",
        };
        var lasted = _settings.Time.GetUtcNow() - _subscription.CreatedAt;
        SubscriberLog.Disconnected(logger, _subscription.Id, ns, reason, lasted, _subscription.MessagesSent);
    }
}

/// <summary>What every stream of one kind shares: set once, held by reference.</summary>
internal sealed record StreamSettings(
    int RetryMilliseconds, Histogram<double>? Latency, TimeProvider Time, ILogger Logger, StreamDrain Drain);
