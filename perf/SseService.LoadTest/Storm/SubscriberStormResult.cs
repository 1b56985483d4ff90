namespace SseService.LoadTest.Storm;

/// <summary>
/// One subscriber's storm, read once it is over. Times are <see cref="System.Diagnostics.Stopwatch"/>
/// timestamps, 0 when the moment never came. Gaps, duplicates and foreign events count from the cut on.
/// </summary>
internal readonly record struct SubscriberStormResult(
    StormPhase Phase, long CutAt, long BackAt, long CaughtUpAt, int CutAgain, int FailedAttempts, long Gaps, long Duplicates, long Foreign);
