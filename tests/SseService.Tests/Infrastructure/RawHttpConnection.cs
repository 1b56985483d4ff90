using System.Net.Sockets;
using System.Text;

namespace SseService.Tests.Infrastructure;

/// <summary>
/// A bare TCP connection speaking just enough HTTP/1.1 to open a stream, for what an HTTP client
/// hides: the exact bytes on the wire (comments, keep-alives) and a client that never reads.
/// </summary>
public sealed class RawHttpConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawHttpConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
    }

    /// <param name="receiveBufferBytes">Set small to make a client that stops reading block the server quickly.</param>
    public static async Task<RawHttpConnection> OpenAsync(Uri baseAddress, string path, int? receiveBufferBytes = null, string? extraHeaders = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBufferBytes is { } size)
        {
            socket.ReceiveBufferSize = size;
        }

        await socket.ConnectAsync(baseAddress.Host, baseAddress.Port);
        var connection = new RawHttpConnection(socket);
        var request = $"GET {path} HTTP/1.1\r\nHost: {baseAddress.Authority}\r\nAccept: text/event-stream\r\n{extraHeaders}\r\n";
        await connection._stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        return connection;
    }

    /// <summary>Reads what arrives until <paramref name="done"/> holds for all text so far, or the timeout.</summary>
    public async Task<string> ReadUntilAsync(Func<string, bool> done, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        var text = new StringBuilder();
        var buffer = new byte[16 * 1024];
        while (!done(text.ToString()))
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, cancellation.Token);
            }
            catch (OperationCanceledException e)
            {
                throw new TimeoutException($"nothing more after {timeout}; read so far: \"{text}\"", e);
            }

            if (read == 0)
            {
                break;
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return text.ToString();
    }

    /// <summary>Reads until the server closes or resets the connection: the bytes read, and whether it was a reset.</summary>
    public async Task<(long Bytes, bool Reset)> ReadToEndAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        long total = 0;
        try
        {
            int read;
            while ((read = await _stream.ReadAsync(buffer, cancellation.Token)) > 0)
            {
                total += read;
            }
        }
        catch (IOException e) when (e.InnerException is SocketException)
        {
            // A reset is how an aborted connection ends.
            return (total, true);
        }

        return (total, false);
    }

    /// <summary>Reads until the server ends the response (closes or resets); returns the text read.</summary>
    public async Task<string> ReadToEndTextAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        var text = new StringBuilder();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await _stream.ReadAsync(buffer, cancellation.Token)) > 0)
            {
                text.Append(Encoding.UTF8.GetString(buffer, 0, read));
                if (IsCompleteBody(text.ToString()))
                {
                    break;
                }
            }
        }
        catch (IOException e) when (e.InnerException is SocketException)
        {
            // A reset ends it too.
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"the response did not end within {timeout}; read so far: \"{text}\"", e);
        }

        return text.ToString();
    }

    // A chunked response is complete at its last chunk; a close-delimited one when the server closes.
    private static bool IsCompleteBody(string text) =>
        text.Contains("\r\nTransfer-Encoding: chunked\r\n", StringComparison.OrdinalIgnoreCase) && text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal)
        || text.Contains("\r\nContent-Length: ", StringComparison.OrdinalIgnoreCase) && HasWholeContent(text);

    private static bool HasWholeContent(string text)
    {
        var head = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (head < 0)
        {
            return false;
        }

        var start = text.IndexOf("\r\nContent-Length: ", StringComparison.OrdinalIgnoreCase) + "\r\nContent-Length: ".Length;
        var end = text.IndexOf("\r\n", start, StringComparison.Ordinal);
        return int.TryParse(text.AsSpan(start, end - start), System.Globalization.CultureInfo.InvariantCulture, out var length)
            && Encoding.UTF8.GetByteCount(text.AsSpan(head + 4)) >= length;
    }

    /// <summary>Makes the coming close a reset (RST) instead of a FIN, as a crashed or killed client's.</summary>
    public void Reset() => _socket.LingerState = new LingerOption(enable: true, seconds: 0);

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
