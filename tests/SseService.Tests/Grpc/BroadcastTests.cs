using Grpc.Core;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Grpc;

public sealed class BroadcastTests
{
    [Fact]
    public async Task Broadcast_Unary_ReachesSubscriberWithServerAssignedId()
    {
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets");

        var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Event = "new-dog", Data = "Corgi" });

        var item = await subscriber.ReadAsync();
        Assert.NotNull(item);
        Assert.Equal("new-dog", item.Value.EventType);
        Assert.Equal("Corgi", item.Value.Data);
        Assert.Equal(reply.Id, item.Value.EventId);
        Assert.Equal(1u, reply.Subscribers);
        Assert.True(long.Parse(reply.Id, System.Globalization.CultureInfo.InvariantCulture) > 0);
    }
}
