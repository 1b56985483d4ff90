namespace SseService.Sse;

/// <summary>
/// One <see cref="DirectSendWorker"/> per processor; each stream stays on one, so its sends are never
/// concurrent and streams spread over the cores.
/// </summary>
internal sealed class DirectSendScheduler
{
    private readonly DirectSendWorker[] _workers =
        Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new DirectSendWorker()).ToArray();

    private int _next;

    public DirectSendWorker NextWorker() =>
        _workers[(int)((uint)Interlocked.Increment(ref _next) % (uint)_workers.Length)];
}
