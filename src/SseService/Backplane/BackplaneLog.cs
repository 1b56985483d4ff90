namespace SseService.Backplane;

internal static partial class BackplaneLog
{
    [LoggerMessage(EventId = 201, EventName = "BackplaneConnected", Level = LogLevel.Information,
        Message = "Redis backplane ready: caught up to {StreamId} ({Events} events loaded)")]
    public static partial void CaughtUp(ILogger logger, string streamId, int events);

    [LoggerMessage(EventId = 202, EventName = "BackplaneUnavailable", Level = LogLevel.Warning,
        Message = "Redis backplane unavailable; retrying")]
    public static partial void Unavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 203, EventName = "BackplaneGapFilled", Level = LogLevel.Information,
        Message = "Redis backplane filled a gap of {Events} events after {StreamId}")]
    public static partial void GapFilled(ILogger logger, int events, string streamId);

    [LoggerMessage(EventId = 204, EventName = "BackplaneEventsLost", Level = LogLevel.Error,
        Message = "Redis backplane could not recover events after {StreamId}: the stream was trimmed past them")]
    public static partial void EventsLost(ILogger logger, string streamId);

    [LoggerMessage(EventId = 205, EventName = "BackplaneBadEntry", Level = LogLevel.Warning,
        Message = "Redis backplane skipped entry {StreamId}: {Reason}")]
    public static partial void BadEntry(ILogger logger, string streamId, string reason);
}
