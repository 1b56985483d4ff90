using System.Diagnostics;
using System.Net;
using SseService.LoadTest.Options;
using SseService.LoadTest.Storm;

namespace SseService.LoadTest.Subscribing;

/// <summary>All subscribers of a run: connects them, sums their counters, and ends them.</summary>
internal sealed class SubscriberPool : IDisposable
{
    private readonly SubscriberShared _shared;
    private readonly Subscriber[] _subscribers;
    private readonly TaskCompletionSource _allAttempted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _running;
    private int _attempted;
    private int _failed;

    public SubscriberPool(LoadOptions options, SubscriberShared shared)
    {
        _shared = shared;
        _subscribers = new Subscriber[options.Subscribers];
        _running = new List<Task>(_subscribers.Length);
        var stalledEvery = options.StalledSubscribers > 0 ? (double)options.Subscribers / options.StalledSubscribers : 0;
        var nextStalled = stalledEvery / 2;
        for (var i = 0; i < _subscribers.Length; i++)
        {
            // Stalled subscribers are spread evenly, so every namespace has its share of them.
            var stalled = stalledEvery > 0 && i >= nextStalled;
            if (stalled)
            {
                nextStalled += stalledEvery;
            }

            IPAddress? source = options.SourceAddresses.Count > 0 ? options.SourceAddresses[i % options.SourceAddresses.Count] : null;
            _subscribers[i] = new Subscriber(shared, shared.Plan.LeavesOf(i), source, stalled, shared.Grpc?.ClientFor(i));
        }
    }

    public int Count => _subscribers.Length;

    /// <summary>HTTP/2 channels the gRPC subscribers share; 0 for SSE.</summary>
    public int GrpcChannels => _shared.Grpc?.Count ?? 0;

    public int Failed => Volatile.Read(ref _failed);

    public int StalledCount => Array.FindAll(_subscribers, s => s.IsStalled).Length;

    public IReadOnlyDictionary<string, int> Errors => _shared.Errors.Snapshot();

    /// <summary>Starts every subscriber; completes once each has made its first attempt. Returns how long that took.</summary>
    public async Task<TimeSpan> ConnectAllAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        foreach (var subscriber in _subscribers)
        {
            _running.Add(subscriber.RunAsync(OnFirstAttempt));
        }

