using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using SseService.Tests.Infrastructure;
using SseService.Tests.Security;

namespace SseService.Tests.Telemetry;

/// <summary>
/// <c>GET /metrics</c> on the in-process service: off by default, the admin access rule when on,
/// the Prometheus text format, a clear error for a bad setting. Values are checked by
/// <see cref="PrometheusScrapeTests"/>, where no other test's meters mix in.
/// </summary>
public sealed class MetricsEndpointTests
{
    private const string AdminKey = "ops-admin-key-0123456789";
    private const string ProducerKey = "producer-key-0123456789";

    public static TheoryData<string, HttpStatusCode> CredentialMatrix => new()
    {
        { "none", HttpStatusCode.Unauthorized },
        { "bad-signature", HttpStatusCode.Unauthorized },
        { "jwt-without-admin-role", HttpStatusCode.Forbidden },
        { "api-key-without-admin", HttpStatusCode.Forbidden },
        { "jwt-with-admin-role", HttpStatusCode.OK },
        { "api-key-with-admin", HttpStatusCode.OK },
    };

    [Fact]
    public async Task Metrics_SettingOff_Answers404()
    {
        await using var service = await TestService.StartAsync();

        using var response = await service.Http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_SettingOffWithCredentialAccess_Answers404NotAChallenge()
    {
        await using var service = await TestService.StartAsync(CredentialSettings(prometheus: false));

        using var response = await service.Http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_SettingOnWithOpenAccess_ServesPrometheusTextFormat()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:Prometheus:Enabled"] = "true" });

        using var response = await service.Http.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("version=0.0.4", response.Content.Headers.ContentType.ToString(), StringComparison.Ordinal);
        Assert.Contains("# TYPE sse_messages_published_total counter", body, StringComparison.Ordinal);
        Assert.Contains("# TYPE sse_deliveries_total counter", body, StringComparison.Ordinal);
        Assert.Contains("# TYPE sse_connections_active gauge", body, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_process_cpu_count gauge", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_Post_Answers405()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:Prometheus:Enabled"] = "true" });

        using var response = await service.Http.PostAsync("/metrics", content: null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(CredentialMatrix))]
    public async Task Metrics_WithCredentialAccess_NeedsTheAdminGrant(string credential, HttpStatusCode expected)
    {
        await using var service = await TestService.StartAsync(CredentialSettings(prometheus: true));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (Token(credential) is { } token)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        using var response = await service.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.Unauthorized)
        {
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }

        if (expected == HttpStatusCode.OK)
        {
            Assert.Contains("sse_messages_published_total", body, StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain("sse_", body, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("yes")]
    public async Task Start_EnabledNotABoolean_FailsNamingTheKey(string value)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            TestService.StartAsync(new Dictionary<string, string?> { ["Sse:Prometheus:Enabled"] = value }));

        Assert.Contains("Sse:Prometheus:Enabled", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/metrics", false)]
    [InlineData("/METRICS", false)]
    [InlineData("/admin/status.json", true)]
    public void IsTraced_ScrapePath_IsLeftOutOfTraces(string path, bool traced)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;

        Assert.Equal(traced, Extensions.IsTraced(context));
    }

    private static Dictionary<string, string?> CredentialSettings(bool prometheus) => new()
    {
        ["Sse:Prometheus:Enabled"] = prometheus ? "true" : "false",
        ["Sse:AdminAccess"] = "Credential",
        ["Sse:Auth:Jwt:SigningKey"] = TestTokens.SigningKey,
        ["Sse:Auth:ApiKeys:ops:Key"] = AdminKey,
        ["Sse:Auth:ApiKeys:ops:Admin"] = "true",
        ["Sse:Auth:ApiKeys:producer:Key"] = ProducerKey,
        ["Sse:Auth:ApiKeys:producer:Publish:0"] = "/*",
    };

    private static string? Token(string credential) => credential switch
    {
        "none" => null,
        "bad-signature" => TestTokens.Hs256("ops", admin: true, key: TestTokens.OtherKey),
        "jwt-without-admin-role" => TestTokens.Hs256("dashboard", publish: ["/*"]),
        "api-key-without-admin" => ProducerKey,
        "jwt-with-admin-role" => TestTokens.Hs256("ops", admin: true),
        "api-key-with-admin" => AdminKey,
        _ => throw new ArgumentOutOfRangeException(nameof(credential), credential, "unknown credential kind"),
    };
}
