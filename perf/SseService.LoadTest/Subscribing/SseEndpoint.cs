using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SseService.LoadTest.Subscribing;

/// <summary>Where subscribers connect and what they ask for: one resolved address, the Host header and the path base.</summary>
internal sealed class SseEndpoint
{
    private SseEndpoint(IPEndPoint server, string host, string pathBase)
    {
        Server = server;
        Host = host;
        PathBase = pathBase;
    }

    public IPEndPoint Server { get; }

    public string Host { get; }

    public string PathBase { get; }

    /// <summary>Resolves the URL once, preferring the family of the source addresses (IPv4 otherwise).</summary>
    public static async Task<SseEndpoint> ResolveAsync(Uri url, AddressFamily? family, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(url.IdnHost, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(url.IdnHost, cancellationToken);
        var wanted = family ?? AddressFamily.InterNetwork;
        var address = Array.Find(addresses, a => a.AddressFamily == wanted)
            ?? (family is null && addresses.Length > 0 ? addresses[0] : null)
            ?? throw new InvalidOperationException($"{url.Host} has no {wanted} address to connect to from the given source addresses");
        return new SseEndpoint(new IPEndPoint(address, url.Port), url.Authority, url.AbsolutePath.TrimEnd('/'));
    }

    /// <summary>
    /// The GET request for <paramref name="namespaces"/>, with Last-Event-ID when resuming, as a browser
    /// sends it: the path form for one namespace, <c>?namespace=</c> repeated for several.
    /// </summary>
    public byte[] BuildRequest(IReadOnlyList<string> namespaces, ReadOnlySpan<byte> lastEventId)
    {
        var target = namespaces.Count == 1
            ? PathBase + "/subscribe" + namespaces[0]
            : PathBase + "/subscribe?" + string.Join('&', namespaces.Select(ns => "namespace=" + Uri.EscapeDataString(ns)));
        var request = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"GET {target} HTTP/1.1\r\n")
            .Append(CultureInfo.InvariantCulture, $"Host: {Host}\r\n")
            .Append("Accept: text/event-stream\r\n")
            .Append("Cache-Control: no-cache\r\n")
            .Append("User-Agent: SseService.LoadTest\r\n");
        if (!lastEventId.IsEmpty)
        {
            request.Append("Last-Event-ID: ").Append(Encoding.UTF8.GetString(lastEventId)).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(request.Append("\r\n").ToString());
    }
}
