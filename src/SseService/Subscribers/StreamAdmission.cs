using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SseService.Hub;
using SseService.Limits;
using SseService.Security;
using SseService.Telemetry;

namespace SseService.Subscribers;

/// <summary>
/// Opens subscriber streams on the main hub, for every transport alike: the request's checks (root
/// namespace, Last-Event-ID, credential, limits), then the subscription, and the stream that owns it.
/// A refusal says why; the transport answers it in its own terms.
/// </summary>
internal sealed class StreamAdmission
{
    private readonly SseHub _hub;
    private readonly SubscribeAuthorization _authorization;
    private readonly ConnectionLimiter _limiter;
    private readonly LimitsOptions _limits;
    private readonly SendScheduler _scheduler;
    private readonly StreamSettings _settings;

    public StreamAdmission(
        SseHub hub, SubscribeAuthorization authorization, ConnectionLimiter limiter, IOptions<LimitsOptions> limits,
        SseInstrumentation instrumentation, TimeProvider time, IHostApplicationLifetime lifetime, SendScheduler scheduler, ILoggerFactory loggers)
    {
        _hub = hub;
        _authorization = authorization;
        _limiter = limiter;
        _limits = limits.Value;
        _scheduler = scheduler;
        _settings = new StreamSettings(hub.Options.RetryMilliseconds, instrumentation.DeliveryLatency, time,
            loggers.CreateLogger("SseService.Subscribers.StreamOwner"), lifetime.ApplicationStopping);
    }

    public SseHub Hub => _hub;

    public AuthOptions AuthOptions => _authorization.Options;

    public async ValueTask<(StreamOwner? Stream, StreamRefusal? Refusal)> AdmitAsync(StreamRequest request)
    {
        var ns = request.Namespace;
        if (ns.Depth == 0 && !_hub.Options.AllowRootSubscription)
        {
            return Refused(RefusalKind.Forbidden, "subscribing to the root namespace '/' is disabled (Sse:AllowRootSubscription)");
        }

        if (request.LastEventId is { } lastEventId && !IsWellFormedEventId(lastEventId, _hub.Options.MaxFieldLength, out var idError))
        {
            return Refused(RefusalKind.BadRequest, $"invalid Last-Event-ID: {idError}");
        }

        if (request.Backlog > _hub.Options.MaxBacklog)
        {
            return Refused(RefusalKind.BadRequest, $"backlog {request.Backlog} is over the limit of {_hub.Options.MaxBacklog} events (Sse:MaxBacklog)");
        }

        var (verdict, grants, refusal) = await _authorization.AuthorizeAsync(ns, request.Credential);
        if (verdict != AccessVerdict.Granted)
        {
            return Refused(verdict == AccessVerdict.Unauthenticated ? RefusalKind.Unauthenticated : RefusalKind.Forbidden, refusal);
        }

        var client = request.Info.ClientAddress;
        var slot = _limiter.TryAcquire(client);
        if (slot != ConnectionLimiter.Verdict.Accepted)
        {
            var fromClient = slot == ConnectionLimiter.Verdict.TooManyFromClient;
            _hub.Counters.LimitRejected(fromClient ? "connections_per_client" : "connections");
            return fromClient
                ? Refused(RefusalKind.TooManyFromClient, $"too many streams from {client} (limit {_limits.MaxConnectionsPerClient}, Sse:Limits:MaxConnectionsPerClient)", _limits.RetryAfter)
                : Refused(RefusalKind.Unavailable, $"too many streams open (limit {_limits.MaxConnections}, Sse:Limits:MaxConnections)", _limits.RetryAfter);
        }

        Subscription subscription;
        try
        {
            subscription = _hub.Subscribe(ns, request.Info, request.LastEventId, request.Backlog);
        }
        catch
        {
            _limiter.Release(client);
            throw;
        }

        subscription.ExpiresAt = grants?.ExpiresAt;
        return (new StreamOwner(_hub, subscription, _scheduler.NextWorker(), _settings, () => _limiter.Release(client)), null);
    }

    /// <summary>A stream for a subscription made elsewhere (the admin page's hub): no admission, no limits.</summary>
    internal StreamOwner Open(SseHub hub, Subscription subscription) =>
        new(hub, subscription, _scheduler.NextWorker(), _settings with { RetryMilliseconds = 0, Latency = null }, released: null);

    private static (StreamOwner?, StreamRefusal?) Refused(RefusalKind kind, string reason, TimeSpan? retryAfter = null) =>
        (null, new StreamRefusal(kind, reason, retryAfter));

    private static bool IsWellFormedEventId(string id, int maxLength, out string error)
    {
        if (id.Length > maxLength)
        {
            error = $"longer than {maxLength} characters";
            return false;
        }

        foreach (var c in id)
        {
            if (char.IsControl(c))
            {
                error = $"contains a control character (U+{(int)c:X4})";
                return false;
            }
        }

        error = "";
        return true;
    }
}
