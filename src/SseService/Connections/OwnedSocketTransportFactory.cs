using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using SseService.Sse;

namespace SseService.Connections;

/// <summary>
/// The transport of the <c>Http</c> endpoint (SSE, admin, health): Kestrel's HTTP layer on sockets that
/// this service owns, so that a stream can be written straight to its socket without a second owner.
/// Kestrel tries the transports registered last first; this one declines every other endpoint, which
/// Kestrel's own socket transport then binds.
/// </summary>
internal sealed class OwnedSocketTransportFactory(HttpEndpointAddresses http, IOptions<SubscribeOptions> options, IMemoryPoolFactory<byte> pools)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    // Kestrel's own pool (blocks of the size its HTTP layer expects, e.g. for chunk framing).
    private readonly MemoryPool<byte> _pool = pools.Create(new MemoryPoolOptions { Owner = "SseService.Connections" });

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint ip && http.Contains(ip);

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IConnectionListener>(
            OwnedSocketListener.Bind((IPEndPoint)endpoint, _pool, options.Value.SocketSendBufferBytes));
}
