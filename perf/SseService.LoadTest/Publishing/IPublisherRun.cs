namespace SseService.LoadTest.Publishing;

/// <summary>
/// Publishing while a run measures: in this process (<see cref="InProcessPublisher"/>) or in a
/// second process of this tool (<see cref="PublisherProcess"/>). Either way the run starts it once
/// every subscriber is open and stops it when the measured window has closed.
/// </summary>
internal interface IPublisherRun : IDisposable
{
    /// <summary>Messages sent so far when this process can see it live; null for a separate process.</summary>
    long? Sent { get; }

    /// <summary>The publishing process when it is not this one, for its CPU figures.</summary>
    int? ProcessId { get; }

    /// <summary>Completes if publishing ends by itself before <see cref="StopAsync"/> (it failed).</summary>
    Task Ended { get; }

    /// <summary>Stops publishing (half-closing every stream) and returns what was published.</summary>
    Task<PublishOutcome> StopAsync();
}

/// <summary>
/// What a publisher did: messages sent, the server's count of accepted ones, the last sequence sent on
/// each namespace (the events the subscribers wait for at the end), and why it failed, if it did.
/// </summary>
internal sealed record PublishOutcome(long Sent, ulong? Accepted, IReadOnlyList<long> LastSequences, string? Error);
