using Microsoft.Extensions.Options;
using SseService.Security;
using SseService.Sse;

namespace SseService.Admin;

/// <summary>
/// Guards the admin endpoints when <see cref="AdminOptions.AdminAccess"/> is Credential: 401 without a
/// valid credential, 403 with one that lacks the admin grant. Browsers can pass it as a cookie or in
/// the query string, since the page's EventSource cannot set headers.
/// </summary>
internal sealed class AdminAccessFilter(IOptions<AdminOptions> options, CredentialValidator credentials) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (options.Value.AdminAccess == AdminAccess.Open)
        {
            return await next(context);
        }

        var http = context.HttpContext;
        var result = await credentials.ValidateAsync(HttpCredential.From(http.Request, credentials.Options));
        if (result.Status != AuthStatus.Valid)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return Results.Text(
                result.Status == AuthStatus.Anonymous ? "the admin endpoints need a credential with the admin grant\n" : $"credential refused: {result.Reason}\n",
                "text/plain; charset=utf-8", statusCode: StatusCodes.Status401Unauthorized);
        }

        return result.Grants!.Admin
            ? await next(context)
            : Results.Text($"{result.Grants.Subject} has no admin grant\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status403Forbidden);
    }
}
