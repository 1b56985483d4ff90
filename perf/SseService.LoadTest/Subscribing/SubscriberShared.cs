using SseService.LoadTest.Measuring;
using SseService.LoadTest.Storm;

namespace SseService.LoadTest.Subscribing;

/// <summary>What every subscriber of a run shares: where to connect, the connect gate, the window and the error log.</summary>
internal sealed class SubscriberShared(
    SseEndpoint endpoint, NamespacePlan plan, MeasurementWindow window, int connectConcurrency, bool reconnect, StormControl? storm = null,
    GrpcSubscribeChannels? grpc = null) : IDisposable
{
    // Built once per namespace: a first connection sends the same bytes as every other on its leaf.
    private readonly byte[][] _firstRequests = [.. Enumerable.Range(0, plan.Count).Select(leaf => endpoint.BuildRequest(plan.NamesFrom(leaf), default))];
    private readonly CancellationTokenSource _stopping = new();
    private int _opened;

    public SseEndpoint Endpoint => endpoint;

    public NamespacePlan Plan => plan;

    public MeasurementWindow Window => window;

    public bool Reconnect => reconnect;

    /// <summary>The storm's cut and reconnect gate; null in a run without a storm.</summary>
    public StormControl? Storm => storm;

    /// <summary>The channels of a --grpc-subscribe run; null when subscribers read SSE.</summary>
    public GrpcSubscribeChannels? Grpc => grpc;

    /// <summary>Bounds connection attempts in flight, so a burst never overflows the server's listen backlog.</summary>
    public SemaphoreSlim ConnectGate { get; } = new(connectConcurrency, connectConcurrency);

    public ConnectionErrors Errors { get; } = new();

    public CancellationToken Stopping => _stopping.Token;

    public bool IsStopping => _stopping.IsCancellationRequested;

    /// <summary>The first request of the stream whose first leaf is <paramref name="leaf"/>.</summary>
    public byte[] FirstRequestFor(int leaf) => _firstRequests[leaf];

    /// <summary>Subscribers whose first stream has shown its opening comment (": ok") after the head.</summary>
    public int Opened => Volatile.Read(ref _opened);

    public void NoteOpened() => Interlocked.Increment(ref _opened);

    public void Stop() => _stopping.Cancel();

    public void Dispose()
    {
        _stopping.Dispose();
        grpc?.Dispose();
        ConnectGate.Dispose();
    }
}
