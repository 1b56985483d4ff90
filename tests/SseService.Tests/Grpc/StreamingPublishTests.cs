using System.Globalization;
using System.Net.ServerSentEvents;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Grpc;

public sealed class StreamingPublishTests
{
    /// <summary>A reader that gets nothing for this long has stalled; while events flow it waits on.</summary>
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task BroadcastStream_TenThousandMessages_ReachEachOfHundredSubscribersCompleteAndInOrder()
    {
        // Arrange: queues large enough that a healthy reader scheduled late is never cut as slow.
        const int Messages = 10_000;
        const int Subscribers = 100;
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Sse:SubscriberQueueCapacity"] = "20000",
        });
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var streams = new List<Stream>(Subscribers);
        var responses = new List<HttpResponseMessage>(Subscribers);
        try
        {
            for (var i = 0; i < Subscribers; i++)
            {
                // The headers arrive once the hub registered the subscription: nothing published later is missed.
                using var request = new HttpRequestMessage(HttpMethod.Get, "/subscribe/load");
                var response = await service.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
                responses.Add(response);
                response.EnsureSuccessStatusCode();
                streams.Add(await response.Content.ReadAsStreamAsync(deadline.Token));
            }

            var readers = streams.Select(stream => Task.Run(() => ReadSequenceAsync(stream, Messages))).ToList();

            // Act
            using var call = service.Broadcaster.BroadcastStream(cancellationToken: deadline.Token);
            for (var i = 0; i < Messages; i++)
            {
                await call.RequestStream.WriteAsync(new SseMessage { Namespace = "/load", Data = i.ToString(CultureInfo.InvariantCulture) });
            }

            await call.RequestStream.CompleteAsync();
            var summary = await call.ResponseAsync;
            var received = await Task.WhenAll(readers);

            // Assert
            Assert.Equal((ulong)Messages, summary.Accepted);
            var ids = received[0];
            Assert.Equal(Messages, ids.Length);
            Assert.Equal(summary.LastId, ids[^1]);
            var numericIds = ids.Select(id => long.Parse(id, NumberStyles.None, CultureInfo.InvariantCulture)).ToList();
            for (var i = 1; i < numericIds.Count; i++)
            {
                Assert.True(numericIds[i] > numericIds[i - 1], $"id #{i} ({numericIds[i]}) does not follow #{i - 1} ({numericIds[i - 1]})");
            }

            // Every subscriber saw the same ids for the same messages.
            Assert.All(received, r => Assert.Equal(ids, r));
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }

            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task Broadcast_ProducerSuppliedId_IsSentAsIs()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/orders");
        await using var connection = await RawHttpConnection.OpenAsync(service.HttpAddress, "/subscribe/orders");
        var raw = new RawResponseReader(connection);
        await raw.ReadUntilBodyContainsAsync(": ok\n\n");

        // Act
        var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/orders", Id = "order-42:v1", Data = "placed" });

        // Assert
        Assert.Equal("order-42:v1", reply.Id);
        var item = await subscriber.ReadAsync();
        Assert.NotNull(item);
        Assert.Equal("order-42:v1", item.Value.EventId);
        Assert.Equal("placed", item.Value.Data);
        var wire = await raw.ReadUntilBodyContainsAsync("data: placed\n\n");
        Assert.Contains("id: order-42:v1\ndata: placed\n\n", wire.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BroadcastStream_ProducerSuppliedIds_AreSentAsIsAndLastIdIsTheLastOne()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/orders");

        // Act
        using var call = service.Broadcaster.BroadcastStream();
        foreach (var id in new[] { "b-1", "a-2", "c-3" })
        {
            await call.RequestStream.WriteAsync(new SseMessage { Namespace = "/orders", Id = id, Data = id });
        }

        await call.RequestStream.CompleteAsync();
        var summary = await call.ResponseAsync;

        // Assert
        Assert.Equal(3ul, summary.Accepted);
        Assert.Equal("c-3", summary.LastId);
        var items = await subscriber.ReadManyAsync(3);
        Assert.Equal(["b-1", "a-2", "c-3"], items.Select(i => i.EventId));
    }

    [Fact]
    public async Task Broadcast_WithoutId_ServerAssignsStrictlyIncreasingNumericIds()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/ids");

        // Act
        var replies = new List<BroadcastReply>();
        for (var i = 0; i < 20; i++)
        {
            replies.Add(await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/ids", Data = "x" }));
        }

        // Assert
        var items = await subscriber.ReadManyAsync(replies.Count);
        Assert.Equal(replies.Select(r => r.Id), items.Select(i => i.EventId));
        var ids = replies.Select(r => long.Parse(r.Id, NumberStyles.None, CultureInfo.InvariantCulture)).ToList();
        Assert.All(ids.Zip(ids.Skip(1)), pair => Assert.True(pair.Second > pair.First, $"{pair.Second} does not follow {pair.First}"));
    }

    /// <summary>
    /// Reads <paramref name="count"/> events whose data must be 0, 1, 2… in order, checking each as it
    /// arrives (no gap, no duplicate), and returns their ids.
    /// </summary>
    private static async Task<string[]> ReadSequenceAsync(Stream body, int count)
    {
        var ids = new string[count];
        var next = 0;
        using var stall = new CancellationTokenSource(StallTimeout);
        try
        {
            await foreach (var item in SseParser.Create(body).EnumerateAsync(stall.Token))
            {
                var expected = next.ToString(CultureInfo.InvariantCulture);
                if (item.Data != expected)
                {
                    Assert.Fail($"event #{next} carries data \"{item.Data}\", expected \"{expected}\"");
                }

                ids[next++] = item.EventId ?? "";
                if (next == count)
                {
                    return ids;
                }

                stall.CancelAfter(StallTimeout);
            }
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested)
        {
            Assert.Fail($"no event for {StallTimeout} after {next} of {count}");
        }
        catch (IOException e)
        {
            // A reset is how the server cuts a subscriber it judged too slow.
            throw new EndOfStreamException($"connection lost after {next} of {count} events", e);
        }

        throw new EndOfStreamException($"stream ended after {next} of {count} events");
    }
}
