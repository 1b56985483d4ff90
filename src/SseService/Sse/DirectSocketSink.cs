using System.Net.Sockets;
using Microsoft.AspNetCore.Http.Features;
using SseService.Connections;
using SseService.Subscribers;

namespace SseService.Sse;

/// <summary>
/// A plain HTTP/1.x stream written straight to its connection's socket (lent by the connection that
/// owns it, <see cref="ISocketHandoverFeature"/>): its own response head (<c>Connection: close</c>, so
/// the body needs no chunked framing), then each batch in one non-blocking send, a single frame
/// straight from its shared bytes. Only when the socket's buffer is full does a send finish
/// asynchronously, while the stream's queue absorbs what comes meanwhile.
/// </summary>
internal sealed class DirectSocketSink : ISubscriberSink
{
    private readonly IHandedOverSocket _socket;
    private byte[]? _head;
    private ISinkEvents _events = null!;
    private CancellationTokenRegistration _closed;

    private DirectSocketSink(IHandedOverSocket socket, byte[] head)
    {
        _socket = socket;
        _head = head;
    }

    /// <summary>
    /// The sink when this request's stream can be written directly: plain HTTP/1.x GET on a connection of
    /// our own transport, with headers that can be sent as they are. Runs the response-start callbacks
    /// first (CORS adds its headers then). Null: the response pipeline carries the stream.
    /// </summary>
    public static async ValueTask<DirectSocketSink?> TryTakeOverAsync(HttpContext context, TimeProvider time)
    {
        var request = context.Request;
        if (request.IsHttps
            || !(HttpMethods.IsGet(request.Method) && (request.Protocol == "HTTP/1.1" || request.Protocol == "HTTP/1.0"))
            || context.Features.Get<ISocketHandoverFeature>() is not { } handover
            || context.Features.Get<IHttpResponseFeature>() is not ResponseStartCallbacks callbacks)
        {
            return null;
        }

        await callbacks.RunAsync();
        if (RawResponseHead.For(context.Response.Headers, time.GetUtcNow()) is not { } head)
        {
            return null;
        }

        // From here the connection discards whatever the server writes for this request, so its own
        // answer when the handler returns never reaches the client; the body ends with the connection.
        context.Response.Headers.Connection = "close";
        return await handover.TakeOverAsync() is { } socket ? new DirectSocketSink(socket, head) : null;
    }

    public void Start(ISinkEvents events)
    {
        _events = events;
        _closed = _socket.Closed.UnsafeRegister(static state => ((ISinkEvents)state!).Failed(), events);
    }

    public SinkSend Send(SendBatch batch)
    {
        ReadOnlySpan<byte> bytes = batch.GatherBytes();
        if (_head is { } head)
        {
            // The head goes with the opening, in one send.
            bytes = (byte[])[.. head, .. bytes];
            _head = null;
        }

        var sent = _socket.Send(bytes, out var error);
        if (error is not (SocketError.Success or SocketError.WouldBlock))
        {
            return SinkSend.Failed;
        }

        if (sent == bytes.Length)
        {
            return SinkSend.Done;
        }

        // The socket's buffer is full: the rest goes when it drains.
        _ = FinishAsync(bytes[sent..].ToArray());
        return SinkSend.Pending;
    }

    private async Task FinishAsync(byte[] rest)
    {
        try
        {
            await _socket.SendAllAsync(rest);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            _events.Failed();
            return;
        }

        _events.Writable();
    }

    public ValueTask CloseAsync(bool cut)
    {
        _closed.Dispose();
        _socket.EndStream(cut);
        return ValueTask.CompletedTask;
    }
}
