using SseService.LoadTest.Measuring;
using SseService.LoadTest.Options;

namespace SseService.LoadTest.Storm;

/// <summary>
/// The raw facts of one storm: the moments (Stopwatch timestamps) the cut began, every stream had seen
/// it (reconnects were let go then) and the storm was over (every cut subscriber caught up, or the
/// timeout), every subscriber's own record, and the server's readings. <see cref="StormFiguresBuilder"/>
/// turns them into figures.
/// </summary>
internal sealed record StormObservations
{
    public required StormCut Cut { get; init; }

    public required int ConnectConcurrency { get; init; }

    public required double JitterMilliseconds { get; init; }

    /// <summary>Subscribers with an open stream just before the cut.</summary>
    public required int ConnectedAtCut { get; init; }

    /// <summary>Sockets <c>ss -K</c> aborted (server-side cut only).</summary>
    public required int? ServerSocketsAborted { get; init; }

    /// <summary>Why the cut could not be made, if it could not.</summary>
    public required string? CutError { get; init; }

    public required long CutAt { get; init; }

    public required long CutDoneAt { get; init; }

    public required long EndAt { get; init; }

    public required bool TimedOut { get; init; }

    public required SubscriberStormResult[] Subscribers { get; init; }

    public required ResourceSample Before { get; init; }

    public required ResourceSample After { get; init; }

    public required IReadOnlyList<ServerSampler.Sample> ServerSamples { get; init; }

    public required long? ServerRssBeforeKib { get; init; }

    public required long? ServerPeakBeforeKib { get; init; }

    public required long? ServerPeakAfterKib { get; init; }
}
