namespace SseService.Telemetry;

/// <summary>
/// The <c>Sse:Prometheus</c> section: a pull endpoint over the same meters OTLP pushes. Off by
/// default, as the exporter package is a beta (docs/operations.md).
/// </summary>
public sealed class PrometheusOptions
{
    public const string SectionName = "Sse:Prometheus";

    /// <summary>
    /// Serves <c>GET /metrics</c> (Prometheus text format) on the Http endpoint, under the admin
    /// access rule (<c>Sse:AdminAccess</c>). Read by SseService.ServiceDefaults too, which adds the
    /// exporter (its key is <see cref="Microsoft.Extensions.Hosting.Extensions.PrometheusEnabledKey"/>).
    /// </summary>
    public bool Enabled { get; set; }
}
