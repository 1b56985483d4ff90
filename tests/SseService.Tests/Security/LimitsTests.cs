using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Security;

public sealed class LimitsTests
{
    [Fact]
    public async Task Subscribe_BurstOfTwiceTheCap_ExactlyCapAcceptedRestGet503AndOthersStayHealthy()
    {
        const int Cap = 20;
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:Limits:MaxConnections"] = $"{Cap}" });

        var attempts = await Task.WhenAll(Enumerable.Range(0, 2 * Cap).Select(_ => TrySubscribeAsync(service, "/subscribe/burst")));
        var accepted = attempts.Where(a => a.Subscriber is not null).Select(a => a.Subscriber!).ToList();
        var refused = attempts.Where(a => a.Subscriber is null).ToList();

        Assert.Equal(Cap, accepted.Count);
        Assert.All(refused, r =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.Status);
            Assert.Equal("5", r.RetryAfter);
        });

        // The accepted ones still get everything, and the service answers others.
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/burst", Data = "still here" });
        foreach (var subscriber in accepted)
        {
            Assert.Equal("still here", (await subscriber.ReadAsync())!.Value.Data);
            await subscriber.DisposeAsync();
        }

        using var health = await service.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var status = await service.Http.GetFromJsonAsync<JsonElement>("/admin/status.json");
        Assert.Equal(Cap, status.GetProperty("limit_rejections").GetProperty("connections").GetInt32());
    }

    [Fact]
    public async Task Subscribe_OverPerClientCap_Gets429WithRetryAfter()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:Limits:MaxConnectionsPerClient"] = "3" });
        var open = new List<SseSubscriber>();
        for (var i = 0; i < 3; i++)
        {
            open.Add(await service.SubscribeAsync("/subscribe/a"));
        }

        var fourth = await TrySubscribeAsync(service, "/subscribe/a");

        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.Status);
        Assert.Equal("5", fourth.RetryAfter);

        // A slot frees when one leaves.
        await open[0].DisposeAsync();
        await WaitUntilAsync(() => service.Hub.SubscriberCount == 2);
        await using var again = await service.SubscribeAsync("/subscribe/a");
        Assert.Equal(HttpStatusCode.OK, again.Response.StatusCode);
        foreach (var subscriber in open.Skip(1))
        {
            await subscriber.DisposeAsync();
        }
    }

    [Fact]
    public async Task BroadcastStream_OverProducerStreamCap_ResourceExhausted()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:Limits:MaxProducerStreams"] = "2" });
        using var first = service.Broadcaster.BroadcastStream();
        using var second = service.Broadcaster.BroadcastStream();
        await first.RequestStream.WriteAsync(new SseMessage { Namespace = "/a", Data = "1" });
        await second.RequestStream.WriteAsync(new SseMessage { Namespace = "/a", Data = "2" });
        await WaitUntilAsync(() => service.Hub.MessagesPublished == 2);

        using var third = service.Broadcaster.BroadcastStream();
        var refusal = await Assert.ThrowsAsync<RpcException>(() => third.ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, refusal.StatusCode);
        Assert.Contains("MaxProducerStreams", refusal.Status.Detail, StringComparison.Ordinal);
        await first.RequestStream.CompleteAsync();
        Assert.Equal(1ul, (await first.ResponseAsync).Accepted);
        await second.RequestStream.CompleteAsync();
        Assert.Equal(1ul, (await second.ResponseAsync).Accepted);
    }

    [Fact]
    public async Task Publish_OverRatePerProducer_ResourceExhaustedAndCounted()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:Limits:MaxPublishRatePerProducer"] = "5" });
        var refused = 0;
        for (var i = 0; i < 20; i++)
        {
            try
            {
                await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/a", Data = $"{i}" });
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                Assert.Contains("MaxPublishRatePerProducer", e.Status.Detail, StringComparison.Ordinal);
                refused++;
            }
        }

        // A burst of one second's worth passes; the rest of a fast burst does not.
        Assert.InRange(refused, 1, 15);
        var status = await service.Http.GetFromJsonAsync<JsonElement>("/admin/status.json");
        Assert.Equal(refused, status.GetProperty("limit_rejections").GetProperty("publish_rate").GetInt32());
    }

    [Fact]
    public async Task Responses_CarryHardeningHeaders_AdminPageHasStrictCsp()
    {
        await using var service = await TestService.StartAsync();

        using var page = await service.Http.GetAsync("/admin/");
        using var status = await service.Http.GetAsync("/admin/status.json");
        using var bad = await service.Http.GetAsync("/subscribe/a//b");

        foreach (var response in new[] { page, status, bad })
        {
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }

        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'sha256-", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_Disabled_EndpointsAreGone()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:DisableAdminEndpoints"] = "true" });

        using var page = await service.Http.GetAsync("/admin/");
        using var status = await service.Http.GetAsync("/admin/status.json");

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
    }

    private static async Task<(SseSubscriber? Subscriber, HttpStatusCode Status, string? RetryAfter)> TrySubscribeAsync(TestService service, string path)
    {
        var (subscriber, response) = await SseSubscriber.TryConnectAsync(service.Http, path, asEventSource: false);
        if (subscriber is not null)
        {
            return (subscriber, response.StatusCode, null);
        }

        using (response)
        {
            return (null, response.StatusCode, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 60 s");
            await Task.Delay(20);
        }
    }
}
