namespace SseService.Hub;

/// <summary>
/// Where producers' validated publications go: straight into the local hub, or through a
/// backplane that orders them across instances and then feeds every instance's hub.
/// </summary>
public interface IEventPublisher
{
    /// <summary>Accepts a publication; once this completes it will reach every matching subscriber.</summary>
    /// <exception cref="PublishUnavailableException">It could not be accepted now (the backplane is down).</exception>
    ValueTask<PublishResult> PublishAsync(Publication publication, CancellationToken cancellationToken);
}
