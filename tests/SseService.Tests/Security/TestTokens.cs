using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SseService.Tests.Security;

/// <summary>Mints real JWTs for the auth tests: HS256 with the service's key or another one, or RS256.</summary>
internal static class TestTokens
{
    public const string SigningKey = "test-signing-key-of-at-least-32-bytes!!";
    public const string OtherKey = "another-signing-key-of-32-bytes-or-more";

    public static string Hs256(
        string subject,
        string[]? publish = null,
        string[]? subscribe = null,
        bool admin = false,
        DateTime? expires = null,
        string key = SigningKey) =>
        Create(subject, publish, subscribe, admin, expires,
            new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256));

    public static string Rs256(RSA rsa, string keyId, string issuer, string subject, string[] publish) =>
        Create(subject, publish, null, false, null,
            new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = keyId }, SecurityAlgorithms.RsaSha256), issuer);

    private static string Create(
        string subject, string[]? publish, string[]? subscribe, bool admin, DateTime? expires, SigningCredentials credentials, string? issuer = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = subject };
        if (publish is not null)
        {
            claims["sse_publish"] = publish;
        }

        if (subscribe is not null)
        {
            claims["sse_subscribe"] = string.Join(' ', subscribe);
        }

        if (admin)
        {
            claims["role"] = new[] { "sse-admin" };
        }

        var now = DateTime.UtcNow;
        var notBefore = expires is { } end && end < now ? end.AddMinutes(-10) : now.AddMinutes(-1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            Issuer = issuer,
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = credentials,
        });
    }
}
