using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SseService.Telemetry;

/// <summary>
/// The service's Meter and ActivitySource, both named <see cref="Name"/>. Instruments are created
/// once; the counters observe <see cref="SseCounters"/>, so OpenTelemetry and the admin page read the
/// same numbers. No tag has unbounded values (no namespace, no client).
/// </summary>
public sealed class SseInstrumentation : IDisposable
{
    /// <summary>The Meter and ActivitySource name (also the application name ServiceDefaults subscribes to).</summary>
    public const string Name = "SseService";

    /// <summary>Spans per publish, parented to the gRPC request that carried it.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    // Bucket bounds in seconds. Without advice OpenTelemetry uses 0 to 10,000 (made for milliseconds),
    // which puts every publish in the first bucket and makes a quantile (p99) meaningless.
    private static readonly InstrumentAdvice<double> s_publishDurationBuckets = new()
    {
        HistogramBucketBoundaries = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    };

    private static readonly InstrumentAdvice<double> s_deliveryLatencyBuckets = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private readonly Meter _meter;

    public SseInstrumentation(IMeterFactory meterFactory, SseCounters counters)
    {
        _meter = meterFactory.Create(Name);

        _meter.CreateObservableUpDownCounter("sse.connections.active", () => counters.ReadLiveTotals().ActiveConnections,
            "{connection}", "SSE streams open now");
        _meter.CreateObservableCounter("sse.connections.opened", () => counters.ConnectionsOpened,
            "{connection}", "SSE streams opened since start");
        _meter.CreateObservableCounter("sse.messages.published", () => counters.MessagesPublished,
            "{message}", "Messages accepted from producers");
        _meter.CreateObservableCounter("sse.deliveries", () => counters.ReadLiveTotals().Deliveries,
            "{event}", "Events written to subscribers");
        _meter.CreateObservableCounter("sse.bytes.written", () => counters.ReadLiveTotals().BytesWritten,
            "By", "Bytes of events and comments written to subscribers");
        _meter.CreateObservableCounter("sse.slow_consumer.disconnects", () => counters.SlowConsumerDisconnects,
            "{connection}", "Subscribers cut because their queue was full");
        _meter.CreateObservableUpDownCounter("sse.producer.streams.active", () => counters.ProducerStreams,
            "{stream}", "BroadcastStream calls open now");
        _meter.CreateObservableCounter("sse.publish.errors", () => Tagged(counters.PublishErrorsByReason(), "error.type"),
            "{error}", "Publishes refused, by reason");
        _meter.CreateObservableCounter("sse.limit.rejections", () => Tagged(counters.LimitRejections(), "sse.limit"),
            "{rejection}", "Requests refused by a configured limit, by limit");

        PublishDuration = _meter.CreateHistogram("sse.publish.duration", "s",
            "Time to encode a message and queue it to every matching subscriber", tags: null, s_publishDurationBuckets);
        DeliveryLatency = _meter.CreateHistogram("sse.delivery.latency", "s",
            "Time from publish to the write of the event to a subscriber's socket (sampled)", tags: null, s_deliveryLatencyBuckets);
    }

    public Histogram<double> PublishDuration { get; }

    public Histogram<double> DeliveryLatency { get; }

    private static IEnumerable<Measurement<long>> Tagged(KeyValuePair<string, long>[] counts, string tag)
    {
        foreach (var (value, count) in counts)
        {
            yield return new Measurement<long>(count, new KeyValuePair<string, object?>(tag, value));
        }
    }

    public void Dispose() => _meter.Dispose();
}
