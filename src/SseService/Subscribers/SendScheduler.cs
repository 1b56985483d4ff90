namespace SseService.Subscribers;

/// <summary>
/// One <see cref="SendWorker"/> per processor; each stream stays on one, so its sends are never
/// concurrent and streams spread over the cores.
/// </summary>
internal sealed class SendScheduler
{
    private readonly SendWorker[] _workers =
        Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new SendWorker()).ToArray();

    private int _next;

    public SendWorker NextWorker() =>
        _workers[(int)((uint)Interlocked.Increment(ref _next) % (uint)_workers.Length)];
}
