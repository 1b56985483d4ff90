using System.Globalization;

namespace SseService.Hub;

/// <summary>
/// Recent events as their encoded frames, in publication order, bounded by count, bytes and age.
/// Replay re-sends the very bytes live subscribers got: no re-encoding. "Everything after id X
/// below namespace N" is a binary search on the sequence, then one forward scan.
/// </summary>
internal sealed class EventHistory(HistoryOptions options, TimeProvider time)
{
    // Rough per-event bookkeeping on top of the frame's bytes, so MaxBytes tracks real memory.
    private const int OverheadBytesPerEvent = 128;

    private readonly Lock _gate = new();

    // A ring that grows (up to MaxEvents) by doubling: oldest at _head, _count entries.
    private Entry[] _ring = new Entry[1024];
    private int _head;
    private int _count;

    // Producer-supplied ids, so a client can resume after one of them too (latest occurrence wins).
    private readonly Dictionary<string, long> _producerIds = new(StringComparer.Ordinal);
    private long _bytes;

    public bool Enabled => options.MaxEvents > 0 && options.MaxBytes > 0 && options.MaxAge > TimeSpan.Zero;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Appends a published frame; called in publication order.</summary>
    public void Add(SseFrame frame, bool producerId)
    {
        if (!Enabled)
        {
            return;
        }

        lock (_gate)
        {
            if (_count == _ring.Length)
            {
                Grow();
            }

            _ring[(_head + _count) % _ring.Length] = new Entry(frame, time.GetTimestamp(), producerId);
            _count++;
            _bytes += frame.Bytes.Length + OverheadBytesPerEvent;
            if (producerId)
            {
                _producerIds[frame.Id] = frame.Sequence;
            }

            EvictLocked();
        }
    }

    /// <summary>
    /// Resolves a client's last event id to a sequence: a producer-supplied id still held here
    /// first, then a server-assigned (decimal) id.
    /// </summary>
    public bool TryResolve(string lastEventId, out long sequence)
    {
        lock (_gate)
        {
            if (_producerIds.TryGetValue(lastEventId, out sequence))
            {
                return true;
            }
        }

        return long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out sequence) && sequence > 0;
    }

    /// <summary>
    /// Adds to <paramref name="into"/> the events after <paramref name="afterSequence"/> up to and
    /// including <paramref name="upToSequence"/> that a stream on <paramref name="namespaces"/> receives (each once). False when
    /// events after <paramref name="afterSequence"/> have already been evicted (so some may be missing).
    /// </summary>
    public bool CollectAfter(long afterSequence, long upToSequence, NamespacePath ns, List<SseFrame> into) =>
        CollectAfter(afterSequence, upToSequence, [ns], into);

    /// <inheritdoc cref="CollectAfter(long, long, NamespacePath, List{SseFrame})"/>
    public bool CollectAfter(long afterSequence, long upToSequence, IReadOnlyList<NamespacePath> namespaces, List<SseFrame> into)
    {
        lock (_gate)
        {
            EvictLocked();
            var oldest = _count > 0 ? At(0).Frame.Sequence : upToSequence + 1;
            var complete = afterSequence + 1 >= oldest;

            // First entry past afterSequence: sequences are strictly increasing.
            int low = 0, high = _count;
            while (low < high)
            {
                var middle = (low + high) >>> 1;
                if (At(middle).Frame.Sequence <= afterSequence)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            for (var i = low; i < _count && At(i).Frame.Sequence <= upToSequence; i++)
            {
                var frame = At(i).Frame;
                if (namespaces.Receives(frame.Namespace))
                {
                    into.Add(frame);
                }
            }

            return complete;
        }
    }

    /// <summary>
    /// Adds to <paramref name="into"/>, oldest first, the last <paramref name="count"/> events up to and
    /// including <paramref name="upToSequence"/> that <paramref name="ns"/> receives (fewer when the
    /// history holds fewer): a new stream's backlog.
    /// </summary>
    public void CollectLast(int count, long upToSequence, NamespacePath ns, List<SseFrame> into) =>
        CollectLast(count, upToSequence, [ns], into);

    /// <inheritdoc cref="CollectLast(int, long, NamespacePath, List{SseFrame})"/>
    public void CollectLast(int count, long upToSequence, IReadOnlyList<NamespacePath> namespaces, List<SseFrame> into)
    {
        var start = into.Count;
        lock (_gate)
        {
            EvictLocked();
            for (var i = _count - 1; i >= 0 && into.Count - start < count; i--)
            {
                var frame = At(i).Frame;
                if (frame.Sequence <= upToSequence && namespaces.Receives(frame.Namespace))
                {
                    into.Add(frame);
                }
            }
        }

        into.Reverse(start, into.Count - start);
    }

    private ref Entry At(int index) => ref _ring[(_head + index) % _ring.Length];

    private void Grow()
    {
        // Only reached while under MaxEvents; eviction keeps _count at or below it.
        var larger = new Entry[Math.Max(_ring.Length * 2, 16)];
        for (var i = 0; i < _count; i++)
        {
            larger[i] = At(i);
        }

        _ring = larger;
        _head = 0;
    }

    private void EvictLocked()
    {
        var oldestAllowed = time.GetTimestamp() - (long)(options.MaxAge.TotalSeconds * time.TimestampFrequency);
        while (_count > 0)
        {
            ref var oldest = ref At(0);
            if (_count <= options.MaxEvents && _bytes <= options.MaxBytes && oldest.AddedTimestamp >= oldestAllowed)
            {
                break;
            }

            _bytes -= oldest.Frame.Bytes.Length + OverheadBytesPerEvent;
            if (oldest.ProducerId && _producerIds.TryGetValue(oldest.Frame.Id, out var sequence) && sequence == oldest.Frame.Sequence)
            {
                _producerIds.Remove(oldest.Frame.Id);
            }

            oldest = default; // let the frame be collected
            _head = (_head + 1) % _ring.Length;
            _count--;
        }
    }

    private readonly record struct Entry(SseFrame Frame, long AddedTimestamp, bool ProducerId);
}
