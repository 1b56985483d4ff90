using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace SseService.Connections;

/// <summary>
/// Where the endpoint named <c>Http</c> in Kestrel's configuration listens, learnt as Kestrel loads it,
/// so that <see cref="OwnedSocketTransportFactory"/> binds that endpoint and no other.
/// </summary>
internal sealed class HttpEndpointAddresses : IConfigureOptions<KestrelServerOptions>
{
    public const string EndpointName = "Http";

    private readonly List<ListenOptions> _endpoints = [];

    public void Configure(KestrelServerOptions kestrel) =>
        kestrel.ConfigurationLoader?.Endpoint(EndpointName, endpoint =>
        {
            lock (_endpoints)
            {
                _endpoints.Add(endpoint.ListenOptions);
            }
        });

    /// <summary>
    /// Whether <paramref name="address"/> is one of them: the very endpoint, or one with its port
    /// (a <c>localhost</c> URL is bound as one address per loopback family).
    /// </summary>
    public bool Contains(IPEndPoint address)
    {
        lock (_endpoints)
        {
            return _endpoints.Any(endpoint => ReferenceEquals(endpoint.EndPoint, address)
                || endpoint.EndPoint is IPEndPoint { Port: > 0 } ip && ip.Port == address.Port);
        }
    }
}
