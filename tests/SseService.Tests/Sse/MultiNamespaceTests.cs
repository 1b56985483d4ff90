using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Sse.V1;
using SseService.Tests.Infrastructure;
using SseService.Tests.Security;

namespace SseService.Tests.Sse;

/// <summary>Several namespaces on one stream (<c>?namespace=</c> repeated), over every transport (derived classes at the end).</summary>
public abstract class MultiNamespaceTests
{
    protected abstract Transport Transport { get; }

    [Fact]
    public async Task TwoNamespaces_OneStream_GetsEveryEventOfBothOnceInGlobalOrder()
    {
        await using var service = await StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe?namespace=/pets&namespace=/time/utc");
        Assert.Equal(1, service.Hub.SubscriberCount);

        var expected = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            var ns = (i % 4) switch { 0 => "/pets/dogs", 1 => "/time/utc", 2 => "/time/local", _ => "/pets" };
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = ns, Data = $"{ns} {i}" });
            if (ns != "/time/local")
            {
                expected.Add($"{ns} {i}");
            }
        }

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/time/utc", Data = "end" });
        expected.Add("end");

        var received = await subscriber.ReadManyAsync(expected.Count);
        Assert.Equal(expected, received.Select(item => item.Data));
        EventIdAssert.StrictlyIncreasing(received.Select(item => item.EventId!));
    }

    [Theory]
    [InlineData("/subscribe?namespace=/a&namespace=/a/b")]
    [InlineData("/subscribe?namespace=/a/b&namespace=/a&namespace=/a/b")]
    [InlineData("/subscribe/a/b?namespace=/a")]
    public async Task OverlappingNamespaces_EachEventArrivesOnce(string path)
    {
        await using var service = await StartAsync();
        await using var subscriber = await service.SubscribeAsync(path);

        foreach (var ns in new[] { "/a/b", "/a", "/a/b/c", "/x", "/a/bc" })
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = ns, Data = ns });
        }

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/a", Data = "end" });

        // Read up to the sentinel: a duplicate would come before it, as delivery keeps the global order.
        var received = new List<string>();
        while (received.LastOrDefault() != "end")
        {
            received.Add((await subscriber.ReadAsync())!.Value.Data);
        }

        Assert.Equal(["/a/b", "/a", "/a/b/c", "/a/bc", "end"], received);
        var subscription = Assert.Single(Subscriptions(service));
        Assert.Equal(["/a"], subscription.Namespaces.Select(ns => ns.Value));
    }

    [Fact]
    public async Task PathAndQuery_PathNamespaceJoinsTheSet()
    {
        await using var service = await StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets?namespace=/time");

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/time", Data = "time" });
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/other", Data = "other" });
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/cats", Data = "cats" });

        Assert.Equal(["time", "cats"], (await subscriber.ReadManyAsync(2)).Select(item => item.Data));
        Assert.Equal(["/pets", "/time"], Assert.Single(Subscriptions(service)).Namespaces.Select(ns => ns.Value));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reconnect_WithOneLastEventId_ReplaysExactlyTheUnionsMissedEventsThenLive(bool useQueryParameter)
    {
        await using var service = await StartAsync();
        const string path = "/subscribe?namespace=/pets/dogs&namespace=/time&namespace=/pets/dogs/small";
        string lastSeen;
        await using (var first = await service.SubscribeAsync(path))
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/time", Data = "seen" });
            lastSeen = (await first.ReadAsync())!.Value.EventId!;
        }

        var expected = new List<string>();
        for (var i = 0; i < 90; i++)
        {
            var ns = (i % 5) switch { 0 => "/pets/dogs", 1 => "/time/utc", 2 => "/pets/cats", 3 => "/pets/dogs/small", _ => "/other" };
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = ns, Data = $"{ns} {i}" });
            if (ns is not ("/pets/cats" or "/other"))
            {
                expected.Add($"{ns} {i}");
            }
        }

        await using var resumed = useQueryParameter
            ? await service.SubscribeAsync($"{path}&lastEventId={Uri.EscapeDataString(lastSeen)}")
            : await service.SubscribeAsync(path, lastEventId: lastSeen);
        Assert.Equal("replayed", resumed.Response.Headers.GetValues("X-SSE-Resume").Single());

        var replayed = await resumed.ReadManyAsync(expected.Count);
        Assert.Equal(expected, replayed.Select(item => item.Data));
        EventIdAssert.StrictlyIncreasing(replayed.Select(item => item.EventId!));

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/cats", Data = "not mine" });
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/time", Data = "live" });
        Assert.Equal("live", (await resumed.ReadAsync())!.Value.Data);
    }

    [Fact]
    public async Task Reconnect_WithIdOlderThanHistory_GetsResetThenWhatTheUnionStillHas()
    {
        await using var service = await StartAsync(new Dictionary<string, string?> { ["Sse:History:MaxEvents"] = "6" });
        const string path = "/subscribe?namespace=/a&namespace=/b";
        string lastSeen;
        await using (var first = await service.SubscribeAsync(path))
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/a", Data = "seen" });
            lastSeen = (await first.ReadAsync())!.Value.EventId!;
        }

        for (var i = 0; i < 30; i++)
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = (i % 3) switch { 0 => "/a", 1 => "/b", _ => "/c" }, Data = $"{i}" });
        }

        await using var resumed = await service.SubscribeAsync(path, lastEventId: lastSeen);

        Assert.Equal("too-old", resumed.Response.Headers.GetValues("X-SSE-Resume").Single());
        var reset = (await resumed.ReadAsync())!.Value;
        Assert.Equal("sse-reset", reset.EventType);
        Assert.Equal("too_old", JsonDocument.Parse(reset.Data).RootElement.GetProperty("reason").GetString());

        // The last 6 held are 24..29; of them /a and /b got 24, 25, 27, 28.
        Assert.Equal(["24", "25", "27", "28"], (await resumed.ReadManyAsync(4)).Select(item => item.Data));
    }

    [Fact]
    public async Task Backlog_OnSeveralNamespaces_IsTheLastEventsOfTheUnionThenLive()
    {
        await using var service = await StartAsync();
        for (var i = 0; i < 9; i++)
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = (i % 3) switch { 0 => "/a", 1 => "/b/x", _ => "/c" }, Data = $"{i}" });
        }

        await using var subscriber = await service.SubscribeAsync("/subscribe?namespace=/a&namespace=/b&backlog=3");

        // Of 0..8, /a and /b got 0, 1, 3, 4, 6, 7: the last three are 4, 6, 7.
        Assert.Equal(["4", "6", "7"], (await subscriber.ReadManyAsync(3)).Select(item => item.Data));
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/c", Data = "not mine" });
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/b", Data = "live" });
        Assert.Equal("live", (await subscriber.ReadAsync())!.Value.Data);
    }

    [Fact]
    public async Task MoreNamespacesThanTheLimit_Gets400NamingTheKey()
    {
        await using var service = await StartAsync(new Dictionary<string, string?> { ["Sse:MaxNamespacesPerStream"] = "2" });

        using var atLimit = await service.Http.GetAsync("/subscribe/a?namespace=/b", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, atLimit.StatusCode);
        using var over = await service.Http.GetAsync("/subscribe/a?namespace=/b&namespace=/c");

        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        var body = await over.Content.ReadAsStringAsync();
        Assert.Contains("Sse:MaxNamespacesPerStream", body, StringComparison.Ordinal);
        Assert.Contains("limit 2", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultLimit_Is32()
    {
        await using var service = await StartAsync();
        var query = string.Join('&', Enumerable.Range(0, 33).Select(i => $"namespace=/n{i}"));

        using var over = await service.Http.GetAsync("/subscribe?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.Contains("33 (limit 32, Sse:MaxNamespacesPerStream)", await over.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1025")]
    public async Task InvalidLimit_StopsTheServiceAtStartNamingTheKey(string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            StartAsync(new Dictionary<string, string?> { ["Sse:MaxNamespacesPerStream"] = value }));

        Assert.Contains("MaxNamespacesPerStream", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/subscribe?namespace=pets", "must start with '/'")]
    [InlineData("/subscribe/pets?namespace=/a//b", "empty segment")]
    [InlineData("/subscribe?namespace=", "is required")]
    public async Task BadNamespaceInQuery_Gets400NamingIt(string path, string rule)
    {
        await using var service = await StartAsync();

        using var response = await service.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains(rule, body, StringComparison.Ordinal);
        Assert.Contains("query parameter namespace", body, StringComparison.Ordinal);
        Assert.Equal(0, service.Hub.SubscriberCount);
    }

    [Fact]
    public async Task OneOfSeveralRefused_WholeStreamGets403NamingTheFirstRefused()
    {
        await using var service = await StartAsync(new Dictionary<string, string?>
        {
            ["Sse:Auth:Jwt:SigningKey"] = TestTokens.SigningKey,
            ["Sse:Auth:PrivateNamespaces:0"] = "/private/*",
        });
        var token = TestTokens.Hs256("alice", subscribe: ["/private/dogs"]);

        using var refused = await GetWithTokenAsync(service, "/subscribe?namespace=/public&namespace=/private/dogs&namespace=/private/cats&namespace=/private/owls", token);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Contains("alice may not subscribe to /private/cats", body, StringComparison.Ordinal);
        Assert.DoesNotContain("/private/owls", body, StringComparison.Ordinal);
        Assert.Equal(0, service.Hub.SubscriberCount);

        using var anonymous = await service.Http.GetAsync("/subscribe?namespace=/public&namespace=/private/dogs");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("/private/dogs is private", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var granted = await GetWithTokenAsync(service, "/subscribe?namespace=/public&namespace=/private/dogs", token, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
    }

    [Fact]
    public async Task StatusJson_ListsAStreamsNamespaces_AndKeepsTheFirstAsNamespace()
    {
        await using var service = await StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets?namespace=/time/utc&namespace=/pets/dogs");

        var status = await service.Http.GetFromJsonAsync<JsonElement>("/admin/status.json");

        var connection = status.GetProperty("connections").EnumerateArray().Single();
        Assert.Equal("/pets", connection.GetProperty("namespace").GetString());
        Assert.Equal(["/pets", "/time/utc"], connection.GetProperty("namespaces").EnumerateArray().Select(ns => ns.GetString()!));
        var top = status.GetProperty("top_namespaces").EnumerateArray().Select(ns => ns.GetProperty("namespace").GetString()).ToList();
        Assert.Contains("/time/utc", top);
    }

    private static async Task<HttpResponseMessage> GetWithTokenAsync(TestService service, string path, string token,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await service.Http.SendAsync(request, completion);
    }

    private static List<SseService.Hub.Subscription> Subscriptions(TestService service)
    {
        var list = new List<SseService.Hub.Subscription>();
        service.Hub.ForEachSubscription(list.Add);
        return list;
    }

    private Task<TestService> StartAsync(IDictionary<string, string?>? settings = null) => TestService.StartAsync(settings, Transport);
}

public sealed class MultiNamespaceTestsOverHttp1Direct : MultiNamespaceTests
{
    protected override Transport Transport => Transport.Http1Direct;
}

public sealed class MultiNamespaceTestsOverHttpsHttp2 : MultiNamespaceTests
{
    protected override Transport Transport => Transport.HttpsHttp2;
}
