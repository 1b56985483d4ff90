namespace SseService.Sse;

/// <summary>
/// Sends, in passes, for the streams that have frames waiting: each pass takes every stream
/// scheduled so far and makes one non-blocking send for each. Streams scheduled during a pass wait
/// for the next, so under load each send carries every event that arrived meanwhile (coalescing),
/// and when idle an event goes out with one send per stream, as the write(2) floor does.
/// </summary>
internal sealed class DirectSendWorker : IThreadPoolWorkItem
{
    // What one send carries at most when several frames wait: a frame larger than this goes alone.
    internal const int GatherBytes = 64 * 1024;

    private readonly Lock _gate = new();
    private readonly byte[] _gather = GC.AllocateUninitializedArray<byte>(GatherBytes);
    private List<DirectSocketStream> _scheduled = [];
    private List<DirectSocketStream> _passing = [];
    private bool _running;

    /// <summary>Queues a stream for the next pass; starts a pass on the thread pool if none runs.</summary>
    public void Schedule(DirectSocketStream stream)
    {
        lock (_gate)
        {
            _scheduled.Add(stream);
            if (_running)
            {
                return;
            }

            _running = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    public void Execute()
    {
        while (true)
        {
            lock (_gate)
            {
                if (_scheduled.Count == 0)
                {
                    _running = false;
                    return;
                }

                (_scheduled, _passing) = (_passing, _scheduled);
            }

            foreach (var stream in _passing)
            {
                stream.SendPending(_gather);
            }

            _passing.Clear();
        }
    }
}
