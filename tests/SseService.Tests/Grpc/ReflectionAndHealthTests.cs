using System.Net;
using Google.Protobuf.Reflection;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Grpc;

/// <summary>What tools and orchestrators rely on: server reflection (grpcurl), gRPC health, HTTP probes.</summary>
public sealed class ReflectionAndHealthTests
{
    [Fact]
    public async Task ServerReflection_ListServices_IncludesBroadcaster()
    {
        // Arrange
        await using var service = await TestService.StartAsync();

        // Act
        var response = await ReflectAsync(service, new ServerReflectionRequest { ListServices = "" });

        // Assert
        Assert.Equal(ServerReflectionResponse.MessageResponseOneofCase.ListServicesResponse, response.MessageResponseCase);
        var names = response.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("sse.v1.Broadcaster", names);
        Assert.Contains("grpc.health.v1.Health", names);
    }

    [Fact]
    public async Task ServerReflection_FileContainingBroadcaster_ReturnsItsDescriptor()
    {
        // Arrange
        await using var service = await TestService.StartAsync();

        // Act
        var response = await ReflectAsync(service, new ServerReflectionRequest { FileContainingSymbol = "sse.v1.Broadcaster" });

        // Assert
        Assert.Equal(ServerReflectionResponse.MessageResponseOneofCase.FileDescriptorResponse, response.MessageResponseCase);
        var files = response.FileDescriptorResponse.FileDescriptorProto.Select(FileDescriptorProto.Parser.ParseFrom).ToList();
        var file = Assert.Single(files, f => f.Package == "sse.v1" && f.Service.Any(s => s.Name == "Broadcaster"));
        var broadcaster = file.Service.Single(s => s.Name == "Broadcaster");
        Assert.Equal(["Broadcast", "BroadcastStream", "Subscribe"], broadcaster.Method.Select(m => m.Name).Order(StringComparer.Ordinal));
        var subscribe = broadcaster.Method.Single(m => m.Name == "Subscribe");
        Assert.Equal((".sse.v1.SubscribeRequest", ".sse.v1.SseEvent", false, true),
            (subscribe.InputType, subscribe.OutputType, subscribe.ClientStreaming, subscribe.ServerStreaming));
        Assert.Contains(file.MessageType, m => m.Name == "SseMessage");
        Assert.Equal(["namespaces:1", "last_event_id:2"], file.MessageType.Single(m => m.Name == "SubscribeRequest").Field.Select(f => $"{f.Name}:{f.Number}"));
        Assert.Equal(["id:1", "event:2", "data:3", "namespace:4"], file.MessageType.Single(m => m.Name == "SseEvent").Field.Select(f => $"{f.Name}:{f.Number}"));
    }

    [Fact]
    public async Task HealthCheck_WholeServer_ReturnsServing()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        var health = new Health.HealthClient(service.Channel);

        // Act
        var response = await health.CheckAsync(new HealthCheckRequest { Service = "" }, deadline: DateTime.UtcNow.AddSeconds(30));

        // Assert
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task HttpProbe_ServiceRunning_Returns200Healthy(string path)
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // Act
        using var response = await service.Http.GetAsync(new Uri(path, UriKind.Relative), timeout.Token);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(timeout.Token));
    }

    /// <summary>Sends one request over the reflection stream and returns its one response.</summary>
    private static async Task<ServerReflectionResponse> ReflectAsync(TestService service, ServerReflectionRequest request)
    {
        var client = new ServerReflection.ServerReflectionClient(service.Channel);
        using var call = client.ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(30));
        await call.RequestStream.WriteAsync(request);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var response = call.ResponseStream.Current;
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        return response;
    }
}
