using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Hub;

/// <summary>
/// Namespace routing over real sockets: a subscriber gets its namespace and everything below it, by
/// whole segments. Non-delivery is proven without sleeping: after the messages it must not get, a
/// marker it does match is published, and the marker must be the next event it reads (events are
/// delivered in publication order).
/// </summary>
public sealed class RoutingTests
{
    [Fact]
    public async Task Subscribe_ParentNamespace_ReceivesItselfAndEveryChild()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets");

        // Act
        await PublishAsync(service, "/pets/dogs", "dogs");
        await PublishAsync(service, "/pets/cats", "cats");
        await PublishAsync(service, "/pets", "pets");

        // Assert
        var items = await subscriber.ReadManyAsync(3);
        Assert.Equal(["dogs", "cats", "pets"], items.Select(i => i.Data));
    }

    [Fact]
    public async Task Subscribe_NamespaceThatIsATextPrefixOfAnother_DoesNotReceiveIt()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/pet");

        // Act
        var toPets = await PublishAsync(service, "/pets", "pets");
        var toDogs = await PublishAsync(service, "/pets/dogs", "dogs");
        await PublishAsync(service, "/pet", "marker");

        // Assert
        Assert.Equal(0u, toPets.Subscribers);
        Assert.Equal(0u, toDogs.Subscribers);
        await AssertNextIsAsync(subscriber, "marker");
    }

    [Fact]
    public async Task Subscribe_ChildNamespace_DoesNotReceiveParentOrSibling()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets/dogs");

        // Act
        await PublishAsync(service, "/pets", "pets");
        await PublishAsync(service, "/pets/cats", "cats");
        await PublishAsync(service, "/pets/dogs", "marker");

        // Assert
        await AssertNextIsAsync(subscriber, "marker");
    }

    [Fact]
    public async Task Subscribe_TopOfDeepHierarchy_ReceivesDeepDescendant()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/a");

        // Act
        var reply = await PublishAsync(service, "/a/b/c", "deep");

        // Assert
        Assert.Equal(1u, reply.Subscribers);
        await AssertNextIsAsync(subscriber, "deep");
    }

    [Theory]
    [InlineData("/subscribe/")]
    [InlineData("/subscribe")]
    public async Task Subscribe_Root_ReceivesEveryNamespace(string path)
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync(path);

        // Act
        await PublishAsync(service, "/", "root");
        await PublishAsync(service, "/pets", "pets");
        await PublishAsync(service, "/pets/dogs", "dogs");
        await PublishAsync(service, "/a/b/c", "deep");
        await PublishAsync(service, "/other", "other");

        // Assert
        var items = await subscriber.ReadManyAsync(5);
        Assert.Equal(["root", "pets", "dogs", "deep", "other"], items.Select(i => i.Data));
    }

    [Fact]
    public async Task Subscribe_PathWithTrailingSlash_ReceivesAsTheNamespaceWithout()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets/");

        // Act
        var reply = await PublishAsync(service, "/pets/dogs", "dogs");

        // Assert
        Assert.Equal(1u, reply.Subscribers);
        await AssertNextIsAsync(subscriber, "dogs");
    }

    [Fact]
    public async Task Subscribe_NamespaceDifferingOnlyInCase_DoesNotReceiveIt()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/Pets");

        // Act
        var reply = await PublishAsync(service, "/pets", "pets");
        await PublishAsync(service, "/Pets", "marker");

        // Assert
        Assert.Equal(0u, reply.Subscribers);
        await AssertNextIsAsync(subscriber, "marker");
    }

    [Fact]
    public async Task Subscribe_SeveralOnSameNamespace_EachReceivesEachMessageOnce()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var first = await service.SubscribeAsync("/subscribe/news");
        await using var second = await service.SubscribeAsync("/subscribe/news");
        await using var third = await service.SubscribeAsync("/subscribe/news");
        SseSubscriber[] subscribers = [first, second, third];

        // Act
        var replies = new List<BroadcastReply>();
        foreach (var data in new[] { "one", "two", "three" })
        {
            replies.Add(await PublishAsync(service, "/news", data));
        }

        await PublishAsync(service, "/news", "marker");

        // Assert
        Assert.All(replies, reply => Assert.Equal(3u, reply.Subscribers));
        foreach (var subscriber in subscribers)
        {
            var items = await subscriber.ReadManyAsync(3);
            Assert.Equal(["one", "two", "three"], items.Select(i => i.Data));
            Assert.Equal(replies.Select(r => r.Id), items.Select(i => i.EventId));
            await AssertNextIsAsync(subscriber, "marker");
        }
    }

    [Fact]
    public async Task Broadcast_SubscribersAroundNamespace_ReplyCountsOnlyMatchingSubscriptions()
    {
        // Arrange: "/", "/pets" and "/pets/dogs" match "/pets/dogs"; "/pet" (a text prefix),
        // "/pets/cats" (a sibling) and "/pets/dogs/puppies" (a child) do not.
        await using var service = await TestService.StartAsync();
        await using var root = await service.SubscribeAsync("/subscribe/");
        await using var pets = await service.SubscribeAsync("/subscribe/pets");
        await using var dogs = await service.SubscribeAsync("/subscribe/pets/dogs");
        await using var pet = await service.SubscribeAsync("/subscribe/pet");
        await using var cats = await service.SubscribeAsync("/subscribe/pets/cats");
        await using var puppies = await service.SubscribeAsync("/subscribe/pets/dogs/puppies");

        // Act
        var reply = await PublishAsync(service, "/pets/dogs", "dogs");

        // Assert
        Assert.Equal(3u, reply.Subscribers);
        await AssertNextIsAsync(root, "dogs");
        await AssertNextIsAsync(pets, "dogs");
        await AssertNextIsAsync(dogs, "dogs");
    }

    private static async Task<BroadcastReply> PublishAsync(TestService service, string ns, string data) =>
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = ns, Data = data });

    private static async Task AssertNextIsAsync(SseSubscriber subscriber, string data)
    {
        var item = await subscriber.ReadAsync();
        Assert.NotNull(item);
        Assert.Equal(data, item.Value.Data);
    }
}
