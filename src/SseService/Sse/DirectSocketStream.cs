using System.Buffers;
using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using SseService.Hub;

namespace SseService.Sse;

/// <summary>
/// An event stream written straight to its socket, outside the web server's response pipeline: the
/// head, the opening and any replay are sent first, then a <see cref="DirectSendWorker"/> sends
/// queued frames with one non-blocking send per batch, the shared bytes as they are. Only when the
/// socket's buffer is full does a send finish asynchronously, and the queue absorbs what comes
/// meanwhile (a client that stays behind is cut by the hub as before).
/// </summary>
internal sealed class DirectSocketStream : IFrameQueueListener
{
    private const int Idle = 0;      // nothing announced: the next queued frame schedules a pass
    private const int Scheduled = 1; // waiting for its worker's next pass
    private const int Sending = 2;   // a pass, or the finish of a send that would have blocked, owns the socket
    private const int Ended = 3;

    // A local shutdown ends the close watch's read at once; this only bounds a surprise.
    private static readonly TimeSpan CloseWatchEndsWithin = TimeSpan.FromSeconds(1);

    // Where bytes a client sends after its request go: nobody reads them, so one buffer serves all.
    private static readonly byte[] s_discard = new byte[256];

    // Latency is sampled (once a second per stream) so recording it never contends on the hot path.
    private const double LatencySampleSeconds = 1;

    private readonly Socket _socket;
    private readonly Subscription _subscription;
    private readonly DirectSendWorker _worker;
    private readonly Histogram<double>? _latency;
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state;
    private bool _sendFailed;
    private bool _clientGone;
    private long _nextLatencySample;

    private DirectSocketStream(Socket socket, Subscription subscription, DirectSendWorker worker, Histogram<double>? latency, TimeProvider time)
    {
        _socket = socket;
        _subscription = subscription;
        _worker = worker;
        _latency = latency;
        _time = time;
    }

    /// <summary>
    /// The socket and response head when this request's stream can be written directly: plain
    /// HTTP/1.x over a socket (not TLS, not HTTP/2), with headers that can be sent as they are. The
    /// callbacks due when the response starts have run by then.
    /// </summary>
    public static bool TryTakeOver(HttpContext context, TimeProvider time, out Socket socket, out byte[] head)
    {
        socket = null!;
        head = [];
        var request = context.Request;
        if (!SocketDetach.IsSupported
            || request.IsHttps
            || !(HttpMethods.IsGet(request.Method) && (request.Protocol == "HTTP/1.1" || request.Protocol == "HTTP/1.0"))
            || context.Features.Get<IConnectionSocketFeature>()?.Socket is not { SocketType: SocketType.Stream } found
            || context.Features.Get<IHttpResponseFeature>() is not ResponseStartCallbacks callbacks
            || !callbacks.TryRunSynchronously()
            || RawResponseHead.For(context.Response.Headers, time.GetUtcNow()) is not { } bytes)
        {
            return false;
        }

        socket = found;
        head = bytes;
        return true;
    }

    /// <summary>
    /// Takes the connection away from the server (<see cref="SocketDetach"/>) and runs the stream on
    /// its own until the client goes, the server stops, the hub closes the subscription or a send
    /// fails; then the connection is closed (the body ends with it: <c>Connection: close</c>) and
    /// <paramref name="ended"/> is called. The returned task is the request's part only: it completes
    /// at once, so the server releases the request while the stream goes on.
    /// </summary>
    public static Task RunAsync(
        HttpContext context, Socket serverSocket, byte[] head, SseHub hub, Subscription subscription, DirectSendWorker worker,
        int retryMilliseconds, Histogram<double>? latency, TimeProvider time, Action ended, CancellationToken stopping)
    {
        Socket own;
        try
        {
            own = SocketDetach.Detach(serverSocket);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The client went while we took over.
            hub.Unsubscribe(subscription);
            context.Abort();
            ended();
            return Task.CompletedTask;
        }

        // The server's socket is now a placeholder: aborting ends the request and the server's
        // connection at once, and frees what they held, without touching the client's connection.
        context.Abort();
        var stream = new DirectSocketStream(own, subscription, worker, latency, time);
        _ = stream.RunDetachedAsync(head, hub, retryMilliseconds, ended, stopping);
        return Task.CompletedTask;
    }

