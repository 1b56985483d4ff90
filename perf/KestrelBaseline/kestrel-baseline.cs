#:sdk Microsoft.NET.Sdk.Web

// The least an ASP.NET Core (Kestrel) server can hold per open event stream: every request to
// /subscribe/... gets the event-stream headers and ": ok", then waits until the client goes. Nothing
// is published. Measured with the load tool's --no-publish (run-kestrel-baseline.sh), it shows what
// Kestrel's own connection and request cost per idle connection, below any service built on it.
//   dotnet run perf/KestrelBaseline/kestrel-baseline.cs -- --urls http://127.0.0.1:9404

var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxConcurrentConnections = null);
var app = builder.Build();

app.MapGet("/subscribe/{**ns}", async (HttpContext context) =>
{
    context.Response.ContentType = "text/event-stream";
    await context.Response.WriteAsync(": ok\n\n", context.RequestAborted);
    await context.Response.Body.FlushAsync(context.RequestAborted);
    try
    {
        await Task.Delay(Timeout.Infinite, context.RequestAborted);
    }
    catch (OperationCanceledException)
    {
        // The client went: the usual end.
    }
});
app.MapGet("/alive", () => "ok");

app.Run();
