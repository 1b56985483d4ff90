using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

/// <summary>
/// A subscriber that goes away ends its stream's life on the server, over every transport (one
/// derived class each, at the end of this file). Over HTTP/1.1 it closes its connection; over HTTP/2
/// it resets its one stream (RST_STREAM, CANCEL) and the connection stays, with the others on it.
/// </summary>
public abstract class ClientLeavesTests
{
    protected abstract Transport Transport { get; }

    [Fact]
    public async Task Subscribe_ClientClosesItsStream_SubscriptionAndItsSlotEndWhileOthersKeepReceiving()
    {
        // Arrange: a per-client cap of 2, so the slot of the one that leaves must really be freed.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Sse:Limits:MaxConnectionsPerClient"] = "2",
        }, Transport);
        await using var staying = await service.SubscribeAsync("/subscribe/leave");
        var leaving = await service.SubscribeAsync("/subscribe/leave");
        Assert.Equal(2, service.Hub.SubscriberCount);
        var (refused, refusal) = await SseSubscriber.TryConnectAsync(service.Http, "/subscribe/leave", asEventSource: false);
        using (refusal)
        {
            Assert.Null(refused);
            Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, refusal.StatusCode); // the cap counts streams, not connections
        }

        // Act
        await leaving.DisposeAsync();

        // Assert: its subscription ends, then its slot is freed (just after: the hub lets go first).
        var deadline = DateTime.UtcNow + SseSubscriber.DefaultTimeout;
        while (service.Hub.SubscriberCount != 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the subscription of the client that left never ended");
            await Task.Delay(20);
        }

        SseSubscriber? again = null;
        while (again is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the slot of the client that left was never freed");
            (again, var response) = await SseSubscriber.TryConnectAsync(service.Http, "/subscribe/leave", asEventSource: false);
            if (again is null)
            {
                Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, response.StatusCode);
                response.Dispose();
                await Task.Delay(20);
            }
        }

        await using var _ = again;
        Assert.Equal(service.HttpVersion, again.Response.Version);
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/leave", Data = "still here" });
        Assert.Equal("still here", (await staying.ReadAsync())?.Data);
        Assert.Equal("still here", (await again.ReadAsync())?.Data);

        // Over HTTP/2 all of it happened on one connection: the stream that left took only itself away.
        if (Transport == Transport.HttpsHttp2)
        {
            Assert.Equal(1, service.HttpConnectionsOpened);
        }
    }
}

public sealed class ClientLeavesTestsOverHttp1Direct : ClientLeavesTests
{
    protected override Transport Transport => Transport.Http1Direct;
}

public sealed class ClientLeavesTestsOverHttpsHttp2 : ClientLeavesTests
{
    protected override Transport Transport => Transport.HttpsHttp2;
}
