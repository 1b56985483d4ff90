using System.Text;
using Microsoft.Extensions.Options;

namespace SseService.Security;

/// <summary>Checks of <see cref="AuthOptions"/> that attributes cannot express; a bad value stops the service at start.</summary>
internal sealed class AuthOptionsRules : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        foreach (var (keyName, key) in options.ApiKeys)
        {
            if (key.Key.Length < 16)
            {
                failures.Add($"Sse:Auth:ApiKeys:{keyName}:Key must be at least 16 characters");
            }
        }

        if (options.Jwt.SigningKey is { Length: > 0 } signingKey && Encoding.UTF8.GetByteCount(signingKey) < 32)
        {
            failures.Add("Sse:Auth:Jwt:SigningKey must be at least 32 bytes (HS256)");
        }

        if (!string.IsNullOrEmpty(options.Jwt.SigningKey) && !string.IsNullOrEmpty(options.Jwt.Authority))
        {
            failures.Add("Sse:Auth:Jwt: set SigningKey or Authority, not both");
        }

        if (options.Jwt.Authority is { Length: > 0 } authority && !Uri.TryCreate(authority, UriKind.Absolute, out _))
        {
            failures.Add($"Sse:Auth:Jwt:Authority '{authority}' is not an absolute URL");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
