using System.Text.Json;
using Microsoft.Extensions.Options;
using SseService.Hub;

namespace SseService.Admin;

/// <summary>
/// Publishes the status document every second into the admin hub, a second <see cref="SseHub"/>
/// that serves the admin page's stream: the page is fed by the same machinery it watches.
/// </summary>
internal sealed class AdminStatusPublisher(
    [FromKeyedServices(AdminEndpoints.AdminHubKey)] SseHub adminHub,
    StatusReporter reporter,
    IOptions<AdminOptions> options,
    TimeProvider time) : PeriodicService(time)
{
    public const string StatusEvent = "status";
    public static readonly TimeSpan PublishInterval = TimeSpan.FromSeconds(1);

    public static NamespacePath StatusNamespace { get; } = ParseStatusNamespace();

    protected override TimeSpan Interval => AdminStatusPublisher.PublishInterval;

    protected override void Tick() => PublishNow();

    /// <summary>Publishes a status report if anyone is watching.</summary>
    public void PublishNow()
    {
        if (adminHub.SubscriberCount == 0)
        {
            return; // nobody watching: build nothing
        }

        var report = reporter.Report(options.Value.AdminPageConnections);
        var json = JsonSerializer.Serialize(report, AdminJsonContext.Default.StatusDocument);
        adminHub.Publish(new Publication(StatusNamespace, StatusEvent, json, Id: "", RetryMilliseconds: 0));
    }

    private static NamespacePath ParseStatusNamespace()
    {
        NamespacePath.TryParse("/status", new NamespaceRules(MaxLength: 16, MaxDepth: 1), out var ns, out _);
        return ns;
    }
}
