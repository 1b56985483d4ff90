namespace SseService.Tests.Infrastructure;

/// <summary>
/// Keeps everything a <see cref="RawHttpConnection"/> received across reads, so a test can wait for
/// the head, then for one event, then for another, always looking at the whole response so far.
/// </summary>
public sealed class RawResponseReader(RawHttpConnection connection)
{
    private string _received = "";

    /// <summary>The response received so far.</summary>
    public RawHttpResponse Response => RawHttpResponse.Parse(_received);

    /// <summary>
    /// Reads until <paramref name="done"/> holds for the response so far; fails after
    /// <paramref name="timeout"/> (default <see cref="SseSubscriber.DefaultTimeout"/>) or if the server closes first.
    /// </summary>
    public async Task<RawHttpResponse> ReadUntilAsync(Func<RawHttpResponse, bool> done, TimeSpan? timeout = null)
    {
        var before = _received;
        var satisfied = false;
        try
        {
            _received = before + await connection.ReadUntilAsync(
                text => satisfied = done(RawHttpResponse.Parse(before + text)),
                timeout ?? SseSubscriber.DefaultTimeout);
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"condition not met within {timeout ?? SseSubscriber.DefaultTimeout}", e);
        }

        if (!satisfied)
        {
            throw new EndOfStreamException("the server closed the connection before the condition was met");
        }

        return Response;
    }

    /// <summary>Reads until the body contains <paramref name="text"/>.</summary>
    public Task<RawHttpResponse> ReadUntilBodyContainsAsync(string text, TimeSpan? timeout = null) =>
        ReadUntilAsync(response => response.Body.Contains(text, StringComparison.Ordinal), timeout);
}
