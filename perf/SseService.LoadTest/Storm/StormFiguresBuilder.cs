using System.Diagnostics;

namespace SseService.LoadTest.Storm;

/// <summary>Turns a <see cref="StormObservations"/> into the report's <see cref="StormFigures"/>.</summary>
internal static class StormFiguresBuilder
{
    private const double BottleneckShare = 0.9;
    private static readonly double BusiestWindowSeconds = 0.5;

    public static StormFigures Build(StormObservations storm)
    {
        var cut = storm.Subscribers.Where(s => s.Phase != StormPhase.Before).ToArray();
        var back = cut.Where(s => s.Phase is StormPhase.Back or StormPhase.CaughtUp).Select(s => s.BackAt).ToArray();
        var caughtUp = cut.Where(s => s.Phase == StormPhase.CaughtUp).ToArray();
        var complete = caughtUp.Count(s => s.Gaps == 0 && s.Duplicates == 0);

        return new StormFigures(
            storm.Cut == Options.StormCut.Server ? "server" : "tool",
            storm.ConnectConcurrency,
            storm.JitterMilliseconds,
            storm.ConnectedAtCut,
            storm.ServerSocketsAborted,
            cut.Length,
            storm.ConnectedAtCut - cut.Length,
            Since(storm.CutAt, storm.CutDoneAt),
            Since(storm.CutAt, storm.EndAt),
            storm.TimedOut,
            storm.CutError,
            Progress(storm.CutAt, back, cut.Length, allCount: true),
            Progress(storm.CutAt, [.. caughtUp.Select(s => s.CaughtUpAt)], cut.Length, allCount: complete == cut.Length),
            new StormSequence(complete, cut.Count(s => s.Gaps > 0), cut.Sum(s => s.Gaps), cut.Count(s => s.Duplicates > 0), cut.Sum(s => s.Duplicates),
                cut.Sum(s => s.Foreign), cut.Count(s => s.CutAgain > 0), cut.Sum(s => (long)s.FailedAttempts)),
            Connects(storm.CutDoneAt, back),
            Server(storm),
            Tool(storm));
    }

    /// <summary>The moments' spread; "all" only when every one of <paramref name="of"/> got there and <paramref name="allCount"/> (for caught up: none with a gap or a duplicate).</summary>
    private static StormProgress Progress(long cutAt, long[] moments, int of, bool allCount)
    {
        if (moments.Length == 0)
        {
            return new StormProgress(0, null, null, null, null);
        }

        var seconds = moments.Select(m => Since(cutAt, m)).Order().ToArray();
        return new StormProgress(moments.Length, moments.Length == of && allCount ? seconds[^1] : null,
            Percentile(seconds, 0.5), Percentile(seconds, 0.99), seconds[^1]);
    }

    private static StormConnects Connects(long releasedAt, long[] heads)
    {
        if (heads.Length == 0)
        {
            return new StormConnects(0, null, 0, 0);
        }

        Array.Sort(heads);
        var span = Since(releasedAt, heads[^1]);
        return new StormConnects(span, span > 0 ? heads.Length / span : null,
            MostWithin(heads, Stopwatch.Frequency / 10) * 10.0, MostWithin(heads, Stopwatch.Frequency));
    }

    /// <summary>The most sorted moments that fall within any one window of <paramref name="window"/> ticks.</summary>
    private static int MostWithin(long[] sorted, long window)
    {
        var most = 0;
        for (int first = 0, last = 0; last < sorted.Length; last++)
        {
            while (sorted[last] - sorted[first] >= window)
            {
                first++;
            }

            most = Math.Max(most, last - first + 1);
        }

        return most;
    }

    private static StormServer Server(StormObservations storm)
    {
        var samples = storm.ServerSamples;
        double? cpuSeconds = storm.After.ServerCpu is { } to && storm.Before.ServerCpu is { } from ? (to - from).TotalSeconds : null;
        var seconds = storm.After.SecondsSince(storm.Before);
        var rssPeak = samples.Max(s => s.RssKib);
        long? peak = storm.ServerPeakAfterKib > storm.ServerPeakBeforeKib ? storm.ServerPeakAfterKib : rssPeak;
        var longestGap = 0.0;
        for (var i = 1; i < samples.Count; i++)
        {
            longestGap = Math.Max(longestGap, Since(samples[i - 1].Timestamp, samples[i].Timestamp) * 1000);
        }

        return new StormServer(cpuSeconds, cpuSeconds is { } cpu && seconds > 0 ? cpu / seconds * 100 : null, BusiestCpuPercent(samples),
            storm.ServerRssBeforeKib, rssPeak, storm.ServerPeakBeforeKib, storm.ServerPeakAfterKib, peak, samples.Count, longestGap);
    }

    /// <summary>The server's CPU over its busiest stretch of about half a second, from consecutive readings.</summary>
    private static double? BusiestCpuPercent(IReadOnlyList<ServerSampler.Sample> samples)
    {
        double? busiest = null;
        for (int first = 0, last = 0; last < samples.Count; last++)
        {
            while (first < last && Since(samples[first + 1].Timestamp, samples[last].Timestamp) >= BusiestWindowSeconds)
            {
                first++;
            }

            var span = Since(samples[first].Timestamp, samples[last].Timestamp);
            if (span >= BusiestWindowSeconds && samples[first].Cpu is { } from && samples[last].Cpu is { } to)
            {
                busiest = Math.Max(busiest ?? 0, (to - from).TotalSeconds / span * 100);
            }
        }

        return busiest;
    }

    private static StormTool Tool(StormObservations storm)
    {
        var tool = storm.After.ToolCpuPercentSince(storm.Before);
        var publisher = storm.After.PublisherCpuPercentSince(storm.Before);
        var cores = Environment.ProcessorCount;
        return new StormTool(tool, publisher, cores, tool + (publisher ?? 0) > BottleneckShare * 100 * cores);
    }

    private static double Percentile(double[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double Since(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalSeconds;
}
