using System.Net.Sockets;

namespace SseService.Connections;

/// <summary>
/// A connection's socket lent to one stream after its request was answered: the stream sends on it,
/// the connection still owns it (reads, closes, disposes) and still counts in the server's metrics.
/// </summary>
public interface IHandedOverSocket
{
    /// <summary>One non-blocking send: what the kernel took at once (0 when its buffer is full).</summary>
    int Send(ReadOnlySpan<byte> bytes, out SocketError socketError);

    /// <summary>Sends everything, waiting while the kernel's buffer is full.</summary>
    ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes);

    /// <summary>Cancelled when the client closes or resets its side, or the connection is aborted.</summary>
    CancellationToken Closed { get; }

    /// <summary>Ends the stream: FIN after everything sent (<paramref name="cut"/> false), or a reset.</summary>
    void EndStream(bool cut);
}
