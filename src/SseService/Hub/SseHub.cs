using System.Globalization;
using Microsoft.Extensions.Options;

namespace SseService.Hub;

/// <summary>
/// The fan-out heart: publishers hand it validated publications, it encodes each once and queues the
/// same bytes to every matching subscription. It knows no HTTP and no gRPC.
/// </summary>
public sealed class SseHub
{
    private readonly NamespaceTrie _subscriptions = new();
    private readonly Lock _publishGate = new();
    private readonly TimeProvider _time;
    private readonly HubOptions _options;
    private long _sequence;
    private long _lastSubscriptionId;
    private long _published;

    public SseHub(IOptions<HubOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;

        // Server-assigned ids start from the clock (microseconds since 1970), so they keep increasing
        // across restarts as long as fewer than a million events a second were published on average.
        _sequence = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
    }

    public HubOptions Options => _options;

    /// <summary>Open subscriptions on this instance.</summary>
    public int SubscriberCount => _subscriptions.Count;

    /// <summary>Publications accepted since start.</summary>
    public long MessagesPublished => Volatile.Read(ref _published);

    public Subscription Subscribe(NamespacePath ns, SubscriberInfo info)
    {
        var subscription = new Subscription(
            Interlocked.Increment(ref _lastSubscriptionId), ns, info, _options.SubscriberQueueCapacity, _time.GetUtcNow());
        _subscriptions.Add(subscription);
        return subscription;
    }

    public void Unsubscribe(Subscription subscription)
    {
        _subscriptions.Remove(subscription);
        subscription.Complete();
    }

    /// <summary>
    /// Assigns the next sequence (and id, unless the producer gave one), encodes the frame once and
    /// queues it to the namespace's subscribers and its ancestors'. One publication at a time, so every
    /// subscriber sees events in the same order as their sequence.
    /// </summary>
    public PublishResult Publish(in Publication publication)
    {
        lock (_publishGate)
        {
            var sequence = ++_sequence;
            var id = publication.Id.Length > 0 ? publication.Id : sequence.ToString(CultureInfo.InvariantCulture);
            var bytes = SseFrameEncoder.Encode(id, publication.EventType, publication.Data, publication.RetryMilliseconds);
            var frame = new SseFrame(bytes, sequence, id, _time.GetTimestamp());
            var subscribers = _subscriptions.ForEachMatch(publication.Namespace, frame, static (subscription, frame) => subscription.TryEnqueue(frame));
            _published++;
            return new PublishResult(id, subscribers);
        }
    }

    /// <summary>Queues a keep-alive comment to every subscription that wrote nothing since the last call.</summary>
    public void SendKeepAlives() =>
        _subscriptions.ForEach(0, static (subscription, _) =>
        {
            if (subscription.TakeIdle())
            {
                subscription.TryEnqueue(SseFrame.KeepAlive);
            }
        });

    /// <summary>Visits every open subscription (a snapshot per namespace), for status pages.</summary>
    public void ForEachSubscription(Action<Subscription> visit) =>
        _subscriptions.ForEach(visit, static (subscription, visit) => visit(subscription));
}
