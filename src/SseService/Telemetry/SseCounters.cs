namespace SseService.Telemetry;

/// <summary>Totals that only the hub can sum: it walks its open connections when asked.</summary>
public readonly record struct LiveTotals(long ActiveConnections, long Deliveries, long BytesWritten);

/// <summary>A consistent-enough reading of every counter, for the admin page and the meter alike.</summary>
public sealed record SseCountersSnapshot(
    long MessagesPublished,
    long Deliveries,
    long BytesWritten,
    long ActiveConnections,
    long ConnectionsOpened,
    long SlowConsumerDisconnects,
    long ProducerStreams,
    long PublishErrors,
    IReadOnlyDictionary<string, long> PublishErrorsByReason,
    IReadOnlyDictionary<string, long> LimitRejections);

/// <summary>
/// The one source of truth for the service's counters: the admin page and the OpenTelemetry meter
/// both read it. Nothing here is touched per delivery; per-connection counts are summed by the hub
/// (through <see cref="LiveTotals"/>) only when someone looks.
/// </summary>
public sealed class SseCounters
{
    private readonly Lock _reasonsGate = new();
    private readonly Dictionary<string, long> _publishErrorsByReason = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _limitRejections = new(StringComparer.Ordinal);
    private Func<LiveTotals> _liveTotals = static () => default;
    private long _messagesPublished;
    private long _connectionsOpened;
    private long _slowConsumerDisconnects;
    private long _producerStreams;
    private long _publishErrors;

    /// <summary>Called once by the hub so that readings include its open connections.</summary>
    public void UseLiveTotals(Func<LiveTotals> liveTotals) => _liveTotals = liveTotals;

    public void MessagePublished() => Interlocked.Increment(ref _messagesPublished);

    public void ConnectionOpened() => Interlocked.Increment(ref _connectionsOpened);

    public void SlowConsumerDisconnected() => Interlocked.Increment(ref _slowConsumerDisconnects);

    public void ProducerStreamStarted() => Interlocked.Increment(ref _producerStreams);

    public void ProducerStreamEnded() => Interlocked.Decrement(ref _producerStreams);

    /// <param name="reason">One of a small fixed set (a status code name): it becomes a metric tag.</param>
    public void PublishRejected(string reason)
    {
        Interlocked.Increment(ref _publishErrors);
        lock (_reasonsGate)
        {
            _publishErrorsByReason[reason] = _publishErrorsByReason.GetValueOrDefault(reason) + 1;
        }
    }

    /// <param name="limit">Which limit refused a request, from a small fixed set: it becomes a metric tag.</param>
    public void LimitRejected(string limit)
    {
        lock (_reasonsGate)
        {
            _limitRejections[limit] = _limitRejections.GetValueOrDefault(limit) + 1;
        }
    }

    public KeyValuePair<string, long>[] LimitRejections()
    {
        lock (_reasonsGate)
        {
            return [.. _limitRejections];
        }
    }

    public long MessagesPublished => Volatile.Read(ref _messagesPublished);

    public long ConnectionsOpened => Volatile.Read(ref _connectionsOpened);

    public long SlowConsumerDisconnects => Volatile.Read(ref _slowConsumerDisconnects);

    public long ProducerStreams => Volatile.Read(ref _producerStreams);

    public LiveTotals ReadLiveTotals() => _liveTotals();

    public KeyValuePair<string, long>[] PublishErrorsByReason()
    {
        lock (_reasonsGate)
        {
            return [.. _publishErrorsByReason];
        }
    }

    public SseCountersSnapshot Snapshot()
    {
        var live = _liveTotals();
        return new SseCountersSnapshot(
            MessagesPublished,
            live.Deliveries,
            live.BytesWritten,
            live.ActiveConnections,
            ConnectionsOpened,
            SlowConsumerDisconnects,
            ProducerStreams,
            Volatile.Read(ref _publishErrors),
            PublishErrorsByReason().ToDictionary(StringComparer.Ordinal),
            LimitRejections().ToDictionary(StringComparer.Ordinal));
    }
}
