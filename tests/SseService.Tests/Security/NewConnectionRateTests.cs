using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Security;

/// <summary>
/// <c>Sse:Limits:MaxNewConnectionsPerSecond</c>: a fixed one-second window. The window's edges are real
/// time, so the tests assert only what holds however slowly the machine runs: never more than the limit
/// per window touched, every refusal counted, a refused client let in once it waited what it was told.
/// </summary>
public sealed class NewConnectionRateTests
{
    [Fact]
    public async Task Subscribe_BurstOverTheRate_AtMostTheLimitPerSecondAccepted_RestGet503WithRetryAfterAndAreCounted()
    {
        const int Limit = 5;
        const int Burst = 40;
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:Limits:MaxNewConnectionsPerSecond"] = $"{Limit}" });

        var clock = Stopwatch.StartNew();
        var attempts = await Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => TrySubscribeAsync(service, "/subscribe/storm")));
        var elapsed = clock.Elapsed;

        // However long the burst took, it touched at most this many one-second windows.
        var windows = (int)elapsed.TotalSeconds + 2;
        var accepted = attempts.Count(a => a.Subscriber is not null);
        var refused = attempts.Where(a => a.Subscriber is null).ToList();
        Assert.True(accepted <= Limit * windows, $"{accepted} accepted in {elapsed} ({windows} windows at most, limit {Limit} each)");
        Assert.True(accepted >= 1, "the first stream of a window is always let in");
        Assert.All(refused, r =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.Status);
            Assert.Equal("1", r.RetryAfter);
            Assert.Contains("Sse:Limits:MaxNewConnectionsPerSecond", r.Reason, StringComparison.Ordinal);
        });
        var status = await service.Http.GetFromJsonAsync<JsonElement>("/admin/status.json");
        Assert.Equal(refused.Count, status.GetProperty("limit_rejections").GetProperty("new_connections").GetInt32());
        foreach (var attempt in attempts)
        {
            await (attempt.Subscriber?.DisposeAsync() ?? ValueTask.CompletedTask);
        }
    }

    [Fact]
    public async Task Subscribe_UnderTheRate_EveryStreamAcceptedAndNothingCounted()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:Limits:MaxNewConnectionsPerSecond"] = "1000" });

        var attempts = new List<SseSubscriber>();
        for (var i = 0; i < 10; i++)
        {
            attempts.Add(await service.SubscribeAsync("/subscribe/calm"));
        }

        var status = await service.Http.GetFromJsonAsync<JsonElement>("/admin/status.json");
        Assert.False(status.GetProperty("limit_rejections").TryGetProperty("new_connections", out _));
        foreach (var subscriber in attempts)
        {
            await subscriber.DisposeAsync();
        }
    }

    [Fact]
    public async Task Subscribe_Refused_GetsInOnceItWaitedTheRetryAfter()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:Limits:MaxNewConnectionsPerSecond"] = "1" });
        var held = new List<SseSubscriber>();

        // Arrange: open streams until one is refused (two in a row within one window; a window edge may fall between).
        (SseSubscriber? Subscriber, HttpStatusCode Status, string? RetryAfter, string Reason) refusal = default;
        for (var i = 0; i < 20; i++)
        {
            var attempt = await TrySubscribeAsync(service, "/subscribe/later");
            if (attempt.Subscriber is null)
            {
                refusal = attempt;
                break;
            }

            held.Add(attempt.Subscriber);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refusal.Status);

        // Act: wait what Retry-After says, then try again (a late window timer on a busy machine may need another wait).
        var wait = TimeSpan.FromSeconds(int.Parse(refusal.RetryAfter!, CultureInfo.InvariantCulture));
        SseSubscriber? admitted = null;
        for (var tries = 0; tries < 10 && admitted is null; tries++)
        {
            await Task.Delay(wait);
            admitted = (await TrySubscribeAsync(service, "/subscribe/later")).Subscriber;
        }

        // Assert
        Assert.NotNull(admitted);
        Assert.Equal(HttpStatusCode.OK, admitted.Response.StatusCode);
        await admitted.DisposeAsync();
        foreach (var subscriber in held)
        {
            await subscriber.DisposeAsync();
        }
    }

    [Fact]
    public async Task Start_NegativeRate_FailsNamingTheOption()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestService.StartAsync(new Dictionary<string, string?> { ["Sse:Limits:MaxNewConnectionsPerSecond"] = "-1" }));

        Assert.Contains("MaxNewConnectionsPerSecond", error.Message, StringComparison.Ordinal);
    }

    private static async Task<(SseSubscriber? Subscriber, HttpStatusCode Status, string? RetryAfter, string Reason)> TrySubscribeAsync(TestService service, string path)
    {
        var (subscriber, response) = await SseSubscriber.TryConnectAsync(service.Http, path, asEventSource: false);
        if (subscriber is not null)
        {
            return (subscriber, response.StatusCode, null, "");
        }

        using (response)
        {
            return (null, response.StatusCode, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync());
        }
    }
}
