namespace SseService.Hub;

/// <summary>What the hub could do for a subscriber that asked to resume after an event id.</summary>
public enum ResumeOutcome
{
    /// <summary>It did not ask (no Last-Event-ID).</summary>
    NotRequested,

    /// <summary>Every event it missed was in the history and is replayed before live events.</summary>
    Replayed,

    /// <summary>The id is older than the history: events may be missing; the reset event was sent.</summary>
    TooOld,

    /// <summary>The id was never issued here (or is no longer known): the reset event was sent.</summary>
    Unknown,
}
