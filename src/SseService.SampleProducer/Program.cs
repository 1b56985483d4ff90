using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Sse.V1;
using SseService.Client;

// The original sseserver's example as a producer: the time every second on /time (unary Broadcast),
// and a cycle of dogs and cats on /pets/dogs and /pets/cats (over one BroadcastStream).
// Usage: dotnet run --project src/SseService.SampleProducer [grpc-address]   (default http://localhost:8002)
// Under the Aspire AppHost the address comes from service discovery: services__sse__Grpc__0 (the
// endpoint name keeps its case, and environment variables are case-sensitive on Linux).
var address = args.Length > 0 ? args[0]
    : Environment.GetEnvironmentVariable("services__sse__Grpc__0") ?? "http://localhost:8002";
if (!Uri.TryCreate(address, UriKind.Absolute, out var grpcAddress))
{
    Console.Error.WriteLine($"'{address}' is not an absolute URI. Usage: SseService.SampleProducer [grpc-address, default http://localhost:8002]");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var services = new ServiceCollection();
services.AddSseBroadcaster(options => options.Address = grpcAddress);
await using var provider = services.BuildServiceProvider();
ISseBroadcaster broadcaster;
try
{
    broadcaster = provider.GetRequiredService<ISseBroadcaster>();
}
catch (Microsoft.Extensions.Options.OptionsValidationException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

Console.WriteLine($"Publishing to {grpcAddress}: /time every second, /pets/dogs and /pets/cats. Ctrl+C to stop.");

try
{
    await Task.WhenAll(PublishTimeAsync(broadcaster, stop.Token), PublishPetsAsync(broadcaster, stop.Token));
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
}

return 0;

static async Task PublishTimeAsync(ISseBroadcaster broadcaster, CancellationToken cancellationToken)
{
    using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(1));
    do
    {
        var now = DateTimeOffset.Now.ToString("h:mm:ss tt (zzz)", CultureInfo.InvariantCulture);
        await PublishWithRetryAsync(() => broadcaster.PublishAsync("/time", now, cancellationToken: cancellationToken), cancellationToken);
    }
    while (await ticker.WaitForNextTickAsync(cancellationToken));
}

static async Task PublishPetsAsync(ISseBroadcaster broadcaster, CancellationToken cancellationToken)
{
    (string Namespace, string Event, string Name, int PauseSeconds)[] pets =
    [
        ("/pets/dogs", "new-dog", "Corgi", 0),
        ("/pets/cats", "new-cat", "Persian", 1),
        ("/pets/dogs", "new-dog", "Terrier", 0),
        ("/pets/dogs", "new-dog", "Dachshund", 2),
        ("/pets/cats", "new-cat", "LOLcat", 3),
    ];

    while (!cancellationToken.IsCancellationRequested)
    {
        await PublishWithRetryAsync(async () =>
        {
            using var call = broadcaster.OpenStream(cancellationToken);
            foreach (var pet in pets)
            {
                await call.RequestStream.WriteAsync(new SseMessage { Namespace = pet.Namespace, Event = pet.Event, Data = pet.Name }, cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(pet.PauseSeconds), cancellationToken);
            }

            await call.RequestStream.CompleteAsync();
            return await call.ResponseAsync;
        }, cancellationToken);
    }
}

// The service may start after the producer, or restart: wait and try again rather than exit.
// (Unary publishes get the client library's default deadline, so a hung service ends in DeadlineExceeded.)
static async Task PublishWithRetryAsync<T>(Func<Task<T>> publish, CancellationToken cancellationToken)
{
    while (true)
    {
        try
        {
            await publish();
            return;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && !cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine($"Service unavailable ({e.Status.Detail}); retrying in 2 s.");
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
    }
}
