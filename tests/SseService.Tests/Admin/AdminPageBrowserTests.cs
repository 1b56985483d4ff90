using Microsoft.Playwright;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Admin;

public sealed class AdminPageBrowserTests
{
    private const float WaitMilliseconds = 30_000;

    [Fact]
    public async Task AdminPage_SubscribersConnectAndMessagesArrive_CountersUpdateWithoutReload()
    {
        await using var service = await TestService.StartAsync();
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var admin = await chromium.Browser.NewPageAsync();
        var consoleErrors = new List<string>();
        admin.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text); // a Content-Security-Policy violation would show here
            }
        };
        await admin.GotoAsync(new Uri(service.HttpAddress, "/admin/").ToString());
        await WaitForCounterAsync(admin, "#active-connections", 0);

        // The page must update itself: a reload would lose this marker.
        await admin.EvaluateAsync("() => { window.__notReloaded = true; }");

        // Four EventSource subscribers in another page, one of them on two namespaces.
        var subscribers = await chromium.Browser.NewPageAsync();
        await subscribers.GotoAsync(new Uri(service.HttpAddress, "/admin/status.json").ToString());
        await subscribers.EvaluateAsync("""
            () => {
              window.received = 0;
              window.sources = ["/subscribe/pets", "/subscribe/pets/dogs", "/subscribe/", "/subscribe?namespace=/time&namespace=/pets"].map(path => {
                const source = new EventSource(path);
                source.onmessage = () => { window.received++; };
                return source;
              });
            }
            """);
        await WaitForCounterAsync(admin, "#active-connections", 4);

        for (var i = 0; i < 5; i++)
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Data = $"dog {i}" });
        }

        await subscribers.WaitForFunctionAsync("() => window.received === 20", null, new PageWaitForFunctionOptions { Timeout = WaitMilliseconds });
        await WaitForCounterAsync(admin, "#msgs-broadcast", 5);
        await WaitForCounterAsync(admin, "#deliveries", 20);
        Assert.True(await admin.EvaluateAsync<bool>("() => window.__notReloaded === true"));

        // The open-streams table lists them, a stream on several namespaces with all of them.
        Assert.Equal(4, await admin.Locator("#connections tbody tr").CountAsync());
        Assert.Contains("/time, /pets", await admin.Locator("#connections tbody tr td:first-child").AllTextContentsAsync());

        await admin.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessChromium.ArtifactPath("admin-page.png"), FullPage = true });

        Assert.Empty(consoleErrors);

        // Subscribers leaving show too.
        await subscribers.CloseAsync();
        await WaitForCounterAsync(admin, "#active-connections", 0);
    }

    private static Task<IJSHandle> WaitForCounterAsync(IPage page, string selector, long expected) =>
        page.WaitForFunctionAsync(
            "([selector, expected]) => { const e = document.querySelector(selector); return e && e.textContent.replace(/[^0-9]/g, '') === String(expected); }",
            new object[] { selector, expected },
            new PageWaitForFunctionOptions { Timeout = WaitMilliseconds });
}
