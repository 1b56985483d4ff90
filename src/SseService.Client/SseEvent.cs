namespace SseService.Client;

/// <summary>One event received from a subscription.</summary>
/// <param name="EventType">The SSE event type: <c>message</c> unless the producer set one.</param>
/// <param name="Data">The payload (lines joined with LF, as a browser does).</param>
/// <param name="Id">The event id, or <see langword="null"/> for an event without one (the reset signal).</param>
public sealed record SseEvent(string EventType, string Data, string? Id)
{
    /// <summary>The event type SseService sends, by default, when it cannot replay everything a reconnecting client missed.</summary>
    public const string DefaultResetEventType = "sse-reset";

    /// <summary>
    /// Set when this event says that events may have been missed (see <see cref="SseResetNotice"/>):
    /// the consumer should reload whatever state it derives from the stream. Events that follow it are live again.
    /// </summary>
    public SseResetNotice? Reset { get; init; }

    /// <summary>Whether this is the reset signal rather than a published event.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Reset))]
    public bool IsReset => Reset is not null;
}

/// <summary>Why events may have been missed.</summary>
/// <param name="LastEventId">The last id the client had when it reconnected, or <see langword="null"/> when it had none.</param>
/// <param name="Reason">One of <see cref="SseResetReasons"/>.</param>
public sealed record SseResetNotice(string? LastEventId, string Reason);

/// <summary>Values of <see cref="SseResetNotice.Reason"/>.</summary>
public static class SseResetReasons
{
    /// <summary>Sent by the service: its history no longer reaches back to the client's last id.</summary>
    public const string TooOld = "too_old";

    /// <summary>Sent by the service: it never issued the client's last id (or no longer knows it, e.g. after a restart).</summary>
    public const string Unknown = "unknown";

    /// <summary>
    /// Raised by the client itself: the connection was lost before any event (so before any id) arrived,
    /// and the service cannot tell what was published in between.
    /// </summary>
    public const string NoLastEventId = "no_last_event_id";
}
