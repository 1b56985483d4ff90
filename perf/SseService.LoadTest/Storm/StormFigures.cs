namespace SseService.LoadTest.Storm;

// The storm's part of the JSON summary. Seconds count from the moment the cut began.

/// <summary>
/// <c>Cut</c>: "server" (ss -K aborted the server's sockets) or "tool" (the tool closed its own).
/// <c>CutSeconds</c>: until every stream had seen its cut; reconnects were let go then, through
/// <c>ConnectConcurrency</c> attempts in flight at most, each subscriber after a random 0 to
/// <c>JitterMs</c>. <c>Seconds</c>: until every cut subscriber had caught up (or the timeout).
/// </summary>
internal sealed record StormFigures(
    string Cut,
    int ConnectConcurrency,
    double JitterMs,
    int ConnectedAtCut,
    int? ServerSocketsAborted,
    int CutCount,
    int NotCut,
    double CutSeconds,
    double Seconds,
    bool TimedOut,
    string? CutError,
    StormProgress Back,
    StormProgress CaughtUp,
    StormSequence Sequence,
    StormConnects Connects,
    StormServer Server,
    StormTool Tool);

/// <summary>
/// How many of the cut subscribers reached a point, and when: back, the head of their new stream; caught
/// up, an event sent after they were back (counted at the arrival of the last one sent before). <c>AllSeconds</c>
/// is there only when every cut subscriber got there, and, for caught up, none has a gap or a duplicate since the cut.
/// </summary>
internal sealed record StormProgress(int Count, double? AllSeconds, double? P50Seconds, double? P99Seconds, double? MaxSeconds);

/// <summary>
/// What the cut subscribers saw from the cut on. <c>Complete</c>: caught up with no gap and no duplicate.
/// <c>ForeignEvents</c> are events not of this tool, such as the reset event a server sends when its
/// history no longer holds the id a subscriber resumes from.
/// </summary>
internal sealed record StormSequence(
    int Complete, int WithGaps, long Gaps, int WithDuplicates, long Duplicates, long ForeignEvents, int CutAgain, long FailedAttempts);

/// <summary>
/// The reconnect rate seen, from the heads of the streams the subscribers came back on: <c>MeanPerSecond</c>
/// over the span from the reconnects' release to the last head, <c>BusiestTenthPerSecond</c> and
/// <c>BusiestSecond</c> the most heads in any 100 ms (times 10) and in any one second.
/// </summary>
internal sealed record StormConnects(double SpanSeconds, double? MeanPerSecond, double BusiestTenthPerSecond, int BusiestSecond);

/// <summary>
/// The server from the cut to the storm's end: its CPU (of one core), the busiest 500 ms of it from the
/// 20 ms readings, and its memory: VmRSS just before the cut, the highest VmRSS read, and VmHWM (the
/// process's peak so far) before and after; when VmHWM rose, the storm set a new peak and VmHWM is it.
/// </summary>
internal sealed record StormServer(
    double? CpuSeconds, double? CpuPercent, double? BusiestHalfSecondCpuPercent,
    long? RssKibBefore, long? RssKibPeakSampled, long? HwmKibBefore, long? HwmKibAfter, long? PeakKib,
    int Samples, double LongestSampleGapMs);

/// <summary>The tool and its publisher over the storm; <c>Bottleneck</c> when they used more than 90% of their cores.</summary>
internal sealed record StormTool(double CpuPercent, double? PublisherCpuPercent, int Cores, bool Bottleneck);
