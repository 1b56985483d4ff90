namespace SseService.LoadTest.Storm;

/// <summary>
/// What the subscribers of a storm run share: whether the cut has begun (a stream that ends from then
/// on was cut by it), and the gate every cut subscriber waits at before reconnecting. The gate opens
/// once every stream has seen its cut, so a reconnect never races the cut itself (with the server-side
/// cut, a new connection made while <c>ss -K</c> still walks the sockets could be cut a second time).
/// </summary>
internal sealed class StormControl(double jitterMilliseconds)
{
    private readonly TaskCompletionSource _reconnect = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _cutStarted;
    private int _cut;

    /// <summary>Set just before the cut: a stream that ends from now on is counted as cut by the storm.</summary>
    public bool CutStarted => _cutStarted;

    /// <summary>Subscribers whose stream has seen the cut.</summary>
    public int Cut => Volatile.Read(ref _cut);

    public void StartCut() => _cutStarted = true;

    public void NoteCut() => Interlocked.Increment(ref _cut);

    /// <summary>Lets every cut subscriber reconnect (each after its own jitter).</summary>
    public void AllowReconnect() => _reconnect.TrySetResult();

    /// <summary>Waits for the gate, then the subscriber's jitter; false when the run stops first.</summary>
    public async Task<bool> WaitToReconnectAsync(CancellationToken stopping)
    {
        try
        {
            await _reconnect.Task.WaitAsync(stopping);
            if (jitterMilliseconds > 0)
            {
                // As a client with a jittered backoff spreads its retries: uniformly over the interval.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * jitterMilliseconds), stopping);
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
