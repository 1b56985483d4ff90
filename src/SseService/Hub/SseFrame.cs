namespace SseService.Hub;

/// <summary>
/// One event, encoded once as the exact bytes every subscriber receives. Immutable and shared by
/// every queue it is delivered to.
/// </summary>
public sealed class SseFrame
{
    /// <summary>Sent to idle streams so proxies and clients know the stream is alive.</summary>
    public static readonly SseFrame KeepAlive = new(": keep-alive\n\n"u8.ToArray(), sequence: 0, id: "", NamespacePath.Root, publishedTimestamp: 0);

    public SseFrame(byte[] bytes, long sequence, string id, NamespacePath ns, long publishedTimestamp)
    {
        Bytes = bytes;
        Sequence = sequence;
        Id = id;
        Namespace = ns;
        PublishedTimestamp = publishedTimestamp;
    }

    /// <summary>The complete frame, ending with the blank line that dispatches it.</summary>
    public byte[] Bytes { get; }

    /// <summary>
    /// The hub's order of publication: strictly increasing. 0 for comments (not events), negative
    /// for events the hub makes itself (the resume signal), which are outside that order.
    /// </summary>
    public long Sequence { get; }

    /// <summary>Where it was published (root for comments).</summary>
    public NamespacePath Namespace { get; }

    /// <summary>Whether clients dispatch it as an event (comments are not).</summary>
    public bool IsEvent => Sequence != 0;

    /// <summary>The event id sent in the <c>id:</c> field.</summary>
    public string Id { get; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when it was published, for latency.</summary>
    public long PublishedTimestamp { get; }

    /// <summary>
    /// What a transport that does not send these bytes (gRPC) made of the frame, made by the first stream
    /// that needed it and shared by the rest: decoded once per frame, not per delivery. Kept as object,
    /// since the hub knows no transport.
    /// </summary>
    public object? TransportForm
    {
        get => Volatile.Read(ref _transportForm);
        set => Volatile.Write(ref _transportForm, value);
    }

    private object? _transportForm;
}
