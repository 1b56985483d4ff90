using System.Diagnostics;

namespace SseService.LoadTest.Measuring;

/// <summary>Counts copied out of a <see cref="LatencyHistogram"/>; percentiles in microseconds.</summary>
internal sealed class LatencySnapshot(long[] counts, long maxTicks)
{
    private static readonly double MicrosecondsPerTick = 1_000_000.0 / Stopwatch.Frequency;

    public long Count { get; } = Sum(counts);

    public double MaxMicroseconds => maxTicks * MicrosecondsPerTick;

    public double MeanMicroseconds
    {
        get
        {
            if (Count == 0)
            {
                return 0;
            }

            var total = 0.0;
            for (var i = 0; i < counts.Length; i++)
            {
                total += counts[i] * (double)LatencyHistogram.MidpointOf(i);
            }

            return total / Count * MicrosecondsPerTick;
        }
    }

    /// <summary>The latency that <paramref name="quantile"/> (0.99 for p99) of the samples do not exceed.</summary>
    public double PercentileMicroseconds(double quantile)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(quantile * Count));
        var seen = 0L;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return Math.Min(LatencyHistogram.MidpointOf(i), maxTicks) * MicrosecondsPerTick;
            }
        }

        return MaxMicroseconds;
    }

    /// <summary>The samples recorded between <paramref name="earlier"/> and this snapshot.</summary>
    public LatencySnapshot Since(LatencySnapshot earlier)
    {
        var delta = new long[counts.Length];
        var highest = 0L;
        for (var i = 0; i < delta.Length; i++)
        {
            delta[i] = counts[i] - earlier.CountAt(i);
            if (delta[i] > 0)
            {
                highest = Math.Min(LatencyHistogram.MidpointOf(i), maxTicks);
            }
        }

        // The exact maximum is only known over the whole recording; per interval the top bucket stands in.
        return new LatencySnapshot(delta, highest);
    }

    private long CountAt(int index) => counts[index];

    private static long Sum(long[] values)
    {
        var sum = 0L;
        foreach (var value in values)
        {
            sum += value;
        }

        return sum;
    }
}
