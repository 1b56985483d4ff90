using System.Collections.Concurrent;

namespace SseService.Hub;

/// <summary>
/// Subscriptions indexed by namespace segments. Delivery walks one path from the root (the namespace
/// and its ancestors), so its cost grows with depth and matches, never with all connections.
/// Readers take no lock: children are concurrent maps and subscriber sets are copy-on-write arrays;
/// writers (subscribe/unsubscribe) serialize on one lock.
/// </summary>
internal sealed class NamespaceTrie
{
    private readonly Node _root = new(parent: null, segment: "");
    private readonly Lock _gate = new();
    private int _count;

    /// <summary>Subscriptions currently held.</summary>
    public int Count => Volatile.Read(ref _count);

    public void Add(Subscription subscription)
    {
        lock (_gate)
        {
            var node = _root;
            if (subscription.Namespace.Depth > 0)
            {
                foreach (var range in SegmentsOf(subscription.Namespace))
                {
                    var segment = subscription.Namespace.Value.AsSpan(1)[range].ToString();
                    node = node.Children.GetOrAdd(segment, static (key, parent) => new Node(parent, key), node);
                }
            }

            node.Subscribers = [.. node.Subscribers, subscription];
            _count++;
        }
    }

    public bool Remove(Subscription subscription)
    {
        lock (_gate)
        {
            var node = Find(subscription.Namespace);
            if (node is null)
            {
                return false;
            }

            var index = Array.IndexOf(node.Subscribers, subscription);
            if (index < 0)
            {
                return false;
            }

            var remaining = new Subscription[node.Subscribers.Length - 1];
            Array.Copy(node.Subscribers, 0, remaining, 0, index);
            Array.Copy(node.Subscribers, index + 1, remaining, index, remaining.Length - index);
            node.Subscribers = remaining;
            _count--;

            // Prune branches nobody listens on, so hostile or one-off namespaces do not accumulate.
            while (node.Parent is { } parent && node.Subscribers.Length == 0 && node.Children.IsEmpty)
            {
                parent.Children.TryRemove(node.Segment, out _);
                node = parent;
            }

            return true;
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

    /// <summary>Visits every subscription (for keep-alives and the admin page), lock-free.</summary>
    public void ForEach<TState>(TState state, Action<Subscription, TState> visit)
    {
        var pending = new Stack<Node>();
        pending.Push(_root);
        while (pending.TryPop(out var node))
        {
            foreach (var subscription in node.Subscribers)
            {
                visit(subscription, state);
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
        foreach (var subscription in node.Subscribers)
        {
            if (deliver(subscription, state))
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

        /// <summary>Replaced, never mutated, so readers can enumerate a snapshot without a lock.</summary>
        public volatile Subscription[] Subscribers = [];
    }
}
