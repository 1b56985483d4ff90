using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

/// <summary>
/// A refusal that waiting gets past must not lose a browser: EventSource gives up for good on anything
/// but 200 text/event-stream, so an event-stream request is refused with a 200 stream that says when to
/// come back (retry:) and why (a comment), then ends; other clients keep 503/429 with Retry-After.
/// </summary>
public sealed partial class BrowserRefusalTests
{
    private const float WaitMilliseconds = 60_000;

    public static TheoryData<string, string, string, HttpStatusCode> RetryableCaps => new()
    {
        { "Sse:Limits:MaxConnections", "connections", "too many streams open", HttpStatusCode.ServiceUnavailable },
        { "Sse:Limits:MaxConnectionsPerClient", "connections_per_client", "too many streams from", HttpStatusCode.TooManyRequests },
    };

    [Theory]
    [MemberData(nameof(RetryableCaps))]
    public async Task Subscribe_OverACap_EventStreamGets200RetryAndReasonOthersGetStatusWithRetryAfter(
        string limitKey, string counted, string reason, HttpStatusCode otherClientsGet)
    {
        // Arrange: a cap of one, taken.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { [limitKey] = "1" });
        await using var holder = await service.SubscribeAsync("/subscribe/capped");

        // Act
        await using var browserLike = await RawHttpConnection.OpenAsync(service.HttpAddress, "/subscribe/capped");
        var stream = await browserLike.ReadToEndTextAsync(SseSubscriber.DefaultTimeout);
        var (_, other) = await SseSubscriber.TryConnectAsync(service.Http, "/subscribe/capped", asEventSource: false);

        // Assert: a stream that ends after saying when and why; the 5 s Retry-After, jittered.
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", stream, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: text/event-stream\r\n", stream, StringComparison.Ordinal);
        var body = stream[(stream.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        var retry = long.Parse(RetryLine().Match(body).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(retry, 3_750, 6_250);
        Assert.Contains($": refused: {reason}", body, StringComparison.Ordinal);
        Assert.DoesNotContain("data:", body, StringComparison.Ordinal);
        using (other)
        {
            Assert.Equal(otherClientsGet, other.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), other.Headers.RetryAfter?.Delta);
        }

        var status = await service.Http.GetFromJsonAsync<JsonElement>("/admin/status.json");
        Assert.Equal(2, status.GetProperty("limit_rejections").GetProperty(counted).GetInt32());
    }

    [Fact]
    public async Task Subscribe_OverTheNewConnectionRate_EventStreamGets200RetryAndReasonOthersGet503()
    {
        // Arrange: one new stream a second, taken.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:Limits:MaxNewConnectionsPerSecond"] = "1" });
        await using var first = await service.SubscribeAsync("/subscribe/paced");

        // Act
        await using var browserLike = await RawHttpConnection.OpenAsync(service.HttpAddress, "/subscribe/paced");
        var stream = await browserLike.ReadToEndTextAsync(SseSubscriber.DefaultTimeout);
        var (_, other) = await SseSubscriber.TryConnectAsync(service.Http, "/subscribe/paced", asEventSource: false);

        // Assert: told to come back within about the rest of the second, and why.
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", stream, StringComparison.Ordinal);
        var retry = long.Parse(RetryLine().Match(stream).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(retry, 0, 1_250);
        Assert.Contains(": refused: too many new streams this second", stream, StringComparison.Ordinal);
        using (other)
        {
            // Unless the window turned over between the two: then it got in.
            Assert.True(other.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.OK, $"{other.StatusCode}");
        }
    }

    [Fact]
    public async Task Subscribe_WhileTheServiceDrains_EventStreamGets200RetryWithinTheWindowOthersGet503()
    {
        // Arrange: the drain begun, as on SIGTERM, while the server still answers.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:DrainWindow"] = "00:00:04" });
        await using var open = await service.SubscribeAsync("/subscribe/late");
        service.Services.GetRequiredService<SseService.Subscribers.StreamDrain>().Begin();

        // Act
        await using var browserLike = await RawHttpConnection.OpenAsync(service.HttpAddress, "/subscribe/late");
        var stream = await browserLike.ReadToEndTextAsync(SseSubscriber.DefaultTimeout);
        var (_, other) = await SseSubscriber.TryConnectAsync(service.Http, "/subscribe/late", asEventSource: false);

        // Assert: the open stream was drained, the new ones refused in each client's terms.
        Assert.Null(await open.ReadAsync());
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", stream, StringComparison.Ordinal);
        Assert.InRange(long.Parse(RetryLine().Match(stream).Groups[1].Value, CultureInfo.InvariantCulture), 3_000, 5_000);
        Assert.Contains(": refused: the service is shutting down", stream, StringComparison.Ordinal);
        using (other)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, other.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(4), other.Headers.RetryAfter?.Delta);
        }
    }

