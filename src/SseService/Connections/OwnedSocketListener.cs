using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace SseService.Connections;

/// <summary>Accepts connections on one address and gives each to an <see cref="OwnedSocketConnection"/>.</summary>
internal sealed class OwnedSocketListener : IConnectionListener
{
    // As Kestrel's socket transport: room for a burst of connects while the accept loop catches up.
    private const int Backlog = 512;

    private static long s_lastConnectionId;

    private readonly Socket _listener;
    private readonly OwnedSocketConnection.ConnectionPipes _pipes;
    private readonly int _sendBufferBytes;

    private OwnedSocketListener(Socket listener, MemoryPool<byte> pool, int sendBufferBytes)
    {
        _listener = listener;
        _pipes = new OwnedSocketConnection.ConnectionPipes(pool);
        _sendBufferBytes = sendBufferBytes;
        EndPoint = listener.LocalEndPoint!;
    }

    public EndPoint EndPoint { get; }

    public static OwnedSocketListener Bind(IPEndPoint endpoint, MemoryPool<byte> pool, int sendBufferBytes)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(endpoint);
            socket.Listen(Backlog);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new AddressInUseException(e.Message, e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new OwnedSocketListener(socket, pool, sendBufferBytes);
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(cancellationToken);
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException
                || e is SocketException { SocketErrorCode: SocketError.OperationAborted })
            {
                return null; // unbound
            }
            catch (SocketException)
            {
                continue; // the client went before it was accepted
            }

            try
            {
                socket.NoDelay = true;
                if (_sendBufferBytes > 0)
                {
                    socket.SendBufferSize = _sendBufferBytes;
                }

                // Non-blocking, so a stream's send never waits on one client (async operations still wait).
                socket.Blocking = false;
            }
            catch (SocketException)
            {
                socket.Dispose();
                continue;
            }

            var id = Interlocked.Increment(ref s_lastConnectionId).ToString("x", CultureInfo.InvariantCulture);
            var connection = new OwnedSocketConnection(socket, _pipes, id);
            connection.Start();
            return connection;
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}
