using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using SseService.Hub;

namespace SseService.Sse;

/// <summary>
/// Drains one subscription onto its HTTP response: every frame queued at the time is written, then
/// one flush, so a busy stream coalesces many events into one socket write.
/// </summary>
internal static class SubscriptionStream
{
    // Sent at once so headers (and the stream's liveness) reach the client before any event.
    private static ReadOnlySpan<byte> Opening => ": ok\n\n"u8;

    // Bounds what one flush carries, so a burst never piles up unflushed in memory.
    private const int MaxBytesPerFlush = 64 * 1024;

    /// <summary>
    /// Runs until the client goes, the server stops (a clean end, so EventSource reconnects elsewhere)
    /// or the hub closes the subscription (slow consumer: the connection is aborted).
    /// </summary>
    public static async Task RunAsync(HttpContext context, Subscription subscription, CancellationToken stopping)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping, subscription.Closed);
        var token = cancellation.Token;
        var writer = response.BodyWriter;
        try
        {
            writer.Write(Opening);
            await writer.FlushAsync(token);

            var reader = subscription.Reader;
            while (await reader.WaitToReadAsync(token))
            {
                var events = 0;
                var bytes = 0;
                while (bytes < MaxBytesPerFlush && reader.TryRead(out var frame))
                {
                    writer.Write(frame.Bytes);
                    bytes += frame.Bytes.Length;
                    if (frame.Sequence != 0)
                    {
                        events++;
                    }
                }

                var flush = await writer.FlushAsync(token);
                if (events > 0)
                {
                    subscription.RecordWritten(events);
                }

                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Client gone, server stopping, or slow consumer: all normal ends of a stream.
        }

        if (subscription.CloseReason == CloseReason.SlowConsumer)
        {
            // It is not reading, so a graceful end could never be delivered; cut the connection.
            context.Abort();
        }
    }
}
