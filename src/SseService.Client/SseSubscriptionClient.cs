using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace SseService.Client;

/// <summary>
/// Subscribes to <c>GET /subscribe/{namespace}</c> of SseService and keeps the subscription alive:
/// when the stream ends or fails it reconnects by itself with <c>Last-Event-ID</c> set to the last id
/// it received, so the service replays what was missed and the consumer sees no gap and no duplicate.
/// When the service cannot replay everything, a reset event (<see cref="SseEvent.IsReset"/>) comes first.
/// </summary>
/// <remarks>
/// Thread-safe; one instance can serve any number of subscriptions. It holds at most one connection
/// and one event at a time per subscription. Register it with
/// <see cref="Microsoft.Extensions.DependencyInjection.SseClientServiceCollectionExtensions.AddSseSubscriptionClient"/>, or construct it over an
/// <see cref="HttpClient"/> whose <see cref="HttpClient.Timeout"/> is infinite (an SSE response never ends).
/// </remarks>
public sealed class SseSubscriptionClient
{
    private const string EventStreamMediaType = "text/event-stream";

    private readonly HttpClient _http;
    private readonly Uri _address;
    private readonly TimeSpan _reconnectDelay;
    private readonly TimeSpan _maxReconnectDelay;
    private readonly TimeSpan _idleTimeout;
    private readonly string _resetEventType;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Random _random;

    /// <summary>Creates a client over <paramref name="httpClient"/>.</summary>
    /// <param name="httpClient">Sends the requests; its timeout should be infinite.</param>
    /// <param name="options">Where and how to connect; <see langword="null"/> for the defaults with the client's base address.</param>
    /// <param name="logger">Logs connections, losses and resets.</param>
    /// <exception cref="OptionsValidationException">An option is out of range.</exception>
    /// <exception cref="ArgumentException">Neither <see cref="SseSubscriptionClientOptions.Address"/> nor the client's base address is set.</exception>
    public SseSubscriptionClient(HttpClient httpClient, SseSubscriptionClientOptions? options = null, ILogger<SseSubscriptionClient>? logger = null)
        : this(httpClient, options, logger, TimeProvider.System)
    {
    }

    /// <summary>The public constructor's work, with the clock and the jitter source injectable (tests, DI).</summary>
    /// <param name="httpClient">Sends the requests; its timeout should be infinite.</param>
    /// <param name="options">Where and how to connect.</param>
    /// <param name="logger">Logs connections, losses and resets.</param>
    /// <param name="time">Runs the reconnect waits and tells how long a connection lived.</param>
    /// <param name="random">Draws the jitter of the reconnect waits; <see cref="Random.Shared"/> when null.</param>
    internal SseSubscriptionClient(HttpClient httpClient, SseSubscriptionClientOptions? options, ILogger? logger, TimeProvider time, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        options ??= new SseSubscriptionClientOptions();
        var validation = new SseSubscriptionClientOptionsValidator { RequireAddress = false }.Validate(Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(SseSubscriptionClientOptions), validation.Failures);
        }

        var address = options.Address ?? httpClient.BaseAddress
            ?? throw new ArgumentException(
                $"Set {nameof(SseSubscriptionClientOptions)}.{nameof(SseSubscriptionClientOptions.Address)} or the HttpClient's BaseAddress to the HTTP endpoint of SseService, e.g. http://localhost:8001.",
                nameof(options));

