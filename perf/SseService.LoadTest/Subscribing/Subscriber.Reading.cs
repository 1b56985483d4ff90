using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using SseService.LoadTest.Storm;

namespace SseService.LoadTest.Subscribing;

/// <summary>
/// The hot path: wait for data with a zero-byte receive (holding no buffer while idle), drain the
/// socket into a pooled buffer, decode chunks and events in place, and check each event's sequence
/// and latency. Nothing is allocated per event or per read.
/// </summary>
internal sealed partial class Subscriber
{
    private async Task ReadUntilClosedAsync(SseConnection connection)
    {
        var socket = connection.Socket;
        try
        {
            _now = Stopwatch.GetTimestamp();
            if (!Process(connection.BodyStart))
            {
                return;
            }

            while (true)
            {
                await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                if (!DrainAvailable(socket))
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidDataException)
        {
            // The storm's own cut (a reset from the server side, or this tool closing the socket) is no error.
            if (!_shared.IsStopping && e is not ObjectDisposedException && !IsStormCut)
            {
                _shared.Errors.Note("stream: " + Describe(e));
            }
        }
    }

    /// <summary>Reads everything the socket has now; false when the stream ended.</summary>
    private bool DrainAvailable(Socket socket)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
        try
        {
            while (true)
            {
                var read = socket.Receive(buffer, SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock)
                {
                    return true;
                }

                if (error != SocketError.Success)
                {
                    throw new SocketException((int)error);
                }

                if (read == 0)
                {
                    return false; // the server closed the connection
                }

                // One clock read per receive: every event in it arrived at the same moment.
                _now = Stopwatch.GetTimestamp();
                if (!Process(buffer.AsSpan(0, read)))
                {
                    return false;
                }

                if (read < buffer.Length)
                {
                    return true; // most likely drained; the next zero-byte wait tells
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool Process(ReadOnlySpan<byte> bytes)
    {
        if (_isChunked)
        {
            return _body.Decode(bytes, _events, this);
        }

        _events.Feed(bytes, this); // no framing: the body runs until the server closes
        return true;
    }

    void ISseEventSink.OnComment() => NoteOpened();

    /// <summary>The stream's first comment (": ok") or, from a server that sends none, its first event.</summary>
    private void NoteOpened()
    {
        if (!_opened)
        {
            _opened = true;
            _shared.NoteOpened();
        }
    }

    void ISseEventSink.OnEvent(ReadOnlySpan<byte> dataStart)
    {
        NoteOpened();
        OnPayload(dataStart);
    }

    /// <summary>Checks one event's data against its leaf's sequence and records its latency; SSE and gRPC alike.</summary>
    private void OnPayload(ReadOnlySpan<byte> dataStart)
    {
        if (!Payload.TryParse(dataStart, out var sequence, out var sentAt, out var leaf) || SlotOf(leaf) is not (>= 0 and var slot))
        {
            _foreign++;
            return;
        }

        // Plain stores: this loop is the only writer; Volatile reads on the other side are enough.
        _received++;
        var last = _lastSequences[slot];
        if (sequence > last)
        {
            _gaps += sequence - last - 1;
            _lastSequences[slot] = sequence;
        }
        else
        {
            _duplicates++;
        }

        if (_stormPhase == (int)StormPhase.Back)
        {
            NoteStormEvent(sentAt);
        }

        if (_shared.Window.IsOpen)
        {
            _shared.Window.Latency.Record(_now - sentAt);
        }
    }

    /// <summary>
    /// Where <paramref name="leaf"/> is in <see cref="Leaves"/> (a few entries: a linear look beats a
    /// map); -1 for a leaf not ours. A payload without a leaf (another publisher's) counts on a single-leaf stream.
    /// </summary>
    private int SlotOf(int leaf)
    {
        var leaves = Leaves;
        if (leaf < 0)
        {
            return leaves.Length == 1 ? 0 : -1;
        }

        for (var slot = 0; slot < leaves.Length; slot++)
        {
            if (leaves[slot] == leaf)
            {
                return slot;
            }
        }

        return -1;
    }
}
