using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using SseService.Hub;
using SseService.Subscribers;

namespace SseService.Sse;

/// <summary>
/// Maps <c>GET /subscribe/{namespace...}</c> and <c>GET /subscribe?namespace=…&amp;namespace=…</c>: reads the request, has <see cref="StreamAdmission"/>
/// decide, answers a refusal in HTTP terms, and runs the stream on the sink its connection allows.
/// </summary>
public static class SubscribeEndpoints
{
    public const string CorsPolicyName = "sse-subscribe";

    /// <summary>Response header telling a resuming client what it got: replayed, too-old or unknown.</summary>
    public const string ResumeHeader = "X-SSE-Resume";

    /// <summary>Query parameter for clients that cannot set Last-Event-ID (polyfills).</summary>
    public const string LastEventIdQuery = "lastEventId";

    /// <summary>Query parameter, repeatable, adding a namespace to the stream.</summary>
    public const string NamespaceQuery = "namespace";

    public static RouteGroupBuilder MapSubscribeEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/subscribe").RequireCors(CorsPolicyName);
        group.MapGet("", SubscribeAsync);
        group.MapGet("/{**namespace}", SubscribeAsync);
        return group;
    }

    private static async Task SubscribeAsync(HttpContext context, StreamAdmission admission, Microsoft.Extensions.Options.IOptions<SubscribeOptions> subscribe, TimeProvider time, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(SubscribeEndpoints).FullName!);
        var hub = admission.Hub;
        var skipSegments = SegmentCount(context.Request.PathBase) + 1; // path base, then "subscribe"
        if (!SubscribePath.TryParse(RawPathOf(context), skipSegments, hub.Options.NamespaceRules, out var ns, out var error))
        {
            await RefuseAsync(context, logger, new StreamRefusal(RefusalKind.BadRequest, $"invalid namespace: {error}"));
            return;
        }

        if (!TryReadNamespaces(context.Request, ns, hub.Options.NamespaceRules, out var namespaces, out error))
        {
            await RefuseAsync(context, logger, new StreamRefusal(RefusalKind.BadRequest, error));
            return;
        }

        if (!BacklogQuery.TryRead(context.Request, out var backlog, out var backlogError))
        {
            await RefuseAsync(context, logger, new StreamRefusal(RefusalKind.BadRequest, backlogError));
            return;
        }

        var request = new StreamRequest(namespaces[0], LastEventIdOf(context.Request),
            HttpCredential.From(context.Request, admission.AuthOptions), HttpSubscriberInfo.From(context))
        {
            Namespaces = namespaces,
            Backlog = backlog,
        };
        var (stream, refusal) = await admission.AdmitAsync(request);
        if (stream is null)
        {
            await RefuseAsync(context, logger, refusal!);
            return;
        }

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        if (stream.Subscription.Resume != ResumeOutcome.NotRequested)
        {
            response.Headers[ResumeHeader] = stream.Subscription.Resume switch
            {
                ResumeOutcome.Replayed => "replayed",
                ResumeOutcome.TooOld => "too-old",
                _ => "unknown",
            };
        }

        ISubscriberSink sink;
        try
        {
            sink = (subscribe.Value.DirectSocketWrites ? (ISubscriberSink?)await DirectSocketSink.TryTakeOverAsync(context, time) : null)
                ?? new ResponseSink(context);
        }
        catch
        {
            stream.Discard();
            throw;
        }

        await stream.RunAsync(sink);
    }

    /// <summary>
    /// The stream's namespaces: the path's (unless the path names none, "/subscribe?namespace=…"), then
    /// every <c>namespace</c> query parameter in order. Query values arrive percent-decoded once.
    /// </summary>
    private static bool TryReadNamespaces(HttpRequest request, NamespacePath pathNamespace, NamespaceRules rules,
        out NamespacePath[] namespaces, out string error)
    {
        var query = request.Query[NamespaceQuery];
        if (query.Count == 0)
        {
            namespaces = [pathNamespace];
            error = "";
            return true;
        }

        var list = new List<NamespacePath>(query.Count + 1);
        if (pathNamespace.Depth > 0)
        {
            list.Add(pathNamespace);
        }

        foreach (var text in query)
        {
            if (!NamespacePath.TryParse(text, rules, out var each, out var rule))
            {
                namespaces = [];
                error = $"invalid namespace '{text}' (query parameter {NamespaceQuery}): {rule}";
                return false;
            }

            list.Add(each);
        }

        namespaces = [.. list];
        error = "";
        return true;
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

    private static async Task RefuseAsync(HttpContext context, ILogger logger, StreamRefusal refusal)
    {
        var response = context.Response;
        if (refusal.RetryAfter is { } waitFor && WantsEventStream(context.Request))
        {
            // EventSource gives up for good on anything but 200 text/event-stream: a refusal that waiting
            // gets past is a stream that only says when to come back (jittered, so refused clients
            // do not all return together) and why, then ends.
            var retry = (long)(waitFor.TotalMilliseconds * (0.75 + (Random.Shared.NextDouble() / 2)));
            SubscriberLog.Rejected(logger, context.Request.Path.Value ?? "", StatusCodes.Status200OK, refusal.Reason);
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            await response.WriteAsync(
                string.Create(CultureInfo.InvariantCulture, $"retry: {retry}\n\n: refused: {SingleLine(refusal.Reason)}\n\n"), context.RequestAborted);
            return;
        }

        var status = refusal.Kind switch
        {
            RefusalKind.BadRequest => StatusCodes.Status400BadRequest,
            RefusalKind.Unauthenticated => StatusCodes.Status401Unauthorized,
            RefusalKind.Forbidden => StatusCodes.Status403Forbidden,
            RefusalKind.TooManyFromClient => StatusCodes.Status429TooManyRequests,
            _ => StatusCodes.Status503ServiceUnavailable,
        };
        if (refusal.Kind == RefusalKind.Unauthenticated)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        if (refusal.RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        SubscriberLog.Rejected(logger, context.Request.Path.Value ?? "", status, refusal.Reason);
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        await response.WriteAsync(refusal.Reason + "\n", context.RequestAborted);
    }

    /// <summary>Whether the client takes an event stream (EventSource sends <c>Accept: text/event-stream</c>).</summary>
    private static bool WantsEventStream(HttpRequest request)
    {
        foreach (var accept in request.Headers.Accept)
        {
            if (accept is not null && accept.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static string SingleLine(string text) => text.ReplaceLineEndings(" ");

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
