using System.Net.Sockets;
using System.Text.RegularExpressions;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

/// <summary>
/// Streams written straight to their sockets (the default for plain HTTP/1.1): what happens when a
/// socket would block, when a client resets, and that nothing the queue held is lost or reordered.
/// </summary>
public sealed partial class DirectSocketStreamTests
{
    private const int Events = 300;

    [Fact]
    public async Task Publish_ClientPausesUntilSocketBuffersAreFull_GetsEveryEventInOrderOnceItReadsAgain()
    {
        // Arrange: tiny socket buffers on both ends, and a queue deep enough that the pause is no cut.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Sse:SubscriberQueueCapacity"] = "100000",
            ["Sse:SocketSendBufferBytes"] = "4096",
        });
        await using var client = await RawHttpConnection.OpenAsync(service.HttpAddress, "/subscribe/paused", receiveBufferBytes: 4096);
        await client.ReadUntilAsync(text => text.Contains(": ok\n\n", StringComparison.Ordinal), SseSubscriber.DefaultTimeout);
        var payload = new string('x', 4096);

        // Act: 1.2 MB while the client reads nothing, so sends would block and the queue holds the rest.
        for (var i = 0; i < Events; i++)
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/paused", Data = $"{i}:{payload}" });
        }

        var handedToKernelWhilePaused = 0L;
        service.Hub.ForEachSubscription(subscription => handedToKernelWhilePaused = subscription.MessagesSent);
        var body = await client.ReadUntilAsync(text => text.Contains($"data: {Events - 1}:", StringComparison.Ordinal)
            && text.EndsWith("\n\n", StringComparison.Ordinal), SseSubscriber.DefaultTimeout);

        // Assert
        Assert.True(handedToKernelWhilePaused < Events, $"all {Events} events fit in the socket buffers; the test proves nothing");
        var received = DataPrefix().Matches(body).Select(match => int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Enumerable.Range(0, Events), received);
    }

    [Fact]
    public async Task Publish_AfterAClientResetItsConnection_OthersKeepReceivingAndItsSubscriptionEnds()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var healthy = await service.SubscribeAsync("/subscribe/reset");
        var resetting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await resetting.ConnectAsync(service.HttpAddress.Host, service.HttpAddress.Port);
        await resetting.SendAsync("GET /subscribe/reset HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        var buffer = new byte[4096];
        Assert.True(await resetting.ReceiveAsync(buffer) > 0);
        Assert.Equal(2, service.Hub.SubscriberCount);

        // Act: an abortive close (RST), then events both subscribers would get.
        resetting.LingerState = new LingerOption(true, 0);
        resetting.Dispose();
        for (var i = 0; i < 20; i++)
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/reset", Data = $"{i}" });
        }

        // Assert
        var received = await healthy.ReadManyAsync(20);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"{i}"), received.Select(item => item.Data));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (service.Hub.SubscriberCount != 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the reset connection's subscription never ended");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Reconnect_MissedMoreThanOneSendHolds_ReplaysEverythingInOrderThenLive()
    {
        // Arrange: 150 KiB of small events and one event larger than a whole send, missed while away.
        await using var service = await TestService.StartAsync();
        var first = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/replay", Data = "before" });
        var expected = new List<string>();
        for (var i = 0; i < 150; i++)
        {
            expected.Add($"{i}:{new string('r', 1024)}");
            if (i == 75)
            {
                expected.Add(new string('L', 65_000));
            }
        }

        foreach (var data in expected)
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/replay", Data = data });
        }

        // Act
        await using var resumed = await service.SubscribeAsync("/subscribe/replay", lastEventId: first.Id);
        var replayed = await resumed.ReadManyAsync(expected.Count);
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/replay", Data = "live" });
        var live = await resumed.ReadAsync();

        // Assert
        Assert.Equal(expected, replayed.Select(item => item.Data));
        Assert.Equal("live", live?.Data);
    }

    [Fact]
    public async Task Subscribe_Http10Client_GetsAStreamThatEndsWithTheConnectionAndItsEvents()
    {
        // Arrange: HTTP/1.0 has no chunked encoding, so only a close-delimited body can serve it.
        await using var service = await TestService.StartAsync();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(service.HttpAddress.Host, service.HttpAddress.Port);
        await client.SendAsync("GET /subscribe/old HTTP/1.0\r\n\r\n"u8.ToArray());
        var received = new System.Text.StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(SseSubscriber.DefaultTimeout);
        while (!received.ToString().Contains(": ok\n\n", StringComparison.Ordinal))
        {
            received.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, await client.ReceiveAsync(buffer, timeout.Token)));
        }

        // Act
        var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/old", Data = "still works" });
        while (!received.ToString().Contains("data: still works\n\n", StringComparison.Ordinal))
        {
            received.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, await client.ReceiveAsync(buffer, timeout.Token)));
        }

        // Assert
        var text = received.ToString();
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\nConnection: close\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Transfer-Encoding", text, StringComparison.Ordinal);
        Assert.Contains($"id: {reply.Id}\ndata: still works\n\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_StreamOnItsOwnSocket_KestrelCountsItsConnectionUntilTheClientCloses()
    {
        // Arrange: Kestrel's own count of the connections it holds on this service's port.
        await using var service = await TestService.StartAsync();
        var port = service.HttpAddress.Port;
        var held = 0L;
        var changed = new SemaphoreSlim(0);
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Microsoft.AspNetCore.Server.Kestrel" && instrument.Name == "kestrel.active_connections")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, delta, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "server.port" && Equals(tag.Value, port))
                {
                    Interlocked.Add(ref held, delta);
                    changed.Release();
                }
            }
        });
        listener.Start();

        // Act: a stream written straight to its socket, events through it, then the client goes.
        var connection = await RawHttpConnection.OpenAsync(service.HttpAddress, "/subscribe/counted");
        var text = await connection.ReadUntilAsync(text => text.Contains(": ok\n\n", StringComparison.Ordinal), SseSubscriber.DefaultTimeout);
        var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/counted", Data = "direct" });
        text += await connection.ReadUntilAsync(text => text.Contains("data: direct\n\n", StringComparison.Ordinal), SseSubscriber.DefaultTimeout);

        // Assert: the direct path (its own head, no chunked framing) and Kestrel still counting the connection.
        Assert.Contains("\r\nConnection: close\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Transfer-Encoding", text, StringComparison.Ordinal);
        Assert.Contains($"id: {reply.Id}\ndata: direct\n\n", text, StringComparison.Ordinal);
        Assert.Equal(1, Interlocked.Read(ref held));

        await connection.DisposeAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Interlocked.Read(ref held) != 0 || service.Hub.SubscriberCount != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Kestrel still holds {Interlocked.Read(ref held)} connection(s), the hub {service.Hub.SubscriberCount} stream(s)");
            await changed.WaitAsync(TimeSpan.FromMilliseconds(100));
        }
    }

    [GeneratedRegex(@"^data: (\d+):", RegexOptions.Multiline)]
    private static partial Regex DataPrefix();
}
