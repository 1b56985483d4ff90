using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using SseService.Hub;

namespace SseService.Benchmarks;

/// <summary>
/// One publish through the hub: id, encode once, history, trie walk, and a queue write per matching
/// subscriber (queues are drained in the same operation so they never fill). Allocated bytes per
/// operation stay the same from 1 to 1,000 subscribers: nothing is allocated per delivery.
/// </summary>
[MemoryDiagnoser]
public class FanOutBenchmarks
{
    private static readonly NamespaceRules Rules = new HubOptions().NamespaceRules;
    private SseHub _hub = null!;
    private Subscription[] _subscriptions = [];
    private Publication _publication;

    /// <summary>Subscribers on the published namespace (spread over it and its two ancestors).</summary>
    [Params(1, 100, 1_000)]
    public int Subscribers { get; set; }

    /// <summary>Namespaces in the trie besides the published one (100 namespaces over 3 levels).</summary>
    [Params(0, 100)]
    public int OtherNamespaces { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _hub = new SseHub(Options.Create(new HubOptions { SubscriberQueueCapacity = 16 }), TimeProvider.System);
        string[] matching = ["/a", "/a/b", "/a/b/c"];
        _subscriptions = [.. Enumerable.Range(0, Subscribers).Select(i => _hub.Subscribe(Parse(matching[i % 3]), new SubscriberInfo("", "", "")))];
        for (var i = 0; i < OtherNamespaces; i++)
        {
            _hub.Subscribe(Parse($"/x{i % 10}/y{i / 10 % 5}/z{i}"), new SubscriberInfo("", "", ""));
        }

        _publication = new Publication(Parse("/a/b/c"), "", new string('x', 64), "", 0);
    }

    [Benchmark]
    public int PublishAndDrain()
    {
        var result = _hub.Publish(_publication);
        foreach (var subscription in _subscriptions)
        {
            subscription.Reader.TryRead(out _);
        }

        return result.Subscribers;
    }

    [Benchmark]
    public bool RouteOnly_CountMatches() => _hub.CountSubscribers(_publication.Namespace) == Subscribers;

    private static NamespacePath Parse(string text) =>
        NamespacePath.TryParse(text, Rules, out var ns, out var error) ? ns : throw new ArgumentException(error);
}
