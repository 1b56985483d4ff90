using System.Text;
using Microsoft.Extensions.Options;
using SseService.Hub;

namespace SseService.Tests.Hub;

/// <summary>
/// The namespace trie through <see cref="SseHub"/> directly: no sockets, so delivery is checked
/// synchronously on each subscription's queue.
/// </summary>
public sealed class HubRoutingTests
{
    private static readonly NamespaceRules Rules = new HubOptions().NamespaceRules;

    private static readonly SubscriberInfo Info = new("/subscribe/test", "127.0.0.1", "tests");

    [Fact]
    public void Publish_ToNamespace_QueuesSameFrameToItAndAncestorsOnly()
    {
        // Arrange
        var hub = CreateHub();
        string[] matchingNamespaces = ["/", "/pets", "/pets/dogs"];
        string[] otherNamespaces = ["/pet", "/pets/cats", "/pets/dogs/puppies", "/dogs", "/pets/dog"];
        var matching = matchingNamespaces.Select(ns => hub.Subscribe(Ns(ns), Info)).ToList();
        var others = otherNamespaces.Select(ns => hub.Subscribe(Ns(ns), Info)).ToList();

        // Act
        var result = hub.Publish(new Publication(Ns("/pets/dogs"), "", "woof", "", 0));

        // Assert
        Assert.Equal(3, result.Subscribers);
        var frames = matching.Select(s => Assert.Single(Drain(s))).ToList();
        Assert.All(frames, frame => Assert.Same(frames[0], frame)); // encoded once, shared
        Assert.Equal(result.Id, frames[0].Id);
        Assert.Contains("data: woof\n", Encoding.UTF8.GetString(frames[0].Bytes), StringComparison.Ordinal);
        Assert.All(others, s => Assert.Empty(Drain(s)));
    }

    [Fact]
    public void SubscribeAndUnsubscribe_ManyOnOneNamespaceInScatteredOrder_EachListedOneGetsEveryEventOnce()
    {
        // Arrange: enough churn on one namespace to grow and compact its subscriber slots several times.
        var hub = CreateHub();
        var random = new Random(4);
        var listed = new List<Subscription>();
        for (var round = 0; round < 20; round++)
        {
            for (var i = 0; i < 40; i++)
            {
                listed.Add(hub.Subscribe(Ns("/crowd"), Info));
            }

            foreach (var leaving in listed.OrderBy(_ => random.Next()).Take(listed.Count * 2 / 3).ToList())
            {
                hub.Unsubscribe(leaving);
                listed.Remove(leaving);
            }

            // Act
            var result = hub.Publish(new Publication(Ns("/crowd"), "", $"round {round}", "", 0));

            // Assert
            Assert.Equal(listed.Count, result.Subscribers);
            Assert.Equal(listed.Count, hub.SubscriberCount);
            Assert.Equal(listed.Count, hub.CountSubscribers(Ns("/crowd")));
            Assert.All(listed, s => Assert.Equal($"round {round}", DataOf(Assert.Single(Drain(s)))));
        }
    }

    [Fact]
    public void Unsubscribe_EveryOneOfManyNamespaces_SubscriberCountReturnsToZero()
    {
        // Arrange
        var hub = CreateHub();
        var namespaces = Enumerable.Range(0, 50)
            .SelectMany(i => new[] { "/", $"/n{i % 7}", $"/n{i % 7}/m{i % 5}", $"/n{i % 7}/m{i % 5}/k{i}" })
            .ToList();
        var subscriptions = namespaces.Select(ns => hub.Subscribe(Ns(ns), Info)).ToList();
        Assert.Equal(namespaces.Count, hub.SubscriberCount);

        // Act: unsubscribe in an order unrelated to subscription, so branches empty out piecemeal.
        foreach (var subscription in subscriptions.OrderBy(s => s.Namespace.Value.Length).ThenByDescending(s => s.Id))
        {
            hub.Unsubscribe(subscription);
        }

        // Assert
        Assert.Equal(0, hub.SubscriberCount);
        var visited = 0;
        hub.ForEachSubscription(_ => visited++);
        Assert.Equal(0, visited);
        Assert.Equal(0, hub.Publish(new Publication(Ns("/n1/m1/k1"), "", "nobody", "", 0)).Subscribers);
        Assert.All(subscriptions, s => Assert.True(s.Reader.Completion.IsCompleted));
        Assert.All(subscriptions, s => Assert.Equal(CloseReason.Unsubscribed, s.CloseReason));
    }

    [Fact]
    public async Task Unsubscribe_ConcurrentlyWithSubscribe_SubscriberCountReturnsToZero()
    {
        // Arrange
        var hub = CreateHub();
        const int Workers = 4;
        const int PerWorker = 500;

        // Act
        var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < PerWorker; i++)
            {
                var subscription = hub.Subscribe(Ns($"/shared/w{w}/s{i % 10}"), Info);
                hub.Publish(new Publication(Ns("/shared"), "", "x", "", 0));
                hub.Unsubscribe(subscription);
            }
        }));
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));

        // Assert
        Assert.Equal(0, hub.SubscriberCount);
        Assert.Equal(0, hub.Publish(new Publication(Ns("/shared/w0/s0"), "", "nobody", "", 0)).Subscribers);
    }

    [Fact]
    public void Unsubscribe_OneOfTwoOnSameNamespace_OtherStillReceives()
    {
        // Arrange
        var hub = CreateHub();
        var leaving = hub.Subscribe(Ns("/pets"), Info);
        var staying = hub.Subscribe(Ns("/pets"), Info);

        // Act
        hub.Unsubscribe(leaving);
        var result = hub.Publish(new Publication(Ns("/pets/dogs"), "", "woof", "", 0));

        // Assert
        Assert.Equal(1, result.Subscribers);
        Assert.Equal(1, hub.SubscriberCount);
        Assert.Single(Drain(staying));
        Assert.Empty(Drain(leaving));
    }

    [Fact]
    public void Subscribe_AfterBranchWasPruned_ReceivesAgain()
    {
        // Arrange
        var hub = CreateHub();
        hub.Unsubscribe(hub.Subscribe(Ns("/a/b/c"), Info));

        // Act
        var again = hub.Subscribe(Ns("/a/b/c"), Info);
        var result = hub.Publish(new Publication(Ns("/a/b/c"), "", "back", "", 0));

        // Assert
        Assert.Equal(1, result.Subscribers);
        Assert.Single(Drain(again));
    }

    private static SseHub CreateHub() => new(Options.Create(new HubOptions()), TimeProvider.System);

    private static NamespacePath Ns(string text)
    {
        Assert.True(NamespacePath.TryParse(text, Rules, out var ns, out var error), error);
        return ns;
    }

    private static string DataOf(SseFrame frame)
    {
        var text = Encoding.UTF8.GetString(frame.Bytes);
        var start = text.IndexOf("data: ", StringComparison.Ordinal) + "data: ".Length;
        return text[start..text.IndexOf('\n', start)];
    }

    private static List<SseFrame> Drain(Subscription subscription)
    {
        var frames = new List<SseFrame>();
        while (subscription.Reader.TryRead(out var frame))
        {
            frames.Add(frame);
        }

        return frames;
    }
}
