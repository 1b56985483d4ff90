using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text;
using Grpc.Net.Client;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Backplane;

/// <summary>
/// Two instances on one Redis; one stops. Its subscribers, clients that honour retry: as EventSource does and
/// go round-robin to the other instance with Last-Event-ID, miss nothing, and the survivor sees their
/// reconnects spread over the drain window instead of all at once.
/// </summary>
public sealed class DrainFailoverTests
{
    private const int Subscribers = 2_000;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    // The bound stated for the survivor: no second gets more than twice the even share of the window.
    private const int MaxReconnectsPerSecond = 2 * Subscribers / 5;

    [Fact]
    public async Task Sigterm_OnOneOfTwoInstances_ItsSubscribersResumeOnTheOtherWithNoGapAndReconnectsArePaced()
    {
        // Arrange
        await using var redis = await RedisServer.StartAsync();
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["Sse__DrainWindow"] = Window.ToString(),
            ["Sse__ShutdownTimeout"] = "00:00:20",
            ["Sse__Limits__MaxConnectionsPerClient"] = "0",
        };
        await using var stopping = await ServiceProcess.StartAsync(environment);
        await using var survivor = await ServiceProcess.StartAsync(environment);
        using var channel = GrpcChannel.ForAddress(survivor.GrpcAddress);
        var broadcaster = new Broadcaster.BroadcasterClient(channel);
        var clock = Stopwatch.StartNew();
        var reconnects = new ConcurrentBag<TimeSpan>();
        // Publishing goes on through the survivor from before the clients connect until they are all back.
        using var stopPublishing = new CancellationTokenSource();
        var published = 0;
        var publisher = Task.Run(async () =>
        {
            while (!stopPublishing.IsCancellationRequested)
            {
                await broadcaster.BroadcastAsync(new SseMessage { Namespace = "/failover", Data = $"{++published}" });
                await Task.Delay(100);
            }
        });
        while (Volatile.Read(ref published) < 2)
        {
            await Task.Delay(10);
        }

        var clients = Enumerable.Range(0, Subscribers).Select(_ => new FailoverClient([stopping.HttpAddress, survivor.HttpAddress], clock, reconnects)).ToArray();
        await Task.WhenAll(clients.Select(client => client.ConnectFirstAsync()));
        using var admin = new HttpClient { BaseAddress = stopping.HttpAddress };
        var connected = DateTime.UtcNow.AddSeconds(90);
        while ((await admin.GetFromJsonAsync<JsonElement>("/admin/status.json")).GetProperty("active_connections").GetInt32() < Subscribers)
        {
            Assert.True(DateTime.UtcNow < connected, "the subscribers never all connected");
            await Task.Delay(100);
        }

        var running = clients.Select(client => client.RunAsync()).ToArray();

        // Act: one instance stops while they read.
        await Task.Delay(500);
        var sigterm = clock.Elapsed;
        stopping.SendSigterm();
        await stopping.WaitForExitAsync(TimeSpan.FromSeconds(40));
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (reconnects.Count < Subscribers)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{reconnects.Count} of {Subscribers} came back");
            await Task.Delay(100);
        }

        await stopPublishing.CancelAsync();
        await publisher;
        await broadcaster.BroadcastAsync(new SseMessage { Namespace = "/failover", Data = "end" });
        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(90));

        // Assert: every client saw every number from its first on, once, in order, up to the last.
        Assert.All(clients, client =>
        {
            Assert.Empty(client.Other);
            Assert.Equal(Enumerable.Range(client.First, published - client.First + 1), client.Seen);
        });
        var perSecond = reconnects.GroupBy(at => (int)(at - sigterm).TotalSeconds).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(perSecond.Values.Max() <= MaxReconnectsPerSecond,
            $"reconnects per second after SIGTERM: {string.Join(", ", perSecond.OrderBy(p => p.Key).Select(p => $"{p.Key}s: {p.Value}"))}");
        Assert.True(perSecond.Keys.Max() >= Window.TotalSeconds - 2, "the reconnects were not spread over the window");
    }

    /// <summary>Reads an event stream as EventSource does; when it ends, waits its retry: and goes to the next instance.</summary>
    private sealed class FailoverClient(Uri[] instances, Stopwatch clock, ConcurrentBag<TimeSpan> reconnects)
    {
        private Socket? _socket;
        private string _lastEventId = "";
        private int _retryMilliseconds = 3000;

        public List<int> Seen { get; } = [];

        /// <summary>Data that is not one of the published numbers (a reset signal would land here).</summary>
        public List<string> Other { get; } = [];

        public int First => Seen.Count > 0 ? Seen[0] : 0;

        public async Task ConnectFirstAsync() => _socket = await OpenAsync(instances[0], lastEventId: null);

        public async Task RunAsync()
        {
            await ReadUntilEndAsync(_socket!);
            await Task.Delay(_retryMilliseconds);
            reconnects.Add(clock.Elapsed);
            using var again = await OpenAsync(instances[1], _lastEventId);
            await ReadUntilEndAsync(again);
        }

        private static async Task<Socket> OpenAsync(Uri instance, string? lastEventId)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(instance.Host, instance.Port);
            var resume = lastEventId is null ? "" : $"Last-Event-ID: {lastEventId}\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(
                $"GET /subscribe/failover HTTP/1.1\r\nHost: {instance.Authority}\r\nAccept: text/event-stream\r\n{resume}\r\n"));
            return socket;
        }

        /// <summary>Reads blocks until the server ends the stream or sends "end"; keeps ids, retry and data.</summary>
        private async Task ReadUntilEndAsync(Socket socket)
        {
            var buffer = new byte[8192];
            var pending = new StringBuilder();
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer);
                if (read == 0)
                {
                    socket.Dispose();
                    return;
                }

                pending.Append(Encoding.UTF8.GetString(buffer, 0, read));
                var text = pending.ToString();
                var end = text.LastIndexOf("\n\n", StringComparison.Ordinal);
                if (end < 0)
                {
                    continue;
                }

                pending.Clear().Append(text, end + 2, text.Length - end - 2);
                foreach (var line in text[..end].Split('\n'))
                {
                    if (line.StartsWith("id: ", StringComparison.Ordinal))
                    {
                        _lastEventId = line[4..];
                    }
                    else if (line.StartsWith("retry: ", StringComparison.Ordinal))
                    {
                        _retryMilliseconds = int.Parse(line[7..], CultureInfo.InvariantCulture);
                    }
                    else if (line == "data: end")
                    {
                        socket.Dispose();
                        return;
                    }
                    else if (line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        if (int.TryParse(line[6..], CultureInfo.InvariantCulture, out var number))
                        {
                            Seen.Add(number);
                        }
                        else
                        {
                            Other.Add(line);
                        }
                    }
                }
            }
        }
    }
}
