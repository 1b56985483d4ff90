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
    private readonly NewConnectionRateLimiter _newConnections;
    private readonly LimitsOptions _limits;
    private readonly SendScheduler _scheduler;
    private readonly StreamSettings _settings;
    private readonly StreamDrain _drain;

    public StreamAdmission(
        SseHub hub, SubscribeAuthorization authorization, ConnectionLimiter limiter, NewConnectionRateLimiter newConnections, IOptions<LimitsOptions> limits,
        SseInstrumentation instrumentation, TimeProvider time, StreamDrain drain, SendScheduler scheduler, ILoggerFactory loggers)
    {
        _hub = hub;
        _authorization = authorization;
        _limiter = limiter;
        _newConnections = newConnections;
        _limits = limits.Value;
        _scheduler = scheduler;
        _settings = new StreamSettings(hub.Options.RetryMilliseconds, instrumentation.DeliveryLatency, time,
            loggers.CreateLogger("SseService.Subscribers.StreamOwner"), drain);
        _drain = drain;
    }

    public SseHub Hub => _hub;

    public AuthOptions AuthOptions => _authorization.Options;

    public async ValueTask<(StreamOwner? Stream, StreamRefusal? Refusal)> AdmitAsync(StreamRequest request)
    {
        var namespaces = request.Namespaces;
        if (namespaces.Count > _hub.Options.MaxNamespacesPerStream)
        {
            return Refused(RefusalKind.BadRequest,
                $"too many namespaces: {namespaces.Count} (limit {_hub.Options.MaxNamespacesPerStream}, Sse:MaxNamespacesPerStream)");
        }

        foreach (var each in namespaces)
        {
            if (each.Depth == 0 && !_hub.Options.AllowRootSubscription)
            {
                return Refused(RefusalKind.Forbidden, "subscribing to the root namespace '/' is disabled (Sse:AllowRootSubscription)");
            }
        }

        if (request.LastEventId is { } lastEventId && !EventIdRule.IsValid(lastEventId, _hub.Options.MaxFieldLength, out var idProblem))
        {
            return Refused(RefusalKind.BadRequest, $"invalid Last-Event-ID: it {idProblem}");
        }

        if (request.Backlog > _hub.Options.MaxBacklog)
        {
            return Refused(RefusalKind.BadRequest, $"backlog {request.Backlog} is over the limit of {_hub.Options.MaxBacklog} events (Sse:MaxBacklog)");
        }

        // All or nothing: the first namespace refused refuses the stream, and names itself.
        var expiresAt = (DateTimeOffset?)null;
        foreach (var each in namespaces)
        {
            var (verdict, grants, refusal) = await _authorization.AuthorizeAsync(each, request.Credential);
            if (verdict != AccessVerdict.Granted)
            {
                return Refused(verdict == AccessVerdict.Unauthenticated ? RefusalKind.Unauthenticated : RefusalKind.Forbidden, refusal);
            }

            if (grants?.ExpiresAt is { } expires && (expiresAt is null || expires < expiresAt))
            {
                expiresAt = expires;
            }
        }

        if (_drain.IsDraining)
        {
            _hub.Counters.LimitRejected("shutting_down");
            return Refused(RefusalKind.Unavailable, "the service is shutting down", _drain.Window);
        }

        var pace = _newConnections.TryAcquire();
        if (!pace.Accepted)
        {
            _hub.Counters.LimitRejected("new_connections");
            return Refused(RefusalKind.Unavailable,
                $"too many new streams this second (limit {_limits.MaxNewConnectionsPerSecond}, Sse:Limits:MaxNewConnectionsPerSecond)", pace.RetryAfter);
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
            subscription = _hub.Subscribe(namespaces, request.Info, request.LastEventId, request.Backlog);
        }
        catch
        {
            _limiter.Release(client);
            throw;
        }

        subscription.ExpiresAt = expiresAt;
        return (new StreamOwner(_hub, subscription, _scheduler.NextWorker(), _settings, () => _limiter.Release(client)), null);
    }

    /// <summary>A stream for a subscription made elsewhere (the admin page's hub): no admission, no limits.</summary>
    internal StreamOwner Open(SseHub hub, Subscription subscription) =>
        new(hub, subscription, _scheduler.NextWorker(), _settings with { RetryMilliseconds = 0, Latency = null }, released: null);

    private static (StreamOwner?, StreamRefusal?) Refused(RefusalKind kind, string reason, TimeSpan? retryAfter = null) =>
        (null, new StreamRefusal(kind, reason, retryAfter));
}
