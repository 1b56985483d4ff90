using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using SseService.Hub;

namespace SseService.Security;

/// <summary>
/// Checks a presented credential, an API key or a JWT (HS256 key, or an OpenID Connect authority's
/// keys), and turns it into <see cref="Grants"/>. API keys are compared by hash, never as plain text.
/// </summary>
public sealed class CredentialValidator
{
    private readonly AuthOptions _options;
    private readonly NamespaceRules _rules;
    private readonly Dictionary<string, Grants> _apiKeysByHash = new(StringComparer.Ordinal);
    private readonly JsonWebTokenHandler _tokens = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters? _tokenParameters;

    public CredentialValidator(IOptions<AuthOptions> options, IOptions<HubOptions> hubOptions)
    {
        _options = options.Value;
        _rules = hubOptions.Value.NamespaceRules;
        foreach (var (name, key) in _options.ApiKeys)
        {
            _apiKeysByHash[Hash(key.Key)] = new Grants(
                $"key:{name}", Patterns(key.Publish), Patterns(key.Subscribe), key.Admin, ExpiresAt: null);
        }

        var jwt = _options.Jwt;
        if (jwt.Enabled)
        {
            _tokenParameters = new TokenValidationParameters
            {
                ValidateIssuer = !string.IsNullOrEmpty(jwt.Issuer),
                ValidIssuer = jwt.Issuer,
                ValidateAudience = !string.IsNullOrEmpty(jwt.Audience),
                ValidAudience = jwt.Audience,
                ValidateLifetime = true,
                RequireExpirationTime = false,
                ClockSkew = jwt.ClockSkew,
            };
            if (!string.IsNullOrEmpty(jwt.SigningKey))
            {
                _tokenParameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.SigningKey));
                _tokenParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
            }
            else
            {
                var authority = jwt.Authority!.TrimEnd('/');
                _tokenParameters.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                    $"{authority}/.well-known/openid-configuration",
                    new OpenIdConnectConfigurationRetriever(),
                    new HttpDocumentRetriever { RequireHttps = authority.StartsWith("https://", StringComparison.OrdinalIgnoreCase) });
            }
        }
    }

    public AuthOptions Options => _options;

    public async ValueTask<AuthResult> ValidateAsync(string? credential)
    {
        if (string.IsNullOrEmpty(credential))
        {
            return AuthResult.Anonymous;
        }

        if (_apiKeysByHash.TryGetValue(Hash(credential), out var keyGrants))
        {
            return AuthResult.Valid(keyGrants);
        }

        if (_tokenParameters is null || credential.Count('.') != 2)
        {
            return AuthResult.Invalid("unknown API key");
        }

        var result = await _tokens.ValidateTokenAsync(credential, _tokenParameters);
        if (!result.IsValid)
        {
            return AuthResult.Invalid(result.Exception switch
            {
                SecurityTokenExpiredException => "the token has expired",
                SecurityTokenNotYetValidException => "the token is not valid yet",
                SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the token's signature is not valid",
                SecurityTokenInvalidAudienceException => "the token is for another audience",
                SecurityTokenInvalidIssuerException => "the token is from another issuer",
                _ => "the token is not valid",
            });
        }

        var token = (JsonWebToken)result.SecurityToken;
        return AuthResult.Valid(new Grants(
            token.Subject is { Length: > 0 } subject ? $"jwt:{subject}" : "jwt",
            Patterns(ClaimValues(result.Claims, _options.Jwt.PublishClaim)),
            Patterns(ClaimValues(result.Claims, _options.Jwt.SubscribeClaim)),
            ClaimValues(result.Claims, "role").Concat(ClaimValues(result.Claims, "roles")).Contains(_options.Jwt.AdminRole, StringComparer.Ordinal),
            token.ValidTo == DateTime.MinValue ? null : new DateTimeOffset(token.ValidTo, TimeSpan.Zero)));
    }

    /// <summary>A claim as a list of strings: a JSON array, or one space-separated string (as OAuth scopes are).</summary>
    private static IEnumerable<string> ClaimValues(IDictionary<string, object> claims, string name)
    {
        if (!claims.TryGetValue(name, out var value))
        {
            return [];
        }

        return value switch
        {
            string text => text.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            JsonElement { ValueKind: JsonValueKind.Array } array => array.EnumerateArray().Select(item => item.ToString()),
            IEnumerable<object> items => items.Select(item => item.ToString() ?? ""),
            _ => [value.ToString() ?? ""],
        };
    }

    private NamespacePattern[] Patterns(IEnumerable<string> texts) =>
        [.. texts.Select(text => NamespacePattern.TryParse(text, _rules, out var pattern) ? pattern : (NamespacePattern?)null)
            .OfType<NamespacePattern>()];

    private static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
