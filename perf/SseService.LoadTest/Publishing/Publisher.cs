using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Sse.V1;
using SseService.LoadTest.Options;

namespace SseService.LoadTest.Publishing;

/// <summary>
/// Publishes over <c>BroadcastStream</c> calls at a steady total rate, round-robin over the namespaces.
/// Each call owns a fixed set of namespaces, so every namespace's sequence reaches the server in order.
/// A timer ticks (every millisecond at high rates) and each tick sends the messages due by then, so
/// the rate holds (100,000 msgs/s is 100 per tick) without sleeping per message.
/// </summary>
internal sealed class Publisher : IDisposable
{
    // A tick per message at low rates, never more often than every millisecond at high ones.
    private static readonly TimeSpan FastestTick = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan SlowestTick = TimeSpan.FromMilliseconds(10);

    // Unpaced, the stream is written this many messages at a time between checks for the stop.
    private const int UnpacedBatch = 256;

    private readonly GrpcChannel _channel;
    private readonly Broadcaster.BroadcasterClient _client;
    private readonly LoadOptions _options;
    private readonly NamespacePlan _plan;
    private readonly long[] _sequences;
    private readonly PublisherStream[] _streams;

    public Publisher(LoadOptions options, NamespacePlan plan)
    {
        _options = options;
        _plan = plan;
        _channel = GrpcChannel.ForAddress(options.GrpcUrl, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
            MaxSendMessageSize = null,
        });
        _client = new Broadcaster.BroadcasterClient(_channel);
        _sequences = new long[plan.Count];
        _streams = new PublisherStream[options.Publishers];
        for (var p = 0; p < _streams.Length; p++)
        {
            var owned = Enumerable.Range(0, plan.Count).Where(leaf => leaf % options.Publishers == p).ToArray();
            _streams[p] = new PublisherStream(owned, options.Rate * owned.Length / plan.Count);
        }
    }

    /// <summary>Messages written to the streams so far.</summary>
    public long Sent
    {
        get
        {
            var sent = 0L;
            foreach (var stream in _streams)
            {
                sent += stream.Sent;
            }

            return sent;
        }
    }

    /// <summary>The last sequence sent on each namespace (final once <see cref="RunAsync"/> completed).</summary>
    public IReadOnlyList<long> LastSequences => _sequences;

    /// <summary>Publishes until <paramref name="stop"/>, then half-closes every stream and returns the server's count of accepted messages.</summary>
    /// <exception cref="RpcException">A stream failed; the server's status says why.</exception>
    public async Task<ulong> RunAsync(CancellationToken stop)
    {
        var accepted = await Task.WhenAll(_streams.Select(stream => Task.Run(() => RunStreamAsync(stream, stop), CancellationToken.None)));
        return accepted.Aggregate(0UL, (total, count) => total + count);
    }

    public void Dispose() => _channel.Dispose();

    private async Task<ulong> RunStreamAsync(PublisherStream stream, CancellationToken stop)
    {
        // No cancellation token on the call or its writes: the run ends it by half-closing, and a token
        // per write would allocate a registration per message.
        using var call = _client.BroadcastStream(cancellationToken: CancellationToken.None);
        var writer = call.RequestStream;
        using var timer = stream.Rate > 0 ? new PeriodicTimer(TickFor(stream.Rate)) : null;
        var started = Stopwatch.GetTimestamp();
        var next = 0;
        while (!stop.IsCancellationRequested)
        {
            long due = UnpacedBatch;
            if (timer is not null)
            {
                await timer.WaitForNextTickAsync(CancellationToken.None);
                due = (long)(stream.Rate * Stopwatch.GetElapsedTime(started).TotalSeconds) - stream.Sent;
            }

            for (; due > 0 && !stop.IsCancellationRequested; due--)
            {
                var leaf = stream.Owned[next];
                next = next + 1 == stream.Owned.Length ? 0 : next + 1;
                var sequence = _sequences[leaf] + 1;
                await writer.WriteAsync(new SseMessage
                {
                    Namespace = _plan.Names[leaf],
                    Data = Payload.Create(sequence, Stopwatch.GetTimestamp(), leaf, _options.PayloadBytes),
                }, CancellationToken.None);
                Volatile.Write(ref _sequences[leaf], sequence);
                stream.CountSent();
            }
        }

        await writer.CompleteAsync();
        var summary = await call.ResponseAsync;
        return summary.Accepted;
    }

    private static TimeSpan TickFor(double rate) =>
        TimeSpan.FromTicks(Math.Clamp((long)(TimeSpan.TicksPerSecond / rate), FastestTick.Ticks, SlowestTick.Ticks));

    /// <summary>One BroadcastStream's share: its namespaces, its rate, what it has sent.</summary>
    private sealed class PublisherStream(int[] owned, double rate)
    {
        private long _sent;

        public int[] Owned => owned;

        public double Rate => rate;

        public long Sent => Volatile.Read(ref _sent);

        public void CountSent() => Volatile.Write(ref _sent, _sent + 1);
    }
}
