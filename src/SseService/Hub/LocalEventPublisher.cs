namespace SseService.Hub;

/// <summary>The default: publish into this process's hub.</summary>
internal sealed class LocalEventPublisher(SseHub hub) : IEventPublisher
{
    public ValueTask<PublishResult> PublishAsync(Publication publication, CancellationToken cancellationToken) =>
        ValueTask.FromResult(hub.Publish(publication));
}
