using SseService.Hub;

namespace SseService.Subscribers;

/// <summary>
/// Frames taken off one stream's queue for one send, and a buffer to gather their bytes into: one
/// per worker, reused by every pass, so a send allocates nothing.
/// </summary>
public sealed class SendBatch
{
    /// <summary>What one batch carries at most when several frames wait: a frame larger than this goes alone.</summary>
    public const int MaxBytes = 64 * 1024;

    private const int MaxFrames = 512;

    // Batches lent for a stream's opening and replay, which run outside the workers' passes.
    private static readonly System.Collections.Concurrent.ConcurrentBag<SendBatch> s_lent = [];

    private readonly SseFrame[] _frames = new SseFrame[MaxFrames];

    internal static SendBatch Rent() => s_lent.TryTake(out var batch) ? batch : new SendBatch();

    internal static void Return(SendBatch batch)
    {
        batch.Clear();
        if (s_lent.Count < 4 * Environment.ProcessorCount)
        {
            s_lent.Add(batch);
        }
    }

    /// <summary>Room to copy the frames' bytes into, for a transport that sends them as one buffer.</summary>
    public byte[] Gather { get; } = GC.AllocateUninitializedArray<byte>(MaxBytes);

    public int Count { get; private set; }

    /// <summary>The frames' bytes, in all.</summary>
    public int Bytes { get; private set; }

    public ReadOnlySpan<SseFrame> Frames => _frames.AsSpan(0, Count);

    /// <summary>Adds a frame if it fits (the first always does); false when the batch is full.</summary>
    internal bool TryAdd(SseFrame frame)
    {
        if (Count == MaxFrames || (Count > 0 && Bytes + frame.Bytes.Length > MaxBytes))
        {
            return false;
        }

        _frames[Count++] = frame;
        Bytes += frame.Bytes.Length;
        return true;
    }

    /// <summary>Whether the next frame would still fit.</summary>
    internal bool HasRoomFor(SseFrame frame) =>
        Count < MaxFrames && (Count == 0 || Bytes + frame.Bytes.Length <= MaxBytes);

    internal bool Contains(SseFrame frame) => Array.IndexOf(_frames, frame, 0, Count) >= 0;

    /// <summary>Copies the frames' bytes into <see cref="Gather"/>, one after the other.</summary>
    public ReadOnlySpan<byte> GatherBytes()
    {
        if (Count == 1)
        {
            return _frames[0].Bytes;
        }

        var length = 0;
        foreach (var frame in Frames)
        {
            frame.Bytes.CopyTo(Gather, length);
            length += frame.Bytes.Length;
        }

        return Gather.AsSpan(0, length);
    }

    internal void Clear()
    {
        Array.Clear(_frames, 0, Count); // the frames' bytes are not kept alive by a worker
        Count = 0;
        Bytes = 0;
    }
}
