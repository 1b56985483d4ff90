using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grpc.Reflection.V1Alpha;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Grpc;

/// <summary>
/// <c>POST /v1/broadcast</c>: the gRPC <c>Broadcast</c> through JSON transcoding, on the Http endpoint,
/// over real sockets; the same validation, auth and limits, errors as JSON with the mapped status.
/// </summary>
public sealed class JsonPublishTests
{
    private const string Route = "/v1/broadcast";
    private const string ApiKey = "backend-key-0123456789";

    private static readonly Dictionary<string, string?> AuthOn = new()
    {
        ["Sse:Auth:ApiKeys:backend:Key"] = ApiKey,
        ["Sse:Auth:ApiKeys:backend:Publish:0"] = "/pets/*",
    };

    [Theory]
    [InlineData(Transport.Http1Direct)]
    [InlineData(Transport.HttpsHttp2)]
    public async Task Post_GoodMessage_ReachesSseSubscriberAndAnswersBroadcastReplyAsJson(Transport transport)
    {
        await using var service = await TestService.StartAsync(transport: transport);
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets");

        using var response = await PostAsync(service, """{"namespace":"/pets/dogs","event":"new-dog","data":"Corgi\nsecond line","retryMs":2500}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var id = reply.GetProperty("id").GetString();
        Assert.Equal(1, reply.GetProperty("subscribers").GetInt32());
        var item = await subscriber.ReadAsync();
        Assert.NotNull(item);
        Assert.Equal(id, item.Value.EventId);
        Assert.Equal("new-dog", item.Value.EventType);
        Assert.Equal("Corgi\nsecond line", item.Value.Data);
    }

    [Fact]
    public async Task Post_ProtoFieldNames_AreAcceptedAsProto3JsonAllows()
    {
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets");

        using var response = await PostAsync(service, """{"namespace":"/pets","data":"x","retry_ms":10,"id":"mine-1"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("mine-1", (await subscriber.ReadAsync())!.Value.EventId);
    }

    [Theory]
    [InlineData("""{"namespace":"/pets",""", "")]
    [InlineData("not json", "")]
    [InlineData("""{"namespace":"/pets","colour":"brown"}""", "colour")]
    [InlineData("""{"namespace":"/pets","retryMs":"soon"}""", "")]
    public async Task Post_MalformedOrUnknownField_Is400WithJsonStatus(string body, string named)
    {
        await using var service = await TestService.StartAsync();

        using var response = await PostAsync(service, body);

        var status = await ErrorOfAsync(response, HttpStatusCode.BadRequest, code: 3);
        Assert.Contains(named, status.Message, StringComparison.Ordinal);
        Assert.Equal(0, service.Hub.HistorySize.Events);
    }

    [Fact]
    public async Task Post_BadNamespace_Is400NamingTheFieldAndRuleAsGrpcDoes()
    {
        await using var service = await TestService.StartAsync();

        using var response = await PostAsync(service, """{"namespace":"pets","data":"x"}""");

        var status = await ErrorOfAsync(response, HttpStatusCode.BadRequest, code: 3);
        Assert.Equal("namespace \"pets\" must start with '/'", status.Message);
    }

    [Fact]
    public async Task Post_DataOverTheLimit_IsRefusedAsGrpcRefusesIt()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxDataBytes"] = "16" });

        using var response = await PostAsync(service, JsonSerializer.Serialize(new { @namespace = "/pets", data = new string('x', 17) }));

        var status = await ErrorOfAsync(response, HttpStatusCode.TooManyRequests, code: 8);
        Assert.Contains("data", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_AuthOn_NoCredentialIs401_BadIs401_OutsideGrantsIs403_GoodIs200()
    {
        await using var service = await TestService.StartAsync(AuthOn);
        const string Body = """{"namespace":"/pets/dogs","data":"Corgi"}""";

        using (var none = await PostAsync(service, Body))
        {
            var status = await ErrorOfAsync(none, HttpStatusCode.Unauthorized, code: 16);
            Assert.Contains("authorization: Bearer", status.Message, StringComparison.Ordinal);
        }

        using (var bad = await PostAsync(service, Body, "wrong-key-0123456789"))
        {
            await ErrorOfAsync(bad, HttpStatusCode.Unauthorized, code: 16);
        }

        using (var denied = await PostAsync(service, """{"namespace":"/time","data":"x"}""", ApiKey))
        {
            var status = await ErrorOfAsync(denied, HttpStatusCode.Forbidden, code: 7);
            Assert.Contains("may not publish to /time", status.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, service.Hub.HistorySize.Events);
        using var good = await PostAsync(service, Body, ApiKey);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(1, service.Hub.HistorySize.Events);
    }

    [Fact]
    public async Task Post_OverThePublishRate_Is429WithJsonStatus()
    {
        // One token a second, refilled a second later: the second of two quick posts is refused.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:Limits:MaxPublishRatePerProducer"] = "1" });
        const string Body = """{"namespace":"/pets","data":"x"}""";

        using var first = await PostAsync(service, Body);
        using var second = await PostAsync(service, Body);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var status = await ErrorOfAsync(second, HttpStatusCode.TooManyRequests, code: 8);
        Assert.Contains("Sse:Limits:MaxPublishRatePerProducer", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherHttpRoutes_AndReflection_AreAsBefore()
    {
        await using var service = await TestService.StartAsync();

        using (var health = await service.Http.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        using (var admin = await service.Http.GetAsync("/admin/status.json"))
        {
            Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        }

        using (var get = await service.Http.GetAsync(Route))
        {
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode); // only POST is routed
        }

        await using (var subscriber = await service.SubscribeAsync("/subscribe/pets"))
        {
            Assert.Equal("text/event-stream", subscriber.Response.Content.Headers.ContentType?.MediaType);
        }

        var reflection = new ServerReflection.ServerReflectionClient(service.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", "sse.v1.Broadcaster"], names);
    }

    private static async Task<HttpResponseMessage> PostAsync(TestService service, string json, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Route) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await service.Http.SendAsync(request, timeout.Token);
    }

    /// <summary>Asserts the HTTP status and the google.rpc.Status-shaped JSON body transcoding sends.</summary>
    private static async Task<(int Code, string Message)> ErrorOfAsync(HttpResponseMessage response, HttpStatusCode expected, int code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal(code, root.GetProperty("code").GetInt32());
        return (code, root.GetProperty("message").GetString()!);
    }
}
