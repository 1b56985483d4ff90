using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace SseService.Limits;

/// <summary>
/// Limits how many new SSE streams may start per second on this instance
/// (<see cref="LimitsOptions.MaxNewConnectionsPerSecond"/>), so a reconnect storm (every client of a
/// stopped instance arriving at once) is let in at a pace the instance can take. Says only yes or no
/// and how long to wait: how a refusal is answered is the transport's business.
/// </summary>
/// <remarks>
/// A fixed one-second window (<see cref="FixedWindowRateLimiter"/>): at most the limit in each window,
/// none queued. Off (0) by default, and then no limiter exists at all.
/// </remarks>
public sealed class NewConnectionRateLimiter : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private readonly FixedWindowRateLimiter? _limiter;

    public NewConnectionRateLimiter(IOptions<LimitsOptions> options)
    {
        var perSecond = options.Value.MaxNewConnectionsPerSecond;
        if (perSecond > 0)
        {
            _limiter = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
            {
                PermitLimit = perSecond,
                Window = Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        }
    }

    /// <summary>Whether a stream may start now; when not, about how long until one may.</summary>
    public readonly record struct Verdict(bool Accepted, TimeSpan RetryAfter)
    {
        public static readonly Verdict Accept = new(true, TimeSpan.Zero);
    }

    public Verdict TryAcquire()
    {
        if (_limiter is null)
        {
            return Verdict.Accept;
        }

        // A permit of a fixed window is used up, not held: nothing to give back when the stream ends.
        using var lease = _limiter.AttemptAcquire();
        if (lease.IsAcquired)
        {
            return Verdict.Accept;
        }

        return new Verdict(false, lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : Window);
    }

    public void Dispose() => _limiter?.Dispose();
}
