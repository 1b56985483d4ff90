using System.Net;
using System.Security.Cryptography;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Security;

/// <summary>Tokens signed by an OpenID Connect authority (RS256), whose keys the service fetches from the authority's JWKS.</summary>
public sealed class AuthorityTokenTests
{
    [Fact]
    public async Task Publish_TokenSignedByAuthoritysKey_IsAcceptedAndOtherKeysAreNot()
    {
        using var rsa = RSA.Create(2048);
        using var stranger = RSA.Create(2048);
        await using var authority = await StartAuthorityAsync(rsa, "key-1");
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Sse:Auth:Jwt:Authority"] = authority.Address,
            ["Sse:Auth:Jwt:Issuer"] = authority.Address,
        });
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets");

        var good = TestTokens.Rs256(rsa, "key-1", authority.Address, "producer", ["/pets/*"]);
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Data = "signed" }, Bearer(good));
        Assert.Equal("signed", (await subscriber.ReadAsync())!.Value.Data);

        var forged = TestTokens.Rs256(stranger, "key-1", authority.Address, "producer", ["/pets/*"]);
        var refusal = await Assert.ThrowsAsync<RpcException>(() =>
            service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Data = "forged" }, Bearer(forged)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refusal.StatusCode);
        Assert.Contains("signature", refusal.Status.Detail, StringComparison.Ordinal);

        var wrongIssuer = TestTokens.Rs256(rsa, "key-1", "https://someone-else.example", "producer", ["/pets/*"]);
        refusal = await Assert.ThrowsAsync<RpcException>(() =>
            service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Data = "x" }, Bearer(wrongIssuer)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refusal.StatusCode);
    }

    [Theory]
    [InlineData("Sse:Auth:Jwt:SigningKey", "too-short", "at least 32 bytes")]
    [InlineData("Sse:Auth:ApiKeys:ci:Key", "short", "at least 16 characters")]
    [InlineData("Sse:Limits:MaxConnections", "-1", "MaxConnections")]
    public async Task Start_WithBadSecurityConfiguration_FailsNamingTheKey(string key, string value, string message)
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestService.StartAsync(new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    private static readonly string[] SigningAlgorithms = ["RS256"];

    private static Metadata Bearer(string token) => new() { { "authorization", $"Bearer {token}" } };

    internal static async Task<Authority> StartAuthorityAsync(RSA rsa, string keyId)
    {
        var (builder, port) = AuxiliaryHost.Create();
        var address = $"http://127.0.0.1:{port}";
        var app = builder.Build();
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = address,
            ["jwks_uri"] = $"{address}/jwks",
            ["id_token_signing_alg_values_supported"] = SigningAlgorithms,
        }));
        app.MapGet("/jwks", () => Results.Json(new Dictionary<string, object>
        {
            ["keys"] = new[]
            {
                new Dictionary<string, string>
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["alg"] = "RS256",
                    ["kid"] = keyId,
                    ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                },
            },
        }));
        await app.StartAsync();
        return new Authority(app, address);
    }

    internal sealed record Authority(WebApplication App, string Address) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