    private async Task RunDetachedAsync(byte[] head, SseHub hub, int retryMilliseconds, Action ended, CancellationToken stopping)
    {
        // Two registrations, a completion source and the close watch are all a waiting stream holds.
        var serverStopping = stopping.UnsafeRegister(static state => ((DirectSocketStream)state!).End(), this);
        var closedByHub = _subscription.Closed.UnsafeRegister(static state => ((DirectSocketStream)state!).End(), this);
        Task watch = Task.CompletedTask;
        try
        {
            // Non-blocking: a pass never waits on one client, and the close watch reads without waiting.
            _socket.Blocking = false;
            watch = WatchForClientCloseAsync();
            var opening = StreamOpening.For(_subscription.OpeningId, retryMilliseconds);
            await SendBeforeLiveAsync((byte[])[.. head, .. opening]);
            _subscription.RecordWritten(0, opening.Length);
            await SendReplayAsync();
            _subscription.Listen(this);
            await _ended.Task;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            _sendFailed |= e is not OperationCanceledException;
        }
        finally
        {
            Volatile.Write(ref _state, Ended);
            serverStopping.Dispose();
            closedByHub.Dispose();
        }

        // Gone from the hub before the client can see the end, so a reconnect never finds it still counted.
        hub.Unsubscribe(_subscription);
        if (_subscription.CloseReason == CloseReason.SlowConsumer || _sendFailed || _clientGone)
        {
            // Cut: a reset, nothing more is owed to a client that is not reading or not there.
            Cut();
        }
        else
        {
            await CloseCleanlyAsync(watch);
        }

        ended();
    }