    [Fact]
    public async Task Subscribe_RefusalsWaitingCannotFix_StayFatalForEventStreams()
    {
        // Arrange
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Sse:AllowRootSubscription"] = "false",
            ["Sse:Auth:PrivateNamespaces:0"] = "/private",
        });

        // Act and assert: malformed, unauthenticated and forbidden requests keep their status.
        foreach (var (path, expected) in new[] { ("/subscribe/a//b", "400"), ("/subscribe/private", "401"), ("/subscribe/", "403") })
        {
            await using var connection = await RawHttpConnection.OpenAsync(service.HttpAddress, path);
            var answer = await connection.ReadToEndTextAsync(SseSubscriber.DefaultTimeout);
            Assert.StartsWith($"HTTP/1.1 {expected} ", answer, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Sse:Limits:MaxConnections")]
    [InlineData("Sse:Limits:MaxConnectionsPerClient")]
    public async Task EventSource_RefusedAtACap_ReconnectsByItselfOnceThereIsRoomAndReceives(string limitKey)
    {
        // Arrange: a cap of one, held by the first EventSource; a short Retry-After keeps the test quick.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            [limitKey] = "1",
            ["Sse:Limits:RetryAfter"] = "00:00:01",
        });
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.Browser.NewPageAsync();
        await page.GotoAsync(new Uri(service.HttpAddress, "/health").ToString());
        await page.EvaluateAsync("""
            () => {
              window.first = new EventSource("/subscribe/room");
              window.seen = [];
              window.errors = 0;
              window.first.onopen = () => {
                window.second = new EventSource("/subscribe/room");
                window.second.onerror = () => { window.errors++; };
                window.second.onmessage = e => window.seen.push(e.data);
              };
            }
            """);

        // Act: the second is refused (and retries) until the first goes.
        await page.WaitForFunctionAsync("() => window.errors >= 2", null, Wait);
        Assert.Equal(1, service.Hub.SubscriberCount);
        await page.EvaluateAsync("() => window.first.close()");
        await page.WaitForFunctionAsync("() => window.second.readyState === EventSource.OPEN", null, Wait);
        await WaitForSubscribersAsync(service, 1);
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/room", Data = "made it" });

        // Assert: it never gave up, and it receives.
        await page.WaitForFunctionAsync("() => window.seen.includes('made it')", null, Wait);
        Assert.NotEqual(2, await page.EvaluateAsync<int>("() => window.second.readyState")); // 2 = CLOSED
    }

    [Fact]
    public async Task EventSources_RefusedAtTheNewConnectionRate_ReconnectByThemselvesAndAllReceive()
    {
        // Arrange: one new stream a second; three EventSources at once touch at most two windows.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:Limits:MaxNewConnectionsPerSecond"] = "1" });
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.Browser.NewPageAsync();
        await page.GotoAsync(new Uri(service.HttpAddress, "/health").ToString());

        // Act
        await page.EvaluateAsync("""
            () => {
              window.seen = [[], [], []];
              window.sources = window.seen.map((seen, i) => {
                const source = new EventSource("/subscribe/paced");
                source.onmessage = e => seen.push(e.data);
                return source;
              });
            }
            """);
        await page.WaitForFunctionAsync("() => window.sources.every(s => s.readyState === EventSource.OPEN)", null, Wait);
        await WaitForSubscribersAsync(service, 3);
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/paced", Data = "all of us" });

        // Assert: some were refused, none gave up, all receive.
        await page.WaitForFunctionAsync("() => window.seen.every(s => s.includes('all of us'))", null, Wait);
        var status = await service.Http.GetFromJsonAsync<JsonElement>("/admin/status.json");
        Assert.True(status.GetProperty("limit_rejections").GetProperty("new_connections").GetInt32() >= 1);
    }

    private static PageWaitForFunctionOptions Wait => new() { Timeout = WaitMilliseconds };

    private static async Task WaitForSubscribersAsync(TestService service, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (service.Hub.SubscriberCount != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{service.Hub.SubscriberCount} subscribers, not {count}");
            await Task.Delay(20);
        }
    }

    [GeneratedRegex(@"^retry: (\d+)$", RegexOptions.Multiline)]
    private static partial Regex RetryLine();
}
