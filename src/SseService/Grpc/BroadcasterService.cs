using System.Globalization;
using Grpc.Core;
using Sse.V1;
using SseService.Hub;
using SseService.Subscribers;

namespace SseService.Grpc;

/// <summary>
/// The <c>sse.v1.Broadcaster</c> service: validates producers' messages and hands them to the hub;
/// its <c>Subscribe</c> is in BroadcasterService.Subscribe.cs.
/// </summary>
internal sealed partial class BroadcasterService(
    SseHub hub, IEventPublisher publisher, IHostApplicationLifetime lifetime, ILogger<BroadcasterService> logger, StreamAdmission admission)
    : Broadcaster.BroadcasterBase
{
    /// <summary>Response trailer with the count of accepted messages, also on a failed stream.</summary>
    public const string AcceptedTrailer = "sse-accepted";

    private const double CongestionThreshold = 0.5;
    private static readonly TimeSpan MaxCongestionWait = TimeSpan.FromSeconds(10);

    // Producers are woken when a backlog eases; this only bounds a wait whose wake-up went elsewhere.
    private static readonly TimeSpan LookAgainAfter = TimeSpan.FromMilliseconds(50);

    public override async Task<BroadcastReply> Broadcast(SseMessage request, ServerCallContext context)
    {
        if (!PublicationValidator.TryCreate(request, hub.Options, out var publication, out var refusal))
        {
            Reject(refusal.StatusCode, refusal.Detail);
            throw new RpcException(refusal);
        }

        PublishResult result;
        try
        {
            result = await publisher.PublishAsync(publication, context.CancellationToken);
        }
        catch (PublishUnavailableException e)
        {
            Reject(StatusCode.Unavailable, e.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, $"not accepted: {e.Message}"));
        }

        await WaitWhileCongestedAsync(publication.Namespace, context.CancellationToken);
        return new BroadcastReply { Id = result.Id, Subscribers = (uint)result.Subscribers };
    }

    public override async Task<BroadcastSummary> BroadcastStream(IAsyncStreamReader<SseMessage> requestStream, ServerCallContext context)
    {
        ulong accepted = 0;
        var lastId = "";
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        hub.Counters.ProducerStreamStarted();
        try
        {
            while (await NextAsync(requestStream, context, accepted, cancellation.Token))
            {
                if (!PublicationValidator.TryCreate(requestStream.Current, hub.Options, out var publication, out var refusal))
                {
                    Reject(refusal.StatusCode, refusal.Detail);
                    throw Failure(context, refusal.StatusCode, $"message #{accepted + 1}: {refusal.Detail}", accepted);
                }

                try
                {
                    lastId = (await publisher.PublishAsync(publication, context.CancellationToken)).Id;
                }
                catch (PublishUnavailableException e)
                {
                    Reject(StatusCode.Unavailable, e.Message);
                    throw Failure(context, StatusCode.Unavailable, $"message #{accepted + 1} not accepted: {e.Message}", accepted);
                }

                accepted++;
                await WaitWhileCongestedAsync(publication.Namespace, cancellation.Token);
            }
        }
        finally
        {
            hub.Counters.ProducerStreamEnded();
        }

        BroadcastLog.StreamEnded(logger, accepted);
        context.ResponseTrailers.Add(AcceptedTrailer, accepted.ToString(CultureInfo.InvariantCulture));
        return new BroadcastSummary { Accepted = accepted, LastId = lastId };
    }

    /// <summary>
    /// Backpressure. When most subscribers of this namespace are behind, the server itself cannot keep
    /// up (one slow client only fills its own queue): hold the producer, which gRPC flow control passes
    /// back to it, until they catch up, rather than accept more and cut every subscriber. After
    /// <see cref="MaxCongestionWait"/> it goes on, and the slow-consumer rule decides.
    /// </summary>
    private async Task WaitWhileCongestedAsync(NamespacePath ns, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)MaxCongestionWait.TotalMilliseconds;
        while (hub.Congestion(ns) > CongestionThreshold)
        {
            // Taken before looking again, so an ease between the two looks still wakes this wait.
            var eased = hub.WhenBacklogEases();
            var remaining = deadline - Environment.TickCount64;
            if (hub.Congestion(ns) <= CongestionThreshold || remaining <= 0)
            {
                return;
            }

            try
            {
                await eased.WaitAsync(TimeSpan.FromMilliseconds(Math.Min(remaining, LookAgainAfter.TotalMilliseconds)), cancellationToken);
            }
            catch (TimeoutException)
            {
                // Look again anyway: a wake-up is an optimization, this bound is the guarantee.
            }
        }
    }

    private async Task<bool> NextAsync(IAsyncStreamReader<SseMessage> requestStream, ServerCallContext context, ulong accepted, CancellationToken token)
    {
        try
        {
            return await requestStream.MoveNext(token);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Tell the producer to retry elsewhere; what it sent so far stays delivered.
            throw Failure(context, StatusCode.Unavailable, "the server is shutting down", accepted);
        }
        catch (PublishRefusedException e)
        {
            // A per-message check (permission, rate) refused it as it was read.
            throw Failure(context, e.StatusCode, $"message #{accepted + 1}: {e.Message}", accepted);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
        {
            // The transport refused a message over its size limit before it could be validated.
            Reject(e.StatusCode, e.Status.Detail);
            throw Failure(context, e.StatusCode,
                $"message #{accepted + 1} is larger than the server accepts (data limit {hub.Options.MaxDataBytes} bytes, Sse:MaxDataBytes)", accepted);
        }
    }

    private void Reject(StatusCode code, string detail)
    {
        hub.Counters.PublishRejected(ReasonOf(code));
        BroadcastLog.Rejected(logger, code, detail);
    }

    /// <summary>A metric tag value from a bounded set: the status code in snake case.</summary>
    private static string ReasonOf(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => "invalid_argument",
        StatusCode.ResourceExhausted => "resource_exhausted",
        StatusCode.Unavailable => "unavailable",
        StatusCode.PermissionDenied => "permission_denied",
        StatusCode.Unauthenticated => "unauthenticated",
        _ => "other",
    };

    private static RpcException Failure(ServerCallContext context, StatusCode code, string detail, ulong accepted)
    {
        var acceptedText = accepted.ToString(CultureInfo.InvariantCulture);
        context.ResponseTrailers.Add(AcceptedTrailer, acceptedText);
        return new RpcException(new Status(code, $"{detail}; {acceptedText} message(s) accepted before it were delivered"));
    }
}
