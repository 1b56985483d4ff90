using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SseService.Backplane;

/// <summary>Degraded (not unhealthy) without Redis: open streams still work; publishes are refused.</summary>
internal sealed class RedisBackplaneHealthCheck(RedisBackplane backplane) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(backplane.IsHealthy
            ? HealthCheckResult.Healthy($"Redis backplane {backplane.Status}")
            : HealthCheckResult.Degraded($"Redis backplane: {backplane.Status}; publishes are refused with UNAVAILABLE"));
}
