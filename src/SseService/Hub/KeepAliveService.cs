using Microsoft.Extensions.Options;

namespace SseService.Hub;

/// <summary>Keep-alive comments to idle streams, and the stalled-client sweep, on one timer.</summary>
internal sealed class KeepAliveService(SseHub hub, IOptions<HubOptions> options, TimeProvider time) : PeriodicService(time)
{
    protected override TimeSpan Interval => options.Value.KeepAliveInterval;

    protected override void Tick()
    {
        hub.SendKeepAlives();
        hub.CloseStalled(options.Value.MaxQueueDelay);
    }
}
