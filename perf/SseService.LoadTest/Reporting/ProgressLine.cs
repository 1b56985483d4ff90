using System.Globalization;
using SseService.LoadTest.Measuring;
using SseService.LoadTest.Publishing;
using SseService.LoadTest.Subscribing;

namespace SseService.LoadTest.Reporting;

/// <summary>
/// The live line written to stderr every second: rates since the previous line. When this process does
/// not publish (another program does, or a publisher process of this tool), the message rate is the one
/// the subscribers' sequences show; a publisher process's CPU is shown beside the tool's.
/// </summary>
internal sealed class ProgressLine(SubscriberPool pool, MeasurementWindow window, ServerProcess? server)
{
    private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();
    private ResourceSample _lastResources = ResourceSample.Take(server);
    private long _lastReceived;
    private long _lastSent;
    private LatencySnapshot? _lastLatency;

    /// <summary>Set by the run as it moves from connecting to warm-up, measuring and draining.</summary>
    public string Phase { get; set; } = "connect";

    /// <summary>More to show at the end of the line (the storm's phases), when set.</summary>
    public Func<string>? Detail { get; set; }

    private IPublisherRun? _publisher;
    private ServerProcess? _publisherProcess;

    /// <summary>Set once publishing starts, unless another program publishes.</summary>
    public IPublisherRun? Publisher
    {
        get => _publisher;
        set
        {
            _publisher = value;
            _publisherProcess = value?.ProcessId is { } pid ? new ServerProcess(pid) : null; // its CPU shows from the next line on
        }
    }

    public string Next()
    {
        var resources = ResourceSample.Take(server, _publisherProcess);
        var publishes = Publisher?.Sent is not null;
        var seconds = Math.Max(resources.SecondsSince(_lastResources), 1e-3);
        var totals = pool.Totals();
        var sent = Publisher?.Sent ?? pool.HighestSequences().Sum();
        var latency = window.Latency.Snapshot();
        var recent = _lastLatency is null ? latency : latency.Since(_lastLatency);

        var serverCpu = resources.ServerCpuPercentSince(_lastResources);
        var publisherCpu = resources.PublisherCpuPercentSince(_lastResources);
        var line = Inv($"[{System.Diagnostics.Stopwatch.GetElapsedTime(_started).TotalSeconds,5:0}s {Phase,-7}] conn {totals.Connected:N0}/{pool.Count:N0} (tried {pool.Attempted:N0}, failed {pool.Failed:N0})")
            + Inv($"  {(publishes ? "pub" : "seen")} {(sent - _lastSent) / seconds:N0}/s  recv {(totals.Received - _lastReceived) / seconds:N0}/s")
            + (recent.Count > 0 ? Inv($"  p50 {recent.PercentileMicroseconds(0.5) / 1000:0.00} ms p99 {recent.PercentileMicroseconds(0.99) / 1000:0.00} ms") : "")
            + Inv($"  gaps {totals.Gaps:N0}  closed {totals.ClosedByServer:N0}  tool {resources.ToolCpuPercentSince(_lastResources):0}%")
            + (publisherCpu is { } pub ? Inv($" + publisher {pub:0}%") : "")
            + (serverCpu is { } cpu ? Inv($"  server {cpu:0}%") : "")
            + (Detail?.Invoke() ?? "");

        _lastResources = resources;
        _lastReceived = totals.Received;
        _lastSent = sent;
        _lastLatency = latency;
        return line;
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
