using Microsoft.Extensions.Options;
using SseService.Hub;

namespace SseService.Tests.Hub;

/// <summary>
/// When the hub queues a keep-alive: the hub driven directly, so the writer loop and the ticks are
/// the test's. What reaches the wire is in Sse/KeepAliveTests.cs.
/// </summary>
public sealed class KeepAliveTickTests
{
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
