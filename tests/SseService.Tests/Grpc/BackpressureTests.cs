using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Grpc;

public sealed class BackpressureTests
{
    [Fact]
    public async Task BroadcastStream_FasterThanEverySubscriberReads_ProducerIsHeldAndNobodyIsCut()
    {
        const int Subscribers = 16;
        const int Messages = 2_000;
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Sse:SubscriberQueueCapacity"] = "1024",
            ["Sse:SocketSendBufferBytes"] = "16384",
        });
        var subscribers = new List<SseSubscriber>();
        for (var i = 0; i < Subscribers; i++)
        {
            subscribers.Add(await service.SubscribeAsync("/subscribe/firehose"));
        }

        // A producer far faster than subscribers that, for now, read nothing at all.
        var payload = new string('x', 4096);
        var producer = Task.Run(async () =>
        {
            using var call = service.Broadcaster.BroadcastStream();
            for (var i = 0; i < Messages; i++)
            {
                await call.RequestStream.WriteAsync(new SseMessage { Namespace = "/firehose", Data = $"{i}:{payload}" });
            }

            await call.RequestStream.CompleteAsync();
            return await call.ResponseAsync;
        });

        // Once they are all behind, the server holds the producer instead of cutting them (without
        // backpressure their 1,024-frame queues would overflow long before they read).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (service.Hub.Congestion(Ns("/firehose")) <= 0.5)
        {
            Assert.True(DateTime.UtcNow < deadline, "subscribers never fell behind");
            Assert.False(producer.IsCompleted, "the producer finished without ever being held");
            await Task.Delay(10);
        }

        // Now they read: everything arrives, in order, and nobody was cut.
        var reads = subscribers.Select(async subscriber =>
        {
            for (var i = 0; i < Messages; i++)
            {
                var item = await subscriber.ReadAsync() ?? throw new EndOfStreamException($"cut after {i} events");
                Assert.StartsWith($"{i}:", item.Data, StringComparison.Ordinal);
            }
        });
        await Task.WhenAll(reads);
        var summary = await producer;

        Assert.Equal((ulong)Messages, summary.Accepted);
        Assert.Equal(Subscribers, service.Hub.SubscriberCount);
        Assert.Equal(0, service.Hub.Counters.SlowConsumerDisconnects);
        foreach (var subscriber in subscribers)
        {
            await subscriber.DisposeAsync();
        }
    }

    private static SseService.Hub.NamespacePath Ns(string value) =>
        SseService.Hub.NamespacePath.TryParse(value, new SseService.Hub.HubOptions().NamespaceRules, out var ns, out _) ? ns : throw new ArgumentException(value);
}
