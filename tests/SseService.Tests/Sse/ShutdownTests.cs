using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

public sealed class ShutdownTests
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Sigterm_WithOpenStreamsAndProducer_EndsStreamsCleanlyAndExitsWellInsideTimeout()
    {
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["Sse__ShutdownTimeout"] = ShutdownTimeout.ToString(),
        });
        using var http = new HttpClient { BaseAddress = service.HttpAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
        var broadcaster = new Broadcaster.BroadcasterClient(channel);

        var subscribers = new List<SseSubscriber>();
        foreach (var path in new[] { "/subscribe/", "/subscribe/pets", "/subscribe/pets/dogs" })
        {
            subscribers.Add(await SseSubscriber.ConnectAsync(http, path));
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
