using System.Net;
using System.Threading.Channels;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Client;

/// <summary>One request the subscription client made, as the server answered it.</summary>
public sealed record ConnectionAttempt(string? LastEventId, HttpStatusCode? Status, string? Resume);

/// <summary>
/// Sits in front of the subscription client's socket handler: records every connection attempt, so a test
/// can wait for "connected again" as an event, and can hold the next attempt back, so a test can publish
/// while the client is certainly away.
/// </summary>
public sealed class ConnectionRecorder : DelegatingHandler
{
    private readonly Channel<ConnectionAttempt> _attempts = Channel.CreateUnbounded<ConnectionAttempt>();
    private TaskCompletionSource? _gate;

    /// <summary>An HttpClient for <paramref name="baseAddress"/> through this recorder, as the library expects it (no timeout).</summary>
    public HttpClient CreateClient(Uri baseAddress)
    {
        InnerHandler = new SocketsHttpHandler();
        return new HttpClient(this, disposeHandler: false) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Holds every attempt from now on until <see cref="Release"/>.</summary>
    public void HoldNext() => Volatile.Write(ref _gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public void Release() => Interlocked.Exchange(ref _gate, null)?.TrySetResult();

    /// <summary>The next attempt once the server answered it (or it failed).</summary>
    public async Task<ConnectionAttempt> NextAsync(TimeSpan? timeout = null)
    {
        using var wait = new CancellationTokenSource(timeout ?? SseSubscriber.DefaultTimeout);
        try
        {
            return await _attempts.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested)
        {
            throw new TimeoutException($"no connection attempt within {timeout ?? SseSubscriber.DefaultTimeout}");
        }
    }

    /// <summary>Attempts recorded but not yet taken with <see cref="NextAsync"/>.</summary>
    public int Pending => _attempts.Reader.Count;

    /// <summary>The ?lastEventId= the client sends instead of the header for an id that is not ASCII.</summary>
    private static string? LastEventIdQueryOf(Uri? uri)
    {
        const string Prefix = "?lastEventId=";
        var query = uri?.Query ?? "";
        return query.StartsWith(Prefix, StringComparison.Ordinal) ? Uri.UnescapeDataString(query[Prefix.Length..]) : null;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _gate) is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        var lastEventId = request.Headers.TryGetValues("Last-Event-ID", out var ids) ? string.Join(",", ids) : LastEventIdQueryOf(request.RequestUri);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch (Exception)
        {
            _attempts.Writer.TryWrite(new ConnectionAttempt(lastEventId, null, null));
            throw;
        }

        var resume = response.Headers.TryGetValues("X-SSE-Resume", out var values) ? string.Join(",", values) : null;
        _attempts.Writer.TryWrite(new ConnectionAttempt(lastEventId, response.StatusCode, resume));
        return response;
    }
}
