using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Sse.V1;

// The original sseserver's example as a producer: the time every second on /time (unary Broadcast),
// and a cycle of dogs and cats on /pets/dogs and /pets/cats (over one BroadcastStream).
// Usage: dotnet run --project src/SseService.SampleProducer [grpc-address]   (default http://localhost:8002)
var address = args.Length > 0 ? args[0]
    : Environment.GetEnvironmentVariable("services__sse__grpc__0") ?? "http://localhost:8002";

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

using var channel = GrpcChannel.ForAddress(address);
var client = new Broadcaster.BroadcasterClient(channel);
Console.WriteLine($"Publishing to {address}: /time every second, /pets/dogs and /pets/cats. Ctrl+C to stop.");

try
{
    await Task.WhenAll(PublishTimeAsync(client, stop.Token), PublishPetsAsync(client, stop.Token));
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
}

static async Task PublishTimeAsync(Broadcaster.BroadcasterClient client, CancellationToken cancellationToken)
{
    using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(1));
    do
    {
        var now = DateTimeOffset.Now.ToString("h:mm:ss tt (zzz)", CultureInfo.InvariantCulture);
        await PublishWithRetryAsync(() => client.BroadcastAsync(new SseMessage { Namespace = "/time", Data = now }, cancellationToken: cancellationToken).ResponseAsync, cancellationToken);
    }
    while (await ticker.WaitForNextTickAsync(cancellationToken));
}

static async Task PublishPetsAsync(Broadcaster.BroadcasterClient client, CancellationToken cancellationToken)
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
            using var call = client.BroadcastStream(cancellationToken: cancellationToken);
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
static async Task PublishWithRetryAsync<T>(Func<Task<T>> publish, CancellationToken cancellationToken)
{
    while (true)
    {
        try
        {
            await publish();
            return;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && !cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine($"Service unavailable ({e.Status.Detail}); retrying in 2 s.");
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
    }
}
