using Microsoft.Extensions.Logging;

namespace SseService.Subscribers;

internal static partial class SubscriberLog
{
    [LoggerMessage(EventId = 1, EventName = "SubscriberConnected", Level = LogLevel.Debug,
        Message = "Subscriber {SubscriptionId} connected to {Namespace} from {ClientAddress}")]
    public static partial void Connected(ILogger logger, long subscriptionId, string @namespace, string clientAddress);

    [LoggerMessage(EventId = 2, EventName = "SubscriberDisconnected", Level = LogLevel.Debug,
        Message = "Subscriber {SubscriptionId} on {Namespace} disconnected ({Reason}) after {Duration} with {MessagesSent} messages sent")]
    public static partial void Disconnected(ILogger logger, long subscriptionId, string @namespace, string reason, TimeSpan duration, long messagesSent);

    // Debug: under overload thousands may be cut a second; sse.slow_consumer.disconnects counts them.
    [LoggerMessage(EventId = 3, EventName = "SlowConsumerDisconnected", Level = LogLevel.Debug,
        Message = "Subscriber {SubscriptionId} on {Namespace} from {ClientAddress} was disconnected: its queue of {Capacity} frames was full")]
    public static partial void SlowConsumer(ILogger logger, long subscriptionId, string @namespace, string clientAddress, int capacity);

    [LoggerMessage(EventId = 4, EventName = "SubscribeRejected", Level = LogLevel.Debug,
        Message = "Subscribe request for {Path} rejected with {StatusCode}: {Reason}")]
    public static partial void Rejected(ILogger logger, string path, int statusCode, string reason);
}
