using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Connections;

/// <summary>
/// Many short streams opened and closed (cleanly and by reset) on the direct path while events flow:
/// descriptors and connections are reused all the time, so a stream whose socket had two owners, or
/// whose events outlived it, would show up as bytes on a connection that is not its own.
/// </summary>
public sealed partial class SocketChurnTests
{
    private const int SteadySubscribers = 8;
    private const int ChurnConnections = 10_000;
    private const int ChurnInParallel = 48;

    [Fact]
    public async Task Churn_TenThousandConnectsAndCloses_SteadySubscribersLoseNothingAndNoStreamGetsAnothersEvents()
    {
        // Arrange: steady subscribers, each on its own namespace, and a publisher feeding them and the churn.
        await using var service = await TestService.StartAsync();
        var steady = new SseSubscriber[SteadySubscribers];
        for (var k = 0; k < SteadySubscribers; k++)
        {
            steady[k] = await service.SubscribeAsync($"/subscribe/steady/{k}");
        }

        using var stopPublishing = new CancellationTokenSource();
        var published = new long[SteadySubscribers];
        var publisher = Task.Run(async () =>
        {
            var round = 0L;
            while (!stopPublishing.IsCancellationRequested)
            {
                round++;
                var k = (int)(round % SteadySubscribers);
                await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = $"/steady/{k}", Data = $"steady {k}:{++published[k]}" });
                await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/churn", Data = $"churn {round}" });
            }
        });

        // Act: connections open, read their opening (half also wait for a live event), and close.
        var next = -1;
        var foreign = new List<string>();
        var churn = Enumerable.Range(0, ChurnInParallel).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < ChurnConnections)
            {
                var text = await ChurnOnceAsync(service.HttpAddress, i);
                foreach (Match data in DataLine().Matches(text))
                {
                    if (!data.Groups[1].Value.StartsWith("churn ", StringComparison.Ordinal))
                    {
                        lock (foreign)
                        {
                            foreign.Add($"connection {i} got '{data.Groups[1].Value}'");
                        }
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(churn);
        await stopPublishing.CancelAsync();
        await publisher;
        for (var k = 0; k < SteadySubscribers; k++)
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = $"/steady/{k}", Data = $"steady {k}:end" });
        }

        // Assert: every steady subscriber got its own events, all of them, in order, and nothing else.
        Assert.Empty(foreign);
        for (var k = 0; k < SteadySubscribers; k++)
        {
            var expected = 1L;
            while (await steady[k].ReadAsync() is { } item)
            {
                Assert.StartsWith($"steady {k}:", item.Data, StringComparison.Ordinal);
                var tail = item.Data[$"steady {k}:".Length..];
                if (tail == "end")
                {
                    break;
                }

                Assert.Equal(expected++, long.Parse(tail, CultureInfo.InvariantCulture));
            }

            Assert.Equal(published[k] + 1, expected);
            await steady[k].DisposeAsync();
        }

        // Every churned stream has left the hub.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (service.Hub.SubscriberCount != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{service.Hub.SubscriberCount} stream(s) never left the hub");
            await Task.Delay(50);
        }
    }

    private static async Task<string> ChurnOnceAsync(Uri address, int i)
    {
        var connection = await RawHttpConnection.OpenAsync(address, i % 4 == 0 ? $"/subscribe/churn?n={i}" : "/subscribe/churn");
        try
        {
            var waitForEvent = i % 2 == 0;
            return await connection.ReadUntilAsync(
                text => text.Contains(": ok\n\n", StringComparison.Ordinal) && (!waitForEvent || text.Contains("data: churn ", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (i % 3 == 0)
            {
                connection.Reset();
            }

            await connection.DisposeAsync();
        }
    }

    [GeneratedRegex(@"^data: (.*)$", RegexOptions.Multiline)]
    private static partial Regex DataLine();
}
