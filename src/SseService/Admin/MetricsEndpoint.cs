namespace SseService.Admin;

/// <summary>
/// Maps <c>GET /metrics</c>, where Prometheus scrapes every instrument of the OpenTelemetry meter
/// provider (the <c>sse.*</c> meter, ASP.NET Core's, the runtime's), behind the same access rule
/// as the admin endpoints. Nothing here touches the hub: a scrape is not subscriber traffic.
/// </summary>
public static class MetricsEndpoint
{
    public static IEndpointConventionBuilder MapMetricsEndpoint(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint(Extensions.MetricsEndpointPath)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .AddEndpointFilter<IEndpointConventionBuilder, AdminAccessFilter>();
}
