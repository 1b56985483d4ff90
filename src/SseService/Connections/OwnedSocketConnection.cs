using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace SseService.Connections;

/// <summary>
/// One accepted connection, owned from accept to close: a receive loop feeds the HTTP layer's input
/// and a send loop drains its output, as Kestrel's own socket transport does. A subscribe request may
/// then borrow the socket (<see cref="ISocketHandoverFeature"/>) to write its stream straight to it;
/// the connection goes on owning the socket, watching for the client's close and closing it at the
/// end, and Kestrel goes on seeing the connection (its metrics and limits count it) until then.
/// </summary>
internal sealed partial class OwnedSocketConnection : ConnectionContext,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature,
    IConnectionEndPointFeature, IMemoryPoolFeature, ISocketHandoverFeature, IHandedOverSocket
{
    // What one receive asks of the pool once data is there (the HTTP layer's request heads are small).
    private const int MinReceiveBytes = 2048;

    // Where bytes go once the socket is lent (a stream reads nothing): one buffer serves every connection.
    private static readonly byte[] s_discard = new byte[256];

    private readonly Socket _socket;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource<IHandedOverSocket?> _handover = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _socketGate = new();
    private readonly FeatureCollection _features = new(8);
    private Task _receiving = Task.CompletedTask;
    private Task _sending = Task.CompletedTask;
    private int _handoverRequested;
    private volatile bool _handedOver;
    private volatile bool _aborted;
    private bool _socketClosed;
    private bool _writeShut;

    public OwnedSocketConnection(Socket socket, ConnectionPipes pipes, string connectionId)
    {
        _socket = socket;
        MemoryPool = pipes.Pool;
        ConnectionId = connectionId;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        ConnectionClosed = _closed.Token;
        _input = new Pipe(pipes.Input);
        _output = new Pipe(pipes.Output);
        Transport = new DuplexPipe(_input.Reader, _output.Writer);

        _features.Set<IConnectionIdFeature>(this);
        _features.Set<IConnectionTransportFeature>(this);
        _features.Set<IConnectionItemsFeature>(this);
        _features.Set<IConnectionLifetimeFeature>(this);
        _features.Set<IConnectionEndPointFeature>(this);
        _features.Set<IMemoryPoolFeature>(this);
        _features.Set<ISocketHandoverFeature>(this);
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items { get; set; } = new ConnectionItems();

    public override IDuplexPipe Transport { get; set; }

    public MemoryPool<byte> MemoryPool { get; }

    CancellationToken IHandedOverSocket.Closed => ConnectionClosed;

    public void Start()
    {
        _receiving = ReceiveAsync();
        _sending = SendAsync();
    }

    public ValueTask<IHandedOverSocket?> TakeOverAsync()
    {
        if (Interlocked.Exchange(ref _handoverRequested, 1) != 0 || _aborted)
        {
            return ValueTask.FromResult<IHandedOverSocket?>(null);
        }

        // Wakes the send loop: it sends what the HTTP layer wrote so far, then lends the socket.
        _output.Reader.CancelPendingRead();
        return new ValueTask<IHandedOverSocket?>(_handover.Task);
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        _aborted = true;
        CloseSocket(cut: false);
        _output.Reader.CancelPendingRead();
    }

    public override async ValueTask DisposeAsync()
    {
        // Only after the server is done with the connection: nothing else will read or write it.
        Transport.Input.Complete();
        Transport.Output.Complete();
        await _sending;
        await _receiving;
        _closed.Dispose();
        await base.DisposeAsync();
    }

    int IHandedOverSocket.Send(ReadOnlySpan<byte> bytes, out SocketError socketError)
    {
        try
        {
            return _socket.Send(bytes, SocketFlags.None, out socketError);
        }
        catch (ObjectDisposedException)
        {
            socketError = SocketError.OperationAborted; // closed under the send: the stream ends
            return 0;
        }
    }

    async ValueTask IHandedOverSocket.SendAllAsync(ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await _socket.SendAsync(bytes, SocketFlags.None);
            bytes = bytes[sent..];
        }
    }

    void IHandedOverSocket.EndStream(bool cut)
    {
        lock (_socketGate)
        {
            if (_socketClosed)
            {
                return;
            }

            if (!cut)
            {
                // The body ends here (Connection: close); the socket is closed when the server lets go.
                ShutdownWrite();
                return;
            }
        }

        CloseSocket(cut: true);
    }

    private async Task ReceiveAsync()
    {
        Exception? error = null;
        var input = _input.Writer;
        try
        {
            while (true)
            {
                // Wait for data before taking a buffer, so a connection that waits holds none.
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                int received;
                SocketError socketError;
                if (_handedOver)
                {
                    received = _socket.Receive(s_discard, SocketFlags.None, out socketError);
                }
                else
                {
                    var memory = input.GetMemory(MinReceiveBytes);
                    received = _socket.Receive(memory.Span, SocketFlags.None, out socketError);
                    if (socketError == SocketError.Success && received > 0)
                    {
                        input.Advance(received);
                        var flush = await input.FlushAsync();
                        if (flush.IsCompleted || flush.IsCanceled)
                        {
                            break;
                        }

                        continue;
                    }
                }

                if (socketError == SocketError.WouldBlock)
                {
                    continue;
                }

                if (socketError != SocketError.Success)
                {
                    error = new ConnectionResetException($"the client reset the connection ({socketError})");
                    break;
                }

                if (received == 0)
                {
                    break; // FIN: the client closed its side
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Reset, or closed under the read: gone either way.
            error = _aborted ? null : new ConnectionResetException(e.Message, e);
        }
        finally
        {
            await input.CompleteAsync(error);
            CancelClosed();
        }
    }

    private async Task SendAsync()
    {
        Exception? error = null;
        var output = _output.Reader;
        try
        {
            while (true)
            {
                var result = await output.ReadAsync();
                var buffer = result.Buffer;
                if (!_handedOver && !_aborted)
                {
                    foreach (var segment in buffer)
                    {
                        await ((IHandedOverSocket)this).SendAllAsync(segment);
                    }
                }

                output.AdvanceTo(buffer.End);
                if (!_handedOver && Volatile.Read(ref _handoverRequested) != 0)
                {
                    // Everything written before the request was taken over is sent: lend the socket.
                    _handedOver = true;
                    _handover.TrySetResult(this);
                }

                if (result.IsCompleted || _aborted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            error = e;
        }
        finally
        {
            _handover.TrySetResult(null);
            await output.CompleteAsync(error);
            CloseSocket(cut: false);

            // Unblocks a receive loop paused on a full input.
            _input.Writer.CancelPendingFlush();
        }
    }

    private void ShutdownWrite()
    {
        if (_writeShut)
        {
            return;
        }

        _writeShut = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // Already reset by the client.
        }
    }

    /// <summary>Closes the socket once: a reset when cut, else FIN after what was sent.</summary>
    private void CloseSocket(bool cut)
    {
        lock (_socketGate)
        {
            if (_socketClosed)
            {
                return;
            }

            _socketClosed = true;
            try
            {
                if (cut)
                {
                    _socket.LingerState = new LingerOption(enable: true, seconds: 0);
                }
                else
                {
                    ShutdownWrite();
                }
            }
            catch (SocketException)
            {
                // Already gone.
            }

            _socket.Dispose();
        }
    }

    private void CancelClosed()
    {
        try
        {
            _closed.Cancel();
        }
        catch (AggregateException)
        {
            // A callback of the server's failed; the connection is ending regardless.
        }
    }

    /// <summary>The pipes' options, shared by every connection of a listener (one object each, not one per connection).</summary>
    internal sealed class ConnectionPipes(MemoryPool<byte> pool)
    {
        public MemoryPool<byte> Pool { get; } = pool;

        // The HTTP layer's read side resumes on the thread pool; our loops write and read inline.
        public PipeOptions Input { get; } = new(pool, PipeScheduler.ThreadPool, PipeScheduler.Inline,
            pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, useSynchronizationContext: false);

        public PipeOptions Output { get; } = new(pool, PipeScheduler.ThreadPool, PipeScheduler.Inline,
            pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024, useSynchronizationContext: false);
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private sealed class ConnectionItems : Dictionary<object, object?>;
}
