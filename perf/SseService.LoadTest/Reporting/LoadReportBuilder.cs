using SseService.LoadTest.Options;

namespace SseService.LoadTest.Reporting;

/// <summary>Computes the report's figures (rates over the window, per-delivery CPU, per-connection memory) from a run's observations.</summary>
internal static class LoadReportBuilder
{
    public static LoadReport Build(LoadOptions options, RunObservations run)
    {
        var start = run.ResourcesAtStart;
        var end = run.ResourcesAtEnd;
        var windowSeconds = end.SecondsSince(start);
        var deliveries = run.AtEnd.Received - run.AtStart.Received;
        var published = run.SentAtEnd - run.SentAtStart;
        var seen = run.SeenAtEnd - run.SeenAtStart;
        var messages = published ?? seen;
        var latency = run.Latency;
        var final = run.Final;

        return new LoadReport(
            Settings(options, run.Stalled),
            new ConnectFigures(run.Attempted, run.Connected, run.Failed, run.ConnectTime.TotalSeconds),
            windowSeconds,
            new PublishFigures(published is not null, run.SentTotal, published, options.Rate, published / windowSeconds, run.Accepted, seen),
            new DeliveryFigures(deliveries, deliveries / windowSeconds, messages > 0 ? (double)deliveries / messages : 0),
            new LatencyFigures(latency.Count, latency.PercentileMicroseconds(0.5), latency.PercentileMicroseconds(0.99),
                latency.PercentileMicroseconds(0.999), latency.MaxMicroseconds, latency.MeanMicroseconds),
            new SequenceFigures(final.Gaps, final.MaxGapsPerSubscriber, final.Duplicates, final.MaxDuplicatesPerSubscriber, run.MissingAtEnd, final.Foreign),
            new ConnectionFigures(final.ClosedByServer, final.Reconnects, final.ClosedByServer - final.Reconnects, final.Connected, run.Stalled, run.StalledCut),
            Tool(run, deliveries),
            Server(run, deliveries),
            run.PublishError,
            run.Errors);
    }

    private static RunSettings Settings(LoadOptions o, int stalled) => new(
        o.SseUrl.ToString(), o.NoPublish ? null : o.GrpcUrl.ToString(), o.Subscribers, stalled, o.Namespaces, o.Depth, o.Prefix, o.Rate,
        o.PayloadBytes, o.WarmupSeconds, o.DurationSeconds, o.Reconnect, o.Publishers, o.NoPublish, [.. o.SourceAddresses.Select(a => a.ToString())]);

    private static ToolFigures Tool(RunObservations run, long deliveries)
    {
        var start = run.ResourcesAtStart;
        var end = run.ResourcesAtEnd;
        var cpuSeconds = (end.ToolCpu - start.ToolCpu).TotalSeconds;
        var allocated = end.ToolAllocatedBytes - start.ToolAllocatedBytes;
        return new ToolFigures(end.ToolCpuPercentSince(start), cpuSeconds, PerDelivery(cpuSeconds, deliveries), run.ToolRssKib,
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

        // Memory per connection is the growth while connecting, before any message is queued.
        var perConnection = run.ServerRssBefore is { } before && run.ServerRssAfterConnect is { } after && run.Connected > 0
            ? (after - before) / (double)run.Connected
            : (double?)null;
        return new ServerFigures(pid, cpuSeconds, end.ServerCpuPercentSince(start) ?? 0, PerDelivery(cpuSeconds, deliveries),
            run.ServerRssBefore, run.ServerRssAfterConnect, run.ServerRssEnd, perConnection);
    }

    private static double? PerDelivery(double cpuSeconds, long deliveries) => deliveries > 0 ? cpuSeconds * 1_000_000 / deliveries : null;
}
