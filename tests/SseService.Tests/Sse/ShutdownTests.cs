using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

/// <summary>
/// SIGTERM to the real process ends every stream cleanly, over every transport (one derived class
/// each, at the end of this file); the HTTPS run configures its endpoint by environment variables.
/// </summary>
public abstract class ShutdownTests
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    protected abstract Transport Transport { get; }

    [Fact]
    public async Task Sigterm_WithOpenStreamsAndProducer_EndsStreamsCleanlyAndExitsWellInsideTimeout()
    {
        var environment = TransportClient.EndpointEnvironment(Transport);
        environment["Sse__ShutdownTimeout"] = ShutdownTimeout.ToString();
        await using var service = await ServiceProcess.StartAsync(environment, TransportClient.NewAddress(Transport));
        using var http = TransportClient.Create(Transport, service.HttpAddress);
        using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
        var broadcaster = new Broadcaster.BroadcasterClient(channel);

        var subscribers = new List<SseSubscriber>();
        foreach (var path in new[] { "/subscribe/", "/subscribe/pets", "/subscribe/pets/dogs" })
        {
            var subscriber = await SseSubscriber.ConnectAsync(http, path);
            Assert.Equal(TransportClient.HttpVersionOf(Transport), subscriber.Response.Version);
            subscribers.Add(subscriber);
        }

        // A producer stream still open when the signal comes.
        using var producer = broadcaster.BroadcastStream();
        for (var i = 0; i < 3; i++)
        {
            await producer.RequestStream.WriteAsync(new SseMessage { Namespace = "/pets/dogs", Data = $"dog {i}" });
        }

        foreach (var subscriber in subscribers)
        {
            Assert.Equal(3, (await subscriber.ReadManyAsync(3)).Count);
        }

        var clock = Stopwatch.StartNew();
        service.SendSigterm();

        // Every stream ends with a clean end of stream (not a reset), so EventSource reconnects.
        foreach (var subscriber in subscribers)
        {
            await subscriber.AssertEndsAsync();
            await subscriber.DisposeAsync();
        }

        // The producer is told to go elsewhere, with what was accepted.
        var refusal = await Assert.ThrowsAsync<RpcException>(() => producer.ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, refusal.StatusCode);
        Assert.Contains("3 message(s) accepted", refusal.Status.Detail, StringComparison.Ordinal);

        await service.WaitForExitAsync(ShutdownTimeout * 2);
        clock.Stop();
        Assert.Equal(0, service.ExitCode);
        Assert.True(clock.Elapsed < ShutdownTimeout / 2, $"exit took {clock.Elapsed}, timeout {ShutdownTimeout}\n{service.Output}");
    }
}

public sealed class ShutdownTestsOverHttp1Direct : ShutdownTests
{
    protected override Transport Transport => Transport.Http1Direct;
}

public sealed class ShutdownTestsOverHttpsHttp2 : ShutdownTests
{
    protected override Transport Transport => Transport.HttpsHttp2;
}
