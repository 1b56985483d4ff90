using Microsoft.AspNetCore.Http.Features;

namespace SseService.Sse;

/// <summary>
/// Holds the callbacks registered to run when a subscribe response starts (CORS adds its headers that
/// way) and runs them exactly once: when the server starts the response, or earlier when a stream
/// that writes its own head asks (<see cref="RunAsync"/>). The server is given one callback, this one.
/// </summary>
internal sealed class ResponseStartCallbacks : IHttpResponseFeature
{
    private readonly IHttpResponseFeature _server;
    private readonly List<(Func<object, Task> Callback, object State)> _callbacks = [];
    private int _ran;

    private ResponseStartCallbacks(IHttpResponseFeature server)
    {
        _server = server;
        server.OnStarting(static state => ((ResponseStartCallbacks)state).RunAsync(), this);
    }

    public int StatusCode { get => _server.StatusCode; set => _server.StatusCode = value; }

    public string? ReasonPhrase { get => _server.ReasonPhrase; set => _server.ReasonPhrase = value; }

    public IHeaderDictionary Headers { get => _server.Headers; set => _server.Headers = value; }

    [Obsolete("Use IHttpResponseBodyFeature.Stream instead.")]
    public Stream Body { get => _server.Body; set => _server.Body = value; }

    public bool HasStarted => _server.HasStarted;

    public void OnStarting(Func<object, Task> callback, object state)
    {
        if (HasStarted || Volatile.Read(ref _ran) != 0)
        {
            throw new InvalidOperationException("the response has already started");
        }

        _callbacks.Add((callback, state));
    }

    public void OnCompleted(Func<object, Task> callback, object state) => _server.OnCompleted(callback, state);

    /// <summary>Runs the callbacks, the last registered first as the server would; later calls do nothing.</summary>
    public async Task RunAsync()
    {
        if (Interlocked.Exchange(ref _ran, 1) != 0)
        {
            return;
        }

        for (var i = _callbacks.Count - 1; i >= 0; i--)
        {
            await _callbacks[i].Callback(_callbacks[i].State);
        }
    }

    /// <summary>Installs the holder on subscribe requests; must come before anything that registers callbacks.</summary>
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
