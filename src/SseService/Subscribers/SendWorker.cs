using SseService.Hub;

namespace SseService.Subscribers;

/// <summary>
/// Sends, in passes, for the streams that have frames waiting: each pass takes every stream
/// scheduled so far and hands each one batch of what it has queued. Streams scheduled during a pass
/// wait for the next, so under load each send carries every event that arrived meanwhile
/// (coalescing), and when idle an event goes out with one send per stream, as the write(2) floor does.
/// </summary>
internal sealed class SendWorker : IThreadPoolWorkItem
{
    private readonly Lock _gate = new();
    private readonly SendBatch _batch = new();
    private List<StreamOwner> _scheduled = [];
    private List<StreamOwner> _passing = [];
    private bool _running;

    /// <summary>Queues a stream for the next pass; starts a pass on the thread pool if none runs.</summary>
    public void Schedule(StreamOwner stream)
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
                stream.SendPending(_batch);
            }

            _passing.Clear();
        }
    }
}
