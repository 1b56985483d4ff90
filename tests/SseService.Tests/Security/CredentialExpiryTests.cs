using SseService.Tests.Infrastructure;

namespace SseService.Tests.Security;

/// <summary>
/// A stream lives no longer than the credential that opened it, over every transport (one derived
/// class each, at the end of this file).
/// </summary>
public abstract class CredentialExpiryTests
{
    protected abstract Transport Transport { get; }

    [Fact]
    public async Task Stream_TokenExpiresWhileOpen_StreamEnds()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Sse:Auth:Jwt:SigningKey"] = TestTokens.SigningKey,
            ["Sse:Auth:Jwt:ClockSkew"] = "00:00:00",
            ["Sse:Auth:PrivateNamespaces:0"] = "/private/*",
        }, Transport);
        var token = TestTokens.Hs256("short", subscribe: ["/private/*"], expires: DateTime.UtcNow.AddSeconds(3));
        await using var subscriber = await service.SubscribeAsync($"/subscribe/private/dogs?access_token={token}");

        await subscriber.AssertEndsAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, service.Hub.SubscriberCount);
    }
}

public sealed class CredentialExpiryTestsOverHttp1Direct : CredentialExpiryTests
{
    protected override Transport Transport => Transport.Http1Direct;
}

public sealed class CredentialExpiryTestsOverHttpsHttp2 : CredentialExpiryTests
{
    protected override Transport Transport => Transport.HttpsHttp2;
}
