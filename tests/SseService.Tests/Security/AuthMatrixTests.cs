using System.Net;
using Grpc.Core;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Security;

/// <summary>Every kind of credential against publish, subscribe and admin: the right status in every cell.</summary>
public sealed class AuthMatrixTests : IAsyncLifetime
{
    private TestService _service = null!;

    public static TheoryData<string, StatusCode, HttpStatusCode, HttpStatusCode> Matrix => new()
    {
        // credential          publish                       subscribe /private/dogs        admin
        { "none",              StatusCode.Unauthenticated,   HttpStatusCode.Unauthorized,   HttpStatusCode.Unauthorized },
        { "bad-signature",     StatusCode.Unauthenticated,   HttpStatusCode.Unauthorized,   HttpStatusCode.Unauthorized },
        { "expired",           StatusCode.Unauthenticated,   HttpStatusCode.Unauthorized,   HttpStatusCode.Unauthorized },
        { "unknown-api-key",   StatusCode.Unauthenticated,   HttpStatusCode.Unauthorized,   HttpStatusCode.Unauthorized },
        { "wrong-namespace",   StatusCode.PermissionDenied,  HttpStatusCode.Forbidden,      HttpStatusCode.Forbidden },
        { "right-namespace",   StatusCode.OK,                HttpStatusCode.OK,             HttpStatusCode.OK },
        { "api-key",           StatusCode.OK,                HttpStatusCode.OK,             HttpStatusCode.Forbidden },
    };

    public async Task InitializeAsync() => _service = await TestService.StartAsync(new Dictionary<string, string?>
    {
        ["Sse:Auth:Jwt:SigningKey"] = TestTokens.SigningKey,
        ["Sse:Auth:Jwt:ClockSkew"] = "00:00:00",
        ["Sse:Auth:PrivateNamespaces:0"] = "/private/*",
        ["Sse:Auth:ApiKeys:backend:Key"] = "backend-key-0123456789",
        ["Sse:Auth:ApiKeys:backend:Publish:0"] = "/private/*",
        ["Sse:Auth:ApiKeys:backend:Subscribe:0"] = "/private/dogs",
        ["Sse:AdminAccess"] = "Credential",
    });

    public async Task DisposeAsync() => await _service.DisposeAsync();

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Publish_WithCredential_GetsExpectedStatus(string credential, StatusCode publish, HttpStatusCode subscribe, HttpStatusCode admin)
    {
        _ = (subscribe, admin);
        var headers = Headers(credential);

        var unary = await StatusOfAsync(() => _service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/private/dogs", Data = "x" }, headers).ResponseAsync);
        var streamed = await StatusOfAsync(async () =>
        {
            using var call = _service.Broadcaster.BroadcastStream(headers);
            try
            {
                await call.RequestStream.WriteAsync(new SseMessage { Namespace = "/private/dogs", Data = "x" });
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException)
            {
                // The server may refuse the call before the message is written; its status follows.
            }

            return await call.ResponseAsync;
        });

        Assert.Equal(publish, unary);
        Assert.Equal(publish, streamed);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Subscribe_PrivateNamespaceWithCredential_GetsExpectedStatus(string credential, StatusCode publish, HttpStatusCode subscribe, HttpStatusCode admin)
    {
        _ = (publish, admin);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/subscribe/private/dogs");
        if (Token(credential) is { } token)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        using var response = await _service.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(subscribe, response.StatusCode);
        if (subscribe == HttpStatusCode.Unauthorized)
        {
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Admin_WithCredential_GetsExpectedStatus(string credential, StatusCode publish, HttpStatusCode subscribe, HttpStatusCode admin)
    {
        _ = (publish, subscribe);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/status.json");
        var token = credential == "right-namespace" ? TestTokens.Hs256("ops", admin: true) : Token(credential);
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        using var response = await _service.Http.SendAsync(request);

        Assert.Equal(admin, response.StatusCode);
    }

    [Fact]
    public async Task Subscribe_PublicNamespace_NeedsNoCredential()
    {
        await using var subscriber = await _service.SubscribeAsync("/subscribe/public/news");
        Assert.Equal(HttpStatusCode.OK, subscriber.Response.StatusCode);
    }

    [Fact]
    public async Task Subscribe_ParentOfPrivateNamespace_NeedsAGrantAtOrAboveIt()
    {
        using var anonymous = await _service.Http.GetAsync("/subscribe/", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/subscribe/private");
        request.Headers.Authorization = new("Bearer", TestTokens.Hs256("u", subscribe: ["/private/dogs"]));
        using var narrow = await _service.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Forbidden, narrow.StatusCode);
    }

    [Fact]
    public async Task Subscribe_TokenInQueryOrCookie_IsAccepted()
    {
        var token = TestTokens.Hs256("browser", subscribe: ["/private/*"]);
        await using var viaQuery = await _service.SubscribeAsync($"/subscribe/private/dogs?access_token={token}");
        Assert.Equal(HttpStatusCode.OK, viaQuery.Response.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/subscribe/private/dogs");
        request.Headers.Add("Cookie", $"sse_token={token}");
        using var viaCookie = await _service.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, viaCookie.StatusCode);
    }

    [Fact]
    public async Task BroadcastStream_MessageToForbiddenNamespace_EndsWithPermissionDeniedAndAcceptedCount()
    {
        using var call = _service.Broadcaster.BroadcastStream(Headers("right-namespace"));
        await call.RequestStream.WriteAsync(new SseMessage { Namespace = "/private/dogs", Data = "ok" });
        await call.RequestStream.WriteAsync(new SseMessage { Namespace = "/public/news", Data = "not allowed" });

        var refusal = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
        Assert.Contains("message #2", refusal.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("1 message(s) accepted", refusal.Status.Detail, StringComparison.Ordinal);
    }

    private static Metadata Headers(string credential) =>
        Token(credential) is { } token ? new Metadata { { "authorization", $"Bearer {token}" } } : [];

    private static string? Token(string credential) => credential switch
    {
        "none" => null,
        "bad-signature" => TestTokens.Hs256("mallory", publish: ["/private/*"], subscribe: ["/private/*"], admin: true, key: TestTokens.OtherKey),
        "expired" => TestTokens.Hs256("late", publish: ["/private/*"], subscribe: ["/private/*"], admin: true, expires: DateTime.UtcNow.AddMinutes(-5)),
        "unknown-api-key" => "not-a-configured-key-123",
        "wrong-namespace" => TestTokens.Hs256("cats-only", publish: ["/cats/*"], subscribe: ["/cats/*"]),
        "right-namespace" => TestTokens.Hs256("dogs", publish: ["/private/*"], subscribe: ["/private/*"]),
        "api-key" => "backend-key-0123456789",
        _ => throw new ArgumentOutOfRangeException(nameof(credential)),
    };

    private static async Task<StatusCode> StatusOfAsync<T>(Func<Task<T>> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }
}
