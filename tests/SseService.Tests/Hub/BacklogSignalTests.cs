using Microsoft.Extensions.Options;
using SseService.Hub;

namespace SseService.Tests.Hub;

/// <summary>
/// What wakes a producer held back by backpressure: a subscriber's backlog falling below the
/// backlogged mark, or a subscriber leaving. Nothing else completes the wait.
/// </summary>
public sealed class BacklogSignalTests
{
    private static readonly SubscriberInfo Info = new("/subscribe/test", "127.0.0.1", "tests");

    [Fact]
    public void WhenBacklogEases_SubscriberDrainsBelowTheMark_Completes()
    {
        // Arrange: a queue of 64 is backlogged from 16 events.
        var hub = CreateHub(capacity: 64);
        var subscription = hub.Subscribe(Ns("/busy"), Info);
        for (var i = 0; i < 20; i++)
        {
            hub.Publish(new Publication(Ns("/busy"), "", $"{i}", "", 0));
        }

        Assert.Equal(1.0, hub.Congestion(Ns("/busy")));
        var eased = hub.WhenBacklogEases();

        // Act: taking 3 leaves 17, still backlogged; taking 2 more crosses the mark.
        Take(subscription, 3);
        var stillWaiting = eased.IsCompleted;
        Take(subscription, 2);

        // Assert
        Assert.False(stillWaiting);
        Assert.True(eased.IsCompleted);
        Assert.Equal(0.0, hub.Congestion(Ns("/busy")));
        Assert.False(hub.WhenBacklogEases().IsCompleted); // the next wait waits for the next ease
    }

    [Fact]
    public void WhenBacklogEases_BackloggedSubscriberLeaves_Completes()
    {
        var hub = CreateHub(capacity: 64);
        var subscription = hub.Subscribe(Ns("/busy"), Info);
        for (var i = 0; i < 20; i++)
        {
            hub.Publish(new Publication(Ns("/busy"), "", $"{i}", "", 0));
        }

        var eased = hub.WhenBacklogEases();
        hub.Unsubscribe(subscription);

        Assert.True(eased.IsCompleted);
    }

    private static void Take(Subscription subscription, int events)
    {
        for (var i = 0; i < events; i++)
        {
            Assert.True(subscription.Reader.TryRead(out _));
        }

        subscription.RecordDequeued(events);
    }

    private static SseHub CreateHub(int capacity) =>
        new(Options.Create(new HubOptions { SubscriberQueueCapacity = capacity }), TimeProvider.System);

    private static NamespacePath Ns(string text)
    {
        Assert.True(NamespacePath.TryParse(text, new HubOptions().NamespaceRules, out var ns, out var error), error);
        return ns;
    }
}
