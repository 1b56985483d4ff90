namespace SseService.Security;

/// <summary>Headers every response carries, whatever produced it.</summary>
internal static class SecurityHeaders
{
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            // Never let a browser sniff event streams or JSON into something executable.
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return next(context);
        });
}
