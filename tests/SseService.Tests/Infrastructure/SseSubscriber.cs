using System.Net.ServerSentEvents;

namespace SseService.Tests.Infrastructure;

/// <summary>An SSE client over a real HTTP connection, read with the runtime's <see cref="SseParser"/>.</summary>
public sealed class SseSubscriber : IAsyncDisposable
{
    /// <summary>How long a test waits for an event before it fails: generous for a noisy machine.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpResponseMessage _response;
    private readonly Stream _body;
    private readonly IAsyncEnumerator<SseItem<string>> _events;
    private readonly CancellationTokenSource _lifetime = new();

    private SseSubscriber(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _body = body;
        _events = SseParser.Create(body).EnumerateAsync(_lifetime.Token).GetAsyncEnumerator(_lifetime.Token);
    }

    public HttpResponseMessage Response => _response;

    /// <summary>The id of the last event read, as a browser would send it back in Last-Event-ID.</summary>
    public string? LastEventId { get; private set; }

    /// <param name="lastEventId">Sent as Last-Event-ID, as a reconnecting EventSource does.</param>
    public static async Task<SseSubscriber> ConnectAsync(HttpClient http, string path, string? lastEventId = null, CancellationToken cancellationToken = default)
    {
        var (subscriber, response) = await TryConnectAsync(http, path, lastEventId, cancellationToken: cancellationToken);
        if (subscriber is null)
        {
            using (response)
            {
                response.EnsureSuccessStatusCode();
            }
        }

        return subscriber!;
    }

    /// <summary>Like <see cref="ConnectAsync"/>, but a refusal comes back as the response (status, headers) instead of an exception.</summary>
    /// <param name="asEventSource">
    /// Send <c>Accept: text/event-stream</c> as EventSource does; such a client is refused with a 200 stream that
    /// says when to come back, where any other gets 503 or 429.
    /// </param>
    public static async Task<(SseSubscriber? Subscriber, HttpResponseMessage Response)> TryConnectAsync(
        HttpClient http, string path, string? lastEventId = null, bool asEventSource = true, CancellationToken cancellationToken = default)
    {
        // A request message carries HTTP/1.1 unless told otherwise, whatever the client's default.
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Version = http.DefaultRequestVersion, VersionPolicy = http.DefaultVersionPolicy };
        if (asEventSource)
        {
            request.Headers.Accept.ParseAdd("text/event-stream");
        }

        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return (null, response);
        }

        // Headers arrive with the opening comment, which the server writes only after the hub has
        // registered the subscription: from here on nothing published is missed.
        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return (new SseSubscriber(response, body), response);
    }

    /// <summary>Reads the next event, or fails after <paramref name="timeout"/>; null when the stream ended.</summary>
    public async Task<SseItem<string>?> ReadAsync(TimeSpan? timeout = null)
    {
        var next = _events.MoveNextAsync().AsTask();
        var finished = await Task.WhenAny(next, Task.Delay(timeout ?? DefaultTimeout));
        if (finished != next)
        {
            throw new TimeoutException($"no event within {timeout ?? DefaultTimeout}");
        }

        if (!await next)
        {
            return null;
        }

        var item = _events.Current;
        LastEventId = item.EventId ?? LastEventId;
        return item;
    }

    /// <summary>Reads exactly <paramref name="count"/> events; fails if the stream ends or stalls first.</summary>
    public async Task<List<SseItem<string>>> ReadManyAsync(int count, TimeSpan? timeoutEach = null)
    {
        var items = new List<SseItem<string>>(count);
        while (items.Count < count)
        {
            var item = await ReadAsync(timeoutEach) ?? throw new EndOfStreamException($"stream ended after {items.Count} of {count} events");
            items.Add(item);
        }

        return items;
    }

    /// <summary>Waits for the server to end the stream, failing if an event arrives first.</summary>
    public async Task AssertEndsAsync(TimeSpan? timeout = null)
    {
        var item = await ReadAsync(timeout);
        Assert.Null(item);
    }

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync();
        try
        {
            await _events.DisposeAsync();
        }
        catch (OperationCanceledException)
        {
        }

        await _body.DisposeAsync();
        _response.Dispose();
        _lifetime.Dispose();
    }
}
