using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

/// <summary>
/// What a subscriber sees on the wire: headers, the opening comment, WHATWG framing of the fields,
/// and CORS, over every transport (one derived class each, at the end of this file). The body is
/// read as sent, where an HTTP client's SSE parser would hide comments and field order.
/// </summary>
public abstract class StreamFormatTests
{
    protected abstract Transport Transport { get; }

    [Fact]
    public async Task Subscribe_BeforeAnythingIsPublished_FirstBodyBytesAreOkComment()
    {
        // Arrange
        await using var service = await StartAsync();
        await using var raw = await service.OpenRawAsync("/subscribe/pets");

        // Act: nothing is published, so only the opening comment can arrive.
        var body = await raw.ReadUntilAsync(b => b.Length >= ": ok\n\n".Length);

        // Assert
        Assert.StartsWith(": ok\n\n", body, StringComparison.Ordinal);
        Assert.Equal(0, service.Hub.MessagesPublished);
    }

    [Theory]
    [InlineData("line1\nline2", "line1\nline2", "data: line1\ndata: line2\n")]
    [InlineData("a\r\nb", "a\nb", "data: a\ndata: b\n")]
    [InlineData("a\rb", "a\nb", "data: a\ndata: b\n")]
    [InlineData("\n\nx\n", "\n\nx\n", "data: \ndata: \ndata: x\ndata: \n")]
    public async Task Broadcast_MultiLineData_ArrivesAsSeveralDataLinesWithBreaksAsLf(string sent, string expected, string expectedDataLines)
    {
        // Arrange
        await using var service = await StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/text");
        await using var raw = await service.OpenRawAsync("/subscribe/text");
        await raw.ReadUntilContainsAsync(": ok\n\n");

        // Act
        var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/text", Data = sent });

        // Assert: the parser joins data lines with LF, so CR and CRLF come back as LF.
        var item = await subscriber.ReadAsync();
        Assert.NotNull(item);
        Assert.Equal(expected, item.Value.Data);
        Assert.Equal(reply.Id, item.Value.EventId);
        var frame = await ReadFrameAsync(raw, reply.Id);
        Assert.Equal($"id: {reply.Id}\n{expectedDataLines}\n", frame);
        Assert.True(frame.Split('\n').Count(line => line.StartsWith("data: ", StringComparison.Ordinal)) >= 2);
    }

