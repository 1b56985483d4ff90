using System.Diagnostics;
using Microsoft.Extensions.Options;
using SseService.Hub;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

public sealed class KeepAliveTests
{
    private const string KeepAlive = ": keep-alive\n\n";

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
        });
        var clock = Stopwatch.StartNew(); // before the subscription exists, so no keep-alive predates it
        await using var connection = await RawHttpConnection.OpenAsync(service.HttpAddress, "/subscribe/quiet");
        var arrivals = new List<(int Count, TimeSpan At)>();

        // Act: note when each read brings more keep-alives; several may come in one read if the test is
        // scheduled late, so arrivals are counted, not assumed one per read.
        var response = await new RawResponseReader(connection).ReadUntilAsync(r =>
        {
            var count = r.CountInBody(KeepAlive);
            if (count > (arrivals.Count == 0 ? 0 : arrivals[^1].Count))
            {
                arrivals.Add((count, clock.Elapsed));
            }

            return count >= Wanted;
        }, TimeSpan.FromSeconds(30));

        // Assert: the body is the opening (comment, then the id to resume from), then keep-alives only.
        Assert.Matches("^: ok\n\n(id: [0-9]+\n\n)?(" + KeepAlive + ")+$", response.Body);

        // The server's timer ticks on a schedule one interval apart; a late tick is caught up at most
        // once, and the keep-alive loop collapses ticks it missed into one. So in the t since before
        // subscribing, at most t / interval + Slack keep-alives can have been sent, and no more received.
        // This holds however late anything is scheduled, where a gap between two reads would not:
        // one late read can bring two keep-alives sent an interval apart.
        Assert.All(arrivals, a => Assert.True(
            a.Count <= (a.At / interval) + Slack,
            $"{a.Count} keep-alives had arrived {a.At.TotalMilliseconds:F0} ms after subscribing; one every {interval.TotalMilliseconds} ms allows at most {(int)(a.At / interval) + Slack}"));
    }

    [Fact]
    public void SendKeepAlives_StreamWroteEventsSinceLastTick_QueuesNoKeepAlive()
    {
        // Arrange: the hub directly, so the writer loop and the ticks are driven by the test.
        var hub = new SseHub(Options.Create(new HubOptions()), TimeProvider.System);
        Assert.True(NamespacePath.TryParse("/busy", new HubOptions().NamespaceRules, out var ns, out _));
        var subscription = hub.Subscribe(ns, new SubscriberInfo("/subscribe/busy", "127.0.0.1", "tests"));
        hub.SendKeepAlives(); // a new stream has written nothing: it gets one
        Assert.True(subscription.Reader.TryRead(out var first));
        Assert.Same(SseFrame.KeepAlive, first);

        // Act: an event is published and written before the next tick.
        hub.Publish(new Publication(ns, "", "busy", "", 0));
        Assert.True(subscription.Reader.TryRead(out var written));
        subscription.RecordWritten(1, written.Bytes.Length);
        hub.SendKeepAlives();

        // Assert
        Assert.NotSame(SseFrame.KeepAlive, written);
        Assert.False(subscription.Reader.TryRead(out _));
    }

    [Fact]
    public void SendKeepAlives_StreamIdleSinceLastTick_QueuesOneKeepAlivePerTick()
    {
        // Arrange
        var hub = new SseHub(Options.Create(new HubOptions()), TimeProvider.System);
        Assert.True(NamespacePath.TryParse("/quiet", new HubOptions().NamespaceRules, out var ns, out _));
        var subscription = hub.Subscribe(ns, new SubscriberInfo("/subscribe/quiet", "127.0.0.1", "tests"));
        hub.Publish(new Publication(ns, "", "once", "", 0));
        Assert.True(subscription.Reader.TryRead(out var once));
        subscription.RecordWritten(1, once.Bytes.Length);
        hub.SendKeepAlives(); // consumes the "wrote since last tick" mark

        // Act
        hub.SendKeepAlives();
        hub.SendKeepAlives();

        // Assert
        Assert.True(subscription.Reader.TryRead(out var firstTick));
        Assert.True(subscription.Reader.TryRead(out var secondTick));
        Assert.False(subscription.Reader.TryRead(out _));
        Assert.Same(SseFrame.KeepAlive, firstTick);
        Assert.Same(SseFrame.KeepAlive, secondTick);
    }
}
