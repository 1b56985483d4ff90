using Microsoft.AspNetCore.Http.Features;

namespace SseService.Sse;

/// <summary>
/// Remembers the callbacks registered to run when a subscribe response starts (CORS adds its headers
/// that way) and passes them on to the server. A stream written straight to its socket never starts
/// a response through the server, so it runs them itself before building its head.
/// </summary>
internal sealed class ResponseStartCallbacks(IHttpResponseFeature server) : IHttpResponseFeature
{
    private readonly List<(Func<object, Task> Callback, object State)> _callbacks = [];

    public int StatusCode { get => server.StatusCode; set => server.StatusCode = value; }

    public string? ReasonPhrase { get => server.ReasonPhrase; set => server.ReasonPhrase = value; }

    public IHeaderDictionary Headers { get => server.Headers; set => server.Headers = value; }

    [Obsolete("Use IHttpResponseBodyFeature.Stream instead.")]
    public Stream Body { get => server.Body; set => server.Body = value; }

    public bool HasStarted => server.HasStarted;

    public void OnStarting(Func<object, Task> callback, object state)
    {
        server.OnStarting(callback, state);
        _callbacks.Add((callback, state));
    }

    public void OnCompleted(Func<object, Task> callback, object state) => server.OnCompleted(callback, state);

    /// <summary>
    /// Runs the callbacks as the server would (the last registered first); false if one did not
    /// complete synchronously (the rest are then left to the server, which runs them all again).
    /// </summary>
    public bool TryRunSynchronously()
    {
        for (var i = _callbacks.Count - 1; i >= 0; i--)
        {
            var running = _callbacks[i].Callback(_callbacks[i].State);
            if (!running.IsCompleted)
            {
                return false;
            }

            running.GetAwaiter().GetResult(); // a failing callback fails the request, as it would in the server
        }

        return true;
    }

    /// <summary>Installs the recorder on subscribe requests; must come before anything that registers callbacks.</summary>
    public static IApplicationBuilder UseOnSubscribe(IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/subscribe", StringComparison.OrdinalIgnoreCase)
                && context.Features.Get<IHttpResponseFeature>() is { } server)
            {
                context.Features.Set<IHttpResponseFeature>(new ResponseStartCallbacks(server));
            }

            return next(context);
        });
}
