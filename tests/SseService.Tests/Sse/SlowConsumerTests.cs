using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

/// <summary>
/// A client that stops reading is cut, and nobody else notices, over every transport (one derived
/// class each, at the end of this file). Over HTTP/2 the stalled stream shares one connection with
/// every healthy stream: HTTP/2's per-stream flow control backs that one stream up, and the cut is a
/// reset of that stream alone (RST_STREAM), not of the connection the others are on.
/// </summary>
public abstract class SlowConsumerTests
{
    private const int HealthySubscribers = 50;
    private const int Batch = 10;
    private const int MaxMessages = 2_000;

    protected abstract Transport Transport { get; }

    [Fact]
    public async Task Publish_ClientStopsReading_IsDisconnectedWhileOthersGetEveryMessage()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Sse:SubscriberQueueCapacity"] = "32",
        }, Transport);
        var healthy = new List<SseSubscriber>();
        for (var i = 0; i < HealthySubscribers; i++)
        {
            healthy.Add(await service.SubscribeAsync("/subscribe/flood"));
        }

        // A client with a tiny receive window that reads the opening comment and then never again.
        await using var stalled = await service.OpenRawAsync("/subscribe/flood", stalls: true);
        await stalled.ReadUntilContainsAsync(": ok\n\n");
        Assert.Equal(HealthySubscribers + 1, service.Hub.SubscriberCount);

        // Over HTTP/1.1 each healthy stream has a connection of its own (the stalled one a bare socket);
        // over HTTP/2 all of them, the stalled one too, are streams of one connection.
        var connections = Transport == Transport.HttpsHttp2 ? 1 : HealthySubscribers;
        Assert.Equal(connections, service.HttpConnectionsOpened);

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
        var (stalledBytes, reset) = await stalled.ReadToEndAsync(SseSubscriber.DefaultTimeout);
        Assert.True(stalledBytes < (long)published * payload.Length, $"the stalled client got {stalledBytes} bytes");

        // Over HTTP/2 a clean end (END_STREAM) would wait behind the data the client never read, and hold
        // the stream open on the server until it reads again: the cut must be a reset of the stream.
        Assert.True(reset || Transport != Transport.HttpsHttp2, "the stalled HTTP/2 stream ended cleanly instead of being reset");

        // The healthy streams kept their connection through the cut, and still get what is published.
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/flood", Data = "after the cut" });
        var last = await Task.WhenAll(healthy.Select(subscriber => subscriber.ReadAsync()));
        Assert.All(last, item => Assert.Equal("after the cut", item?.Data));
        Assert.Equal(connections, service.HttpConnectionsOpened);

        foreach (var subscriber in healthy)
        {
            await subscriber.DisposeAsync();
        }
    }
}

public sealed class SlowConsumerTestsOverHttp1Direct : SlowConsumerTests
{
    protected override Transport Transport => Transport.Http1Direct;
}

public sealed class SlowConsumerTestsOverHttpsHttp2 : SlowConsumerTests
{
    protected override Transport Transport => Transport.HttpsHttp2;
}
