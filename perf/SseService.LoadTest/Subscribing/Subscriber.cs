using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SseService.LoadTest.Storm;

namespace SseService.LoadTest.Subscribing;

/// <summary>
/// One SSE subscriber on a raw socket: connects, reconnects when asked, and is probed at the end if
/// stalled. Its hot path, reading and checking events, is in Subscriber.Reading.cs. Counters are
/// written only by this subscriber's own loop and read by the sampler.
/// </summary>
internal sealed partial class Subscriber(
    SubscriberShared shared, int[] leaves, IPAddress? source, bool stalled, Sse.V1.Broadcaster.BroadcasterClient? grpc = null) : ISseEventSink
{
    private const int ReadBufferBytes = 16 * 1024;
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(2);

    private readonly SubscriberShared _shared = shared;
    private readonly IPAddress? _source = source;
    private readonly ChunkedBodyDecoder _body = new();
    private readonly SseEventReader _events = new();

    private Socket? _socket;
    private volatile bool _isConnected;
    private bool _isChunked;
    private bool _opened;
    private long _now;

    private readonly long[] _lastSequences = new long[leaves.Length];
    private long _received;
    private long _gaps;
    private long _duplicates;
    private long _foreign;
    private long _closedByServer;
    private long _reconnects;

    // The storm (see Subscriber.Storm.cs): written by this subscriber's loop, read by the run when it is over.
    private int _stormPhase;
    private long _stormCutAt;
    private long _stormBackAt;
    private long _stormLastMissedAt;
    private long _stormCaughtUpAt;
    private int _stormCutAgain;
    private int _stormFailedAttempts;
    private long _gapsAtCut;
    private long _duplicatesAtCut;
    private long _foreignAtCut;

    /// <summary>The first of <see cref="Leaves"/>: the stream's request is keyed by it.</summary>
    public int Leaf => Leaves[0];

    /// <summary>The leaves this subscriber's one stream is on, each with its own sequence.</summary>
    public int[] Leaves { get; } = leaves;

    /// <summary>Never reads after the response head: shows whether a slow client hurts the others.</summary>
    public bool IsStalled { get; } = stalled;

    public bool IsConnected => _isConnected;

    /// <summary>Events of this run received (other publishers' events excluded).</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Highest sequence seen on <see cref="Leaves"/>[<paramref name="slot"/>].</summary>
    public long LastSequenceOf(int slot) => Volatile.Read(ref _lastSequences[slot]);

    /// <summary>Sequences skipped: events the server never delivered.</summary>
    public long Gaps => Volatile.Read(ref _gaps);

    /// <summary>Events whose sequence was already seen.</summary>
    public long Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>Events whose data is not this tool's payload.</summary>
    public long Foreign => Volatile.Read(ref _foreign);

    public long ClosedByServer => Volatile.Read(ref _closedByServer);

    public long Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>
    /// Connects (reporting the first attempt through <paramref name="firstAttemptDone"/>), then reads
    /// until the run stops; with reconnect on, a stream the server closes is resumed from its last id.
    /// With a gRPC client it subscribes over gRPC instead (Subscriber.Grpc.cs).
    /// </summary>
    public async Task RunAsync(Action<bool> firstAttemptDone)
    {
        if (grpc is not null)
        {
            await RunGrpcAsync(grpc, firstAttemptDone);
            return;
        }

        var connection = await TryConnectAsync(_shared.FirstRequestFor(Leaf));
        firstAttemptDone(connection is not null);
        if (connection is not null && IsStalled)
        {
            _opened = true; // it has its head and never reads further: open as far as it will ever see
            _shared.NoteOpened();
        }

        if (connection is null || IsStalled)
        {
            return; // a stalled subscriber just holds its socket until ProbeCutAsync
        }

        while (true)
        {
            await ReadUntilClosedAsync(connection);
            _isConnected = false;
            connection.Socket.Dispose();
            if (_shared.IsStopping)
            {
                return;
            }

            if (_shared.Storm is { CutStarted: true } storm && StormPhase == StormPhase.Before)
            {
                // The storm's cut: reconnect once every stream has seen it, as a client would, with
                // Last-Event-ID. Counted in the storm's figures, not as a close or a reconnect.
                NoteStormCut(storm);
                connection = await storm.WaitToReconnectAsync(_shared.Stopping) ? await ReconnectAsync() : null;
                if (connection is null)
                {
                    return;
                }

                continue;
            }

            NoteStreamEnded();
            Interlocked.Increment(ref _closedByServer);
            if (!_shared.Reconnect)
            {
                return;
            }

            connection = await ReconnectAsync();
            if (connection is null)
            {
                return;
            }

            Interlocked.Increment(ref _reconnects);
        }
    }

    /// <summary>Ends the stream from our side (the run is over); the read loop then returns.</summary>
    public void Disconnect()
    {
        _isConnected = false;
        Volatile.Read(ref _socket)?.Dispose();
    }

    /// <summary>
    /// For a stalled subscriber at the end of the run: reads what the server managed to send. A stream
    /// the server cut then ends (EOF or reset); a live one is still open when the time is up.
    /// </summary>
    public async Task<bool> ProbeCutAsync(TimeSpan timeout)
    {
        if (Volatile.Read(ref _socket) is not { } socket)
        {
            return false;
        }

        using var expiry = new CancellationTokenSource(timeout);
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, expiry.Token) > 0)
            {
            }

            _isConnected = false;
            return true;
        }
        catch (SocketException)
        {
            _isConnected = false;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<SseConnection?> TryConnectAsync(byte[] request)
    {
        var gate = _shared.ConnectGate;
        try
        {
            await gate.WaitAsync(_shared.Stopping);
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        try
        {
            var connection = await SseConnector.ConnectAsync(_shared.Endpoint.Server, _source, request, IsStalled, _shared.Stopping);
            NoteHead(Stopwatch.GetTimestamp());
            _body.Reset();
            _events.ResetStream();
            _isChunked = connection.IsChunked;

            // Published before the stop flag is read (a full fence), so StopAsync either sees this
            // socket and closes it, or this sees the stop: a stream can never outlive the run.
            Interlocked.Exchange(ref _socket, connection.Socket);
            if (_shared.IsStopping)
            {
                connection.Socket.Dispose();
                return null;
            }

            _isConnected = true;
            return connection;
        }
        catch (Exception e) when (e is SocketException or InvalidDataException or OperationCanceledException or IOException)
        {
            if (!_shared.IsStopping)
            {
                _shared.Errors.Note("connect: " + Describe(e));
                NoteFailedAttempt();
            }

            return null;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<SseConnection?> ReconnectAsync()
    {
        var delay = TimeSpan.Zero;
        while (!_shared.IsStopping)
        {
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, _shared.Stopping);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }

            // As a browser's EventSource does: resume after the last event id this stream dispatched.
            var connection = await TryConnectAsync(_shared.Endpoint.BuildRequest(_shared.Plan.NamesFrom(Leaf), _events.LastEventId));
            if (connection is not null)
            {
                return connection;
            }

            delay = delay == TimeSpan.Zero ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
        }

        return null;
    }

    private static string Describe(Exception e) => e switch
    {
        SocketException s => s.SocketErrorCode.ToString(),
        OperationCanceledException => "timed out",
        _ => e.Message,
    };
}
