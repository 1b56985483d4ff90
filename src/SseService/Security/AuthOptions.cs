using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SseService.Security;

/// <summary>
/// The <c>Sse:Auth</c> section. With no API key and no JWT settings, publishing is open (as in the
/// original); once any credential is configured, every publish needs one.
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "Sse:Auth";

    /// <summary>Static API keys by name, each with its own grants.</summary>
    public Dictionary<string, ApiKeyOptions> ApiKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>JWT bearer tokens.</summary>
    [ValidateObjectMembers]
    public JwtOptions Jwt { get; set; } = new();

    /// <summary>
    /// Namespace patterns only token holders may subscribe to ("/private/*"). A subscription whose
    /// subtree reaches into one (e.g. the root) needs a grant too. Everything else is public.
    /// </summary>
    public string[] PrivateNamespaces { get; set; } = [];

    /// <summary>Cookie read for subscribe and admin credentials (browsers' EventSource cannot set headers).</summary>
    [Required]
    public string CookieName { get; set; } = "sse_token";

    /// <summary>Query parameter read for subscribe and admin credentials.</summary>
    [Required]
    public string QueryParameter { get; set; } = "access_token";

    public bool PublishAuthEnabled => ApiKeys.Count > 0 || Jwt.Enabled;
}

public sealed class ApiKeyOptions
{
    /// <summary>The secret itself (at least 16 characters).</summary>
    [Required]
    [MinLength(16)]
    public string Key { get; set; } = "";

    /// <summary>Namespace patterns it may publish to.</summary>
    public string[] Publish { get; set; } = [];

    /// <summary>Namespace patterns it may subscribe to (private ones).</summary>
    public string[] Subscribe { get; set; } = [];

    /// <summary>Whether it may open the admin endpoints when they require a credential.</summary>
    public bool Admin { get; set; }
}

public sealed class JwtOptions
{
    /// <summary>HS256 signing key (UTF-8 text, at least 32 bytes).</summary>
    public string? SigningKey { get; set; }

    /// <summary>OpenID Connect authority whose discovery document and JWKS sign the tokens (RS256/ES256).</summary>
    public string? Authority { get; set; }

    /// <summary>Expected "iss"; not checked when empty (the authority's issuer is used when set).</summary>
    public string? Issuer { get; set; }

    /// <summary>Expected "aud"; not checked when empty.</summary>
    public string? Audience { get; set; }

    /// <summary>Claim listing namespace patterns the token may publish to (a JSON array or a space-separated string).</summary>
    public string PublishClaim { get; set; } = "sse_publish";

    /// <summary>Claim listing namespace patterns the token may subscribe to.</summary>
    public string SubscribeClaim { get; set; } = "sse_subscribe";

    /// <summary>Role (in "role" or "roles") that opens the admin endpoints.</summary>
    public string AdminRole { get; set; } = "sse-admin";

    /// <summary>Tolerated clock difference when checking expiry.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public bool Enabled => !string.IsNullOrEmpty(SigningKey) || !string.IsNullOrEmpty(Authority);
}

[OptionsValidator]
internal sealed partial class AuthOptionsValidator : IValidateOptions<AuthOptions>;
