using Grpc.Core;
using Sse.V1;
using SseService.Hub;
using SseService.Subscribers;

namespace SseService.Grpc;

/// <summary>
/// <c>Subscribe</c>: the SSE stream's semantics over gRPC. The request is checked and admitted by
/// <see cref="StreamAdmission"/> as an HTTP subscribe is (namespaces, auth per namespace, limits, resume),
/// and the stream is the same <see cref="StreamOwner"/>, on a <see cref="GrpcStreamSink"/>.
/// </summary>
internal sealed partial class BroadcasterService
{
    /// <summary>Response header: what came of last_event_id (replayed, too-old, unknown), as X-SSE-Resume over HTTP.</summary>
    public const string ResumeHeader = "sse-resume";

    /// <summary>
    /// Response header: the id of the last event published before the stream opened (the SSE opening's
    /// <c>id:</c>), so a client that drops before its first event can still resume from when it connected.
    /// </summary>
    public const string OpeningIdHeader = "sse-last-event-id";

    public override async Task Subscribe(SubscribeRequest request, IServerStreamWriter<SseEvent> responseStream, ServerCallContext context)
    {
        var namespaces = ParseNamespaces(request);
        var http = context.GetHttpContext();
        var info = new SubscriberInfo(
            context.Method, http.Connection.RemoteIpAddress?.ToString() ?? "", http.Request.Headers.UserAgent.ToString());
        var streamRequest = new StreamRequest(namespaces[0], request.LastEventId.Length > 0 ? request.LastEventId : null, GrpcCredential.From(context), info)
        {
            Namespaces = namespaces,
        };

        var (stream, refusal) = await admission.AdmitAsync(streamRequest);
        if (stream is null)
        {
            throw Refused(refusal!);
        }

        try
        {
            var headers = new Metadata();
            if (stream.Subscription.Resume != ResumeOutcome.NotRequested)
            {
                headers.Add(ResumeHeader, stream.Subscription.Resume switch
                {
                    ResumeOutcome.Replayed => "replayed",
                    ResumeOutcome.TooOld => "too-old",
                    _ => "unknown",
                });
            }

            if (stream.Subscription.OpeningId is { } openingId)
            {
                headers.Add(OpeningIdHeader, openingId);
            }

            // Sent now, not with the first event: the client knows at once that it is subscribed.
            await context.WriteResponseHeadersAsync(headers);
        }
        catch
        {
            stream.Discard();
            throw;
        }

        await stream.RunAsync(new GrpcStreamSink(responseStream, context));
        switch (stream.End)
        {
            case StreamEnd.ServerStopping:
                throw new RpcException(new Status(StatusCode.Unavailable, "the server is shutting down: subscribe again with last_event_id"));
            case StreamEnd.CredentialExpired:
                throw new RpcException(new Status(StatusCode.Unauthenticated, "the credential the stream was opened with has expired"));
            case StreamEnd.SlowConsumer:
                // Already reset (RST_STREAM); the status is for the log, a client reading too slowly never gets it.
                throw new RpcException(new Status(StatusCode.ResourceExhausted, "the client read more slowly than events arrived (slow consumer)"));
        }
    }

    private NamespacePath[] ParseNamespaces(SubscribeRequest request)
    {
        if (request.Namespaces.Count == 0)
        {
            throw InvalidArgument("namespaces: at least one namespace is required");
        }

        // The limit before parsing: a request with thousands of namespaces is refused at once.
        if (request.Namespaces.Count > hub.Options.MaxNamespacesPerStream)
        {
            throw InvalidArgument(
                $"namespaces: too many namespaces: {request.Namespaces.Count} (limit {hub.Options.MaxNamespacesPerStream}, Sse:MaxNamespacesPerStream)");
        }

        var namespaces = new NamespacePath[request.Namespaces.Count];
        for (var i = 0; i < namespaces.Length; i++)
        {
            if (!NamespacePath.TryParse(request.Namespaces[i], hub.Options.NamespaceRules, out namespaces[i], out var error))
            {
                throw InvalidArgument($"namespaces[{i}] '{request.Namespaces[i]}' {error}");
            }
        }

        return namespaces;
    }

    private RpcException InvalidArgument(string detail)
    {
        SubscribeRejected(StatusCode.InvalidArgument, detail);
        return new RpcException(new Status(StatusCode.InvalidArgument, detail));
    }

    private RpcException Refused(StreamRefusal refusal)
    {
        var code = refusal.Kind switch
        {
            RefusalKind.BadRequest => StatusCode.InvalidArgument,
            RefusalKind.Unauthenticated => StatusCode.Unauthenticated,
            RefusalKind.Forbidden => StatusCode.PermissionDenied,
            RefusalKind.TooManyFromClient => StatusCode.ResourceExhausted,
            _ => StatusCode.Unavailable,
        };
        SubscribeRejected(code, refusal.Reason);
        var trailers = new Metadata();
        if (refusal.RetryAfter is { } retryAfter)
        {
            // What a Retry-After header says over HTTP, in gRPC's own words (see the retry policy's pushback).
            trailers.Add("grpc-retry-pushback-ms", ((long)retryAfter.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return new RpcException(new Status(code, refusal.Reason), trailers);
    }

    private void SubscribeRejected(StatusCode code, string detail) => BroadcastLog.SubscribeRejected(logger, code, detail);
}
