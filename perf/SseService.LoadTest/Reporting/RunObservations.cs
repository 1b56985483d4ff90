using SseService.LoadTest.Measuring;
using SseService.LoadTest.Subscribing;

namespace SseService.LoadTest.Reporting;

/// <summary>The raw facts a run collects; <see cref="LoadReportBuilder"/> turns them into figures.</summary>
internal sealed record RunObservations
{
    public required int Attempted { get; init; }

    public required int Connected { get; init; }

    public required int Failed { get; init; }

    public required int Stalled { get; init; }

    public required TimeSpan ConnectTime { get; init; }

    /// <summary>Counters when the measured window opened, when it closed, and after the last events were awaited.</summary>
    public required SubscriberTotals AtStart { get; init; }

    public required SubscriberTotals AtEnd { get; init; }

    public required SubscriberTotals Final { get; init; }

    public required PublishedBy PublishedBy { get; init; }

    public required int? PublisherPid { get; init; }

    /// <summary>Messages this tool had published then; null when this process does not publish.</summary>
    public required long? SentAtStart { get; init; }

    public required long? SentAtEnd { get; init; }

    public required long? SentTotal { get; init; }

    /// <summary>Messages the subscribers had seen when the window opened and closed: the highest sequence per namespace, summed.</summary>
    public required long SeenAtStart { get; init; }

    public required long SeenAtEnd { get; init; }

    public required ulong? Accepted { get; init; }

    public required string? PublishError { get; init; }

    public required LatencySnapshot Latency { get; init; }

    public required ResourceSample ResourcesAtStart { get; init; }

    public required ResourceSample ResourcesAtEnd { get; init; }

    public required int? ServerPid { get; init; }

    public required MemoryObservations Memory { get; init; }

    public required long? ServerRssEnd { get; init; }

    public required long ToolRssKib { get; init; }

    public required long MissingAtEnd { get; init; }

    public required int StalledCut { get; init; }

    public required IReadOnlyDictionary<string, int> Errors { get; init; }

    /// <summary>The storm, in a run with --storm; its window opened at the cut.</summary>
    public SseService.LoadTest.Storm.StormObservations? Storm { get; init; }
}

/// <summary>Who published during the run.</summary>
internal enum PublishedBy
{
    /// <summary>The tool's publisher, in the subscribers' process.</summary>
    ThisProcess,

    /// <summary>The tool's publisher as a process of its own (--publisher-process).</summary>
    PublisherProcess,

    /// <summary>Another program, e.g. the floor (--no-publish).</summary>
    AnotherProgram,

    /// <summary>Nobody: the run measured idle streams (--idle).</summary>
    Nobody,
}

/// <summary>
/// The server's resident memory before connecting, at once (the moment every stream had its head and
/// opening comment, nothing published), and settled (after <c>SettleSeconds</c> of silence; null when not asked).
/// </summary>
internal sealed record MemoryObservations(long? RssBefore, long? RssAtOnce, long? RssSettled, double? SettleSeconds, int Opened, TimeSpan OpenTime);
