using System.Diagnostics;
using System.Numerics;

namespace SseService.LoadTest.Measuring;

/// <summary>
/// Publish-to-receive latencies in <see cref="Stopwatch"/> ticks, shared by every subscriber. Buckets
/// are log-spaced with 128 per power of two (at most 0.8% wide), so recording is one Interlocked
/// increment on a fixed array: no lock, no allocation, and contention only between equal latencies.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;

    // Values below this get a bucket each; from there on, SubBuckets per power of two.
    private const int LinearLimit = 2 * SubBuckets;
    private const int BucketCount = LinearLimit + (63 - SubBucketBits - 1) * SubBuckets;

    private readonly long[] _counts = new long[BucketCount];
    private long _max;

    public void Record(long ticks)
    {
        if (ticks < 0)
        {
            ticks = 0; // clocks agree within a process; a negative value can only be rounding
        }

        Interlocked.Increment(ref _counts[IndexOf(ticks)]);
        if (ticks > Volatile.Read(ref _max))
        {
            RaiseMax(ticks);
        }
    }

    /// <summary>A consistent-enough copy for percentiles while recording goes on.</summary>
    public LatencySnapshot Snapshot()
    {
        var counts = new long[BucketCount];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Volatile.Read(ref _counts[i]);
        }

        return new LatencySnapshot(counts, Volatile.Read(ref _max));
    }

    private void RaiseMax(long ticks)
    {
        var current = Volatile.Read(ref _max);
        while (ticks > current)
        {
            var seen = Interlocked.CompareExchange(ref _max, ticks, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    internal static int IndexOf(long value)
    {
        if (value < LinearLimit)
        {
            return (int)value;
        }

        var shift = 63 - BitOperations.LeadingZeroCount((ulong)value) - SubBucketBits;
        return LinearLimit + ((shift - 1) * SubBuckets) + (int)((value >> shift) - SubBuckets);
    }

    /// <summary>The middle of a bucket: within 0.4% of every value it holds.</summary>
    internal static long MidpointOf(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        var offset = index - LinearLimit;
        var shift = (offset / SubBuckets) + 1;
        var low = (long)(SubBuckets + (offset % SubBuckets)) << shift;
        return low + ((1L << shift) / 2);
    }
}
