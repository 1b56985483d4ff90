using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Sse.V1;
using SseService.Client;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Client;

public sealed class SseBroadcasterTests
{
    [Fact]
    public async Task AddSseBroadcaster_PublishAsync_ReachesSubscriberThroughRealService()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var provider = BroadcasterProvider(service.GrpcAddress);
        var broadcaster = provider.GetRequiredService<ISseBroadcaster>();
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets");

        // Act
        var result = await broadcaster.PublishAsync("/pets/dogs", "Corgi", eventType: "new-dog");

        // Assert
        var item = (await subscriber.ReadAsync())!.Value;
        Assert.Equal("new-dog", item.EventType);
        Assert.Equal("Corgi", item.Data);
        Assert.Equal(result.Id, item.EventId);
        Assert.Equal(1, result.Subscribers);
    }

    [Fact]
    public async Task AddSseBroadcaster_PublishAsyncWithProducerId_KeepsTheId()
    {
        await using var service = await TestService.StartAsync();
        await using var provider = BroadcasterProvider(service.GrpcAddress);
        await using var subscriber = await service.SubscribeAsync("/subscribe/orders");

        var result = await provider.GetRequiredService<ISseBroadcaster>().PublishAsync("/orders", "{}", id: "order-17");

        Assert.Equal("order-17", result.Id);
        Assert.Equal("order-17", (await subscriber.ReadAsync())!.Value.EventId);
    }

    [Fact]
    public async Task AddSseBroadcaster_OpenStream_PublishesEveryMessageAndSummarizes()
    {
        await using var service = await TestService.StartAsync();
        await using var provider = BroadcasterProvider(service.GrpcAddress);
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets");

        using var call = provider.GetRequiredService<ISseBroadcaster>().OpenStream();
        foreach (var name in new[] { "Tabby", "Siamese", "Persian" })
        {
            await call.RequestStream.WriteAsync(new SseMessage { Namespace = "/pets/cats", Event = "new-cat", Data = name });
        }

        await call.RequestStream.CompleteAsync();
        var summary = await call.ResponseAsync;

        var items = await subscriber.ReadManyAsync(3);
        Assert.Equal(["Tabby", "Siamese", "Persian"], items.Select(item => item.Data));
        Assert.Equal(3ul, summary.Accepted);
        Assert.Equal(summary.LastId, items[^1].EventId);
    }

    [Fact]
    public async Task AddSseBroadcaster_BroadcasterClientFromContainer_UsesTheConfiguredAddress()
    {
        await using var service = await TestService.StartAsync();
        await using var provider = BroadcasterProvider(service.GrpcAddress);

        var reply = await provider.GetRequiredService<Broadcaster.BroadcasterClient>().BroadcastAsync(new SseMessage { Namespace = "/x", Data = "y" });

        Assert.NotEmpty(reply.Id);
        Assert.Equal(0u, reply.Subscribers);
    }

    [Fact]
    public async Task AddSseBroadcaster_PublishAsyncWithBadNamespace_ThrowsInvalidArgumentNamingTheField()
    {
        await using var service = await TestService.StartAsync();
        await using var provider = BroadcasterProvider(service.GrpcAddress);

        var error = await Assert.ThrowsAsync<RpcException>(() => provider.GetRequiredService<ISseBroadcaster>().PublishAsync("pets", "x"));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("namespace", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSseBroadcaster_UnaryCallWithoutDeadline_GetsTheDefaultDeadline()
    {
        // Arrange: an interceptor added after the library's sees what the call will go out with.
        await using var service = await TestService.StartAsync();
        var seen = new DeadlineRecorder();
        var services = new ServiceCollection();
        services.AddSseBroadcaster(options =>
        {
            options.Address = service.GrpcAddress;
            options.DefaultDeadline = TimeSpan.FromMinutes(7);
        }).AddInterceptor(() => seen);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<Broadcaster.BroadcasterClient>();
        var before = DateTime.UtcNow;
        var own = before.AddMinutes(1);

        // Act
        await provider.GetRequiredService<ISseBroadcaster>().PublishAsync("/x", "default deadline");
        await client.BroadcastAsync(new SseMessage { Namespace = "/x", Data = "own deadline" }, deadline: own);

        // Assert
        Assert.InRange(seen.Deadlines[0]!.Value, before.AddMinutes(7), DateTime.UtcNow.AddMinutes(7));
        Assert.Equal(own, seen.Deadlines[1]);
    }

    [Fact]
    public async Task AddSseBroadcaster_WithoutAddress_ResolvingFailsWithMessageNamingTheOption()
    {
        var services = new ServiceCollection();
        services.AddSseBroadcaster(_ => { });
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ISseBroadcaster>());

        Assert.Contains("SseBroadcasterOptions.Address is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSseBroadcaster_WithoutAddress_HostFailsToStartWithMessageNamingTheOption()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSseBroadcaster(_ => { });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("SseBroadcasterOptions.Address is required", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:8002")]
    [InlineData("ftp://localhost:8002")]
    public async Task AddSseBroadcaster_WithAddressNotHttp_FailsWithMessageNamingTheOption(string address)
    {
        var services = new ServiceCollection();
        services.AddSseBroadcaster(options => options.Address = new Uri(address, UriKind.RelativeOrAbsolute));
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ISseBroadcaster>());

        Assert.Contains("SseBroadcasterOptions.Address must be an absolute http:// or https:// URI", error.Message, StringComparison.Ordinal);
    }

    private sealed class DeadlineRecorder : Interceptor
    {
        public List<DateTime?> Deadlines { get; } = [];

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            Deadlines.Add(context.Options.Deadline);
            return continuation(request, context);
        }
    }

    private static ServiceProvider BroadcasterProvider(Uri grpcAddress)
    {
        var services = new ServiceCollection();
        services.AddSseBroadcaster(options => options.Address = grpcAddress);
        return services.BuildServiceProvider();
    }
}
