using SseService.Client;

namespace SseService.Tests.Client;

public sealed class ReconnectBackoffTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(30);

    [Fact]
    public void Next_JitterAtItsLowest_EveryWaitIsTheBase()
    {
        var backoff = new ReconnectBackoff(Delay, Cap, new FixedRandom(0));

        Assert.Equal([Delay, Delay, Delay], [backoff.Next(null), backoff.Next(null), backoff.Next(null)]);
    }

    [Fact]
    public void Next_JitterAtItsHighest_HalfAgainThenTriplesPerFailureUpToTheCap_AndStartsOverAfterReset()
    {
        var backoff = new ReconnectBackoff(Delay, Cap, new FixedRandom(1));

        var waits = Enumerable.Range(0, 5).Select(_ => backoff.Next(null).TotalSeconds).ToArray();
        backoff.Reset();
        var afterHealthy = backoff.Next(null);

        Assert.Equal([1.5, 4.5, 13.5, 30, 30], waits);
        Assert.Equal(TimeSpan.FromSeconds(1.5), afterHealthy);
    }

    [Theory]
    [InlineData(1500, 0, 1500)]
    [InlineData(1500, 1, 2250)]
    [InlineData(90_000, 0, 30_000)]  // a hint (which any producer can set) never exceeds the cap
    [InlineData(90_000, 1, 30_000)]
    [InlineData(0, 0, 10)]           // "retry: 0" never makes a tight loop
    public void Next_ServerHint_ReplacesTheConfiguredDelayWithinTheCap(int hintMilliseconds, double jitter, int expectedMilliseconds)
    {
        var backoff = new ReconnectBackoff(Delay, Cap, new FixedRandom(jitter));

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), backoff.Next(TimeSpan.FromMilliseconds(hintMilliseconds)));
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(60, 30)]   // Retry-After is bounded by the cap too
    public void Next_RetryAfter_IsTheLeastWaitOfThatAttempt(int retryAfterSeconds, int expectedSeconds)
    {
        var backoff = new ReconnectBackoff(Delay, Cap, new FixedRandom(0));

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), backoff.Next(null, TimeSpan.FromSeconds(retryAfterSeconds)));
        Assert.Equal(Delay, backoff.Next(null)); // the next attempt's own floor is the base again
    }

    [Fact]
    public void Next_RandomJitter_NeverBelowTheBaseNorAboveTheCapNorThreeTimesThePrevious()
    {
        var backoff = new ReconnectBackoff(Delay, Cap, new Random(20261201));
        var previous = TimeSpan.Zero;
        var distinct = new HashSet<TimeSpan>();
        for (var i = 0; i < 1_000; i++)
        {
            if (i % 10 == 0)
            {
                backoff.Reset();
                previous = TimeSpan.Zero;
            }

            var wait = backoff.Next(null);

            Assert.InRange(wait, Delay, Cap);
            Assert.True(wait <= (previous == TimeSpan.Zero ? Delay * 1.5 : previous * 3), $"{wait} after {previous}");
            previous = wait;
            distinct.Add(wait);
        }

        Assert.True(distinct.Count > 500, $"only {distinct.Count} distinct waits: not spread out");
    }

    [Fact]
    public void Next_CapAtTheLongestTimerAllowed_NeverOverflows()
    {
        var cap = TimeSpan.FromMilliseconds(uint.MaxValue - 1);
        var backoff = new ReconnectBackoff(TimeSpan.FromDays(40), cap, new FixedRandom(1));

        Assert.Equal([cap, cap, cap], [backoff.Next(null), backoff.Next(null), backoff.Next(null)]);
    }

    /// <summary>A jitter source that always draws the same fraction of the range (1 is its top).</summary>
    internal sealed class FixedRandom(double fraction) : Random
    {
        public override double NextDouble() => fraction;
    }
}
