using SseService.Hub;

namespace SseService.Admin;

/// <summary>Builds the status document from the hub and its counters: the admin page's one source.</summary>
public sealed class StatusReporter(SseHub hub, TimeProvider time)
{
    private const int TopNamespaceCount = 10;
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    /// <param name="limit">How many of the newest connections to list; the total is always given.</param>
    public StatusDocument Report(int limit)
    {
        var counters = hub.Counters.Snapshot();
        var now = time.GetUtcNow();

        // One pass over the open connections: counts per namespace and the newest `limit` of them.
        var perNamespace = new Dictionary<string, int>(StringComparer.Ordinal);
        var newest = new PriorityQueue<Subscription, long>();
        var total = 0;
        hub.ForEachSubscription(subscription =>
        {
            total++;
            foreach (var each in subscription.Namespaces)
            {
                perNamespace[each.Value] = perNamespace.GetValueOrDefault(each.Value) + 1;
            }

            if (limit <= 0)
            {
                return;
            }

            if (newest.Count < limit)
            {
                newest.Enqueue(subscription, subscription.Id);
            }
            else if (newest.TryPeek(out _, out var oldestId) && subscription.Id > oldestId)
            {
                newest.EnqueueDequeue(subscription, subscription.Id);
            }
        });

        var connections = new List<ConnectionStatus>(newest.Count);
        while (newest.TryDequeue(out var subscription, out _))
        {
            connections.Add(new ConnectionStatus(
                subscription.Info.RequestPath,
                subscription.Namespace.Value,
                subscription.CreatedAt.ToUnixTimeSeconds(),
                subscription.Info.ClientAddress,
                subscription.Info.UserAgent,
                subscription.MessagesSent,
                [.. subscription.Namespaces.Select(each => each.Value)]));
        }

        connections.Reverse(); // newest first
        var topNamespaces = perNamespace
            .OrderByDescending(pair => pair.Value)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Take(TopNamespaceCount)
            .Select(pair => new NamespaceCount(pair.Key, pair.Value))
            .ToList();

        return new StatusDocument(
            Environment.MachineName,
            "OK",
            now.ToUnixTimeSeconds(),
            _startedAt.ToUnixTimeSeconds(),
            Math.Round((now - _startedAt).TotalSeconds, 1),
            counters.MessagesPublished,
            counters.Deliveries,
            counters.BytesWritten,
            counters.ActiveConnections,
            counters.ConnectionsOpened,
            counters.SlowConsumerDisconnects,
            counters.ProducerStreams,
            counters.PublishErrors,
            counters.PublishErrorsByReason,
            counters.LimitRejections,
            topNamespaces,
            total,
            connections);
    }
}
