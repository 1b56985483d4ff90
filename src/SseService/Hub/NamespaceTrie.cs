using System.Collections.Concurrent;

namespace SseService.Hub;

/// <summary>
/// Subscriptions indexed by namespace segments. Delivery walks one path from the root (the namespace
/// and its ancestors), so its cost grows with depth and matches, never with all connections.
/// Readers take no lock: children are concurrent maps and subscriber sets are snapshots that never
/// change under a reader (<see cref="SubscriberList"/>); writers (subscribe/unsubscribe) serialize on
/// one lock, and each costs amortized O(1) however many share a namespace.
/// </summary>
internal sealed class NamespaceTrie
{
    private readonly Node _root = new(parent: null, segment: "");
    private readonly Lock _gate = new();
    private int _count;

    /// <summary>Subscriptions currently held.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Lists <paramref name="subscription"/> on the node of each of its namespaces. They are normalized
    /// (none covers another), so a delivery walk, which follows one ancestor line, meets it at most once.
    /// </summary>
    public void Add(Subscription subscription)
    {
        lock (_gate)
        {
            subscription.IsListed = true;
            var namespaces = subscription.Namespaces;
            for (var i = 0; i < namespaces.Count; i++)
            {
                var node = GetOrAdd(namespaces[i]);
                if (i == 0)
                {
                    subscription.PrimaryNode = node;
                }

                node.Subscribers = node.Subscribers.With(subscription);
            }

            _count++;
        }
    }

    private Node GetOrAdd(NamespacePath ns)
    {
        var node = _root;
        if (ns.Depth > 0)
        {
            foreach (var range in SegmentsOf(ns))
            {
                var segment = ns.Value.AsSpan(1)[range].ToString();
                node = node.Children.GetOrAdd(segment, static (key, parent) => new Node(parent, key), node);
            }
        }

        return node;
    }

    public bool Remove(Subscription subscription)
    {
        lock (_gate)
        {
            if (!subscription.IsListed)
            {
                return false;
            }

            subscription.IsListed = false;
            foreach (var ns in subscription.Namespaces)
            {
                if (Find(ns) is { } node)
                {
                    Unlist(node);
                }
            }

            _count--;
            return true;
        }
    }

    private static void Unlist(Node node)
    {
        node.Subscribers = node.Subscribers.WithoutOne();

        // Prune branches nobody listens on, so hostile or one-off namespaces do not accumulate.
        while (node.Parent is { } parent && node.Subscribers.Live == 0 && node.Children.IsEmpty)
        {
            parent.Children.TryRemove(node.Segment, out _);
            node = parent;
        }
    }

    /// <summary>
    /// Calls <paramref name="deliver"/> for every subscription of <paramref name="ns"/> and of its
    /// ancestors (root first), lock-free. Returns how many calls returned true.
    /// </summary>
    public int ForEachMatch<TState>(NamespacePath ns, TState state, Func<Subscription, TState, bool> deliver)
    {
        var node = _root;
        var count = DeliverTo(node, state, deliver);
        if (ns.Depth == 0)
        {
            return count;
        }

        var segments = ns.Value.AsSpan(1);
        foreach (var range in SegmentsOf(ns))
        {
            if (!node.Lookup.TryGetValue(segments[range], out var child))
            {
                break;
            }

            node = child;
            count += DeliverTo(node, state, deliver);
        }

        return count;
    }

    /// <summary>Visits every subscription once (for keep-alives and the admin page), lock-free.</summary>
    public void ForEach<TState>(TState state, Action<Subscription, TState> visit)
    {
        var pending = new Stack<Node>();
        pending.Push(_root);
        while (pending.TryPop(out var node))
        {
            foreach (var subscription in node.Subscribers.Slots)
            {
                // Listed on several nodes when it has several namespaces: visited at its first.
                if (subscription.IsListed && ReferenceEquals(subscription.PrimaryNode, node))
                {
                    visit(subscription, state);
                }
            }

            foreach (var child in node.Children.Values)
            {
                pending.Push(child);
            }
        }
    }

    private static int DeliverTo<TState>(Node node, TState state, Func<Subscription, TState, bool> deliver)
    {
        var delivered = 0;
        foreach (var subscription in node.Subscribers.Slots)
        {
            if (subscription.IsListed && deliver(subscription, state))
            {
                delivered++;
            }
        }

        return delivered;
    }

    private Node? Find(NamespacePath ns)
    {
        var node = _root;
        if (ns.Depth == 0)
        {
            return node;
        }

        var segments = ns.Value.AsSpan(1);
        foreach (var range in SegmentsOf(ns))
        {
            if (!node.Lookup.TryGetValue(segments[range], out var child))
            {
                return null;
            }

            node = child;
        }

        return node;
    }

    // Only called for Depth > 0: splitting the root's empty remainder would yield one empty segment.
    private static MemoryExtensions.SpanSplitEnumerator<char> SegmentsOf(NamespacePath ns) => ns.Value.AsSpan(1).Split('/');

    private sealed class Node
    {
        public Node(Node? parent, string segment)
        {
            Parent = parent;
            Segment = segment;
            Lookup = Children.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public Node? Parent { get; }

        public string Segment { get; }

        public ConcurrentDictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        /// <summary>Looks children up by a span of the namespace, without allocating a string.</summary>
        public ConcurrentDictionary<string, Node>.AlternateLookup<ReadOnlySpan<char>> Lookup { get; }

        /// <summary>Replaced by writers, so readers can enumerate a snapshot without a lock.</summary>
        public volatile SubscriberList Subscribers = SubscriberList.Empty;
    }

    /// <summary>
    /// A snapshot of one node's subscribers: the filled start of an array whose slots never change
    /// once a snapshot covers them. An add fills the next free slot and publishes a longer snapshot;
    /// a removal only unlists the subscription (readers skip it) and the live ones move to a new
    /// array once most slots are dead. Growth and compaction double, so both are amortized O(1).
    /// </summary>
    private sealed class SubscriberList
    {
        public static readonly SubscriberList Empty = new([], 0, 0);

        private readonly Subscription[] _array;

        private SubscriberList(Subscription[] array, int filled, int live)
        {
            _array = array;
            Filled = filled;
            Live = live;
        }

        public int Filled { get; }

        /// <summary>Slots whose subscription is still listed.</summary>
        public int Live { get; }

        public ReadOnlySpan<Subscription> Slots => _array.AsSpan(0, Filled);

        public SubscriberList With(Subscription subscription)
        {
            if (Filled < _array.Length)
            {
                _array[Filled] = subscription; // beyond every published snapshot, so no reader sees it change
                return new SubscriberList(_array, Filled + 1, Live + 1);
            }

            var moved = Compact(capacity: Math.Max(4, (Live + 1) * 2));
            moved._array[moved.Filled] = subscription;
            return new SubscriberList(moved._array, moved.Filled + 1, moved.Live + 1);
        }

        /// <summary>After one subscription was unlisted.</summary>
        public SubscriberList WithoutOne()
        {
            var shrunk = new SubscriberList(_array, Filled, Live - 1);
            return shrunk.Live * 2 < shrunk.Filled && shrunk.Filled > 8 ? shrunk.Compact(capacity: Math.Max(4, shrunk.Live * 2)) : shrunk;
        }

        private SubscriberList Compact(int capacity)
        {
            var array = new Subscription[capacity];
            var filled = 0;
            foreach (var subscription in Slots)
            {
                if (subscription.IsListed)
                {
                    array[filled++] = subscription;
                }
            }

            return new SubscriberList(array, filled, filled);
        }
    }
}
