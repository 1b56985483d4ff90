using Microsoft.Extensions.Options;
using SseService.Hub;

namespace SseService.Security;

/// <summary>
/// Decides whether a request may subscribe to a namespace: public namespaces are open; a subscription
/// whose subtree reaches a private namespace needs a credential granting a pattern at or above it.
/// </summary>
public sealed class SubscribeAuthorization
{
    private readonly CredentialValidator _credentials;
    private readonly NamespacePattern[] _private;

    public SubscribeAuthorization(CredentialValidator credentials, IOptions<AuthOptions> options, IOptions<HubOptions> hubOptions)
    {
        _credentials = credentials;
        _private = [.. options.Value.PrivateNamespaces.Select(text =>
            NamespacePattern.TryParse(text, hubOptions.Value.NamespaceRules, out var pattern)
                ? pattern
                : throw new OptionsValidationException(AuthOptions.SectionName, typeof(AuthOptions),
                    [$"Sse:Auth:PrivateNamespaces: '{text}' is not a namespace pattern (\"/a/b\", \"/a/*\" or \"*\")"]))];
    }

    public AuthOptions Options => _credentials.Options;

    /// <returns>Granted with the grants (null when public), or why not.</returns>
    public async ValueTask<(AccessVerdict Verdict, Grants? Grants, string Reason)> AuthorizeAsync(NamespacePath ns, string? credential)
    {
        var isPrivate = _private.Any(pattern => pattern.Overlaps(ns));
        if (!isPrivate && credential is null)
        {
            return (AccessVerdict.Granted, null, "");
        }

        var result = await _credentials.ValidateAsync(credential);
        switch (result.Status)
        {
            case AuthStatus.Invalid:
                return (AccessVerdict.Unauthenticated, null, result.Reason);
            case AuthStatus.Anonymous:
                return (AccessVerdict.Unauthenticated, null, $"{ns.Value} is private: a credential is required");
        }

        if (isPrivate && !result.Grants!.Subscribe.Any(pattern => pattern.CoversSubscriptionTo(ns)))
        {
            return (AccessVerdict.Forbidden, null, $"{result.Grants.Subject} may not subscribe to {ns.Value}");
        }

        return (AccessVerdict.Granted, result.Grants, "");
    }
}
