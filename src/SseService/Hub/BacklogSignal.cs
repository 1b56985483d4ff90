namespace SseService.Hub;

/// <summary>
/// Wakes producers held back by backpressure when some subscriber's backlog eases (or one leaves),
/// so they look at the congestion again at once instead of polling it.
/// </summary>
internal sealed class BacklogSignal
{
    private TaskCompletionSource _eased = NewSource();

    /// <summary>A task that completes at the next ease after this call.</summary>
    public Task Next()
    {
        var current = Volatile.Read(ref _eased);
        if (!current.Task.IsCompleted)
        {
            return current.Task;
        }

        var fresh = NewSource();
        var seen = Interlocked.CompareExchange(ref _eased, fresh, current);
        return (seen == current ? fresh : seen).Task;
    }

    public void Eased() => Volatile.Read(ref _eased).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
