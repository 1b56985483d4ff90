using System.Diagnostics;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

/// <summary>
/// Keep-alive comments on an idle stream, over every transport (one derived class each, at the end
/// of this file). When the hub queues them is in Hub/KeepAliveTickTests.cs.
/// </summary>
public abstract class KeepAliveTests
{
    private const string KeepAlive = ": keep-alive\n\n";

    protected abstract Transport Transport { get; }

    [Fact]
    public async Task Subscribe_IdleStream_ReceivesKeepAliveCommentsNoMoreOftenThanTheInterval()
    {
        // Arrange
        var interval = TimeSpan.FromMilliseconds(200);
        const int Wanted = 10;
        const int Slack = 3;
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Sse:KeepAliveInterval"] = "00:00:00.200",
        }, Transport);
        var clock = Stopwatch.StartNew(); // before the subscription exists, so no keep-alive predates it
        await using var raw = await service.OpenRawAsync("/subscribe/quiet");
        var arrivals = new List<(int Count, TimeSpan At)>();

        // Act: note when each read brings more keep-alives; several may come in one read if the test is
        // scheduled late, so arrivals are counted, not assumed one per read.
        var body = await raw.ReadUntilAsync(b =>
        {
            var count = CountOf(b, KeepAlive);
            if (count > (arrivals.Count == 0 ? 0 : arrivals[^1].Count))
            {
                arrivals.Add((count, clock.Elapsed));
            }

            return count >= Wanted;
        }, TimeSpan.FromSeconds(30));

        // Assert: the body is the opening (comment, then the id to resume from), then keep-alives only.
        Assert.Matches("^: ok\n\n(id: [0-9]+\n\n)?(" + KeepAlive + ")+$", body);

        // The server's timer ticks on a schedule one interval apart; a late tick is caught up at most
        // once, and the keep-alive loop collapses ticks it missed into one. So in the t since before
        // subscribing, at most t / interval + Slack keep-alives can have been sent, and no more received.
        // This holds however late anything is scheduled, where a gap between two reads would not:
        // one late read can bring two keep-alives sent an interval apart.
        Assert.All(arrivals, a => Assert.True(
            a.Count <= (a.At / interval) + Slack,
            $"{a.Count} keep-alives had arrived {a.At.TotalMilliseconds:F0} ms after subscribing; one every {interval.TotalMilliseconds} ms allows at most {(int)(a.At / interval) + Slack}"));
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}

public sealed class KeepAliveTestsOverHttp1Direct : KeepAliveTests
{
    protected override Transport Transport => Transport.Http1Direct;
}

public sealed class KeepAliveTestsOverHttpsHttp2 : KeepAliveTests
{
    protected override Transport Transport => Transport.HttpsHttp2;
}
