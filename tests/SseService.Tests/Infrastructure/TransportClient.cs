using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace SseService.Tests.Infrastructure;

/// <summary>
/// What a test needs to serve and reach the <c>Http</c> endpoint over a <see cref="Transport"/>:
/// the endpoint's configuration and an <see cref="HttpClient"/> that speaks exactly that transport.
/// </summary>
public static class TransportClient
{
    /// <summary>A loopback address on a free port, with the scheme the transport needs.</summary>
    public static Uri NewAddress(Transport transport) =>
        new($"{(transport == Transport.HttpsHttp2 ? "https" : "http")}://127.0.0.1:{FreePort.Next()}");

    /// <summary>The HTTP version every response on this transport must have.</summary>
    public static Version HttpVersionOf(Transport transport) =>
        transport == Transport.HttpsHttp2 ? HttpVersion.Version20 : HttpVersion.Version11;

    /// <summary>
    /// The <c>Kestrel:Endpoints:Http</c> settings besides its URL, as configuration keys; an
    /// environment variable is the same key with <c>__</c> for <c>:</c>.
    /// </summary>
    public static Dictionary<string, string?> EndpointSettings(Transport transport) => transport switch
    {
        Transport.Http1Direct => new() { ["Kestrel:Endpoints:Http:Protocols"] = "Http1" },
        Transport.HttpsHttp2 => new()
        {
            ["Kestrel:Endpoints:Http:Protocols"] = "Http1AndHttp2",
            ["Kestrel:Endpoints:Http:Certificate:Path"] = TestCertificate.CertificatePath,
            ["Kestrel:Endpoints:Http:Certificate:KeyPath"] = TestCertificate.KeyPath,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(transport)),
    };

    /// <summary>The same settings as environment variables, for a <see cref="ServiceProcess"/>.</summary>
    public static Dictionary<string, string> EndpointEnvironment(Transport transport) =>
        EndpointSettings(transport).ToDictionary(setting => setting.Key.Replace(":", "__", StringComparison.Ordinal), setting => setting.Value!);

    /// <summary>
    /// A client for <paramref name="baseAddress"/> with an infinite timeout (pass a cancellation token).
    /// Over <see cref="Transport.HttpsHttp2"/> every request is sent as HTTP/2 only (no fallback to
    /// HTTP/1.1), the server must present the test certificate, and the response must be HTTP/2.
    /// </summary>
    /// <param name="connected">Called for each TCP connection the client opens.</param>
    public static HttpClient Create(Transport transport, Uri baseAddress, Action? connected = null)
    {
        var sockets = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

                connected?.Invoke();
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        if (transport != Transport.HttpsHttp2)
        {
            return new HttpClient(sockets) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        }

        // Trust exactly the test certificate: it is the only root, and names are still checked.
        sockets.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = TestCertificate.TrustOnlyThis() };
        return new HttpClient(new Http2Only(sockets))
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>
    /// Sends every request as HTTP/2 only: a request message made by a test carries HTTP/1.1 by
    /// default, whatever the client's default version.
    /// </summary>
    private sealed class Http2Only(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Version != HttpVersion.Version20)
            {
                response.Dispose();
                throw new HttpRequestException($"expected an HTTP/2 response, got HTTP/{response.Version}");
            }

            return response;
        }
    }
}
