using System.Diagnostics;
using Grpc.Net.Client;
using Sse.V1;
using SseService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseService.Tests.Telemetry;

/// <summary>
/// SIGTERM with nothing in flight and the telemetry collector gone (as under Aspire once the dashboard
/// has stopped): the service exits at once, its final export bounded (TelemetryFinalExport), instead
/// of waiting 13 s on an exporter that retries a closed port.
/// </summary>
public sealed class QuickExitTests(ITestOutputHelper output)
{
    /// <summary>Generous for a loaded 2-core machine; the unbounded export took 13 s.</summary>
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Sigterm_CollectorGoneAfterAPublish_ExitsWithinSeconds()
    {
        // Arrange: Aspire's own OTLP settings, pointing where nothing listens.
        var closedPort = FreePort.Next();
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{closedPort}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"] = "in_memory",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
            ["OTEL_TRACES_SAMPLER"] = "always_on",
            ["OTEL_SERVICE_NAME"] = "sse",
        });
        using (var channel = GrpcChannel.ForAddress(service.GrpcAddress))
        {
            await new Broadcaster.BroadcasterClient(channel)
                .BroadcastAsync(new SseMessage { Namespace = "/time", Data = "now" }, deadline: DateTime.UtcNow.AddSeconds(30));
        }

        // Act
        var clock = Stopwatch.StartNew();
        service.SendSigterm();
        await service.WaitForExitAsync(TimeSpan.FromSeconds(60));
        clock.Stop();

        // Assert
        output.WriteLine($"exit after SIGTERM: {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(0, service.ExitCode);
        Assert.True(clock.Elapsed < ExitBound, $"exit took {clock.Elapsed.TotalMilliseconds:0} ms, bound {ExitBound}\n{service.Output}");
    }
}
