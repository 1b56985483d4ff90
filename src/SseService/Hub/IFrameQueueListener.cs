namespace SseService.Hub;

/// <summary>
/// Told when a frame is queued to a subscription, for transports that push frames out instead of
/// having a writer wait on the queue (see <see cref="Subscription.Listen"/>).
/// </summary>
public interface IFrameQueueListener
{
    /// <summary>Called on the publishing thread after each frame is queued; must be cheap and must not block.</summary>
    void FramesQueued();
}
