using System.Threading.Channels;

namespace SseService.Hub;

/// <summary>
/// One subscriber's bounded queue of frames. Many publishers enqueue; one writer loop drains it.
/// A full queue closes the subscription instead of waiting, so one slow client never slows the rest.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The token source is never disposed on purpose: see _closed.")]
public sealed class Subscription
{
    private readonly Channel<SseFrame> _queue;
    // Never disposed: a publisher holding an old snapshot may still close it after the stream ended.
    private readonly CancellationTokenSource _closed = new();
    private long _messagesSent;

    // Live events queued (by the publisher, under the hub's publish lock) and taken off the queue (by
    // the writer loop): each written by one thread only, so the backlog costs no lock to read.
    private long _enqueued;
    private long _dequeued;
    private long _bytesWritten;
    private int _closeReason;
    private int _wroteSinceKeepAlive;
    private IFrameQueueListener? _listener;
    private readonly int _backlogThreshold;
    private readonly BacklogSignal? _backlogEased;
    private bool _isListed;

    internal Subscription(long id, NamespacePath ns, SubscriberInfo info, int capacity, DateTimeOffset createdAt, BacklogSignal? backlogEased = null)
        : this(id, [ns], info, capacity, createdAt, backlogEased)
    {
    }

    /// <param name="namespaces">Normalized (<see cref="NamespaceSet.Normalize"/>): no namespace covers another.</param>
    internal Subscription(long id, NamespacePath[] namespaces, SubscriberInfo info, int capacity, DateTimeOffset createdAt, BacklogSignal? backlogEased = null)
    {
        Capacity = capacity;
        _backlogThreshold = Math.Max(16, capacity / 4);
        _backlogEased = backlogEased;
        Replay = [];
        Id = id;
        Namespaces = namespaces;
        Namespace = namespaces[0];
        Info = info;
        CreatedAt = createdAt;
        _queue = Channel.CreateBounded<SseFrame>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of dropping silently
            AllowSynchronousContinuations = false,
        });
    }

    public long Id { get; }

    /// <summary>Whether the hub's trie lists it; deliveries skip it once it is removed.</summary>
    internal bool IsListed
    {
        get => Volatile.Read(ref _isListed);
        set => Volatile.Write(ref _isListed, value);
    }

    /// <summary>Frames it may have queued before it is cut as too slow.</summary>
    public int Capacity { get; }

    /// <summary>
    /// Whether it is falling behind: a quarter of its queue is full (at least 16 frames). Late enough
    /// that a reader keeping up never trips it between two reads, early enough that a producer held
    /// back then still leaves every subscriber room before its queue overflows.
    /// </summary>
    internal bool IsBacklogged => Volatile.Read(ref _enqueued) - Volatile.Read(ref _dequeued) >= _backlogThreshold;

    /// <summary>When the oldest queued frame was published (<see cref="TimeProvider.GetTimestamp"/>), or null when none waits.</summary>
    internal long? OldestQueuedTimestamp => _queue.Reader.TryPeek(out var frame) && frame.IsEvent ? frame.PublishedTimestamp : null;

    /// <summary>Its first namespace: the only one unless it listens on several (<see cref="Namespaces"/>).</summary>
    public NamespacePath Namespace { get; }

    /// <summary>Every namespace it listens on, normalized: none covers another, so each event reaches it once.</summary>
    public IReadOnlyList<NamespacePath> Namespaces { get; }

    /// <summary>The trie node of its first namespace, where whole-trie visits count it (it is listed on one per namespace).</summary>
    internal object? PrimaryNode { get; set; }

    public SubscriberInfo Info { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>
    /// Frames to write before anything queued: what it missed since its Last-Event-ID (preceded by
    /// the reset event when some may be lost). Set once, before any live frame can be written.
    /// </summary>
    public IReadOnlyList<SseFrame> Replay { get; internal set; }

    /// <summary>When the credential it was opened with expires; the stream ends then.</summary>
    public DateTimeOffset? ExpiresAt { get; internal set; }

    /// <summary>
    /// The id of the last event published before it subscribed, sent in the opening so that a client
    /// that drops before its first event can still resume from the moment it connected. Null when it
    /// resumes (its replay carries the ids) or nothing was published yet.
    /// </summary>
    public string? OpeningId { get; internal set; }

    /// <summary>What came of its request to resume.</summary>
    public ResumeOutcome Resume { get; internal set; }

    /// <summary>Frames waiting to be written.</summary>
    public ChannelReader<SseFrame> Reader => _queue.Reader;

    /// <summary>Cancelled when the hub closes the subscription (see <see cref="CloseReason"/>).</summary>
    public CancellationToken Closed => _closed.Token;

    public CloseReason CloseReason => (CloseReason)Volatile.Read(ref _closeReason);

    /// <summary>Events written to the client so far (keep-alives excluded).</summary>
    public long MessagesSent => Volatile.Read(ref _messagesSent);

    /// <summary>Queues a frame; false, and the subscription closes, when the queue is full.</summary>
    internal bool TryEnqueue(SseFrame frame)
    {
        if (_queue.Writer.TryWrite(frame))
        {
            if (frame.IsEvent)
            {
                Volatile.Write(ref _enqueued, _enqueued + 1);
            }

            Volatile.Read(ref _listener)?.FramesQueued();
            return true;
        }

        Close(CloseReason.SlowConsumer);
        return false;
    }

    /// <summary>
    /// From now on <paramref name="listener"/> is told of every frame queued, and once now for any
    /// frame queued before it listened; the queue is then drained by whoever it tells.
    /// </summary>
    public void Listen(IFrameQueueListener listener)
    {
        Volatile.Write(ref _listener, listener);
        listener.FramesQueued();
    }

    /// <summary>Bytes written to the client so far, keep-alives included.</summary>
    public long BytesWritten => Volatile.Read(ref _bytesWritten);

    /// <summary>
    /// Called by the single writer loop after a flush carrying <paramref name="events"/> events (not
    /// counting comments) in <paramref name="bytes"/> bytes. Per connection, so it never contends.
    /// </summary>
    public void RecordWritten(int events, int bytes)
    {
        // Only the writer loop writes these, so no interlocked read-modify-write is needed.
        Volatile.Write(ref _bytesWritten, _bytesWritten + bytes);
        if (events > 0)
        {
            Volatile.Write(ref _messagesSent, _messagesSent + events);
            Volatile.Write(ref _wroteSinceKeepAlive, 1);
        }
    }

    /// <summary>Called by the single writer loop for the live events it took off the queue.</summary>
    public void RecordDequeued(int events)
    {
        var backlog = Volatile.Read(ref _enqueued) - _dequeued;
        Volatile.Write(ref _dequeued, _dequeued + events);
        if (backlog >= _backlogThreshold && backlog - events < _backlogThreshold)
        {
            _backlogEased?.Eased();
        }
    }

    /// <summary>True when nothing was written since the last call: the stream is idle and wants a keep-alive.</summary>
    internal bool TakeIdle() => Interlocked.Exchange(ref _wroteSinceKeepAlive, 0) == 0;

    /// <summary>Ends the stream for <paramref name="reason"/>; a slow consumer's connection is cut, others end cleanly.</summary>
    public void Close(CloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)reason, (int)CloseReason.None) != (int)CloseReason.None)
        {
            return;
        }

        _queue.Writer.TryComplete();
        _closed.Cancel();
    }

    /// <summary>Ends the writer's wait for frames (its stream is ending); the close reason is left as it is.</summary>
    public void StopReading() => _queue.Writer.TryComplete();

    /// <summary>Ends the subscription for good once its stream is gone; later deliveries are ignored.</summary>
    internal void Complete() => Close(CloseReason.Unsubscribed);
}
