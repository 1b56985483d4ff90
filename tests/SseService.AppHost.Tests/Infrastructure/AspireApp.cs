using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SseService.AppHost.Tests.Infrastructure;

/// <summary>
/// SseService.AppHost started by Aspire.Hosting.Testing: DCP from its package, the dashboard off,
/// every endpoint's port randomized (so nothing collides with 8001/8002 or another run).
/// </summary>
internal static class AspireApp
{
    /// <summary>Generous: a cold start builds nothing but still starts DCP and three or four processes on a shared 2-core machine.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    public static async Task<DistributedApplication> StartAsync(params string[] args)
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.SseService_AppHost>(args, timeout.Token);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        var app = await builder.BuildAsync(timeout.Token);
        try
        {
            await app.StartAsync(timeout.Token);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    /// <summary>
    /// Waits until <paramref name="count"/> replicas of <paramref name="resourceName"/> are running and
    /// healthy, and returns each one's id and own Http URL (not the proxy's).
    /// </summary>
    public static async Task<IReadOnlyList<Replica>> WaitForHealthyReplicasAsync(this DistributedApplication app, string resourceName, int count)
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var replicas = new Dictionary<string, Replica>(StringComparer.Ordinal);
        await foreach (var update in app.ResourceNotifications.WatchAsync(timeout.Token))
        {
            if (update.Resource.Name != resourceName)
            {
                continue;
            }

            var snapshot = update.Snapshot;
            var url = snapshot.EnvironmentVariables.FirstOrDefault(variable => variable.Name == "Kestrel__Endpoints__Http__Url")?.Value;
            if (snapshot.State?.Text == KnownResourceStates.Running && snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy && url is not null)
            {
                replicas[update.ResourceId] = new Replica(update.ResourceId, new Uri(url));
            }
            else
            {
                replicas.Remove(update.ResourceId);
            }

            if (replicas.Count == count)
            {
                // Aspire probes the resource's endpoint, which is the proxy: one replica answering makes
                // every replica "Healthy". Each one's own /health says whether it is ready itself.
                foreach (var replica in replicas.Values)
                {
                    await WaitUntilReadyAsync(replica.HttpUrl, timeout.Token);
                }

                return [.. replicas.Values];
            }
        }

        throw new TimeoutException($"{count} healthy replicas of '{resourceName}' did not appear");
    }

    /// <summary>Polls a replica's own /health until it answers Healthy (it may not listen yet).</summary>
    private static async Task WaitUntilReadyAsync(Uri replica, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = replica, Timeout = TimeSpan.FromSeconds(10) };
        while (true)
        {
            try
            {
                using var health = await http.GetAsync("/health", cancellationToken);
                if (await health.Content.ReadAsStringAsync(cancellationToken) == "Healthy")
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }
}

/// <summary>One replica of a project resource: its DCP resource id and its own Http endpoint.</summary>
internal sealed record Replica(string ResourceId, Uri HttpUrl);