        _http = httpClient;
        _address = BaseAddressOf(address);
        _reconnectDelay = options.ReconnectDelay;
        _maxReconnectDelay = options.MaxReconnectDelay;
        _idleTimeout = options.IdleTimeout;
        _resetEventType = options.ResetEventType;
        _logger = logger ?? NullLogger.Instance;
        _time = time;
        _random = random ?? Random.Shared;
    }

    /// <summary>
    /// Subscribes to <paramref name="ns"/> and everything below it. Enumerate the result with
    /// <c>await foreach</c>: connection happens on the first <c>MoveNextAsync</c>; losses are repaired
    /// silently (waiting at least the server's <c>retry:</c> hint, else <see cref="SseSubscriptionClientOptions.ReconnectDelay"/>,
    /// with jittered backoff); cancelling <paramref name="cancellationToken"/> closes the connection and ends the
    /// sequence normally, without an exception.
    /// </summary>
    /// <param name="ns">Absolute namespace, e.g. <c>/pets</c>; <c>/</c> for everything.</param>
    /// <param name="lastEventId">Resume after this id (from an earlier run), or <see langword="null"/> for live events only.</param>
    /// <param name="cancellationToken">Ends the subscription.</param>
    /// <returns>The events, in order. A reset event (<see cref="SseEvent.IsReset"/>) says that events before it may be missing.</returns>
    /// <exception cref="ArgumentException"><paramref name="ns"/> is not an absolute namespace.</exception>
    /// <exception cref="HttpRequestException">
    /// Thrown by the enumeration when the service refuses the subscription for good (a 4xx status such as
    /// 400 for a namespace it does not accept, or a response that is not an event stream); the message
    /// carries the service's reason. Network failures and 5xx, 408 and 429 answers are retried instead.
    /// </exception>
    public IAsyncEnumerable<SseEvent> SubscribeAsync(string ns, string? lastEventId = null, CancellationToken cancellationToken = default)
    {
        var uri = new Uri(_address, SubscribePath(ns));
        return SubscribeCoreAsync(uri, string.IsNullOrEmpty(lastEventId) ? null : lastEventId, cancellationToken);
    }

    /// <summary>
    /// Subscribes to several namespaces on one stream (<c>/subscribe/{first}?namespace={second}&amp;…</c>):
    /// each event any of them receives arrives once, in the service's order, also where they overlap, and
    /// a reconnect resumes all of them from one last event id. Otherwise as <see cref="SubscribeAsync(string, string?, CancellationToken)"/>.
    /// </summary>
    /// <param name="namespaces">Absolute namespaces, at least one (at most the service's <c>Sse:MaxNamespacesPerStream</c>, 32 by default).</param>
    /// <param name="lastEventId">Resume after this id (from an earlier run), or <see langword="null"/> for live events only.</param>
    /// <param name="cancellationToken">Ends the subscription.</param>
    /// <exception cref="ArgumentException">No namespace, or one that is not an absolute namespace.</exception>
    public IAsyncEnumerable<SseEvent> SubscribeAsync(IReadOnlyList<string> namespaces, string? lastEventId = null, CancellationToken cancellationToken = default)
    {
        var uri = new Uri(_address, SubscribePath(namespaces));
        return SubscribeCoreAsync(uri, string.IsNullOrEmpty(lastEventId) ? null : lastEventId, cancellationToken);
    }

    private async IAsyncEnumerable<SseEvent> SubscribeCoreAsync(Uri uri, string? lastEventId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        TimeSpan? serverHint = null;
        var backoff = new ReconnectBackoff(_reconnectDelay, _maxReconnectDelay, _random);
        var connectedBefore = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var (connection, error, retryAfter) = await TryConnectAsync(uri, lastEventId, cancellationToken).ConfigureAwait(false);
            var healthy = false;
            var outcome = ReadOutcome.Lost;
            if (connection is not null)
            {
                await using (connection.ConfigureAwait(false))
                {
                    if (connectedBefore && lastEventId is null)
                    {
                        // The server has no id to resume from, so it cannot say what was missed: say it ourselves.
                        SseClientLog.ResetReceived(_logger, uri, SseResetReasons.NoLastEventId, null);
                        yield return NoLastEventIdReset();
                    }

                    connectedBefore = true;
                    while ((outcome = await connection.MoveNextAsync(cancellationToken).ConfigureAwait(false)) == ReadOutcome.Event)
                    {
                        var item = connection.Current;
                        if (item.EventId is not null)
                        {
                            lastEventId = item.EventId.Length > 0 ? item.EventId : null;
                        }

                        healthy = true;
                        yield return ToEvent(item, uri);
                    }

                    lastEventId = connection.LastEventId ?? lastEventId;
                    serverHint = connection.ReconnectionInterval ?? serverHint;
                    error = connection.Error;
                    // A connection that lived long counts as healthy even if nothing was published meanwhile.
                    healthy |= _time.GetElapsedTime(connection.StartedAt) >= _maxReconnectDelay;
                }
            }

            if (cancellationToken.IsCancellationRequested || outcome == ReadOutcome.Cancelled)
            {
                yield break;
            }

            if (healthy)
            {
                backoff.Reset();
            }

            var delay = backoff.Next(serverHint, retryAfter);
            LogLoss(uri, outcome, error, delay);
            if (!await DelayAsync(delay, cancellationToken).ConfigureAwait(false))
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// Opens one connection; (null, error, Retry-After if the server sent one) for a failure worth
    /// retrying, throws for one that is not.
    /// </summary>
    private async Task<(Connection? Connection, Exception? Error, TimeSpan? RetryAfter)> TryConnectAsync(Uri uri, string? lastEventId, CancellationToken cancellationToken)
    {
        var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        HttpResponseMessage? response = null;
        try
        {
            // The idle timeout also bounds the wait for response headers.
            if (_idleTimeout != Timeout.InfiniteTimeSpan)
            {
                idle.CancelAfter(_idleTimeout);
            }

            var startedAt = _time.GetTimestamp();
            // An HttpClient sends only ASCII header values unless its handler was told otherwise, so an id
            // with other characters goes in the query (?lastEventId=, percent-encoded UTF-8), which the
            // service reads the same way.
            var headerSafe = lastEventId is null || System.Text.Ascii.IsValid(lastEventId);
            using var request = new HttpRequestMessage(HttpMethod.Get, headerSafe ? uri : WithLastEventIdQuery(uri, lastEventId!));
            // No "Accept: text/event-stream": that asks for the browsers' form of a refusal (a 200 stream
            // that only carries retry:), while this client reads 503/429 and Retry-After itself.
            request.Headers.CacheControl = new System.Net.Http.Headers.CacheControlHeaderValue { NoCache = true };
            if (lastEventId is not null && headerSafe)
            {
                request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
            }

            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, idle.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var refused = new HttpRequestException(
                    $"SseService answered {(int)response.StatusCode} ({response.ReasonPhrase}) to GET {uri.AbsolutePath}: {await ReadReasonAsync(response, idle.Token).ConfigureAwait(false)}",
                    inner: null,
                    response.StatusCode);
                return IsTransient(response.StatusCode) ? (null, refused, RetryAfterOf(response)) : throw refused;
            }

            if (!string.Equals(response.Content.Headers.ContentType?.MediaType, EventStreamMediaType, StringComparison.OrdinalIgnoreCase))
            {
                throw new HttpRequestException(
                    $"GET {uri} answered '{response.Content.Headers.ContentType}', not an event stream: is the address the HTTP endpoint of SseService?",
                    inner: null,
                    response.StatusCode);
            }

            var body = await response.Content.ReadAsStreamAsync(idle.Token).ConfigureAwait(false);
            idle.CancelAfter(Timeout.InfiniteTimeSpan); // from here on, IdleTimeoutStream runs the clock
            var resume = response.Headers.TryGetValues("X-SSE-Resume", out var values) ? string.Join(",", values) : null;
            SseClientLog.Connected(_logger, uri, lastEventId, resume);
            var connection = new Connection(response, new IdleTimeoutStream(body, idle, _idleTimeout), idle, startedAt);
            (response, idle) = (null, null); // owned by the connection now
            return (connection, null, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (null, null, null);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException || e is HttpRequestException { StatusCode: null })
        {
            // Refused connection, reset, DNS failure, no headers within the idle timeout: try again later.
            return (null, e, null);
        }
        finally
        {
            response?.Dispose();
            idle?.Dispose();
        }
    }

    private static Uri WithLastEventIdQuery(Uri uri, string lastEventId) =>
        new UriBuilder(uri) { Query = "lastEventId=" + Uri.EscapeDataString(lastEventId) }.Uri;

    /// <summary>The wait a 503 or 429 asked for (<c>Retry-After</c>, in seconds or as a date).</summary>
    private TimeSpan? RetryAfterOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } when date > _time.GetUtcNow() => date - _time.GetUtcNow(),
        _ => null,
    };

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>The service explains a refusal in a short plain-text body; read at most 1 KiB of it.</summary>
    private static async Task<string> ReadReasonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = new byte[1024];
                var length = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                return Encoding.UTF8.GetString(buffer, 0, length).Trim();
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return "(no reason given)";
        }
    }

    private SseEvent ToEvent(SseItem<string> item, Uri uri)
    {
        var received = new SseEvent(item.EventType, item.Data, string.IsNullOrEmpty(item.EventId) ? null : item.EventId);
        if (item.EventType != _resetEventType)
        {
            return received;
        }

        var notice = ParseResetNotice(item.Data);
        SseClientLog.ResetReceived(_logger, uri, notice.Reason, notice.LastEventId);
        return received with { Reset = notice };
    }

    /// <summary>The reset event's data: <c>{"lastEventId": "...", "reason": "too_old" | "unknown"}</c>.</summary>
    private static SseResetNotice ParseResetNotice(string data)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new SseResetNotice(null, SseResetReasons.Unknown);
            }

            var lastEventId = root.TryGetProperty("lastEventId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            var reason = root.TryGetProperty("reason", out var why) && why.ValueKind == JsonValueKind.String ? why.GetString() : null;
            return new SseResetNotice(lastEventId, reason ?? SseResetReasons.Unknown);
        }
        catch (JsonException)
        {
            return new SseResetNotice(null, SseResetReasons.Unknown);
        }
    }

    private SseEvent NoLastEventIdReset() =>
        new(_resetEventType, """{"lastEventId":null,"reason":"no_last_event_id"}""", Id: null)
        {
            Reset = new SseResetNotice(null, SseResetReasons.NoLastEventId),
        };

    private void LogLoss(Uri uri, ReadOutcome outcome, Exception? error, TimeSpan delay)
    {
        if (outcome == ReadOutcome.Idle)
        {
            SseClientLog.ConnectionIdle(_logger, uri, _idleTimeout, delay);
        }
        else if (error is not null)
        {
            SseClientLog.ConnectionLost(_logger, error, uri, delay);
        }
        else
        {
            SseClientLog.StreamEnded(_logger, uri, delay);
        }
    }

    /// <summary>Waits before the next attempt; false when cancelled meanwhile.</summary>
    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Relative subscribe paths resolve under the address's own path only when it ends with '/'.</summary>
    internal static Uri BaseAddressOf(Uri address) =>
        address.AbsolutePath.EndsWith('/') ? address : new UriBuilder(address) { Path = address.AbsolutePath + "/" }.Uri;

    /// <summary>The first namespace in the path, the others as <c>namespace</c> query parameters.</summary>
    internal static string SubscribePath(IReadOnlyList<string> namespaces)
    {
        ArgumentNullException.ThrowIfNull(namespaces);
        if (namespaces.Count == 0)
        {
            throw new ArgumentException("At least one namespace is required.", nameof(namespaces));
        }

        var builder = new StringBuilder(SubscribePath(namespaces[0]));
        for (var i = 1; i < namespaces.Count; i++)
        {
            _ = SubscribePath(namespaces[i]); // the same checks as the first
            var ns = namespaces[i].Length > 1 && namespaces[i][^1] == '/' ? namespaces[i][..^1] : namespaces[i];
            builder.Append(i == 1 ? '?' : '&').Append("namespace=").Append(Uri.EscapeDataString(ns));
        }

        return builder.ToString();
    }

    internal static string SubscribePath(string ns)
    {
        ArgumentException.ThrowIfNullOrEmpty(ns);
        if (ns[0] != '/')
        {
            throw new ArgumentException($"Namespace \"{ns}\" must start with '/'.", nameof(ns));
        }

        // One trailing '/' is dropped, as the service does ("/pets/" is "/pets").
        var path = ns.Length > 1 && ns[^1] == '/' ? ns[1..^1] : ns[1..];
        if (path.Length == 0)
        {
            return "subscribe/";
        }

        var builder = new StringBuilder("subscribe");
        foreach (var segment in path.Split('/'))
        {
            // Checked here because System.Uri would silently resolve "." and ".." into another namespace.
            if (segment is "" or "." or "..")
            {
                throw new ArgumentException($"Namespace \"{ns}\" has an empty, '.' or '..' segment.", nameof(ns));
            }

            // The service percent-decodes each segment once, so any character survives the trip.
            builder.Append('/').Append(Uri.EscapeDataString(segment));
        }

        return builder.ToString();
    }

    private enum ReadOutcome
    {
        Event,
        Ended,
        Lost,
        Idle,
        Cancelled,
    }

    /// <summary>One HTTP response being parsed: owns the response, its body and its idle timer.</summary>
    private sealed class Connection : IAsyncDisposable
    {
        private readonly HttpResponseMessage _response;
        private readonly Stream _body;
        private readonly CancellationTokenSource _idle;
        private readonly SseParser<string> _parser;
        private readonly IAsyncEnumerator<SseItem<string>> _events;

        public Connection(HttpResponseMessage response, Stream body, CancellationTokenSource idle, long startedAt)
        {
            _response = response;
            _body = body;
            _idle = idle;
            StartedAt = startedAt;
            _parser = SseParser.Create(body);
            _events = _parser.EnumerateAsync(idle.Token).GetAsyncEnumerator(idle.Token);
        }

        public long StartedAt { get; }

        public SseItem<string> Current => _events.Current;

        /// <summary>Why the stream stopped, when it failed.</summary>
        public Exception? Error { get; private set; }

        /// <summary>The last <c>retry:</c> received, if any (it persists across connections, as in a browser).</summary>
        public TimeSpan? ReconnectionInterval =>
            _parser.ReconnectionInterval == Timeout.InfiniteTimeSpan ? null : _parser.ReconnectionInterval;

        /// <summary>
        /// The last id the stream set, events or not: the service opens each stream with an id-only
        /// block (where it starts), so a connection lost before any event can still be resumed.
        /// </summary>
        public string? LastEventId => _parser.LastEventId is { Length: > 0 } id ? id : null;

        public async ValueTask<ReadOutcome> MoveNextAsync(CancellationToken cancellationToken)
        {
            try
            {
                return await _events.MoveNextAsync().ConfigureAwait(false) ? ReadOutcome.Event : ReadOutcome.Ended;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ReadOutcome.Cancelled;
            }
            catch (OperationCanceledException e) when (_idle.IsCancellationRequested)
            {
                Error = e;
                return ReadOutcome.Idle;
            }
            catch (Exception e) when (e is IOException or HttpRequestException or ObjectDisposedException)
            {
                // The server aborted the stream (it does so to a client it found too slow), or the network failed.
                Error = e;
                return ReadOutcome.Lost;
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _events.DisposeAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            await _body.DisposeAsync().ConfigureAwait(false);
            _response.Dispose();
            _idle.Dispose();
        }
    }
}
