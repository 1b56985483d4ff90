using SseService.Hub;

namespace SseService.Security;

/// <summary>Ends streams whose credential expired, checked once a second. Runs only when credentials are configured.</summary>
internal sealed class CredentialExpiryService(SseHub hub, TimeProvider time) : PeriodicService(time)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(1);

    protected override void Tick() => hub.CloseExpired(Time.GetUtcNow());
}
