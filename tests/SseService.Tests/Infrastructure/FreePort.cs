using System.Net;
using System.Net.Sockets;

namespace SseService.Tests.Infrastructure;

/// <summary>Finds loopback ports nobody listens on, for services configured by URL.</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
