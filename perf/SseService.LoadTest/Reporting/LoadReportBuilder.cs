using SseService.LoadTest.Options;

namespace SseService.LoadTest.Reporting;

/// <summary>Computes the report's figures (rates over the window, per-delivery CPU, per-connection memory) from a run's observations.</summary>
internal static class LoadReportBuilder
{
    /// <summary>Above this share of its cores the tool's own reading (and publishing) may be what limits the figures.</summary>
    private const double BottleneckShare = 0.9;

    public static LoadReport Build(LoadOptions options, RunObservations run)
    {
        var start = run.ResourcesAtStart;
        var end = run.ResourcesAtEnd;
        var windowSeconds = end.SecondsSince(start);
        var deliveries = run.AtEnd.Received - run.AtStart.Received;
        var seen = run.SeenAtEnd - run.SeenAtStart;

        // A publisher process's count in the window is what its sequences show: it cannot be read live.
        var published = (run.SentAtEnd - run.SentAtStart) ?? (run.PublishedBy == PublishedBy.PublisherProcess ? seen : null);
        var messages = published ?? seen;
        var byThisTool = run.PublishedBy is PublishedBy.ThisProcess or PublishedBy.PublisherProcess;
        var latency = run.Latency;
        var final = run.Final;

        return new LoadReport(
            Settings(options, run.Stalled),
            new ConnectFigures(run.Attempted, run.Connected, run.Failed, run.ConnectTime.TotalSeconds, run.Memory.Opened, run.Memory.OpenTime.TotalSeconds),
            windowSeconds,
            new PublishFigures(ByName(run.PublishedBy), run.PublisherPid, byThisTool, run.SentTotal, published, options.Rate,
                PerSecond(published, windowSeconds), run.Accepted, seen),
            new DeliveryFigures(deliveries, PerSecond(deliveries, windowSeconds) ?? 0, messages > 0 ? (double)deliveries / messages : 0),
            new LatencyFigures(latency.Count, latency.PercentileMicroseconds(0.5), latency.PercentileMicroseconds(0.99),
                latency.PercentileMicroseconds(0.999), latency.MaxMicroseconds, latency.MeanMicroseconds),
            new SequenceFigures(final.Gaps, final.MaxGapsPerSubscriber, final.Duplicates, final.MaxDuplicatesPerSubscriber, run.MissingAtEnd, final.Foreign),
            new ConnectionFigures(final.ClosedByServer, final.Reconnects, final.ClosedByServer - final.Reconnects, final.Connected, run.Stalled, run.StalledCut),
            Tool(run, deliveries),
            Server(run, deliveries),
            run.PublishError,
            run.Errors,
            run.Storm is { } storm ? Storm.StormFiguresBuilder.Build(storm) : null);
    }

    private static RunSettings Settings(LoadOptions o, int stalled) => new(
        o.SseUrl.ToString(), o.NoPublish ? null : o.GrpcUrl.ToString(), o.Subscribers, stalled, o.Namespaces, o.Depth, o.Prefix, o.Rate,
        o.PayloadBytes, o.WarmupSeconds, o.DurationSeconds, o.Reconnect, o.Publishers, o.NoPublish, o.PublisherProcess, o.Idle, o.SettleSeconds, [.. o.SourceAddresses.Select(a => a.ToString())], o.Storm,
        o.NamespacesPerSubscriber, o.GrpcSubscribe);

    private static ToolFigures Tool(RunObservations run, long deliveries)
    {
        var start = run.ResourcesAtStart;
        var end = run.ResourcesAtEnd;
        var cpuSeconds = (end.ToolCpu - start.ToolCpu).TotalSeconds;
        var allocated = end.ToolAllocatedBytes - start.ToolAllocatedBytes;
        var cpuPercent = end.ToolCpuPercentSince(start);
        var publisherPercent = end.PublisherCpuPercentSince(start);

        // Pinned with taskset, ProcessorCount is the cores of the affinity mask, which a publisher process inherits.
        var cores = Environment.ProcessorCount;
        var bottleneck = cpuPercent + (publisherPercent ?? 0) > BottleneckShare * 100 * cores;
        return new ToolFigures(cpuPercent, cpuSeconds, PerDelivery(cpuSeconds, deliveries), publisherPercent, cores, bottleneck, run.ToolRssKib,
            deliveries > 0 ? allocated / (double)deliveries : null, end.ToolGen0Collections - start.ToolGen0Collections);
    }

    private static ServerFigures? Server(RunObservations run, long deliveries)
    {
        if (run.ServerPid is not { } pid)
        {
            return null;
        }

        var start = run.ResourcesAtStart;
        var end = run.ResourcesAtEnd;
        var cpuSeconds = end.ServerCpu is { } to && start.ServerCpu is { } from ? (to - from).TotalSeconds : 0;

        // Memory per connection is the growth from before connecting, read before any message is queued.
        var memory = run.Memory;
        return new ServerFigures(pid, cpuSeconds, end.ServerCpuPercentSince(start) ?? 0, PerDelivery(cpuSeconds, deliveries),
            memory.RssBefore, memory.RssAtOnce, memory.RssSettled, run.ServerRssEnd,
            PerConnection(memory.RssBefore, memory.RssAtOnce, run.Connected), PerConnection(memory.RssBefore, memory.RssSettled, run.Connected));
    }

    private static double? PerConnection(long? before, long? after, int connections) =>
        before is { } from && after is { } to && connections > 0 ? (to - from) / (double)connections : null;

    private static double? PerSecond(long? count, double seconds) => count is { } n && seconds > 0 ? n / seconds : null;

    private static string ByName(PublishedBy by) => by switch
    {
        PublishedBy.ThisProcess => "this_process",
        PublishedBy.PublisherProcess => "publisher_process",
        PublishedBy.AnotherProgram => "another_program",
        _ => "nobody",
    };

    private static double? PerDelivery(double cpuSeconds, long deliveries) => deliveries > 0 ? cpuSeconds * 1_000_000 / deliveries : null;
}
