using System.Threading.Channels;
using SseService.Client;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Client;

/// <summary>
/// Enumerates a subscription in the background, as an application would, so the client keeps reading
/// and reconnecting while the test publishes, cuts connections and waits on what arrives.
/// </summary>
public sealed class EventPump : IAsyncDisposable
{
    private readonly Channel<SseEvent> _events = Channel.CreateUnbounded<SseEvent>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    private EventPump(Func<CancellationToken, IAsyncEnumerable<SseEvent>> subscribe)
    {
        _run = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in subscribe(_stop.Token))
                {
                    _events.Writer.TryWrite(item);
                }

                _events.Writer.TryComplete();
            }
            catch (Exception e)
            {
                _events.Writer.TryComplete(e);
                throw;
            }
        });
    }

    public static EventPump Start(Func<CancellationToken, IAsyncEnumerable<SseEvent>> subscribe) => new(subscribe);

    /// <summary>The next event; fails after <paramref name="timeout"/>, or with the enumeration's own exception.</summary>
    public async Task<SseEvent> ReadAsync(TimeSpan? timeout = null)
    {
        using var wait = new CancellationTokenSource(timeout ?? SseSubscriber.DefaultTimeout);
        try
        {
            return await _events.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested)
        {
            throw new TimeoutException($"no event within {timeout ?? SseSubscriber.DefaultTimeout}");
        }
    }

    /// <summary>Cancels the subscription's token and waits for the enumeration to end; it must end without an exception.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _run.WaitAsync(SseSubscriber.DefaultTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run.WaitAsync(SseSubscriber.DefaultTimeout);
        }
        catch (Exception)
        {
            // Already reported through ReadAsync, or irrelevant once the test is over.
        }

        _stop.Dispose();
    }
}
