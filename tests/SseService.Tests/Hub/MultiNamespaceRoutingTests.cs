using Microsoft.Extensions.Options;
using SseService.Hub;

namespace SseService.Tests.Hub;

/// <summary>Subscriptions on several namespaces, through <see cref="SseHub"/> directly: routing, replay and the trie's bookkeeping.</summary>
public sealed class MultiNamespaceRoutingTests
{
    private static readonly NamespaceRules Rules = new HubOptions().NamespaceRules;
    private static readonly SubscriberInfo Info = new("/subscribe", "127.0.0.1", "tests");

    // Small, so that random sets overlap often: every namespace of up to three segments from {a, b}.
    private static readonly string[] Universe =
        ["/", "/a", "/b", "/a/a", "/a/b", "/b/a", "/b/b", "/a/a/a", "/a/a/b", "/a/b/a", "/b/a/b", "/b/b/b"];

    [Theory]
    [InlineData(new[] { "/a", "/a/b" }, new[] { "/a" })]
    [InlineData(new[] { "/a/b", "/a" }, new[] { "/a" })]
    [InlineData(new[] { "/a/b", "/c", "/a/b", "/c/d" }, new[] { "/a/b", "/c" })]
    [InlineData(new[] { "/ab", "/a" }, new[] { "/ab", "/a" })]
    [InlineData(new[] { "/x", "/", "/y" }, new[] { "/" })]
    public void Normalize_DropsRepeatsAndCoveredNamespaces_KeepingTheOrderGiven(string[] given, string[] expected)
    {
        Assert.Equal(expected, NamespaceSet.Normalize([.. given.Select(Ns)]).Select(ns => ns.Value));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomSetsAndPublishes_EachSubscriptionGetsExactlyTheUnionOnceInOrder_LiveAndReplayed(int seed)
    {
        var random = new Random(seed);
        var hub = new SseHub(Options.Create(new HubOptions { SubscriberQueueCapacity = 10_000 }), TimeProvider.System);
        var sets = Enumerable.Range(0, 40)
            .Select(_ => Enumerable.Range(0, random.Next(1, 6)).Select(_ => Universe[random.Next(Universe.Length)]).ToArray())
            .ToList();
        var subscriptions = sets.Select(set => hub.Subscribe([.. set.Select(Ns)], Info)).ToList();
        var start = hub.LastSequence.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var published = new List<(string Ns, string Id)>();
        for (var i = 0; i < 300; i++)
        {
            var ns = Universe[random.Next(Universe.Length)] + (random.Next(3) == 0 ? "/leaf" : "");
            var result = hub.Publish(new Publication(Ns(ns.Replace("//", "/", StringComparison.Ordinal)), "", $"{i}", "", 0));
            published.Add((ns.Replace("//", "/", StringComparison.Ordinal), result.Id));
        }

        for (var s = 0; s < sets.Count; s++)
        {
            var expected = published.Where(p => sets[s].Any(n => Ns(p.Ns).IsWithin(Ns(n)))).Select(p => p.Id).ToList();
            var live = Drain(subscriptions[s]).Select(frame => frame.Id).ToList();
            Assert.True(expected.SequenceEqual(live), $"seed {seed}, set [{string.Join(", ", sets[s])}]: live differs");

            var resumed = hub.Subscribe([.. sets[s].Select(Ns)], Info, lastEventId: start);
            Assert.Equal(ResumeOutcome.Replayed, resumed.Resume);
            Assert.True(expected.SequenceEqual(resumed.Replay.Select(frame => frame.Id)), $"seed {seed}, set [{string.Join(", ", sets[s])}]: replay differs");
            hub.Unsubscribe(resumed);
        }

        // Listed on several nodes, each is still one subscription: counted and visited once, and gone once left.
        Assert.Equal(sets.Count, hub.SubscriberCount);
        var visited = new List<Subscription>();
        hub.ForEachSubscription(visited.Add);
        Assert.Equal(subscriptions.Select(x => x.Id).Order(), visited.Select(x => x.Id).Order());
        foreach (var subscription in subscriptions)
        {
            hub.Unsubscribe(subscription);
        }

        Assert.Equal(0, hub.SubscriberCount);
        Assert.Equal(0, hub.Publish(new Publication(Ns("/a/a/a"), "", "after", "", 0)).Subscribers);
        visited.Clear();
        hub.ForEachSubscription(visited.Add);
        Assert.Empty(visited);
    }

    private static NamespacePath Ns(string text)
    {
        Assert.True(NamespacePath.TryParse(text, Rules, out var ns, out var error), error);
        return ns;
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
