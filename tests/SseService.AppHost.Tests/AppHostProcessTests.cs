using System.Diagnostics;
using Microsoft.Playwright;
using SseService.AppHost.Tests.Infrastructure;
using SseService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseService.AppHost.Tests;

/// <summary>The AppHost as its own process, dashboard included: what a developer sees, and how it stops.</summary>
public sealed class AppHostProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private static readonly float UiTimeout = (float)TimeSpan.FromSeconds(90).TotalMilliseconds;

    [Fact]
    public async Task Dashboard_LoggedInWithThePrintedToken_ShowsSseAndProducerRunningAndTheSseServiceMeter()
    {
        // Arrange
        await using var appHost = AppHostProcess.Start();
        var login = await appHost.LoginUrl.WaitAsync(StartTimeout);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });

        try
        {
            // Act: the login link sets the auth cookie and lands on the resources page.
            await page.GotoAsync(login.ToString());

            // Assert: both projects listed as Running.
            foreach (var resource in new[] { "sse", "producer" })
            {
                await page.Locator("[role=row]", new PageLocatorOptions { HasText = resource })
                    .Filter(new LocatorFilterOptions { HasText = "Running" }).First
                    .WaitForAsync(new LocatorWaitForOptions { Timeout = UiTimeout });
            }

            await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessChromium.ArtifactPath("aspire-dashboard-resources.png"), FullPage = true });

            // The metrics page of "sse": the SseService meter and its instruments, exported over OTLP.
            await page.GotoAsync(new Uri(login, "/metrics/resource/sse").ToString());
            await page.GetByText("SseService", new PageGetByTextOptions { Exact = true }).First.WaitForAsync(new LocatorWaitForOptions { Timeout = UiTimeout });
            foreach (var instrument in new[] { "sse.messages.published", "sse.connections.active", "sse.publish.duration" })
            {
                await page.GetByText(instrument, new PageGetByTextOptions { Exact = true }).First.WaitForAsync(new LocatorWaitForOptions { Timeout = UiTimeout });
            }

            await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessChromium.ArtifactPath("aspire-dashboard-metrics.png"), FullPage = true });
        }
        catch (TimeoutException)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessChromium.ArtifactPath("aspire-dashboard-failure.png"), FullPage = true });
            output.WriteLine(appHost.Output);
            throw;
        }
    }

    [Fact]
    public async Task Sigterm_ToTheAppHost_EndsEveryProcessItStartedWithin30Seconds()
    {
        // Arrange: the AppHost with Redis and two replicas, so every kind of process is there.
        await using var appHost = AppHostProcess.Start("--UseRedis=true", "--RedisMode=Executable");
        await appHost.LoginUrl.WaitAsync(StartTimeout);
        var started = await WaitForProcessesAsync(appHost, StartTimeout);
        output.WriteLine(string.Join('\n', started.Select(p => $"{p.Pid} {p.CommandLine[..Math.Min(120, p.CommandLine.Length)]}")));

        // Act
        var clock = Stopwatch.StartNew();
        appHost.SendSigterm();
        while (started.Any(p => p.IsAlive()) && clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(100);
        }

        clock.Stop();

        // Assert
        output.WriteLine($"all {started.Count} processes gone {clock.Elapsed.TotalSeconds:0.0} s after SIGTERM");
        var alive = started.Where(p => p.IsAlive()).Select(p => $"{p.Pid} {p.CommandLine}").ToList();
        Assert.True(alive.Count == 0, $"still running after {clock.Elapsed}:\n{string.Join('\n', alive)}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    /// <summary>Waits until DCP has started both replicas, the producer and redis-server.</summary>
    private static async Task<IReadOnlyList<OsProcess>> WaitForProcessesAsync(AppHostProcess appHost, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var processes = appHost.StartedProcesses();
            var services = processes.Count(p => p.CommandLine.EndsWith("/SseService", StringComparison.Ordinal));
            var producers = processes.Count(p => p.CommandLine.EndsWith("/SseService.SampleProducer", StringComparison.Ordinal));
            var redis = processes.Count(p => p.CommandLine.StartsWith("redis-server", StringComparison.Ordinal));
            if (services == 2 && producers == 1 && redis == 1)
            {
                return processes;
            }

            Assert.True(clock.Elapsed < timeout, $"after {timeout}: {services} service(s), {producers} producer(s), {redis} redis-server(s)\n{appHost.Output}");
            await Task.Delay(250);
        }
    }
}
