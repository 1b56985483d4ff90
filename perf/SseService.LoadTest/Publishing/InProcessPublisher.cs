using Grpc.Core;
using SseService.LoadTest.Options;

namespace SseService.LoadTest.Publishing;

/// <summary>The <see cref="Publisher"/> running in this process, next to the subscribers (the default).</summary>
internal sealed class InProcessPublisher : IPublisherRun
{
    private readonly Publisher _publisher;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<ulong> _running;

    public InProcessPublisher(LoadOptions options, NamespacePlan plan)
    {
        _publisher = new Publisher(options, plan);
        _running = _publisher.RunAsync(_stop.Token);
    }

    public long? Sent => _publisher.Sent;

    public int? ProcessId => null;

    public Task Ended => _running;

    public async Task<PublishOutcome> StopAsync()
    {
        await _stop.CancelAsync();
        try
        {
            var accepted = await _running;
            return new PublishOutcome(_publisher.Sent, accepted, _publisher.LastSequences, null);
        }
        catch (RpcException e)
        {
            return new PublishOutcome(_publisher.Sent, null, _publisher.LastSequences, $"{e.StatusCode}: {e.Status.Detail}");
        }
    }

    public void Dispose()
    {
        _publisher.Dispose();
        _stop.Dispose();
    }
}
