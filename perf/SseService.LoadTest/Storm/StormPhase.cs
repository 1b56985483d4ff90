namespace SseService.LoadTest.Storm;

/// <summary>Where one subscriber is in a storm.</summary>
internal enum StormPhase
{
    /// <summary>Its stream has not been cut (yet).</summary>
    Before,

    /// <summary>Its stream was cut (or, on the way back, cut again): it is reconnecting.</summary>
    Cut,

    /// <summary>It has the response head of a new stream and is receiving what it missed.</summary>
    Back,

    /// <summary>It has received an event sent after it was back, so nothing sent before is still to come.</summary>
    CaughtUp,
}
