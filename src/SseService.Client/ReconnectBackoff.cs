namespace SseService.Client;

/// <summary>How long to wait before the next connection attempt.</summary>
internal static class ReconnectBackoff
{
    // A server may send "retry: 0"; doubling zero would retry a dead service in a tight loop.
    private static readonly TimeSpan MinimumHint = TimeSpan.FromMilliseconds(10);

    /// <param name="serverHint">The last <c>retry:</c> the server sent, if any: it replaces <paramref name="reconnectDelay"/>.</param>
    /// <param name="consecutiveFailures">
    /// Attempts in a row that failed or ended without delivering anything: the first waits the base delay,
    /// each further one doubles it. 0 after a healthy connection.
    /// </param>
    /// <param name="reconnectDelay">The base delay when the server gave no hint.</param>
    /// <param name="maxReconnectDelay">
    /// Bounds every wait, server hints included: any producer can set <c>retry_ms</c> on an event, and so
    /// the reconnection time of every subscriber below its namespace.
    /// </param>
    public static TimeSpan NextDelay(TimeSpan? serverHint, int consecutiveFailures, TimeSpan reconnectDelay, TimeSpan maxReconnectDelay)
    {
        var baseDelay = serverHint is { } hint ? (hint < MinimumHint ? MinimumHint : hint) : reconnectDelay;
        if (consecutiveFailures <= 1)
        {
            return baseDelay < maxReconnectDelay ? baseDelay : maxReconnectDelay;
        }

        // Doubling a positive delay reaches any cap within 63 steps; beyond that it only overflows.
        var ticks = baseDelay.Ticks * Math.Pow(2, Math.Min(consecutiveFailures - 1, 62));
        return ticks >= maxReconnectDelay.Ticks ? maxReconnectDelay : TimeSpan.FromTicks((long)ticks);
    }
}
