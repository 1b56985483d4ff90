using SseService.Hub;
using SseService.Sse;
using SseService.Subscribers;

namespace SseService.Admin;

/// <summary>Maps the admin page, its status document and its live stream under <c>/admin</c>.</summary>
public static class AdminEndpoints
{
    /// <summary>The keyed <see cref="SseHub"/> that carries the admin page's stream.</summary>
    public const string AdminHubKey = "admin";

    private const int DefaultStatusLimit = 100;
    private const int MaxStatusLimit = 100_000;

    public static RouteGroupBuilder MapAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/admin").AddEndpointFilter<AdminAccessFilter>();
        group.MapGet("/", ServePage);
        group.MapGet("/status.json", (StatusReporter reporter, int? limit) =>
            Results.Json(reporter.Report(Math.Clamp(limit ?? DefaultStatusLimit, 0, MaxStatusLimit)), AdminJsonContext.Default.StatusDocument));
        group.MapGet("/events", StreamStatusAsync);
        return group;
    }

    private static IResult ServePage(HttpContext context)
    {
        // The page reads "events" relative to itself, so it must be served at "/admin/".
        if (!context.Request.Path.Value!.EndsWith('/'))
        {
            return Results.Redirect(context.Request.PathBase + context.Request.Path + "/");
        }

        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.ContentSecurityPolicy = AdminPage.ContentSecurityPolicy;
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        context.Response.Headers.XFrameOptions = "DENY";
        return Results.Bytes(AdminPage.Html, "text/html; charset=utf-8");
    }

    private static async Task StreamStatusAsync(
        HttpContext context,
        [FromKeyedServices(AdminHubKey)] SseHub adminHub,
        AdminStatusPublisher publisher,
        StreamAdmission streams)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var stream = streams.Open(adminHub, adminHub.Subscribe(AdminStatusPublisher.StatusNamespace, HttpSubscriberInfo.From(context)));

        // Fill the page at once rather than on the next tick.
        publisher.PublishNow();
        await stream.RunAsync(new ResponseSink(context));
    }
}
