using System.Text.Json;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Examples;

/// <summary>examples/node/subscriber.mjs (gRPC Subscribe), run as its README says, against the real service.</summary>
public sealed class NodeSubscriberTests
{
    private const string Script = "examples/node/subscriber.mjs";

    [Fact]
    public async Task NodeSubscriber_TwoNamespaces_PrintsLiveEventsOfBothOnce()
    {
        await ExamplePrerequisites.RequireNodeModulesAsync();
        await using var service = await TestService.StartAsync();

        var run = ChildProcess.RunAsync(ExamplePrerequisites.Node,
            [Script, service.GrpcAddress.ToString(), "--namespace", "/pets", "--namespace", "/time", "--namespace", "/pets/dogs", "--count", "3"],
            RepositoryRoot.Path);
        await WaitForSubscriberAsync(service, run);
        var dog = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Event = "new-dog", Data = "Corgi" });
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/other", Data = "not mine" });
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/time", Data = "12:00" });
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/cats", Event = "new-cat", Data = "two\nlines" });

        var result = await run;
        Assert.True(result.ExitCode == 0, result.ToString());
        var events = Events(result);
        Assert.Equal(
            [(dog.Id, "new-dog", "Corgi", "/pets/dogs"), (events[1].Id, "", "12:00", "/time"), (events[2].Id, "new-cat", "two\nlines", "/pets/cats")],
            events);
    }

    [Fact]
    public async Task NodeSubscriber_WithLastEventId_PrintsExactlyWhatWasMissed()
    {
        await ExamplePrerequisites.RequireNodeModulesAsync();
        await using var service = await TestService.StartAsync();
        var seen = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/a", Data = "seen" });
        for (var i = 0; i < 6; i++)
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = (i % 3) switch { 0 => "/a", 1 => "/b", _ => "/c" }, Data = $"{i}" });
        }

        var result = await ChildProcess.RunAsync(ExamplePrerequisites.Node,
            [Script, service.GrpcAddress.ToString(), "--namespace", "/a", "--namespace", "/b", "--last-event-id", seen.Id, "--count", "4"],
            RepositoryRoot.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["0", "1", "3", "4"], Events(result).Select(e => e.Data));
        Assert.Contains("resume: replayed", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeSubscriber_WithUnknownLastEventId_PrintsTheResetEvent()
    {
        await ExamplePrerequisites.RequireNodeModulesAsync();
        await using var service = await TestService.StartAsync();

        var result = await ChildProcess.RunAsync(ExamplePrerequisites.Node,
            [Script, service.GrpcAddress.ToString(), "--namespace", "/a", "--last-event-id", "no-such-id", "--count", "1"],
            RepositoryRoot.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        var reset = Assert.Single(Events(result));
        Assert.Equal(("", "sse-reset"), (reset.Id, reset.Event));
        Assert.Equal("unknown", JsonDocument.Parse(reset.Data).RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task NodeSubscriber_BadNamespace_ExitsNonZeroNamingTheStatusAndRule()
    {
        await ExamplePrerequisites.RequireNodeModulesAsync();
        await using var service = await TestService.StartAsync();

        var result = await ChildProcess.RunAsync(ExamplePrerequisites.Node,
            [Script, service.GrpcAddress.ToString(), "--namespace", "/a", "--namespace", "b"], RepositoryRoot.Path);

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains("INVALID_ARGUMENT: namespaces[1] 'b' must start with '/'", result.StandardError, StringComparison.Ordinal);
    }

    private static async Task WaitForSubscriberAsync(TestService service, Task<ChildProcessResult> run)
    {
        var deadline = DateTime.UtcNow + ChildProcess.DefaultTimeout;
        while (service.Hub.SubscriberCount == 0)
        {
            if (run.IsCompleted)
            {
                Assert.Fail($"the subscriber exited before subscribing: {await run}");
            }

            Assert.True(DateTime.UtcNow < deadline, "the subscriber never subscribed");
            await Task.Delay(50);
        }
    }

    private static List<(string Id, string Event, string Data, string Namespace)> Events(ChildProcessResult result) =>
        [.. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            var json = JsonDocument.Parse(line).RootElement;
            return (json.GetProperty("id").GetString()!, json.GetProperty("event").GetString()!, json.GetProperty("data").GetString()!,
                json.GetProperty("namespace").GetString()!);
        })];
}
