using SseService.Security;

namespace SseService.Sse;

/// <summary>Where HTTP callers put their credential: "authorization: Bearer …", or for browsers a cookie or a query parameter.</summary>
public static class HttpCredential
{
    private const string BearerPrefix = "Bearer ";

    public static string? From(HttpRequest request, AuthOptions options)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return header[BearerPrefix.Length..].Trim();
        }

        if (request.Cookies.TryGetValue(options.CookieName, out var cookie) && cookie.Length > 0)
        {
            return cookie;
        }

        var query = request.Query[options.QueryParameter].ToString();
        return query.Length > 0 ? query : null;
    }
}
