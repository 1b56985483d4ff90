using Microsoft.AspNetCore.Http.Features;
using SseService.Hub;
using SseService.Telemetry;

namespace SseService.Sse;

/// <summary>Maps <c>GET /subscribe/{namespace...}</c>: one SSE stream per request.</summary>
public static class SubscribeEndpoints
{
    public const string CorsPolicyName = "sse-subscribe";

    public static RouteGroupBuilder MapSubscribeEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/subscribe").RequireCors(CorsPolicyName);
        group.MapGet("", SubscribeAsync);
        group.MapGet("/{**namespace}", SubscribeAsync);
        return group;
    }

    private static async Task SubscribeAsync(
        HttpContext context, SseHub hub, SseInstrumentation instrumentation, TimeProvider time, IHostApplicationLifetime lifetime, ILoggerFactory loggers)
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

        var info = new SubscriberInfo(
            context.Request.Path.Value ?? "",
            context.Connection.RemoteIpAddress?.ToString() ?? "",
            context.Request.Headers.UserAgent.ToString());
        var subscription = hub.Subscribe(ns, info);
        SubscribeLog.Connected(logger, subscription.Id, ns.Value, info.ClientAddress);
        try
        {
            await SubscriptionStream.RunAsync(context, subscription, instrumentation.DeliveryLatency, time, lifetime.ApplicationStopping);
        }
        finally
        {
            hub.Unsubscribe(subscription);
            var reason = subscription.CloseReason switch
            {
                CloseReason.SlowConsumer => "slow consumer",
                _ when lifetime.ApplicationStopping.IsCancellationRequested => "server stopping",
                _ => "client closed",
            };
            if (subscription.CloseReason == CloseReason.SlowConsumer)
            {
                SubscribeLog.SlowConsumer(logger, subscription.Id, ns.Value, info.ClientAddress, hub.Options.SubscriberQueueCapacity);
            }

            SubscribeLog.Disconnected(logger, subscription.Id, ns.Value, reason, DateTimeOffset.UtcNow - subscription.CreatedAt, subscription.MessagesSent);
        }
    }

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
