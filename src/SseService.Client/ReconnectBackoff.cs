namespace SseService.Client;

/// <summary>
/// How long one subscription waits before its next connection attempt: exponential backoff with
/// decorrelated jitter, capped, starting over after a healthy connection.
/// </summary>
/// <remarks>
/// The base is the server's last <c>retry:</c> hint, else the configured delay, and no wait is ever
/// shorter: the server asked for at least that. The first wait after a healthy connection is the base
/// plus up to half of it again, so the clients of an instance that ends every stream at once do not all
/// come back in the same instant. Each further failure in a row waits a random time between the base and
/// three times the previous wait ("decorrelated jitter"): on average it grows, spread out, up to the cap.
/// Not thread-safe: one per subscription.
/// </remarks>
internal sealed class ReconnectBackoff(TimeSpan reconnectDelay, TimeSpan maxReconnectDelay, Random random)
{
    // A server may send "retry: 0"; growing from zero would retry a dead service in a tight loop.
    internal static readonly TimeSpan MinimumHint = TimeSpan.FromMilliseconds(10);

    private TimeSpan _previous;

    /// <summary>Starts over: the next wait is the first after a healthy connection.</summary>
    public void Reset() => _previous = TimeSpan.Zero;

    /// <param name="serverHint">The last <c>retry:</c> the server sent, if any: it replaces the configured delay as the base.</param>
    /// <param name="floor">
    /// A wait the server asked for with this one refusal (<c>Retry-After</c> on a 503 or 429): never wait less.
    /// </param>
    /// <returns>
    /// The wait, never above the cap: any producer can set <c>retry_ms</c> on an event, and so the
    /// reconnection time of every subscriber below its namespace.
    /// </returns>
    public TimeSpan Next(TimeSpan? serverHint, TimeSpan? floor = null)
    {
        var baseDelay = Clamp(serverHint is { } hint ? (hint < MinimumHint ? MinimumHint : hint) : reconnectDelay);
        var upper = _previous == TimeSpan.Zero ? Scale(baseDelay, 1.5) : Scale(_previous, 3);
        var delay = Clamp(baseDelay + ((Clamp(upper) - baseDelay) * random.NextDouble()));
        if (floor is { } wanted && wanted > delay)
        {
            delay = Clamp(wanted);
        }

        _previous = delay;
        return delay;
    }

    private TimeSpan Clamp(TimeSpan delay) => delay > maxReconnectDelay ? maxReconnectDelay : delay;

    private static TimeSpan Scale(TimeSpan delay, double factor)
    {
        var ticks = delay.Ticks * factor;
        return ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ticks);
    }
}
