using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

public sealed class SlowConsumerTests
{
    private const int HealthySubscribers = 50;
    private const int Batch = 10;
    private const int MaxMessages = 2_000;

    [Fact]
    public async Task Publish_ClientStopsReading_IsDisconnectedWhileOthersGetEveryMessage()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Sse:SubscriberQueueCapacity"] = "32",
        });
        var healthy = new List<SseSubscriber>();
        for (var i = 0; i < HealthySubscribers; i++)
        {
            healthy.Add(await service.SubscribeAsync("/subscribe/flood"));
        }

        // A client with a tiny receive window that reads the opening comment and then never again.
        await using var stalled = await RawHttpConnection.OpenAsync(service.HttpAddress, "/subscribe/flood", receiveBufferBytes: 4096);
        await stalled.ReadUntilAsync(text => text.Contains(": ok\n\n", StringComparison.Ordinal), SseSubscriber.DefaultTimeout);
        Assert.Equal(HealthySubscribers + 1, service.Hub.SubscriberCount);

        // Publish in small batches and let the healthy readers catch up after each, so only the
        // stalled client can ever fill its queue, however slowly this machine schedules the readers.
        var payload = new string('x', 16 * 1024);
        var published = 0;
        var batchesAfterCut = 0;
        while (published < MaxMessages && batchesAfterCut < 5)
        {
            for (var i = 0; i < Batch; i++)
            {
                await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/flood", Data = $"{published}:{payload}" });
                published++;
            }

            var batches = await Task.WhenAll(healthy.Select(subscriber => subscriber.ReadManyAsync(Batch)));
            foreach (var received in batches)
            {
                for (var i = 0; i < Batch; i++)
                {
                    Assert.StartsWith($"{published - Batch + i}:", received[i].Data, StringComparison.Ordinal);
                }
            }

            if (service.Hub.SubscriberCount == HealthySubscribers)
            {
                batchesAfterCut++;
            }
        }

        Assert.True(batchesAfterCut > 0, $"the stalled client was still connected after {published} messages");
        Assert.Equal(HealthySubscribers, service.Hub.SubscriberCount);

        // The server closed (reset) the stalled connection: reading it now reaches its end, short of everything.
        var stalledBytes = await stalled.ReadToEndAsync(SseSubscriber.DefaultTimeout);
        Assert.True(stalledBytes < (long)published * payload.Length, $"the stalled client got {stalledBytes} bytes");

        foreach (var subscriber in healthy)
        {
            await subscriber.DisposeAsync();
        }
    }
}
