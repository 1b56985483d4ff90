using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Grpc.Net.Client;
using Sse.V1;
using SseService.AppHost.Tests.Infrastructure;
using SseService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseService.AppHost.Tests;

/// <summary>The AppHost as a developer runs it (<c>dotnet run --project SseService.AppHost</c>): one instance, in-process hub.</summary>
public sealed class AppHostTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Run_Default_SseHealthyProducerRunningAndAGrpcPublishReachesAnSseSubscriber()
    {
        // Arrange
        await using var app = await AspireApp.StartAsync();
        using var ready = new CancellationTokenSource(AspireApp.StartTimeout);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("sse", ready.Token);
        await app.ResourceNotifications.WaitForResourceAsync("producer", KnownResourceStates.Running, ready.Token);
        using var http = new HttpClient { BaseAddress = app.GetEndpoint("sse", "Http"), Timeout = Timeout.InfiniteTimeSpan };

        // The sample producer found the service through discovery: its /time events come through the proxy.
        await using (var time = await SseSubscriber.ConnectAsync(http, "/subscribe/time"))
        {
            var tick = await time.ReadAsync() ?? throw new EndOfStreamException("the /time stream ended");
            Assert.False(string.IsNullOrEmpty(tick.Data));
        }

        // Act: a publish through the app's Grpc endpoint.
        await using var subscriber = await SseSubscriber.ConnectAsync(http, "/subscribe/apphost");
        using var channel = GrpcChannel.ForAddress(app.GetEndpoint("sse", "Grpc"));
        var reply = await new Broadcaster.BroadcasterClient(channel)
            .BroadcastAsync(new SseMessage { Namespace = "/apphost/test", Event = "hello", Data = "through Aspire" }, deadline: DateTime.UtcNow.Add(CallTimeout));

        // Assert
        var item = await subscriber.ReadAsync() ?? throw new EndOfStreamException("the stream ended before the event");
        Assert.Equal(("hello", "through Aspire", reply.Id), (item.EventType, item.Data, item.EventId));

        // The environment tests/SseService.Tests/Aspire/AspireProjectEnvironment.cs models (and whose
        // every variable the contract tests there show honoured) is the one Aspire really gives.
        var service = Environment(app, "sse");
        output.WriteLine("sse: " + string.Join(' ', service.Keys.Order(StringComparer.Ordinal)));
        foreach (var name in new[]
        {
            "Kestrel__Endpoints__Http__Url", "Kestrel__Endpoints__Grpc__Url", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
            "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER", "OTEL_METRICS_EXEMPLAR_FILTER",
            "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BLRP_SCHEDULE_DELAY", "OTEL_METRIC_EXPORT_INTERVAL", "OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY",
        })
        {
            Assert.True(service.ContainsKey(name), $"sse lacks {name}");
        }

        Assert.Equal("sse", service["OTEL_SERVICE_NAME"]);
        Assert.False(service.ContainsKey("ASPNETCORE_URLS"), "Kestrel endpoints are configured by name, not by ASPNETCORE_URLS");
        Assert.False(service.ContainsKey("ASPNETCORE_FORWARDEDHEADERS_ENABLED"), "run mode sets no forwarded headers");
        var producer = Environment(app, "producer");
        output.WriteLine("producer: " + string.Join(' ', producer.Keys.Order(StringComparer.Ordinal)));
        Assert.Equal(app.GetEndpoint("sse", "Grpc").GetLeftPart(UriPartial.Authority), producer["services__sse__Grpc__0"]);
    }

    private static Dictionary<string, string> Environment(DistributedApplication app, string resourceName)
    {
        Assert.True(app.ResourceNotifications.TryGetCurrentState(resourceName, out var state), $"no state for {resourceName}");
        return state.Snapshot.EnvironmentVariables
            .Where(variable => variable.Value is not null)
            .ToDictionary(variable => variable.Name, variable => variable.Value!, StringComparer.Ordinal);
    }

    [Theory]
    [InlineData("Bogus")]
    [InlineData("1")]
    public async Task RedisMode_NotAMode_FailsAtStartNamingTheSetting(string value)
    {
        var failure = await Assert.ThrowsAnyAsync<DistributedApplicationException>(() =>
            DistributedApplicationTestingBuilder.CreateAsync<Projects.SseService_AppHost>(["--UseRedis=true", $"--RedisMode={value}"]));
        Assert.Contains($"RedisMode='{value}' is not one of Auto, Container, Executable", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Auto", "no-such-container-runtime", "LocalRedisResource")]
    [InlineData("Executable", "docker", "LocalRedisResource")]
    [InlineData("Container", "no-such-container-runtime", "RedisResource")]
    public async Task RedisMode_AsSet_ChoosesTheContainerOrTheLocalRedisServer(string mode, string runtime, string expectedType)
    {
        // Building the model runs AppHost.cs up to Build(); nothing starts.
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.SseService_AppHost>(
            ["--UseRedis=true", $"--RedisMode={mode}", $"--ASPIRE_CONTAINER_RUNTIME={runtime}"]);

        var redis = Assert.Single(builder.Resources, resource => resource.Name == "redis");
        Assert.Equal(expectedType, redis.GetType().Name);
        Assert.Equal(mode == "Container", redis is ContainerResource || redis.Annotations.OfType<ContainerImageAnnotation>().Any());
    }
}
