using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using SseService.Hub;

namespace SseService.Grpc;

/// <summary>
/// Keeps idle gRPC Subscribe calls alive with HTTP/2 PING frames, not fake events: unless code set Kestrel's
/// <c>Limits.Http2.KeepAlivePingDelay</c> (Kestrel does not read it from configuration), a connection idle for <c>Sse:KeepAliveInterval</c>
/// is pinged, and one that does not answer within <c>KeepAlivePingTimeout</c> (Kestrel's default, 20 s) is closed. Kestrel's limit is
/// server-wide, not per endpoint: it also reaches HTTP/2 (TLS) SSE streams on the Http endpoint, which costs
/// them one small frame per idle interval, on top of their keep-alive comments.
/// </summary>
internal sealed class GrpcKeepAlivePings(IOptions<HubOptions> hub) : IPostConfigureOptions<KestrelServerOptions>
{
    public void PostConfigure(string? name, KestrelServerOptions options)
    {
        var http2 = options.Limits.Http2;
        if (http2.KeepAlivePingDelay == TimeSpan.MaxValue)
        {
            // Kestrel takes at least one second.
            http2.KeepAlivePingDelay = hub.Value.KeepAliveInterval < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : hub.Value.KeepAliveInterval;
        }
    }
}
