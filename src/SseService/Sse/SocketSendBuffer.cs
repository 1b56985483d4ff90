using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using SseService.Hub;

namespace SseService.Sse;

/// <summary>
/// Caps each accepted connection's kernel send buffer (<see cref="SubscribeOptions.SocketSendBufferBytes"/>).
/// Linux grows it up to 4 MiB on its own, so a client that stops reading would first hold megabytes of
/// kernel memory, and only minutes later fill its queue and be cut; with a cap it is cut in seconds.
/// </summary>
internal sealed class SocketSendBuffer(IOptions<SubscribeOptions> options) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        var bytes = options.Value.SocketSendBufferBytes;
        if (bytes <= 0)
        {
            return;
        }

        kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Use(next => connection =>
        {
            if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
            {
                socket.SendBufferSize = bytes;
            }

            return next(connection);
        }));
    }
}
