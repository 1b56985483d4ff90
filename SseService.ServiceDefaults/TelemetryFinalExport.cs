using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A bounded final export: once every hosted service has stopped, the tracer, meter and logger
/// providers are shut down together with <see cref="Budget"/> for all three. Without it, disposing
/// them waits up to 5 s each (the SDK's grace period) on an exporter that retries an unreachable
/// collector, as under Aspire when the dashboard has already stopped: 10-15 s to exit after SIGTERM.
/// What is not exported within the budget is dropped; the providers' own shutdown at dispose is
/// then a no-op (the SDK shuts a provider down once).
/// </summary>
internal sealed class TelemetryFinalExport(IServiceProvider services) : IHostedLifecycleService
{
    /// <summary>How long the last export may take at shutdown, for all providers together.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(500);

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var shutdowns = new List<Task>(3);
        if (services.GetService<TracerProvider>() is { } tracing)
        {
            shutdowns.Add(Task.Run(() => tracing.Shutdown(Milliseconds(deadline)), CancellationToken.None));
        }

        if (services.GetService<MeterProvider>() is { } metrics)
        {
            shutdowns.Add(Task.Run(() => metrics.Shutdown(Milliseconds(deadline)), CancellationToken.None));
        }

        if (services.GetService<LoggerProvider>() is { } logging)
        {
            shutdowns.Add(Task.Run(() => logging.Shutdown(Milliseconds(deadline)), CancellationToken.None));
        }

        // Each shutdown honours its own timeout; the wait is bounded as well in case one does not.
        try
        {
            await Task.WhenAll(shutdowns).WaitAsync(Budget, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Over budget: what is still unexported is dropped, by design.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static int Milliseconds(Stopwatch elapsed) =>
        (int)Math.Max(0, (Budget - elapsed.Elapsed).TotalMilliseconds);
}
