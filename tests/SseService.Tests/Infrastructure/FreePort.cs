using System.Net;
using System.Net.Sockets;

namespace SseService.Tests.Infrastructure;

/// <summary>
/// Finds loopback ports nobody listens on, for servers configured by URL. Ports come from below
/// Linux's ephemeral range (32768-60999): a port the OS handed out for "port 0" could be taken again
/// by any outgoing connection before the server binds it; these are never handed out that way.
/// </summary>
internal static class FreePort
{
    private const int First = 20_000;
    private const int Last = 32_000;
    private static readonly Lock s_gate = new();
    private static readonly HashSet<int> s_given = [];

    public static int Next()
    {
        lock (s_gate)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(First, Last);
                if (s_given.Contains(port) || !IsFree(port))
                {
                    continue;
                }

                s_given.Add(port); // never hand the same port out twice in this run
                return port;
            }
        }

        throw new InvalidOperationException($"no free loopback port between {First} and {Last}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
