using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using SseService.Subscribers;

namespace SseService.Sse;

/// <summary>
/// A stream written through the web server's response pipeline (TLS, HTTP/2, and wherever the socket
/// cannot be written directly): each batch is written to the body and flushed once.
/// </summary>
internal sealed class ResponseSink : ISubscriberSink
{
    private readonly HttpContext _context;
    private readonly PipeWriter _writer;
    private ISinkEvents _events = null!;
    private CancellationTokenRegistration _aborted;

    public ResponseSink(HttpContext context)
    {
        _context = context;
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
        _writer = context.Response.BodyWriter;
    }

    public void Start(ISinkEvents events)
    {
        _events = events;
        _aborted = _context.RequestAborted.UnsafeRegister(static state => ((ISinkEvents)state!).Failed(), events);
    }

    public SinkSend Send(SendBatch batch)
    {
        try
        {
            foreach (var frame in batch.Frames)
            {
                _writer.Write(frame.Bytes);
            }

            var flush = _writer.FlushAsync(CancellationToken.None);
            if (!flush.IsCompleted)
            {
                _ = FinishAsync(flush);
                return SinkSend.Pending;
            }

            return Succeeded(flush.Result) ? SinkSend.Done : SinkSend.Failed;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
            return SinkSend.Failed;
        }
    }

    private async Task FinishAsync(ValueTask<FlushResult> flush)
    {
        bool succeeded;
        try
        {
            succeeded = Succeeded(await flush);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
            succeeded = false;
        }

        if (succeeded)
        {
            _events.Writable();
        }
        else
        {
            _events.Failed();
        }
    }

    private static bool Succeeded(FlushResult result) => !result.IsCompleted && !result.IsCanceled;

    public ValueTask CloseAsync(bool cut)
    {
        _aborted.Dispose();
        if (cut)
        {
            // Not reading, or not there: a graceful end could never be delivered.
            _context.Abort();
        }

        return ValueTask.CompletedTask;
    }
}
