using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace SseService.Limits;

/// <summary>Counts open SSE streams, in all and per client address, and refuses one over a limit.</summary>
public sealed class ConnectionLimiter(IOptions<LimitsOptions> options)
{
    private readonly LimitsOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, int> _perClient = new(StringComparer.Ordinal);
    private int _total;

    public enum Verdict
    {
        Accepted,
        TooManyConnections,
        TooManyFromClient,
    }

    public Verdict TryAcquire(string client)
    {
        if (Interlocked.Increment(ref _total) > _options.MaxConnections && _options.MaxConnections > 0)
        {
            Interlocked.Decrement(ref _total);
            return Verdict.TooManyConnections;
        }

        if (_options.MaxConnectionsPerClient > 0
            && _perClient.AddOrUpdate(client, 1, static (_, count) => count + 1) > _options.MaxConnectionsPerClient)
        {
            ReleaseClient(client);
            Interlocked.Decrement(ref _total);
            return Verdict.TooManyFromClient;
        }

        return Verdict.Accepted;
    }

    public void Release(string client)
    {
        if (_options.MaxConnectionsPerClient > 0)
        {
            ReleaseClient(client);
        }

        Interlocked.Decrement(ref _total);
    }

    private void ReleaseClient(string client)
    {
        // Remove the entry at zero so addresses seen once do not accumulate.
        while (_perClient.TryGetValue(client, out var count))
        {
            if (count <= 1 ? _perClient.TryRemove(new KeyValuePair<string, int>(client, count)) : _perClient.TryUpdate(client, count - 1, count))
            {
                return;
            }
        }
    }
}
