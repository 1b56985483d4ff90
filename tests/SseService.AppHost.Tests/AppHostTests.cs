using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Grpc.Net.Client;
using Sse.V1;
using SseService.AppHost.Tests.Infrastructure;
using SseService.Tests.Infrastructure;

namespace SseService.AppHost.Tests;

/// <summary>The AppHost as a developer runs it (<c>dotnet run --project SseService.AppHost</c>): one instance, in-process hub.</summary>
public sealed class AppHostTests
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