    /// <summary>
    /// Sends FIN after everything queued (the body ends there), which also ends the close watch's
    /// pending read, then releases the socket once nothing is pending on it (no reset).
    /// </summary>
    private async Task CloseCleanlyAsync(Task watch)
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
            await watch.WaitAsync(CloseWatchEndsWithin);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or TimeoutException)
        {
            // Already gone, or the watch did not end in time: dispose anyway.
        }

        _socket.Dispose();
    }

    private void Cut()
    {
        try
        {
            _socket.LingerState = new LingerOption(enable: true, seconds: 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }

        _socket.Dispose();
    }

    /// <summary>
    /// Waits for the client to close (or reset) its side: the server no longer reads this connection,
    /// so this is how the stream learns that its client went. Bytes a client sends are discarded.
    /// </summary>
    private async Task WatchForClientCloseAsync()
    {
        try
        {
            while (true)
            {
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                var read = _socket.Receive(s_discard, SocketFlags.None, out var error);
                if (error != SocketError.WouldBlock && (read == 0 || error != SocketError.Success))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Reset, or closed under the read: gone either way.
        }

        _clientGone = Volatile.Read(ref _state) != Ended;
        End();
    }

    /// <summary>
    /// The head, opening and replay: sent at once when the socket's buffer takes them (nearly always,
    /// it is empty), else asynchronously until the stream ends.
    /// </summary>
    private ValueTask SendBeforeLiveAsync(ReadOnlyMemory<byte> bytes)
    {
        var sent = _socket.Send(bytes.Span, SocketFlags.None, out var error);
        if (error is not (SocketError.Success or SocketError.WouldBlock))
        {
            throw new SocketException((int)error);
        }

        return sent == bytes.Length ? ValueTask.CompletedTask : SendRestBeforeLiveAsync(bytes[sent..]);
    }

    private async ValueTask SendRestBeforeLiveAsync(ReadOnlyMemory<byte> rest)
    {
        // A client that never reads would hold this forever: stop waiting when the stream ends (the
        // send then fails as the connection is closed).
        var sending = SendAllAsync(_socket, rest);
        if (await Task.WhenAny(sending, _ended.Task) != sending)
        {
            throw new OperationCanceledException("the stream ended before its opening was sent");
        }

        await sending;
    }

    /// <summary>What the subscriber missed (resume), before any live frame, in sends of up to 64 KiB.</summary>
    private async ValueTask SendReplayAsync()
    {
        var replay = _subscription.Replay;
        if (replay.Count == 0)
        {
            return;
        }

        var batch = ArrayPool<byte>.Shared.Rent(DirectSendWorker.GatherBytes);
        try
        {
            var index = 0;
            while (index < replay.Count)
            {
                var length = 0;
                var events = 0;
                for (; index < replay.Count && length + replay[index].Bytes.Length <= batch.Length; index++, events++)
                {
                    replay[index].Bytes.CopyTo(batch, length);
                    length += replay[index].Bytes.Length;
                }

                if (events == 0)
                {
                    // A frame larger than the batch goes alone.
                    await SendBeforeLiveAsync(replay[index].Bytes);
                    length = replay[index++].Bytes.Length;
                    events = 1;
                }
                else
                {
                    await SendBeforeLiveAsync(batch.AsMemory(0, length));
                }

                _subscription.RecordWritten(events, length);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(batch);
        }
    }

    /// <summary>Schedules a pass unless one is already due or under way (which will see the new frame).</summary>
    public void FramesQueued()
    {
        if (Interlocked.CompareExchange(ref _state, Scheduled, Idle) == Idle)
        {
            _worker.Schedule(this);
        }
    }

    /// <summary>
    /// Called by the worker's pass: one non-blocking send of every frame waiting (up to
    /// <paramref name="gather"/>'s size), a single frame straight from its shared bytes.
    /// </summary>
    internal void SendPending(byte[] gather)
    {
        if (Interlocked.CompareExchange(ref _state, Sending, Scheduled) != Scheduled)
        {
            return; // ended
        }

        var reader = _subscription.Reader;
        if (!reader.TryRead(out var first))
        {
            Release();
            return;
        }

        var events = 0;
        var oldestPublished = 0L;
        Count(first, ref events, ref oldestPublished);
        ReadOnlySpan<byte> bytes = first.Bytes;
        if (reader.TryPeek(out var next) && first.Bytes.Length + next.Bytes.Length <= gather.Length)
        {
            first.Bytes.CopyTo(gather, 0);
            var length = first.Bytes.Length;
            while (reader.TryPeek(out next) && length + next.Bytes.Length <= gather.Length && reader.TryRead(out next))
            {
                next.Bytes.CopyTo(gather, length);
                length += next.Bytes.Length;
                Count(next, ref events, ref oldestPublished);
            }

            bytes = gather.AsSpan(0, length);
        }

        _subscription.RecordDequeued(events);
        int sent;
        try
        {
            sent = _socket.Send(bytes, SocketFlags.None, out var error);
            if (error is not (SocketError.Success or SocketError.WouldBlock))
            {
                Fail();
                return;
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // The connection is gone (closed under the pass): this stream ends, the pass goes on.
            Fail();
            return;
        }

        // Counted once handed to the kernel, so the admin page never lags what clients read.
        _subscription.RecordWritten(events, bytes.Length);
        SampleLatency(events, oldestPublished);
        if (sent == bytes.Length)
        {
            Release();
            return;
        }

        // The socket's buffer is full: the rest goes when it drains, meanwhile frames wait in the queue.
        _ = FinishAsync(bytes[sent..].ToArray());
    }

    private async Task FinishAsync(byte[] rest)
    {
        try
        {
            await SendAllAsync(_socket, rest);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Fail();
            return;
        }

        Release();
    }

    /// <summary>Gives the socket back; if frames came while it was busy, schedules the next pass.</summary>
    private void Release()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Sending) == Sending && _subscription.Reader.TryPeek(out _))
        {
            FramesQueued();
        }
    }

    private void Fail()
    {
        _sendFailed = true;
        End();
    }

    /// <summary>The client went, the server is stopping, the hub closed it or a send failed.</summary>
    private void End()
    {
        Volatile.Write(ref _state, Ended);
        _ended.TrySetResult();
    }

    private void SampleLatency(int events, long oldestPublished)
    {
        if (_latency is null || events == 0)
        {
            return;
        }

        var now = _time.GetTimestamp();
        if (now >= _nextLatencySample)
        {
            _latency.Record(_time.GetElapsedTime(oldestPublished, now).TotalSeconds);
            _nextLatencySample = now + (long)(LatencySampleSeconds * _time.TimestampFrequency);
        }
    }

    private static void Count(SseFrame frame, ref int events, ref long oldestPublished)
    {
        if (frame.IsEvent)
        {
            oldestPublished = events == 0 ? frame.PublishedTimestamp : oldestPublished;
            events++;
        }
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await socket.SendAsync(bytes, SocketFlags.None);
            bytes = bytes[sent..];
        }
    }
}
