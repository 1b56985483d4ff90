using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Backplane;

/// <summary>Several real instances (each its own host and sockets) sharing one real redis-server.</summary>
public sealed class RedisBackplaneTests
{
    [Fact]
    public async Task ThreeInstances_ProducersOnEach_EverySubscriberGetsEveryMessageOnceInOneOrder()
    {
        await using var redis = await RedisServer.StartAsync();
        var instances = await StartInstancesAsync(redis, 3);
        try
        {
            var subscribers = new List<SseSubscriber>();
            foreach (var instance in instances)
            {
                subscribers.Add(await instance.SubscribeAsync("/subscribe/pets"));
                subscribers.Add(await instance.SubscribeAsync("/subscribe/pets/dogs"));
            }

            // Three producers, one per instance, publishing concurrently.
            const int PerProducer = 100;
            var producers = instances.Select((instance, p) => Task.Run(async () =>
            {
                using var call = instance.Broadcaster.BroadcastStream();
                for (var i = 0; i < PerProducer; i++)
                {
                    await call.RequestStream.WriteAsync(new SseMessage { Namespace = "/pets/dogs", Data = $"p{p}-{i}" });
                }

                await call.RequestStream.CompleteAsync();
                return await call.ResponseAsync;
            }));
            var summaries = await Task.WhenAll(producers);
            Assert.All(summaries, summary => Assert.Equal((ulong)PerProducer, summary.Accepted));

            var received = await Task.WhenAll(subscribers.Select(s => s.ReadManyAsync(3 * PerProducer)));
            var first = received[0].Select(item => item.Data).ToList();
            Assert.Equal(3 * PerProducer, first.Distinct().Count());
            foreach (var stream in received)
            {
                Assert.Equal(first, stream.Select(item => item.Data)); // same messages, same order, everywhere
                Assert.Equal(received[0].Select(item => item.EventId), stream.Select(item => item.EventId)); // same ids
            }

            // Each producer's own messages stay in its order.
            for (var p = 0; p < 3; p++)
            {
                var mine = first.Where(data => data.StartsWith($"p{p}-", StringComparison.Ordinal)).ToList();
                Assert.Equal(Enumerable.Range(0, PerProducer).Select(i => $"p{p}-{i}"), mine);
            }

            foreach (var subscriber in subscribers)
            {
                await subscriber.DisposeAsync();
            }
        }
        finally
        {
            await DisposeAllAsync(instances);
        }
    }

    [Fact]
    public async Task InstanceStops_ItsSubscribersResumeOnAnotherWithLastId_MissNothing()
    {
        await using var redis = await RedisServer.StartAsync();
        var instances = await StartInstancesAsync(redis, 3);
        try
        {
            var doomed = instances[0];
            var subscriber = await doomed.SubscribeAsync("/subscribe/pets");
            var publisher = instances[2];
            for (var i = 0; i < 10; i++)
            {
                await publisher.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/cats", Data = $"{i}" });
            }

            var before = await subscriber.ReadManyAsync(10);

            // The instance goes away: its stream ends cleanly; the client comes back elsewhere.
            await doomed.DisposeAsync();
            instances.RemoveAt(0);
            await subscriber.AssertEndsAsync();
            var lastId = subscriber.LastEventId;
            await subscriber.DisposeAsync();
            for (var i = 10; i < 30; i++)
            {
                await publisher.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/cats", Data = $"{i}" });
            }

            await using var resumed = await instances[0].SubscribeAsync("/subscribe/pets", lastEventId: lastId);
            Assert.Equal("replayed", resumed.Response.Headers.GetValues("X-SSE-Resume").Single());
            var after = await resumed.ReadManyAsync(20);

            Assert.Equal(Enumerable.Range(0, 30).Select(i => $"{i}"), before.Concat(after).Select(item => item.Data));
        }
        finally
        {
            await DisposeAllAsync(instances);
        }
    }

