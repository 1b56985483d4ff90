using System.Diagnostics;

namespace SseService.LoadTest.Measuring;

/// <summary>
/// CPU used so far by this tool, when watched the server, and the publisher when it is a process of its
/// own, at one instant; also what this tool has allocated and collected, which shows whether its hot
/// path really allocates nothing.
/// </summary>
internal readonly record struct ResourceSample(
    long Timestamp, TimeSpan ToolCpu, long ToolAllocatedBytes, int ToolGen0Collections, TimeSpan? ServerCpu, TimeSpan? PublisherCpu)
{
    public static ResourceSample Take(ServerProcess? server, ServerProcess? publisher = null)
    {
        using var self = Process.GetCurrentProcess();
        return new ResourceSample(
            Stopwatch.GetTimestamp(), self.TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(0),
            server?.CpuTime(), publisher?.CpuTime());
    }

    public double SecondsSince(ResourceSample earlier) => Stopwatch.GetElapsedTime(earlier.Timestamp, Timestamp).TotalSeconds;

    /// <summary>This tool's CPU between the two samples, as a percentage of one core.</summary>
    public double ToolCpuPercentSince(ResourceSample earlier) => Percent(ToolCpu - earlier.ToolCpu, SecondsSince(earlier));

    public double? ServerCpuPercentSince(ResourceSample earlier) =>
        ServerCpu is { } now && earlier.ServerCpu is { } then ? Percent(now - then, SecondsSince(earlier)) : null;

    /// <summary>The publisher process's CPU between the two samples, as a percentage of one core; null when it publishes in this process or not at all.</summary>
    public double? PublisherCpuPercentSince(ResourceSample earlier) =>
        PublisherCpu is { } now && earlier.PublisherCpu is { } then ? Percent(now - then, SecondsSince(earlier)) : null;

    private static double Percent(TimeSpan cpu, double seconds) => seconds > 0 ? cpu.TotalSeconds / seconds * 100 : 0;
}
