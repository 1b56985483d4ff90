using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Sse.V1;
using SseService.AppHost.Tests.Infrastructure;
using SseService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseService.AppHost.Tests;

/// <summary>
/// <c>--UseRedis=true</c>: Redis (here Debian's redis-server, forced so the test does not depend on
/// whether a container runtime answers) and two replicas of the service sharing its backplane.
/// </summary>
public sealed class RedisReplicaTests(ITestOutputHelper output)
{
    private static readonly string[] s_redisArgs = ["--UseRedis=true", "--RedisMode=Executable"];
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task UseRedis_TwoReplicas_OnePublishReachesSubscribersOnBothWithOneId()
    {
        // Arrange
        await using var app = await AspireApp.StartAsync(s_redisArgs);
        var replicas = await app.WaitForHealthyReplicasAsync("sse", 2);
        var subscribers = new List<SseSubscriber>();
        foreach (var replica in replicas)
        {
            subscribers.Add(await SseSubscriber.ConnectAsync(Client(replica.HttpUrl), "/subscribe/replicas"));
        }

        // ... and four more through the proxy, as browsers would come.
        using var proxy = Client(app.GetEndpoint("sse", "Http"));
        for (var i = 0; i < 4; i++)
        {
            subscribers.Add(await SseSubscriber.ConnectAsync(proxy, "/subscribe/replicas"));
        }

        foreach (var replica in replicas)
        {
            output.WriteLine($"{replica.ResourceId}: {await SubscriberCountAsync(replica.HttpUrl)} subscriber(s) on /subscribe/replicas");
        }

        // Act: one publish, through the proxy's Grpc endpoint (either replica takes it).
        using var channel = GrpcChannel.ForAddress(app.GetEndpoint("sse", "Grpc"));
        var reply = await new Broadcaster.BroadcasterClient(channel)
            .BroadcastAsync(new SseMessage { Namespace = "/replicas", Data = "to all" }, deadline: DateTime.UtcNow.Add(CallTimeout));

        // Assert: every subscriber, whichever replica serves it, gets the one message with the one id.
        foreach (var subscriber in subscribers)
        {
            var item = await subscriber.ReadAsync() ?? throw new EndOfStreamException("a stream ended before the event");
            Assert.Equal(("to all", reply.Id), (item.Data, item.EventId));
            await subscriber.DisposeAsync();
        }
    }

    [Fact]
    public async Task UseRedis_OneReplicaStops_ItsSubscriberResumesOnTheOtherWithNoGap()
    {
        // Arrange: a subscriber on the first replica, a producer publishing through the proxy.
        await using var app = await AspireApp.StartAsync(s_redisArgs);
        var replicas = await app.WaitForHealthyReplicasAsync("sse", 2);
        var (stopping, surviving) = (replicas[0], replicas[1]);
        var subscriber = await SseSubscriber.ConnectAsync(Client(stopping.HttpUrl), "/subscribe/failover");
        using var channel = GrpcChannel.ForAddress(app.GetEndpoint("sse", "Grpc"));
        var broadcaster = new Broadcaster.BroadcasterClient(channel);
        var published = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            published.Add(await PublishAsync(broadcaster, $"before {i}"));
        }

        var received = new List<string>();
        foreach (var item in await subscriber.ReadManyAsync(3))
        {
            received.Add(item.EventId!);
        }

        // Act: stop the first replica; its stream ends; three messages are published while the
        // subscriber is away, then it comes back through the proxy (which now has only the survivor)
        // with Last-Event-ID, and three more follow.
        var stop = app.ResourceCommands.ExecuteCommandAsync(stopping.ResourceId, KnownResourceCommands.StopCommand);
        while (await subscriber.ReadAsync(AspireApp.StartTimeout) is { } item)
        {
            received.Add(item.EventId!);
        }

        var lastEventId = subscriber.LastEventId;
        await subscriber.DisposeAsync();
        Assert.True((await stop).Success, "the stop command failed");
        for (var i = 0; i < 3; i++)
        {
            published.Add(await PublishAsync(broadcaster, $"while away {i}"));
        }

        using var proxy = Client(app.GetEndpoint("sse", "Http"));
        await using var resumed = await SseSubscriber.ConnectAsync(proxy, "/subscribe/failover", lastEventId);
        for (var i = 0; i < 3; i++)
        {
            published.Add(await PublishAsync(broadcaster, $"after {i}"));
        }

        while (received.Count < published.Count)
        {
            var item = await resumed.ReadAsync() ?? throw new EndOfStreamException("the resumed stream ended");
            received.Add(item.EventId!);
        }

        // Assert: every message exactly once, in order, and the resumed stream served by the survivor.
        Assert.Equal(published, received);
        Assert.Equal(1, await SubscriberCountAsync(surviving.HttpUrl, "/subscribe/failover"));
    }

    /// <summary>Publishes, retrying while the proxy still sends calls to the replica that is going away.</summary>
    private static async Task<string> PublishAsync(Broadcaster.BroadcasterClient broadcaster, string data)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await broadcaster.BroadcastAsync(new SseMessage { Namespace = "/failover", Data = data }, deadline: DateTime.UtcNow.Add(CallTimeout))).Id;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && attempt < 20)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250));
            }
        }
    }

    private static async Task<int> SubscriberCountAsync(Uri replica, string path = "/subscribe/replicas")
    {
        using var http = Client(replica);
        var status = await http.GetFromJsonAsync<JsonElement>("/admin/status.json").WaitAsync(CallTimeout);
        return status.GetProperty("connections").EnumerateArray().Count(connection => connection.GetProperty("request_path").GetString() == path);
    }

    private static HttpClient Client(Uri address) => new() { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
}