    [Fact]
    public async Task RedisStopsUnderLoad_PublishesGetUnavailable_NothingAcceptedIsLost_FlowResumes()
    {
        await using var redis = await RedisServer.StartAsync();
        var instances = await StartInstancesAsync(redis, 2);
        try
        {
            var subscribers = new[]
            {
                await instances[0].SubscribeAsync("/subscribe/load"),
                await instances[1].SubscribeAsync("/subscribe/load"),
            };
            var accepted = new ConcurrentQueue<string>();
            var unavailable = 0;
            using var stop = new CancellationTokenSource();
            var outageSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var acceptedAfterOutage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            // A producer on each instance, publishing all along, counting what was accepted.
            var producers = instances.Select((instance, p) => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var data = $"p{p}-{i}";
                    try
                    {
                        await instance.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/load", Data = data });
                        accepted.Enqueue(data);
                        if (outageSeen.Task.IsCompleted)
                        {
                            acceptedAfterOutage.TrySetResult();
                        }
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
                    {
                        Interlocked.Increment(ref unavailable);
                        outageSeen.TrySetResult();
                    }

                    await Task.Yield();
                }
            })).ToArray();

            await WaitForAsync(() => accepted.Count >= 50);
            await redis.StopAsync();
            await outageSeen.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await WaitForAsync(() => Volatile.Read(ref unavailable) >= 20); // a real outage, not one failed call

            // While Redis is down the instances stay up and report degraded; open streams stay open.
            using (var health = await instances[0].Http.GetAsync("/health"))
            {
                Assert.Equal("Degraded", await health.Content.ReadAsStringAsync());
            }

            await redis.StartAgainAsync();
            await acceptedAfterOutage.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await WaitForAsync(() => accepted.Count >= 200);
            await stop.CancelAsync();
            await Task.WhenAll(producers);

            Assert.True(unavailable > 0);
            var expected = accepted.ToHashSet(StringComparer.Ordinal);
            foreach (var subscriber in subscribers)
            {
                // Everything accepted arrives, once, in each producer's order (a refused publish may
                // still have been applied if Redis took it just before failing: it may appear too).
                var seen = new List<string>();
                while (!expected.IsSubsetOf(seen))
                {
                    seen.Add((await subscriber.ReadAsync())!.Value.Data);
                }

                Assert.Equal(seen.Count, seen.Distinct().Count());
                for (var p = 0; p < 2; p++)
                {
                    var mine = seen.Where(d => d.StartsWith($"p{p}-", StringComparison.Ordinal))
                        .Select(d => int.Parse(d.AsSpan(d.IndexOf('-', StringComparison.Ordinal) + 1), CultureInfo.InvariantCulture)).ToList();
                    Assert.Equal(mine.Order(), mine);
                }

                await subscriber.DisposeAsync();
            }

            using var healthy = await instances[0].Http.GetAsync("/health");
            Assert.Equal("Healthy", await healthy.Content.ReadAsStringAsync());
        }
        finally
        {
            await DisposeAllAsync(instances);
        }
    }

    [Fact]
    public async Task RedisUnreachableAtStart_ServiceStartsDegraded_PublishFailsFastWithUnavailable()
    {
        var unusedPort = FreePort.Next();
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = $"127.0.0.1:{unusedPort},connectTimeout=500",
        });

        using var health = await service.Http.GetAsync("/health");
        Assert.Equal("Degraded", await health.Content.ReadAsStringAsync());
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets");

        var refusal = await Assert.ThrowsAsync<RpcException>(() => service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = "x" }).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, refusal.StatusCode);
        Assert.Contains("Redis", refusal.Status.Detail, StringComparison.Ordinal);
        var status = await service.Http.GetFromJsonAsync<JsonElement>("/admin/status.json");
        Assert.Equal(0, status.GetProperty("msgs_broadcast").GetInt64());
    }

    private static async Task<List<TestService>> StartInstancesAsync(RedisServer redis, int count)
    {
        var instances = new List<TestService>();
        for (var i = 0; i < count; i++)
        {
            var instance = await TestService.StartAsync(new Dictionary<string, string?> { ["ConnectionStrings:redis"] = redis.ConnectionString });
            instances.Add(instance);
            await WaitForAsync(async () =>
            {
                using var health = await instance.Http.GetAsync("/health");
                return await health.Content.ReadAsStringAsync() == "Healthy";
            });
        }

        return instances;
    }

    private static async Task DisposeAllAsync(List<TestService> instances)
    {
        foreach (var instance in instances)
        {
            await instance.DisposeAsync();
        }
    }

    private static Task WaitForAsync(Func<bool> condition) => WaitForAsync(() => Task.FromResult(condition()));

    /// <summary>Polls a condition that has no event to wait on (health, counters), with a generous bound.</summary>
    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 60 s");
            await Task.Delay(50);
        }
    }
}
