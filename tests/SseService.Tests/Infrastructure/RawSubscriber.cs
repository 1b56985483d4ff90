using System.Text;

namespace SseService.Tests.Infrastructure;

/// <summary>
/// One subscribe stream whose body a test reads exactly as the server sent it (comments,
/// keep-alives, field order), over any <see cref="Transport"/>: from a bare socket over plain
/// HTTP/1.1, where an HTTP client would hide the bytes, and from HttpClient's HTTP/2 response stream
/// over HTTPS, where the frames are HTTP/2's and the body is what the stream carries.
/// </summary>
public abstract class RawSubscriber : IAsyncDisposable
{
    /// <summary>The body received so far.</summary>
    public abstract string Body { get; }

    /// <param name="stalls">
    /// For a client that will stop reading: over HTTP/1.1 its socket gets a small receive buffer so
    /// the server backs up quickly; over HTTP/2 the stream's own flow-control window does that.
    /// </param>
    public static async Task<RawSubscriber> OpenAsync(TestService service, string path, bool stalls = false) => service.Transport switch
    {
        Transport.Http1Direct => new OverSocket(await RawHttpConnection.OpenAsync(service.HttpAddress, path, receiveBufferBytes: stalls ? 4096 : null)),
        Transport.HttpsHttp2 => await OverHttpClient.OpenAsync(service.Http, service.HttpVersion, path),
        _ => throw new ArgumentOutOfRangeException(nameof(service)),
    };

    /// <summary>
    /// Reads until <paramref name="done"/> holds for the body so far; fails after <paramref name="timeout"/>
    /// (default <see cref="SseSubscriber.DefaultTimeout"/>) or if the stream ends first.
    /// </summary>
    public abstract Task<string> ReadUntilAsync(Func<string, bool> done, TimeSpan? timeout = null);

    /// <summary>Reads until the body contains <paramref name="text"/>.</summary>
    public Task<string> ReadUntilContainsAsync(string text, TimeSpan? timeout = null) =>
        ReadUntilAsync(body => body.Contains(text, StringComparison.Ordinal), timeout);

    /// <summary>
    /// Reads until the server ends or resets the stream: the bytes read by this call, and whether the
    /// end was a reset (of the TCP connection over HTTP/1.1, of this one stream over HTTP/2) rather
    /// than a clean end.
    /// </summary>
    public abstract Task<(long Bytes, bool Reset)> ReadToEndAsync(TimeSpan timeout);

    public abstract ValueTask DisposeAsync();

    private sealed class OverSocket(RawHttpConnection connection) : RawSubscriber
    {
        private readonly RawResponseReader _reader = new(connection);

        public override string Body => _reader.Response.Body;

        public override async Task<string> ReadUntilAsync(Func<string, bool> done, TimeSpan? timeout = null) =>
            (await _reader.ReadUntilAsync(response => done(response.Body), timeout)).Body;

        public override Task<(long Bytes, bool Reset)> ReadToEndAsync(TimeSpan timeout) => connection.ReadToEndAsync(timeout);

        public override ValueTask DisposeAsync() => connection.DisposeAsync();
    }

    private sealed class OverHttpClient : RawSubscriber
    {
        private readonly HttpResponseMessage _response;
        private readonly Stream _body;
        private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
        private readonly StringBuilder _text = new();
        private readonly byte[] _buffer = new byte[16 * 1024];
        private readonly char[] _chars = new char[(16 * 1024) + 2]; // a decoder may add a character held from the last read

        private OverHttpClient(HttpResponseMessage response, Stream body)
        {
            _response = response;
            _body = body;
        }

        public override string Body => _text.ToString();

        public static async Task<RawSubscriber> OpenAsync(HttpClient http, Version version, string path)
        {
            using var timeout = new CancellationTokenSource(SseSubscriber.DefaultTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.ParseAdd("text/event-stream");
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            Assert.Equal(version, response.Version);
            response.EnsureSuccessStatusCode();
            return new OverHttpClient(response, await response.Content.ReadAsStreamAsync(timeout.Token));
        }

        public override async Task<string> ReadUntilAsync(Func<string, bool> done, TimeSpan? timeout = null)
        {
            using var cancellation = new CancellationTokenSource(timeout ?? SseSubscriber.DefaultTimeout);
            while (!done(Body))
            {
                int read;
                try
                {
                    read = await _body.ReadAsync(_buffer, cancellation.Token);
                }
                catch (OperationCanceledException e)
                {
                    throw new TimeoutException($"condition not met within {timeout ?? SseSubscriber.DefaultTimeout}", e);
                }

                if (read == 0)
                {
                    throw new EndOfStreamException("the server ended the stream before the condition was met");
                }

                Append(read);
            }

            return Body;
        }

        public override async Task<(long Bytes, bool Reset)> ReadToEndAsync(TimeSpan timeout)
        {
            using var cancellation = new CancellationTokenSource(timeout);
            long total = 0;
            try
            {
                int read;
                while ((read = await _body.ReadAsync(_buffer, cancellation.Token)) > 0)
                {
                    total += read;
                    Append(read);
                }
            }
            catch (HttpProtocolException)
            {
                // RST_STREAM: how the server cuts one HTTP/2 stream and leaves the connection alone.
                return (total, true);
            }

            return (total, false);
        }

        public override async ValueTask DisposeAsync()
        {
            await _body.DisposeAsync();
            _response.Dispose();
        }

        private void Append(int bytes)
        {
            var chars = _utf8.GetChars(_buffer, 0, bytes, _chars, 0);
            _text.Append(_chars, 0, chars);
        }
    }
}
