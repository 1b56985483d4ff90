using Grpc.Core;
using Sse.V1;
using SseService.Hub;
using SseService.Subscribers;

namespace SseService.Grpc;

/// <summary>
/// A subscriber stream carried by a gRPC <c>Subscribe</c> call: each event frame becomes an
/// <see cref="SseEvent"/> (made once per frame and shared by every gRPC stream, see
/// <see cref="SseFrame.TransportForm"/>); comments and keep-alives are not sent (HTTP/2 pings keep an idle
/// call alive). A batch goes out as buffered writes and one flush; while a write is in flight the sink is
/// <see cref="SinkSend.Pending"/>, since a gRPC writer takes one write at a time.
/// </summary>
internal sealed class GrpcStreamSink : ISubscriberSink
{
    private static readonly WriteOptions s_buffered = new(WriteFlags.BufferHint);

    private readonly IServerStreamWriter<SseEvent> _writer;
    private readonly ServerCallContext _context;
    private readonly List<SseEvent> _rest = [];
    private ISinkEvents _events = null!;
    private CancellationTokenRegistration _cancelled;

    public GrpcStreamSink(IServerStreamWriter<SseEvent> writer, ServerCallContext context)
    {
        _writer = writer;
        _context = context;
    }

    public void Start(ISinkEvents events)
    {
        _events = events;
        _cancelled = _context.CancellationToken.UnsafeRegister(static state => ((ISinkEvents)state!).Failed(), events);
    }

    public SinkSend Send(SendBatch batch)
    {
        var frames = batch.Frames;
        var last = LastEventIndex(frames);
        for (var i = 0; i <= last; i++)
        {
            if (!frames[i].IsEvent)
            {
                continue;
            }

            Task write;
            try
            {
                _writer.WriteOptions = i == last ? null : s_buffered; // one flush per batch
                write = _writer.WriteAsync(EventOf(frames[i]));
            }
            catch (Exception e) when (IsTransportFailure(e))
            {
                return SinkSend.Failed;
            }

            if (!write.IsCompleted)
            {
                // The batch is reused once Send returns: keep what is left of it.
                _rest.Clear();
                for (var j = i + 1; j <= last; j++)
                {
                    if (frames[j].IsEvent)
                    {
                        _rest.Add(EventOf(frames[j]));
                    }
                }

                _ = FinishAsync(write);
                return SinkSend.Pending;
            }

            if (!write.IsCompletedSuccessfully)
            {
                _ = write.Exception; // observed: the call is gone
                return SinkSend.Failed;
            }
        }

        return SinkSend.Done;
    }

    private async Task FinishAsync(Task write)
    {
        try
        {
            await write;
            for (var i = 0; i < _rest.Count; i++)
            {
                _writer.WriteOptions = i == _rest.Count - 1 ? null : s_buffered;
                await _writer.WriteAsync(_rest[i]);
            }
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            _events.Failed();
            return;
        }
        finally
        {
            _rest.Clear();
        }

        _events.Writable();
    }

    /// <summary>The message for a frame, made by the first gRPC stream that sends it.</summary>
    internal static SseEvent EventOf(SseFrame frame)
    {
        if (frame.TransportForm is SseEvent made)
        {
            return made;
        }

        var (eventType, data) = SseFrameDecoder.Decode(frame.Bytes);
        var message = new SseEvent { Id = frame.Id, Event = eventType, Data = data, Namespace = frame.Sequence > 0 ? frame.Namespace.Value : "" };
        frame.TransportForm = message; // a race makes two equal messages; either may be kept
        return message;
    }

    private static int LastEventIndex(ReadOnlySpan<SseFrame> frames)
    {
        for (var i = frames.Length - 1; i >= 0; i--)
        {
            if (frames[i].IsEvent)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsTransportFailure(Exception e) =>
        e is IOException or InvalidOperationException or OperationCanceledException or RpcException;

    public ValueTask CloseAsync(bool cut)
    {
        _cancelled.Dispose();
        if (cut)
        {
            // A client that does not read is owed nothing: reset its HTTP/2 stream (the connection stays).
            _context.GetHttpContext().Abort();
        }

        return ValueTask.CompletedTask;
    }
}
