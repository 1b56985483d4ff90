using System.Text;
using Microsoft.Playwright;
using Sse.V1;
using SseService.Tests.Client;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

/// <summary>
/// A real EventSource in headless Chromium resuming from producer ids a browser may hand back: the
/// service ends the stream, the browser reconnects by itself with Last-Event-ID set to the id (as
/// UTF-8), gets 200 and carries on from where it was.
/// </summary>
public sealed class BrowserResumeTests
{
    private const float WaitMilliseconds = 30_000;

    [Theory]
    [InlineData("a\tb")]
    [InlineData("tab\tand é 🐶")]
    public async Task EventSource_StreamEndedAfterAnIdWithTabOrUnicode_ReconnectsWith200AndResumes(string id)
    {
        // Arrange: a short retry: so the browser comes back quickly; a page of the service's own origin.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:RetryMilliseconds"] = "200" });
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.Browser.NewPageAsync();
        var subscribes = new List<IResponse>();
        page.Response += (_, response) =>
        {
            if (response.Url.Contains("/subscribe/tab", StringComparison.Ordinal))
            {
                lock (subscribes)
                {
                    subscribes.Add(response);
                }
            }
        };
        await page.GotoAsync(new Uri(service.HttpAddress, "/alive").ToString());
        await page.EvaluateAsync("""
            () => {
              window.received = [];
              window.errors = 0;
              window.source = new EventSource('/subscribe/tab');
              source.onmessage = e => received.push({ id: e.lastEventId, data: e.data });
              source.onerror = () => errors++;
            }
            """);
        await page.WaitForFunctionAsync("() => source.readyState === EventSource.OPEN", null, new PageWaitForFunctionOptions { Timeout = WaitMilliseconds });
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/tab", Id = id, Data = "first" });
        await page.WaitForFunctionAsync("() => received.length === 1", null, new PageWaitForFunctionOptions { Timeout = WaitMilliseconds });

        // Act: the service ends the stream; what is published meanwhile must reach the browser after it comes back.
        service.Hub.OpenSubscription("/tab").Cut(abort: false);
        var missed = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/tab", Data = "second" });
        await page.WaitForFunctionAsync("() => received.length === 2", null, new PageWaitForFunctionOptions { Timeout = WaitMilliseconds });

        // Assert
        Assert.Equal(id, await page.EvaluateAsync<string>("() => received[0].id"));
        Assert.Equal((missed.Id, "second"), (await page.EvaluateAsync<string>("() => received[1].id"), await page.EvaluateAsync<string>("() => received[1].data")));
        Assert.Equal(1, await page.EvaluateAsync<int>("() => source.readyState")); // OPEN: it did not give up
        IResponse[] answers;
        lock (subscribes)
        {
            answers = [.. subscribes];
        }

        // "replayed" says the service found the id: an id it could not match would get "unknown".
        Assert.Equal(2, answers.Length);
        Assert.Equal((200, null), (answers[0].Status, answers[0].Headers.GetValueOrDefault("x-sse-resume")));
        Assert.Equal((200, "replayed"), (answers[1].Status, answers[1].Headers.GetValueOrDefault("x-sse-resume")));
        var sent = await answers[1].Request.AllHeadersAsync();
        // Chromium sends a non-ASCII id as UTF-8 bytes, which Kestrel decodes as UTF-8 by default;
        // Playwright shows those bytes through a lossy single-byte decoding, so only ASCII is compared.
        if (Ascii.IsValid(id))
        {
            Assert.Equal(id, sent.GetValueOrDefault("last-event-id"));
        }
    }
}