    [Fact]
    public async Task Broadcast_EventTypeAndRetry_ArriveAsEventAndRetryFields()
    {
        // Arrange
        await using var service = await StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/prices");
        await using var raw = await service.OpenRawAsync("/subscribe/prices");
        await raw.ReadUntilContainsAsync(": ok\n\n");

        // Act
        var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/prices", Event = "price", Data = "42", RetryMs = 2500 });

        // Assert
        var item = await subscriber.ReadAsync();
        Assert.NotNull(item);
        Assert.Equal("price", item.Value.EventType);
        Assert.Equal("42", item.Value.Data);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), item.Value.ReconnectionInterval);
        Assert.Equal($"id: {reply.Id}\nevent: price\nretry: 2500\ndata: 42\n\n", await ReadFrameAsync(raw, reply.Id));
    }

    [Fact]
    public async Task Broadcast_NoEventTypeNorRetry_ArrivesAsDefaultMessageWithoutThoseFields()
    {
        // Arrange
        await using var service = await StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/plain");
        await using var raw = await service.OpenRawAsync("/subscribe/plain");
        await raw.ReadUntilContainsAsync(": ok\n\n");

        // Act
        var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/plain", Data = "hello" });

        // Assert
        var item = await subscriber.ReadAsync();
        Assert.NotNull(item);
        Assert.Equal("message", item.Value.EventType);
        Assert.Null(item.Value.ReconnectionInterval);
        Assert.Equal($"id: {reply.Id}\ndata: hello\n\n", await ReadFrameAsync(raw, reply.Id));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Subscribe_WithOriginAndDefaultCors_AllowsAnyOrigin(bool directWrites)
    {
        // Arrange
        await using var service = await StartAsync(DirectWrites(directWrites));

        // Act
        using var response = await SubscribeWithOriginAsync(service, "https://anywhere.example");

        // Assert
        Assert.True(response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values));
        Assert.Equal(["*"], values);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Subscribe_WithConfiguredOriginsAndAllowedOrigin_EchoesOrigin(bool directWrites)
    {
        // Arrange
        var settings = DirectWrites(directWrites);
        settings["Sse:CorsOrigins"] = "https://a.example";
        await using var service = await StartAsync(settings);

        // Act
        using var response = await SubscribeWithOriginAsync(service, "https://a.example");

        // Assert
        Assert.True(response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values));
        Assert.Equal(["https://a.example"], values);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Subscribe_WithConfiguredOriginsAndOtherOrigin_SendsNoAllowOriginHeader(bool directWrites)
    {
        // Arrange
        var settings = DirectWrites(directWrites);
        settings["Sse:CorsOrigins"] = "https://a.example";
        await using var service = await StartAsync(settings);

        // Act
        using var response = await SubscribeWithOriginAsync(service, "https://b.example");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    protected static Dictionary<string, string?> DirectWrites(bool on) =>
        new() { ["Sse:DirectSocketWrites"] = on ? "true" : "false" };

    protected Task<TestService> StartAsync(IDictionary<string, string?>? settings = null) => TestService.StartAsync(settings, Transport);

    private static async Task<HttpResponseMessage> SubscribeWithOriginAsync(TestService service, string origin)
    {
        using var timeout = new CancellationTokenSource(SseSubscriber.DefaultTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/subscribe/pets");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("Origin", origin);
        var response = await service.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(service.HttpVersion, response.Version);
        return response;
    }

    /// <summary>Reads until the event with <paramref name="id"/> is complete; returns it from "id:" to its blank line.</summary>
    private static async Task<string> ReadFrameAsync(RawSubscriber raw, string id)
    {
        var start = $"id: {id}\n";
        var body = await raw.ReadUntilAsync(b =>
        {
            var at = b.IndexOf(start, StringComparison.Ordinal);
            return at >= 0 && b.IndexOf("\n\n", at, StringComparison.Ordinal) >= 0;
        });
        var begin = body.IndexOf(start, StringComparison.Ordinal);
        var end = body.IndexOf("\n\n", begin, StringComparison.Ordinal) + 2;
        return body[begin..end];
    }
}

/// <summary>Plain HTTP/1.1, streams written straight to their sockets (the shipped default).</summary>
public sealed class StreamFormatTestsOverHttp1Direct : StreamFormatTests
{
    protected override Transport Transport => Transport.Http1Direct;

    /// <summary>
    /// Written straight to the socket, the body ends with the connection (no chunked framing to add);
    /// through the server's pipeline it is chunked and the connection is left to the server.
    /// </summary>
    [Theory]
    [InlineData(true, "close", null)]
    [InlineData(false, null, "chunked")]
    public async Task Subscribe_Always_SendsEventStreamHeadersAndFramesTheBodyForItsPath(bool directWrites, string? connection, string? transferEncoding)
    {
        // Arrange
        await using var service = await TestService.StartAsync(DirectWrites(directWrites), Transport);
        await using var raw = await RawHttpConnection.OpenAsync(service.HttpAddress, "/subscribe/pets");
        var reader = new RawResponseReader(raw);

        // Act
        var response = await reader.ReadUntilAsync(r => r.IsHeadComplete);

        // Assert
        Assert.Equal("HTTP/1.1 200 OK", response.StatusLine);
        Assert.Equal(["text/event-stream"], response.HeaderValues("Content-Type"));
        Assert.Equal(["no-cache"], response.HeaderValues("Cache-Control"));
        Assert.Equal(["no"], response.HeaderValues("X-Accel-Buffering"));
        Assert.Equal(["nosniff"], response.HeaderValues("X-Content-Type-Options"));
        Assert.Equal(connection is null ? [] : [connection], response.HeaderValues("Connection"));
        Assert.Equal(transferEncoding is null ? [] : [transferEncoding], response.HeaderValues("Transfer-Encoding"));
        Assert.Empty(response.HeaderValues("Content-Length"));
    }
}

/// <summary>HTTPS with HTTP/2: each stream is one HTTP/2 stream through Kestrel's response pipeline.</summary>
public sealed class StreamFormatTestsOverHttpsHttp2 : StreamFormatTests
{
    protected override Transport Transport => Transport.HttpsHttp2;

    /// <summary>
    /// HTTP/2 has no chunked framing and no Connection header (RFC 9113 section 8.2.2 forbids them):
    /// the body's end is the stream's, whatever <c>Sse:DirectSocketWrites</c> says.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Subscribe_Always_SendsEventStreamHeadersOverHttp2(bool directWrites)
    {
        // Arrange
        await using var service = await StartAsync(DirectWrites(directWrites));

        // Act
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets");

        // Assert
        var response = subscriber.Response;
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(["no-cache"], response.Headers.GetValues("Cache-Control"));
        Assert.Equal(["no"], response.Headers.GetValues("X-Accel-Buffering"));
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
        Assert.False(response.Headers.Contains("Connection"));
        Assert.Null(response.Headers.TransferEncodingChunked);
        Assert.Null(response.Content.Headers.ContentLength);
    }

    /// <summary>
    /// A client that offers only HTTP/1.1 over TLS (ALPN "http/1.1") gets a chunked stream from
    /// Kestrel's pipeline on the same endpoint: TLS streams never take the direct socket path.
    /// </summary>
    [Fact]
    public async Task Subscribe_Http11OverTls_GetsAChunkedStreamThatCarriesEvents()
    {
        // Arrange
        await using var service = await StartAsync(DirectWrites(true));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(service.HttpAddress.Host, service.HttpAddress.Port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = service.HttpAddress.Host,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            CertificateChainPolicy = TestCertificate.TrustOnlyThis(),
        });
        Assert.Equal(SslApplicationProtocol.Http11, tls.NegotiatedApplicationProtocol);
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET /subscribe/pets HTTP/1.1\r\nHost: {service.HttpAddress.Authority}\r\nAccept: text/event-stream\r\n\r\n"));
        var received = "";
        var buffer = new byte[16 * 1024];
        async Task<RawHttpResponse> ReadUntilAsync(Func<RawHttpResponse, bool> done)
        {
            using var timeout = new CancellationTokenSource(SseSubscriber.DefaultTimeout);
            while (!done(RawHttpResponse.Parse(received)))
            {
                var read = await tls.ReadAsync(buffer, timeout.Token);
                Assert.True(read > 0, "the server closed the connection");
                received += Encoding.UTF8.GetString(buffer, 0, read);
            }

            return RawHttpResponse.Parse(received);
        }

        await ReadUntilAsync(r => r.Body.Contains(": ok\n\n", StringComparison.Ordinal));

        // Act
        var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = "over TLS" });

        // Assert
        var response = await ReadUntilAsync(r => r.Body.Contains("data: over TLS\n\n", StringComparison.Ordinal));
        Assert.Equal("HTTP/1.1 200 OK", response.StatusLine);
        Assert.Equal(["chunked"], response.HeaderValues("Transfer-Encoding"));
        Assert.Empty(response.HeaderValues("Connection"));
        Assert.Equal(["text/event-stream"], response.HeaderValues("Content-Type"));
        Assert.Contains($"id: {reply.Id}\ndata: over TLS\n\n", response.Body, StringComparison.Ordinal);
    }
}
