using Microsoft.AspNetCore.Http.Features;
using System.Globalization;
using Microsoft.Extensions.Options;
using SseService.Hub;
using SseService.Limits;
using SseService.Security;
using SseService.Telemetry;

namespace SseService.Sse;

/// <summary>Maps <c>GET /subscribe/{namespace...}</c>: one SSE stream per request.</summary>
public static class SubscribeEndpoints
{
    public const string CorsPolicyName = "sse-subscribe";

    /// <summary>Response header telling a resuming client what it got: replayed, too-old or unknown.</summary>
    public const string ResumeHeader = "X-SSE-Resume";

    /// <summary>Query parameter for clients that cannot set Last-Event-ID (polyfills).</summary>
    public const string LastEventIdQuery = "lastEventId";

    public static RouteGroupBuilder MapSubscribeEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/subscribe").RequireCors(CorsPolicyName);
        group.MapGet("", SubscribeAsync);
        group.MapGet("/{**namespace}", SubscribeAsync);
        return group;
    }

    private static async Task SubscribeAsync(
        HttpContext context,
        SseHub hub,
        SubscribeAuthorization authorization,
        ConnectionLimiter limiter,
        NewConnectionRateLimiter newConnections,
        IOptions<LimitsOptions> limits,
        SseInstrumentation instrumentation,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        DirectSendScheduler direct,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(SubscribeEndpoints).FullName!);
        var rawPath = RawPathOf(context);
        var skipSegments = SegmentCount(context.Request.PathBase) + 1; // path base, then "subscribe"
        if (!SubscribePath.TryParse(rawPath, skipSegments, hub.Options.NamespaceRules, out var ns, out var error))
        {
            await RejectAsync(context, logger, StatusCodes.Status400BadRequest, $"invalid namespace: {error}");
            return;
        }

        if (ns.Depth == 0 && !hub.Options.AllowRootSubscription)
        {
            await RejectAsync(context, logger, StatusCodes.Status403Forbidden,
                "subscribing to the root namespace '/' is disabled (Sse:AllowRootSubscription)");
            return;
        }

        var info = HttpSubscriberInfo.From(context);
        var lastEventId = LastEventIdOf(context.Request);
        if (lastEventId is not null && !EventIdRule.IsValid(lastEventId, hub.Options.MaxFieldLength, out var idProblem))
        {
            await RejectAsync(context, logger, StatusCodes.Status400BadRequest, $"invalid Last-Event-ID: it {idProblem}");
            return;
        }

        var (status, grants, refusal) = await authorization.AuthorizeAsync(ns, PresentedCredential.From(context.Request, authorization.Options));
        if (status != StatusCodes.Status200OK)
        {
            if (status == StatusCodes.Status401Unauthorized)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
            }

            await RejectAsync(context, logger, status, refusal);
            return;
        }

        var pace = newConnections.TryAcquire();
        if (!pace.Accepted)
        {
            hub.Counters.LimitRejected("new_connections");
            context.Response.Headers.RetryAfter = WholeSeconds(pace.RetryAfter);
            await RejectAsync(context, logger, StatusCodes.Status503ServiceUnavailable,
                $"too many new streams this second (limit {limits.Value.MaxNewConnectionsPerSecond}, Sse:Limits:MaxNewConnectionsPerSecond)");
            return;
        }

        var verdict = limiter.TryAcquire(info.ClientAddress);
        if (verdict != ConnectionLimiter.Verdict.Accepted)
        {
            var tooManyFromClient = verdict == ConnectionLimiter.Verdict.TooManyFromClient;
            hub.Counters.LimitRejected(tooManyFromClient ? "connections_per_client" : "connections");
            context.Response.Headers.RetryAfter = ((int)limits.Value.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            await RejectAsync(context, logger,
                tooManyFromClient ? StatusCodes.Status429TooManyRequests : StatusCodes.Status503ServiceUnavailable,
                tooManyFromClient
                    ? $"too many streams from {info.ClientAddress} (limit {limits.Value.MaxConnectionsPerClient}, Sse:Limits:MaxConnectionsPerClient)"
                    : $"too many streams open (limit {limits.Value.MaxConnections}, Sse:Limits:MaxConnections)");
            return;
        }

        // A stream written straight to its socket outlives this request, so its slot is given back
        // when the stream ends, not when the request does.
        await StreamAsync(context, hub, ns, info, lastEventId, grants, instrumentation, time, lifetime,
            hub.Options.DirectSocketWrites ? direct : null, () => limiter.Release(info.ClientAddress), logger);
    }

    private static async Task StreamAsync(
        HttpContext context,
        SseHub hub,
        NamespacePath ns,
        SubscriberInfo info,
        string? lastEventId,
        Grants? grants,
        SseInstrumentation instrumentation,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        DirectSendScheduler? direct,
        Action release,
        ILogger logger)
    {
        Subscription subscription;
        try
        {
            subscription = hub.Subscribe(ns, info, lastEventId);
        }
        catch
        {
            release();
            throw;
        }

        subscription.ExpiresAt = grants?.ExpiresAt;
        if (subscription.Resume != ResumeOutcome.NotRequested)
        {
            context.Response.Headers[ResumeHeader] = subscription.Resume switch
            {
                ResumeOutcome.Replayed => "replayed",
                ResumeOutcome.TooOld => "too-old",
                _ => "unknown",
            };
        }

        SubscribeLog.Connected(logger, subscription.Id, ns.Value, info.ClientAddress);
        var ended = 0;
        void Ended()
        {
            if (Interlocked.Exchange(ref ended, 1) != 0)
            {
                return;
            }

            // The stream has already left the hub (before its client could see the end).
            release();
            var reason = subscription.CloseReason switch
            {
                CloseReason.SlowConsumer => "slow consumer",
                CloseReason.CredentialExpired => "credential expired",
                _ when lifetime.ApplicationStopping.IsCancellationRequested => "server stopping",
                _ => "client closed",
            };
            if (subscription.CloseReason == CloseReason.SlowConsumer)
            {
                SubscribeLog.SlowConsumer(logger, subscription.Id, ns.Value, info.ClientAddress, hub.Options.SubscriberQueueCapacity);
            }

            SubscribeLog.Disconnected(logger, subscription.Id, ns.Value, reason, DateTimeOffset.UtcNow - subscription.CreatedAt, subscription.MessagesSent);
        }

        try
        {
            await SubscriptionStream.RunAsync(context, hub, subscription, hub.Options.RetryMilliseconds, instrumentation.DeliveryLatency, time, direct, Ended, lifetime.ApplicationStopping);
        }
        catch
        {
            hub.Unsubscribe(subscription);
            Ended();
            throw;
        }
    }

    /// <summary>The Last-Event-ID header (as EventSource sends it), else the lastEventId query parameter.</summary>
    private static string? LastEventIdOf(HttpRequest request)
    {
        var header = request.Headers["Last-Event-ID"].ToString();
        if (header.Length > 0)
        {
            return header;
        }

        var query = request.Query[LastEventIdQuery].ToString();
        return query.Length > 0 ? query : null;
    }

    /// <summary>Retry-After in whole seconds, rounded up (never 0, which would invite an immediate retry).</summary>
    private static string WholeSeconds(TimeSpan delay) =>
        Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static async Task RejectAsync(HttpContext context, ILogger logger, int statusCode, string reason)
    {
        SubscribeLog.Rejected(logger, context.Request.Path.Value ?? "", statusCode, reason);
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(reason + "\n", context.RequestAborted);
    }

    /// <summary>The path as the client sent it: not percent-decoded, dot segments not resolved.</summary>
    private static string RawPathOf(HttpContext context)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(rawTarget) || rawTarget[0] != '/')
        {
            // Absolute-form targets (proxies) or servers without a raw target: fall back to the escaped path.
            return (context.Request.PathBase + context.Request.Path).ToUriComponent();
        }

        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? rawTarget : rawTarget[..query];
    }

    private static int SegmentCount(PathString path) =>
        path.HasValue ? path.Value!.AsSpan().Count('/') : 0;
}
