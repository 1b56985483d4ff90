using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace SseService.LoadTest.Subscribing;

/// <summary>Opens one event stream on a raw socket: bind, connect, send the GET, read the response head.</summary>
internal static class SseConnector
{
    // Linux IP_BIND_ADDRESS_NO_PORT: a bound source address takes its port at connect time, per
    // destination, so one address serves a full ephemeral range for every server port it talks to.
    private const int IpBindAddressNoPort = 24;

    private const int StalledReceiveBufferBytes = 4096;
    private const int MaxHeadBytes = 16 * 1024;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    /// <exception cref="SocketException">Connect or I/O failed.</exception>
    /// <exception cref="InvalidDataException">The response is not a 200 event stream.</exception>
    /// <exception cref="OperationCanceledException">No head within the timeout, or the run ended.</exception>
    public static async Task<SseConnection> ConnectAsync(
        IPEndPoint server, IPAddress? source, byte[] request, bool stalled, CancellationToken cancellationToken)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (stalled)
            {
                // Before connect, so the window the server sees is small from the first packet.
                socket.ReceiveBufferSize = StalledReceiveBufferBytes;
            }

            if (source is not null)
            {
                AllowPortSharing(socket);
                socket.Bind(new IPEndPoint(source, 0));
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout);
            await socket.ConnectAsync(server, timeout.Token);
            await SendAllAsync(socket, request, timeout.Token);
            var (head, bodyStart) = await ReadHeadAsync(socket, timeout.Token);
            if (head.StatusCode != 200)
            {
                throw new InvalidDataException($"server answered '{head.StatusLine}'");
            }

            // The read loop drains with non-blocking Receive after each zero-byte wait.
            socket.Blocking = false;
            return new SseConnection(socket, head.IsChunked, bodyStart);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static void AllowPortSharing(Socket socket)
    {
        if (OperatingSystem.IsLinux() && socket.AddressFamily == AddressFamily.InterNetwork)
        {
            socket.SetRawSocketOption((int)SocketOptionLevel.IP, IpBindAddressNoPort, BitConverter.GetBytes(1));
        }
    }

    private static async Task SendAllAsync(Socket socket, byte[] request, CancellationToken cancellationToken)
    {
        var sent = 0;
        while (sent < request.Length)
        {
            sent += await socket.SendAsync(request.AsMemory(sent), SocketFlags.None, cancellationToken);
        }
    }

    private static async Task<(ResponseHead Head, byte[] BodyStart)> ReadHeadAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxHeadBytes);
        try
        {
            var filled = 0;
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(filled, MaxHeadBytes - filled), SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    throw new InvalidDataException("server closed the connection before the response head");
                }

                filled += read;
                var end = ResponseHead.EndOf(buffer.AsSpan(0, filled));
                if (end >= 0)
                {
                    return (ResponseHead.Parse(buffer.AsSpan(0, end)), buffer.AsSpan(end, filled - end).ToArray());
                }

                if (filled == MaxHeadBytes)
                {
                    throw new InvalidDataException("response head is larger than 16 KiB");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
