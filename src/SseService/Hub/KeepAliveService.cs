using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace SseService.Hub;

/// <summary>One timer for all keep-alives (and the stalled-client sweep), never one per connection.</summary>
internal sealed class KeepAliveService(SseHub hub, IOptions<HubOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.KeepAliveInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                hub.SendKeepAlives();
                hub.CloseStalled(options.Value.MaxQueueDelay);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }
}
