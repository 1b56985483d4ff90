namespace SseService.LoadTest.Subscribing;

/// <summary>Counters summed over the subscribers that read (stalled ones excluded), at one instant.</summary>
internal readonly record struct SubscriberTotals(
    int Connected,
    long Received,
    long Gaps,
    long MaxGapsPerSubscriber,
    long Duplicates,
    long MaxDuplicatesPerSubscriber,
    long Foreign,
    long ClosedByServer,
    long Reconnects);