        await _allAttempted.Task.WaitAsync(cancellationToken);
        return Stopwatch.GetElapsedTime(started);
    }

    public int Attempted => Volatile.Read(ref _attempted);

    /// <summary>Subscribers whose first stream has its head and its opening comment.</summary>
    public int Opened => _shared.Opened;

    /// <summary>
    /// After <see cref="ConnectAllAsync"/>: waits, checking every millisecond, until every subscriber that
    /// connected has its opening comment too (or the time is up), so memory can be read as soon as the
    /// last stream is open. Returns how many are open.
    /// </summary>
    public async Task<int> WaitOpenedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var connected = Attempted - Failed;
        while (_shared.Opened < connected && Stopwatch.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(1, CancellationToken.None);
        }

        return _shared.Opened;
    }

    /// <summary>Sums the counters of the subscribers that read; stalled ones count only in <see cref="SubscriberTotals.Connected"/>.</summary>
    public SubscriberTotals Totals()
    {
        var connected = 0;
        long received = 0, gaps = 0, maxGaps = 0, duplicates = 0, maxDuplicates = 0, foreign = 0, closed = 0, reconnects = 0;
        foreach (var subscriber in _subscribers)
        {
            if (subscriber.IsConnected)
            {
                connected++;
            }

            if (subscriber.IsStalled)
            {
                continue;
            }

            received += subscriber.Received;
            var subscriberGaps = subscriber.Gaps;
            gaps += subscriberGaps;
            maxGaps = Math.Max(maxGaps, subscriberGaps);
            var subscriberDuplicates = subscriber.Duplicates;
            duplicates += subscriberDuplicates;
            maxDuplicates = Math.Max(maxDuplicates, subscriberDuplicates);
            foreign += subscriber.Foreign;
            closed += subscriber.ClosedByServer;
            reconnects += subscriber.Reconnects;
        }

        return new SubscriberTotals(connected, received, gaps, maxGaps, duplicates, maxDuplicates, foreign, closed, reconnects);
    }

    /// <summary>
    /// Waits, checking every 10 ms, until some reader has received a message, publishing has ended
    /// (<paramref name="publishing"/>), the time is up or the user interrupts.
    /// </summary>
    public async Task WaitFirstDeliveryAsync(TimeSpan timeout, Task publishing, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!publishing.IsCompleted && Stopwatch.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested)
        {
            foreach (var subscriber in _subscribers)
            {
                if (subscriber.Received > 0)
                {
                    return;
                }
            }

            await Task.Delay(10, CancellationToken.None);
        }
    }

    /// <summary>
    /// The highest sequence any reader has seen on each namespace (sequences count from 1, so summed
    /// over the namespaces it is the number of messages that reached someone). It stands in for the
    /// publisher's own counts when another program publishes.
    /// </summary>
    public long[] HighestSequences()
    {
        var highest = new long[_shared.Plan.Count];
        foreach (var subscriber in _subscribers)
        {
            if (!subscriber.IsStalled)
            {
                for (var slot = 0; slot < subscriber.Leaves.Length; slot++)
                {
                    var leaf = subscriber.Leaves[slot];
                    highest[leaf] = Math.Max(highest[leaf], subscriber.LastSequenceOf(slot));
                }
            }
        }

        return highest;
    }

    /// <summary>
    /// Waits until every connected reader has seen the last sequence of its namespace, or the time is up.
    /// Returns the events still missing then: losses no later event could reveal as a gap.
    /// </summary>
    public async Task<long> WaitForLastAsync(IReadOnlyList<long> lastSequences, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var missing = 0L;
            foreach (var subscriber in _subscribers)
            {
                if (!subscriber.IsStalled && subscriber.IsConnected)
                {
                    for (var slot = 0; slot < subscriber.Leaves.Length; slot++)
                    {
                        missing += Math.Max(0, lastSequences[subscriber.Leaves[slot]] - subscriber.LastSequenceOf(slot));
                    }
                }
            }

            if (missing == 0 || Stopwatch.GetTimestamp() >= deadline)
            {
                return missing;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>How many stalled subscribers the server has cut (read out at the end of the run).</summary>
    public async Task<int> CountStalledCutAsync(TimeSpan timeout)
    {
        var probes = new List<Task<bool>>();
        foreach (var subscriber in _subscribers)
        {
            if (subscriber.IsStalled && subscriber.IsConnected)
            {
                probes.Add(subscriber.ProbeCutAsync(timeout));
            }
        }

        var cut = 0;
        foreach (var probe in probes)
        {
            cut += await probe ? 1 : 0;
        }

        return cut;
    }

    /// <summary>The tool-side cut of a storm: closes every subscriber's socket, one after the other, as fast as the loop goes.</summary>
    public void CutAllByTool()
    {
        foreach (var subscriber in _subscribers)
        {
            subscriber.CutByTool();
        }
    }

    /// <summary>How many subscribers are in each phase of the storm now.</summary>
    public (int Before, int Cut, int Back, int CaughtUp) StormPhases()
    {
        int before = 0, cut = 0, back = 0, caughtUp = 0;
        foreach (var subscriber in _subscribers)
        {
            switch (subscriber.StormPhase)
            {
                case StormPhase.Before: before++; break;
                case StormPhase.Cut: cut++; break;
                case StormPhase.Back: back++; break;
                default: caughtUp++; break;
            }
        }

        return (before, cut, back, caughtUp);
    }

    /// <summary>Every subscriber's storm, for the report.</summary>
    public SubscriberStormResult[] StormResults() => Array.ConvertAll(_subscribers, s => s.StormResult());

    /// <summary>Closes every stream from our side and waits for the subscribers to finish.</summary>
    public async Task StopAsync()
    {
        _shared.Stop();
        foreach (var subscriber in _subscribers)
        {
            subscriber.Disconnect();
        }

        await Task.WhenAll(_running);
    }

    public void Dispose() => _shared.Dispose();

    private void OnFirstAttempt(bool connected)
    {
        if (!connected)
        {
            Interlocked.Increment(ref _failed);
        }

        if (Interlocked.Increment(ref _attempted) == _subscribers.Length)
        {
            _allAttempted.TrySetResult();
        }
    }
}
