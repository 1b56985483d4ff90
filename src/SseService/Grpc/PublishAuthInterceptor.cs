using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using Sse.V1;
using SseService.Security;
using SseService.Hub;
using SseService.Telemetry;

namespace SseService.Grpc;

/// <summary>
/// One place that authenticates producers, for unary and streaming publishes alike, and checks each
/// message's namespace against the credential's grants. UNAUTHENTICATED when the credential is
/// missing or invalid; PERMISSION_DENIED when it may not publish there.
/// </summary>
internal sealed class PublishAuthInterceptor(CredentialValidator credentials, IOptions<HubOptions> hubOptions, SseCounters counters) : Interceptor
{
    private readonly NamespaceRules _rules = hubOptions.Value.NamespaceRules;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (credentials.Options.PublishAuthEnabled)
        {
            var grants = await AuthenticateAsync(context);
            if (request is SseMessage message && Refusal(grants, message) is { } refusal)
            {
                throw new RpcException(new Status(StatusCode.PermissionDenied, refusal));
            }
        }

        return await continuation(request, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (!credentials.Options.PublishAuthEnabled)
        {
            return await continuation(requestStream, context);
        }

        var grants = await AuthenticateAsync(context);
        return await continuation(new CheckedStreamReader<TRequest>(requestStream, message =>
        {
            if (message is SseMessage sseMessage && Refusal(grants, sseMessage) is { } refusal)
            {
                throw new PublishRefusedException(StatusCode.PermissionDenied, refusal);
            }
        }), context);
    }

    private async Task<Grants> AuthenticateAsync(ServerCallContext context)
    {
        var result = await credentials.ValidateAsync(GrpcCredential.From(context));
        if (result.Status != AuthStatus.Valid)
        {
            counters.PublishRejected("unauthenticated");
        }

        return result.Status switch
        {
            AuthStatus.Valid => result.Grants!,
            AuthStatus.Anonymous => throw new RpcException(new Status(StatusCode.Unauthenticated,
                "a credential is required: send \"authorization: Bearer <API key or JWT>\"")),
            _ => throw new RpcException(new Status(StatusCode.Unauthenticated, $"credential refused: {result.Reason}")),
        };
    }

    /// <summary>Why this credential may not publish this message, or null when it may.</summary>
    private string? Refusal(Grants grants, SseMessage message)
    {
        // A namespace that does not parse is left to validation, which names the rule it breaks.
        if (!NamespacePath.TryParse(message.Namespace, _rules, out var ns, out _) || grants.Publish.Any(pattern => pattern.Matches(ns)))
        {
            return null;
        }

        counters.PublishRejected("permission_denied");
        return $"{grants.Subject} may not publish to {ns.Value}";
    }
}
