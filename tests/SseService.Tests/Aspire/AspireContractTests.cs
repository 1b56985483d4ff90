using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;
using Sse.V1;
using SseService.Tests.Infrastructure;
using SseService.Tests.Otlp;

namespace SseService.Tests.Aspire;

/// <summary>
/// The contract between SseService.AppHost and the service: the service started as its own process
/// with exactly the environment the AppHost gives it (<see cref="AspireProjectEnvironment"/>), and each
/// variable shown to be honoured: the OTLP API key, the resource name and replica, sampling and
/// exemplars, the Redis connection string, forwarded headers in publish mode. The AppHost tests
/// (tests/SseService.AppHost.Tests) run the real AppHost and check that it gives these variables;
/// these tests check what the service does with each one, which the dashboard would not show.
/// </summary>
public sealed partial class AspireContractTests
{
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task Telemetry_AspireOtlpEnvironment_ReachesTheDashboardAsTheSseResource(string protocol)
    {
        // Arrange: a receiver that, like the dashboard, refuses exports without the AppHost's API key.
        var apiKey = NewSecret();
        await using var receiver = await OtlpReceiver.StartAsync(protocol, requiredApiKey: apiKey);
        var aspire = AspireProjectEnvironment.Create(receiver.Endpoint, protocol, apiKey);
        await using var service = await aspire.StartServiceAsync();
        using var http = new HttpClient { BaseAddress = aspire.HttpUrl, Timeout = Timeout.InfiniteTimeSpan };
        using var channel = GrpcChannel.ForAddress(aspire.GrpcUrl);
        var broadcaster = new Broadcaster.BroadcasterClient(channel);
        await using var subscriber = await SseSubscriber.ConnectAsync(http, "/subscribe/pets");

        // Act
        var ids = new List<string>();
        foreach (var dog in new[] { "Corgi", "Terrier", "Dachshund" })
        {
            ids.Add((await broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Data = dog }, deadline: Deadline())).Id);
        }

        Assert.Equal(3, (await subscriber.ReadManyAsync(3)).Count);

        // Assert: what the dashboard shows (sse.* metrics, publish spans, logs), sent as the resource "sse".
        var data = receiver.Data;
        await data.WaitUntilAsync(
            seen => seen.Sum("sse.messages.published") == 3
                && PublishSpans(seen).Count == 3
                && seen.LogRecordCount > 0
                && seen.Exemplars("sse.publish.duration").Count > 0,
            ExportTimeout,
            () => $"published={data.Sum("sse.messages.published")} publishSpans={PublishSpans(data).Count} " +
                  $"logs={data.LogRecordCount} exemplars={data.Exemplars("sse.publish.duration").Count} " +
                  $"rejected={data.RejectedRequestCount}\n{service.Output}");

        // OTEL_EXPORTER_OTLP_HEADERS: every export carried the API key.
        Assert.Equal(0, data.RejectedRequestCount);

        // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES: the dashboard's resource and replica.
        Assert.Equal(AspireProjectEnvironment.ResourceName, data.ResourceAttribute("service.name"));
        Assert.Equal(aspire.InstanceId, data.ResourceAttribute("service.instance.id"));

        // OTEL_TRACES_SAMPLER=always_on: one span per publish, none dropped.
        var publishSpans = PublishSpans(data);
        Assert.Equal(ids.Order(StringComparer.Ordinal), publishSpans.Select(span => StringAttribute(span, "sse.message_id")).Order(StringComparer.Ordinal));

        // OTEL_METRICS_EXEMPLAR_FILTER=trace_based: publish latency links to the publish span it measured.
        Assert.All(data.Exemplars("sse.publish.duration"), exemplar =>
            Assert.Contains(publishSpans, span => span.TraceId == exemplar.TraceId && span.SpanId == exemplar.SpanId));
    }

    [Fact]
    public async Task Endpoints_AspireKestrelUrls_ListensOnExactlyHttpAndGrpcEachWithItsProtocol()
    {
        // Arrange
        await using var receiver = await OtlpReceiver.StartAsync("grpc");
        var aspire = AspireProjectEnvironment.Create(receiver.Endpoint, "grpc", NewSecret());

        // Act
        await using var service = await aspire.StartServiceAsync();

        // Assert: Kestrel's own account of its listeners is the two URLs (not 8001/8002, not 5000).
        Assert.Equal(
            new[] { Authority(aspire.HttpUrl), Authority(aspire.GrpcUrl) }.Order(StringComparer.Ordinal),
            ListeningUrls(service.Output).Order(StringComparer.Ordinal));

        // Readiness where WithHttpHealthCheck("/health", endpointName: "Http") probes it, over HTTP/1.1.
        using var http = new HttpClient { BaseAddress = aspire.HttpUrl, Timeout = Timeout.InfiniteTimeSpan };
        using (var health = await http.GetAsync("/health").WaitAsync(CallTimeout))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(HttpVersion.Version11, health.Version);
            Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        }

        // SSE on Http, gRPC on Grpc: what the producer (services__sse__Grpc__0) and browsers use.
        await using var subscriber = await SseSubscriber.ConnectAsync(http, "/subscribe/pets");
        using var channel = GrpcChannel.ForAddress(aspire.GrpcUrl);
        var reply = await new Broadcaster.BroadcasterClient(channel)
            .BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Event = "new-dog", Data = "Corgi" }, deadline: Deadline());
        var item = await subscriber.ReadAsync() ?? throw new EndOfStreamException("the stream ended before the event");
        Assert.Equal(("new-dog", "Corgi", reply.Id), (item.EventType, item.Data, item.EventId));

        // Each endpoint kept its configured protocol although Aspire set its URL: Grpc is HTTP/2 only,
        // which is why the AppHost's HTTP/1.1 health probe must name the Http endpoint.
        using var http11ToGrpc = new HttpClient { BaseAddress = aspire.GrpcUrl, Timeout = CallTimeout };
        using (var refused = await http11ToGrpc.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("HTTP/2 only", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var grpcToHttp = GrpcChannel.ForAddress(aspire.HttpUrl);
        await Assert.ThrowsAsync<RpcException>(() => new Broadcaster.BroadcasterClient(grpcToHttp)
            .BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Data = "Beagle" }, deadline: Deadline()).ResponseAsync);
    }

    [Theory]
    [InlineData(false, "run: the AppHost sets nothing, so the socket's address is kept")]
    [InlineData(true, "publish: ASPNETCORE_FORWARDEDHEADERS_ENABLED=true, so the proxy's header is believed")]
    public async Task ForwardedHeaders_AsAspireSetsThem_DecideTheClientIpOfAConnection(bool publishedBehindProxy, string why)
    {
        // Arrange
        const string ForwardedFor = "127.0.0.42";
        await using var receiver = await OtlpReceiver.StartAsync("grpc");
        var aspire = AspireProjectEnvironment.Create(receiver.Endpoint, "grpc", NewSecret()) with { PublishedBehindProxy = publishedBehindProxy };
        await using var service = await aspire.StartServiceAsync();
        using var http = new HttpClient { BaseAddress = aspire.HttpUrl, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Add("X-Forwarded-For", ForwardedFor);

        // Act
        await using var subscriber = await SseSubscriber.ConnectAsync(http, "/subscribe/pets");
        var status = await http.GetFromJsonAsync<JsonElement>("/admin/status.json").WaitAsync(CallTimeout);

        // Assert
        var clientIp = status.GetProperty("connections").EnumerateArray()
            .Single(connection => connection.GetProperty("request_path").GetString() == "/subscribe/pets")
            .GetProperty("client_ip").GetString();
        if (publishedBehindProxy)
        {
            Assert.True(clientIp == ForwardedFor, $"{why}; client_ip was {clientIp}");
        }
        else
        {
            Assert.True(IPAddress.IsLoopback(IPAddress.Parse(clientIp!)) && clientIp != ForwardedFor, $"{why}; client_ip was {clientIp}");
        }
    }

    /// <summary>
    /// With <c>UseRedis=true</c> the AppHost adds Redis (with a password) and gives each of two replicas
    /// ConnectionStrings__redis (and the REDIS_* variables): the backplane comes on, so a message
    /// published through one replica reaches a subscriber on the other, and /health reports Redis.
    /// </summary>
    [Fact]
    public async Task ConnectionStringsRedis_AsWithReferenceInjectsIt_ReplicasShareTheBackplane()
    {
        // Arrange
        var password = NewSecret();
        await using var redis = await RedisServer.StartAsync(password);
        await using var receiver = await OtlpReceiver.StartAsync("grpc");
        var reference = new RedisReference("localhost", redis.Port, password);
        var first = AspireProjectEnvironment.Create(receiver.Endpoint, "grpc", NewSecret()) with { Redis = reference };
        var second = AspireProjectEnvironment.Create(receiver.Endpoint, "grpc", NewSecret()) with { Redis = reference };
        await using var publisherReplica = await first.StartServiceAsync();
        await using var subscriberReplica = await second.StartServiceAsync();
        using var http = new HttpClient { BaseAddress = second.HttpUrl, Timeout = Timeout.InfiniteTimeSpan };
        await WaitForHealthyAsync(http);
        using var firstHttp = new HttpClient { BaseAddress = first.HttpUrl, Timeout = Timeout.InfiniteTimeSpan };
        await WaitForHealthyAsync(firstHttp);

        // Act
        await using var subscriber = await SseSubscriber.ConnectAsync(http, "/subscribe/time");
        using var channel = GrpcChannel.ForAddress(first.GrpcUrl);
        var reply = await new Broadcaster.BroadcasterClient(channel)
            .BroadcastAsync(new SseMessage { Namespace = "/time", Data = "7:29:54 AM" }, deadline: Deadline());

        // Assert
        var item = await subscriber.ReadAsync() ?? throw new EndOfStreamException("the stream ended before the event");
        Assert.Equal(("7:29:54 AM", reply.Id), (item.Data, item.EventId));
    }

    /// <summary>The replica has connected to Redis and caught up (readiness, as Aspire's health check waits for).</summary>
    private static async Task WaitForHealthyAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var health = await http.GetAsync("/health").WaitAsync(CallTimeout);
            if (await health.Content.ReadAsStringAsync() == "Healthy")
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "the replica did not become healthy within 60 s");
            await Task.Delay(100);
        }
    }

    private static List<SseService.Tests.Otlp.Trace.Span> PublishSpans(OtlpData data) =>
        [.. data.Spans().Where(span => span.Name == "sse.publish" && StringAttribute(span, "sse.namespace").StartsWith("/pets/", StringComparison.Ordinal))];

    private static string StringAttribute(SseService.Tests.Otlp.Trace.Span span, string key) =>
        span.Attributes.FirstOrDefault(attribute => attribute.Key == key)?.Value.StringValue ?? "";

    /// <summary>The URLs Kestrel logged as "Now listening on: ...".</summary>
    private static List<string> ListeningUrls(string output) =>
        [.. ListeningRegex().Matches(output).Select(match => match.Groups["url"].Value)];

    private static string Authority(Uri uri) => uri.GetLeftPart(UriPartial.Authority);

    private static string NewSecret() => Guid.NewGuid().ToString("N");

    private static DateTime Deadline() => DateTime.UtcNow.Add(CallTimeout);

    [GeneratedRegex(@"Now listening on: (?<url>\S+)")]
    private static partial Regex ListeningRegex();
}
