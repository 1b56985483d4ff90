using SseService.Hub;

namespace SseService.Tests.Client;

/// <summary>Ends a subscriber's connection from the server side, the two ways the service itself does.</summary>
public static class ServerCuts
{
    /// <summary>The one open subscription to <paramref name="ns"/>; there must be exactly one.</summary>
    public static Subscription OpenSubscription(this SseHub hub, string ns)
    {
        var open = new List<Subscription>();
        hub.ForEachSubscription(subscription =>
        {
            if (subscription.Namespace.Value == ns && subscription.CloseReason == CloseReason.None)
            {
                open.Add(subscription);
            }
        });
        return Assert.Single(open);
    }

    /// <summary>
    /// <paramref name="abort"/>: as for a slow consumer, the connection is aborted mid-stream (the client
    /// sees an I/O error). Otherwise the response ends cleanly, as when the server stops.
    /// </summary>
    public static void Cut(this Subscription subscription, bool abort)
    {
        if (abort)
        {
            subscription.Close(CloseReason.SlowConsumer);
        }
        else
        {
            subscription.Complete();
        }
    }
}
