using SseService.Hub;

namespace SseService.Security;

/// <summary>
/// Ends streams whose credential expired, checked once a second on one shared timer (never a timer
/// per connection). Runs only when credentials are configured.
/// </summary>
internal sealed class CredentialExpiryService(SseHub hub, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                hub.CloseExpired(time.GetUtcNow());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }
}
