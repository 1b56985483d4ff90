using SseService.Hub;

namespace SseService.Sse;

/// <summary>What the hub keeps about an HTTP subscriber, for the admin page.</summary>
internal static class HttpSubscriberInfo
{
    public static SubscriberInfo From(HttpContext context) => new(
        context.Request.Path.Value ?? "",
        context.Connection.RemoteIpAddress?.ToString() ?? "",
        context.Request.Headers.UserAgent.ToString());
}
