using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using SseService.Hub;
using System.Diagnostics.Metrics;

namespace SseService.Sse;

/// <summary>
/// Drains one subscription onto its HTTP response: every frame queued at the time is written, then
/// one flush, so a busy stream coalesces many events into one socket write.
/// </summary>
internal static class SubscriptionStream
{
    // Bounds what one flush carries, so a burst never piles up unflushed in memory.
    private const int MaxBytesPerFlush = 64 * 1024;

    // Latency is sampled (once a second per stream) so recording it never contends on the hot path.
    private static readonly TimeSpan LatencySampleInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Records publish-to-write latency into <paramref name="latency"/> when given. Runs until the client goes, the server stops (a clean end, so EventSource reconnects elsewhere)
    /// or the hub closes the subscription (slow consumer: the connection is aborted). With
    /// <paramref name="direct"/>, a plain HTTP/1.x stream is written straight to its socket instead
    /// (<see cref="DirectSocketStream"/>). The subscription leaves <paramref name="hub"/> before the
    /// client can see the stream end, then <paramref name="ended"/> is called, once. A direct stream
    /// outlives its request: the returned task completes when the request is done, maybe long before.
    /// </summary>
    public static Task RunAsync(
        HttpContext context, SseHub hub, Subscription subscription, int retryMilliseconds, Histogram<double>? latency, TimeProvider time,
        DirectSendScheduler? direct, Action ended, CancellationToken stopping)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";

        // Not async itself, so a long-lived stream holds one state machine fewer.
        return direct is not null && DirectSocketStream.TryTakeOver(context, time, out var socket, out var head)
            ? DirectSocketStream.RunAsync(context, socket, head, hub, subscription, direct.NextWorker(), retryMilliseconds, latency, time, ended, stopping)
            : RunThroughPipelineAsync(context, hub, subscription, retryMilliseconds, latency, time, ended, stopping);
    }

    private static async Task RunThroughPipelineAsync(
        HttpContext context, SseHub hub, Subscription subscription, int retryMilliseconds, Histogram<double>? latency, TimeProvider time,
        Action ended, CancellationToken stopping)
    {
        try
        {
            await WriteThroughPipelineAsync(context, subscription, retryMilliseconds, latency, time, stopping);
        }
        finally
        {
            // Before the server completes the response, so the client never sees the end first.
            hub.Unsubscribe(subscription);
            ended();
        }
    }

    private static async Task WriteThroughPipelineAsync(
        HttpContext context, Subscription subscription, int retryMilliseconds, Histogram<double>? latency, TimeProvider time, CancellationToken stopping)
    {
        var response = context.Response;
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping, subscription.Closed);
        var token = cancellation.Token;
        var writer = response.BodyWriter;
        try
        {
            var opening = StreamOpening.For(subscription.OpeningId, retryMilliseconds);
            writer.Write(opening);
            subscription.RecordWritten(0, opening.Length);
            await writer.FlushAsync(token);

            if (!await WriteReplayAsync(writer, subscription, token))
            {
                return;
            }

            // One registration for the whole stream instead of one per wait and per flush on the hot
            // path: when the client goes, the server stops or the hub closes it, the writer's wait ends
            // and a flush blocked on a full socket returns.
            using var stop = token.UnsafeRegister(static state =>
            {
                var (subscription, writer) = ((Subscription, PipeWriter))state!;
                subscription.StopReading();
                writer.CancelPendingFlush();
            }, (subscription, writer));

            var reader = subscription.Reader;
            var nextLatencySample = 0L;
            while (await reader.WaitToReadAsync(CancellationToken.None) && !token.IsCancellationRequested)
            {
                var events = 0;
                var bytes = 0;
                var oldestPublished = 0L;
                while (bytes < MaxBytesPerFlush && reader.TryRead(out var frame))
                {
                    writer.Write(frame.Bytes);
                    bytes += frame.Bytes.Length;
                    if (frame.IsEvent)
                    {
                        oldestPublished = events == 0 ? frame.PublishedTimestamp : oldestPublished;
                        events++;
                    }
                }

                // Counted once handed to the transport, so the admin page never lags what clients read.
                subscription.RecordDequeued(events);
                subscription.RecordWritten(events, bytes);
                var flush = await writer.FlushAsync(CancellationToken.None);
                if (latency is not null && events > 0 && time.GetTimestamp() >= nextLatencySample)
                {
                    latency.Record(time.GetElapsedTime(oldestPublished).TotalSeconds);
                    nextLatencySample = time.GetTimestamp() + (long)(LatencySampleInterval.TotalSeconds * time.TimestampFrequency);
                }

                if (flush.IsCompleted || flush.IsCanceled || token.IsCancellationRequested)
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

    /// <summary>Writes what the subscriber missed (resume) before any live frame; false if the stream ended.</summary>
    private static async Task<bool> WriteReplayAsync(PipeWriter writer, Subscription subscription, CancellationToken token)
    {
        var replay = subscription.Replay;
        var index = 0;
        while (index < replay.Count)
        {
            var events = 0;
            var bytes = 0;
            for (; index < replay.Count && bytes < MaxBytesPerFlush; index++)
            {
                writer.Write(replay[index].Bytes);
                bytes += replay[index].Bytes.Length;
                events++;
            }

            subscription.RecordWritten(events, bytes);
            var flush = await writer.FlushAsync(token);
            if (flush.IsCompleted || flush.IsCanceled)
            {
                return false;
            }
        }

        return true;
    }
}
