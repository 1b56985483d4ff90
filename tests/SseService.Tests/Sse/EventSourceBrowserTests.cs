using Microsoft.Playwright;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

/// <summary>
/// What HTTP/2 is for, in a real browser. Over HTTP/1.1 Chromium opens at most 6 connections per
/// origin (across all its tabs) and each EventSource holds one for as long as it is open, so a 7th
/// waits until another closes. Over HTTP/2 every EventSource is a stream of one connection, so
/// 10 (or 100, up to the server's SETTINGS_MAX_CONCURRENT_STREAMS) are open at once.
/// </summary>
public sealed class EventSourceBrowserTests
{
    private const int Sources = 10;
    private const int Http1ConnectionsPerOrigin = 6;
    private const float WaitMilliseconds = 30_000;

    [Fact]
    public async Task TenEventSources_OneHttpsOrigin_AllOpenAndAllReceiveOverHttp2()
    {
        // Arrange: the browser trusts exactly the test certificate's key; no certificate error is ignored otherwise.
        await using var service = await TestService.StartAsync(transport: Transport.HttpsHttp2);
        await using var chromium = await HeadlessChromium.LaunchAsync($"--ignore-certificate-errors-spki-list={TestCertificate.SpkiSha256}");
        var page = await OpenOriginAsync(chromium, service);
        Assert.Equal("h2", await page.EvaluateAsync<string>("() => performance.getEntriesByType('navigation')[0].nextHopProtocol"));

        // Act
        await OpenEventSourcesAsync(page);
        await page.WaitForFunctionAsync("() => window.sources.every(s => s.readyState === EventSource.OPEN)", null, Wait);
        Assert.Equal(Sources, service.Hub.SubscriberCount);
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/tabs", Data = "to every tab" });

        // Assert
        await page.WaitForFunctionAsync("() => window.received.every(n => n === 1)", null, Wait);
        Assert.Equal(Enumerable.Repeat("to every tab", Sources), await page.EvaluateAsync<string[]>("() => window.lastData"));
    }

    /// <summary>
    /// The contrast: the same page over plain HTTP/1.1 gets 6 streams; the other 4 stay CONNECTING,
    /// and open only as others close.
    /// </summary>
    [Fact]
    public async Task TenEventSources_OneHttp1Origin_OnlySixOpenUntilOthersClose()
    {
        // Arrange
        await using var service = await TestService.StartAsync(transport: Transport.Http1Direct);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await OpenOriginAsync(chromium, service);
        Assert.Equal("http/1.1", await page.EvaluateAsync<string>("() => performance.getEntriesByType('navigation')[0].nextHopProtocol"));

        // Act: 10 sources; once 6 are open and have received, the browser has shown which it holds back.
        await OpenEventSourcesAsync(page);
        await page.WaitForFunctionAsync($"() => window.sources.filter(s => s.readyState === EventSource.OPEN).length === {Http1ConnectionsPerOrigin}", null, Wait);
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/tabs", Data = "first" });
        await page.WaitForFunctionAsync($"() => window.received.filter(n => n === 1).length === {Http1ConnectionsPerOrigin}", null, Wait);

        // Assert: 4 never got a connection, so the server never saw them and they missed "first".
        Assert.Equal(Sources - Http1ConnectionsPerOrigin, await page.EvaluateAsync<int>("() => window.sources.filter(s => s.readyState === EventSource.CONNECTING).length"));
        Assert.Equal(Http1ConnectionsPerOrigin, service.Hub.SubscriberCount);

        // Closing the open ones frees their connections for the waiting ones.
        await page.EvaluateAsync("() => window.sources.filter(s => s.readyState === EventSource.OPEN).slice(0, 4).forEach(s => s.close())");
        await page.WaitForFunctionAsync($"() => window.sources.filter(s => s.readyState === EventSource.OPEN).length === {Http1ConnectionsPerOrigin}", null, Wait);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => window.sources.filter(s => s.readyState === EventSource.CONNECTING).length"));
    }

    private static PageWaitForFunctionOptions Wait => new() { Timeout = WaitMilliseconds };

    /// <summary>A page of the service's own origin, so the EventSources are same-origin requests to it.</summary>
    private static async Task<IPage> OpenOriginAsync(HeadlessChromium chromium, TestService service)
    {
        var page = await chromium.Browser.NewPageAsync();
        var response = await page.GotoAsync(new Uri(service.HttpAddress, "/health").ToString());
        Assert.True(response is { Ok: true }, $"GET /health: {response?.Status}");
        return page;
    }

    private static async Task OpenEventSourcesAsync(IPage page) => await page.EvaluateAsync($$"""
        () => {
          window.received = new Array({{Sources}}).fill(0);
          window.lastData = new Array({{Sources}}).fill(null);
          window.sources = window.received.map((_, i) => {
            const source = new EventSource("/subscribe/tabs");
            source.onmessage = e => { window.received[i]++; window.lastData[i] = e.data; };
            return source;
          });
        }
        """);
}
