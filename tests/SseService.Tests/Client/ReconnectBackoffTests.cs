using SseService.Client;

namespace SseService.Tests.Client;

public sealed class ReconnectBackoffTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(0, 1)]   // after a healthy connection
    [InlineData(1, 1)]   // first failure
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]  // capped
    [InlineData(1_000, 30)]
    public void NextDelay_NoServerHint_DoublesPerConsecutiveFailureUpToTheCap(int failures, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), ReconnectBackoff.NextDelay(null, failures, Delay, Cap));
    }

    [Theory]
    [InlineData(1500, 0, 1500)]
    [InlineData(1500, 2, 3000)]
    [InlineData(90_000, 0, 30_000)]  // a hint (which any producer can set) never exceeds the cap
    [InlineData(90_000, 5, 30_000)]
    [InlineData(0, 0, 10)]           // "retry: 0" never makes a tight loop
    public void NextDelay_ServerHint_ReplacesTheConfiguredDelayWithinTheCap(int hintMilliseconds, int failures, int expectedMilliseconds)
    {
        var delay = ReconnectBackoff.NextDelay(TimeSpan.FromMilliseconds(hintMilliseconds), failures, Delay, Cap);

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), delay);
    }
}
