using SseService.Hub;

namespace SseService.Subscribers;

/// <summary>
/// A transport under a <see cref="StreamOwner"/>: it only moves what the stream gives it and
/// reports back. The stream decides everything else (what to send and when, the end and its reason).
/// A sink is given one batch at a time: never again before it returned, or called
/// <see cref="ISinkEvents.Writable"/> after a <see cref="SinkSend.Pending"/>.
/// </summary>
public interface ISubscriberSink
{
    /// <summary>Starts: from now on the sink reports to <paramref name="events"/>.</summary>
    void Start(ISinkEvents events);

    /// <summary>
    /// Hands the batch to the transport without waiting. <see cref="SinkSend.Pending"/>: it took the
    /// whole batch but could not pass it all on yet, and calls <see cref="ISinkEvents.Writable"/> when it can
    /// take more (or <see cref="ISinkEvents.Failed"/>). The batch is reused once this returns.
    /// </summary>
    SinkSend Send(SendBatch batch);

    /// <summary>
    /// Ends the transport's side once the stream has ended: <paramref name="cut"/> aborts it (a client that
    /// does not read, or is not there, is owed nothing), otherwise it ends cleanly after what was sent.
    /// </summary>
    ValueTask CloseAsync(bool cut);
}

/// <summary>What a sink reports to its stream.</summary>
public interface ISinkEvents
{
    /// <summary>A <see cref="SinkSend.Pending"/> send has gone out: the sink takes more.</summary>
    void Writable();

    /// <summary>The transport failed or the client went: the stream ends.</summary>
    void Failed();
}

public enum SinkSend
{
    /// <summary>Passed on: the sink takes more at once.</summary>
    Done,

    /// <summary>Taken, still going out: wait for <see cref="ISinkEvents.Writable"/>.</summary>
    Pending,

    /// <summary>The transport is gone.</summary>
    Failed,
}
