using Microsoft.Extensions.Logging;

namespace SseService.Client;

internal static partial class SseClientLog
{
    [LoggerMessage(EventId = 1, EventName = "Connected", Level = LogLevel.Debug,
        Message = "Subscribed to {Uri} (Last-Event-ID {LastEventId}, resume {Resume})")]
    public static partial void Connected(ILogger logger, Uri uri, string? lastEventId, string? resume);

    [LoggerMessage(EventId = 2, EventName = "StreamEnded", Level = LogLevel.Debug,
        Message = "The stream from {Uri} ended; reconnecting in {Delay}")]
    public static partial void StreamEnded(ILogger logger, Uri uri, TimeSpan delay);

    [LoggerMessage(EventId = 3, EventName = "ConnectionLost", Level = LogLevel.Information,
        Message = "Connection to {Uri} lost; reconnecting in {Delay}")]
    public static partial void ConnectionLost(ILogger logger, Exception exception, Uri uri, TimeSpan delay);

    [LoggerMessage(EventId = 4, EventName = "ConnectionIdle", Level = LogLevel.Information,
        Message = "Nothing received from {Uri} for {IdleTimeout}; reconnecting in {Delay}")]
    public static partial void ConnectionIdle(ILogger logger, Uri uri, TimeSpan idleTimeout, TimeSpan delay);

    [LoggerMessage(EventId = 5, EventName = "ResetReceived", Level = LogLevel.Warning,
        Message = "Events may have been missed on {Uri}: {Reason} (last event id {LastEventId})")]
    public static partial void ResetReceived(ILogger logger, Uri uri, string reason, string? lastEventId);
}
