using Microsoft.Playwright;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Examples;

/// <summary>
/// examples/browser/index.html in headless Chromium, opened as a file:// page or from a static server
/// (another origin than the service's), pointed at the service by ?server=.
/// </summary>
public sealed class BrowserExampleTests
{
    private const float WaitMilliseconds = 30_000;

    [Theory]
    [InlineData("file")]
    [InlineData("http")]
    public async Task BrowserExample_TimeAndPetsPublished_PageShowsTickWoofAndMeowLines(string openedFrom)
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var site = openedFrom == "http" ? await StaticFileServer.StartAsync(ExampleFolder) : null;
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await OpenExampleAsync(chromium, service, site?.Address ?? new Uri(ExampleFolder + Path.DirectorySeparatorChar));

        // Act: one EventSource for both namespaces, so the lines keep the order of publication.
        var time = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/time", Data = "7:29:54 AM (+00:00)" });
        var dog = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Event = "new-dog", Data = "Corgi" });
        var cat = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/cats", Event = "new-cat", Data = "Persian" });

        // Assert
        Assert.Equal(1, service.Hub.SubscriberCount);
        Assert.Equal(1u, time.Subscribers);
        Assert.Equal(1u, dog.Subscribers);
        Assert.Equal(1u, cat.Subscribers);
        Assert.Equal(
            ["TICK! The time is currently: 7:29:54 AM (+00:00)", "WOOF! Hello Corgi", "MEOW! Hello Persian"],
            await WaitForLinesAsync(page, 3));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessChromium.ArtifactPath($"browser-example-{openedFrom}.png"), FullPage = true });
    }

    [Fact]
    public async Task BrowserExample_MarkupInEventData_ShownAsTextNeverParsed()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await OpenExampleAsync(chromium, service, new Uri(ExampleFolder + Path.DirectorySeparatorChar));
        const string Dog = "<img src=x onerror=\"document.title='injected'\">";
        const string Cat = "<b>Persian</b>";

        // Act
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Event = "new-dog", Data = Dog });
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/cats", Event = "new-cat", Data = Cat });

        // Assert
        Assert.Equal(["WOOF! Hello " + Dog, "MEOW! Hello " + Cat], await WaitForLinesAsync(page, 2));
        Assert.Equal(0, await page.Locator("#log img, #log b").CountAsync());
        Assert.NotEqual("injected", await page.TitleAsync());
    }

    private static string ExampleFolder => RepositoryRoot.Combine("examples", "browser");

    /// <summary>Opens index.html from <paramref name="folder"/> and returns once its EventSource is open (subscribed).</summary>
    private static async Task<IPage> OpenExampleAsync(HeadlessChromium chromium, TestService service, Uri folder)
    {
        var page = await chromium.Browser.NewPageAsync();
        var index = new Uri(folder, "index.html");
        await page.GotoAsync($"{index.AbsoluteUri}?server={Uri.EscapeDataString(service.HttpAddress.ToString())}");

        // "open" follows the response headers, which the service sends once the hub registered the
        // subscription: from then on nothing published is missed.
        await page.WaitForFunctionAsync(
            "() => document.querySelector('#stream-state').dataset.state === 'open'",
            null,
            new PageWaitForFunctionOptions { Timeout = WaitMilliseconds });
        return page;
    }

    /// <summary>Waits until the page's log has <paramref name="count"/> lines and returns their text.</summary>
    private static async Task<string[]> WaitForLinesAsync(IPage page, int count)
    {
        await page.WaitForFunctionAsync(
            "count => document.querySelectorAll('#log li').length >= count",
            count,
            new PageWaitForFunctionOptions { Timeout = WaitMilliseconds });
        return [.. await page.Locator("#log li").AllTextContentsAsync()];
    }
}
