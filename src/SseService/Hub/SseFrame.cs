namespace SseService.Hub;

/// <summary>
/// One event, encoded once as the exact bytes every subscriber receives. Immutable and shared by
/// every queue it is delivered to.
/// </summary>
public sealed class SseFrame
{
    /// <summary>Sent to idle streams so proxies and clients know the stream is alive.</summary>
    public static readonly SseFrame KeepAlive = new(": keep-alive\n\n"u8.ToArray(), sequence: 0, id: "", publishedTimestamp: 0);

    public SseFrame(byte[] bytes, long sequence, string id, long publishedTimestamp)
    {
        Bytes = bytes;
        Sequence = sequence;
        Id = id;
        PublishedTimestamp = publishedTimestamp;
    }

    /// <summary>The complete frame, ending with the blank line that dispatches it.</summary>
    public byte[] Bytes { get; }

    /// <summary>The hub's order of publication: strictly increasing, 0 for comments.</summary>
    public long Sequence { get; }

    /// <summary>The event id sent in the <c>id:</c> field.</summary>
    public string Id { get; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when it was published, for latency.</summary>
    public long PublishedTimestamp { get; }
}
