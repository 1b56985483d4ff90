using System.Text.Json;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Examples;

/// <summary>
/// The examples' gRPC Subscribe programs (examples/python/subscriber.py, examples/node/subscriber.mjs), run as
/// their READMEs say against the real service; one derived class per language, at the end of this file.
/// </summary>
public abstract class ExampleSubscriberTests
{
    /// <summary>The interpreter that runs the script.</summary>
    protected abstract string Interpreter { get; }

    protected abstract string Script { get; }

    /// <summary>Fails, saying how to install it, when the language's gRPC packages are missing.</summary>
    protected abstract Task RequirePrerequisitesAsync();

    [Fact]
    public async Task Subscriber_TwoNamespaces_PrintsLiveEventsOfBothOnce()
    {
        await RequirePrerequisitesAsync();
        await using var service = await TestService.StartAsync();

        var run = ChildProcess.RunAsync(Interpreter,
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
    public async Task Subscriber_WithLastEventId_PrintsExactlyWhatWasMissed()
    {
        await RequirePrerequisitesAsync();
        await using var service = await TestService.StartAsync();
        var seen = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/a", Data = "seen" });
        for (var i = 0; i < 6; i++)
        {
            await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = (i % 3) switch { 0 => "/a", 1 => "/b", _ => "/c" }, Data = $"{i}" });
        }

        var result = await ChildProcess.RunAsync(Interpreter,
            [Script, service.GrpcAddress.ToString(), "--namespace", "/a", "--namespace", "/b", "--last-event-id", seen.Id, "--count", "4"],
            RepositoryRoot.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["0", "1", "3", "4"], Events(result).Select(e => e.Data));
        Assert.Contains("resume: replayed", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscriber_WithUnknownLastEventId_PrintsTheResetEvent()
    {
        await RequirePrerequisitesAsync();
        await using var service = await TestService.StartAsync();

        var result = await ChildProcess.RunAsync(Interpreter,
            [Script, service.GrpcAddress.ToString(), "--namespace", "/a", "--last-event-id", "no-such-id", "--count", "1"],
            RepositoryRoot.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        var reset = Assert.Single(Events(result));
        Assert.Equal(("", "sse-reset"), (reset.Id, reset.Event));
        Assert.Equal("unknown", JsonDocument.Parse(reset.Data).RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Subscriber_BadNamespace_ExitsNonZeroNamingTheStatusAndRule()
    {
        await RequirePrerequisitesAsync();
        await using var service = await TestService.StartAsync();

        var result = await ChildProcess.RunAsync(Interpreter,
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

public sealed class PythonSubscriberTests : ExampleSubscriberTests
{
    protected override string Interpreter => ExamplePrerequisites.Python;

    protected override string Script => "examples/python/subscriber.py";

    protected override Task RequirePrerequisitesAsync() => ExamplePrerequisites.RequirePythonGrpcAsync();
}

public sealed class NodeSubscriberTests : ExampleSubscriberTests
{
    protected override string Interpreter => ExamplePrerequisites.Node;

    protected override string Script => "examples/node/subscriber.mjs";

    protected override Task RequirePrerequisitesAsync() => ExamplePrerequisites.RequireNodeModulesAsync();
}
