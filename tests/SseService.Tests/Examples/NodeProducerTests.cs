using SseService.Tests.Infrastructure;

namespace SseService.Tests.Examples;

/// <summary>examples/node/producer.mjs, run as its README says, against the real service.</summary>
public sealed class NodeProducerTests
{
    private const string Script = "examples/node/producer.mjs";

    [Fact]
    public async Task NodeProducer_OnceWithAddressArgument_SubscriberReceivesPetsAsSse()
    {
        // Arrange
        await ExamplePrerequisites.RequireNodeModulesAsync();
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync(PetsExample.SubscribePath);

        // Act
        var run = await ChildProcess.RunAsync(ExamplePrerequisites.Node, [Script, service.GrpcAddress.ToString(), "--once"], RepositoryRoot.Path);

        // Assert
        await PetsExample.AssertPublishedAsync(run, subscriber);
    }

    [Fact]
    public async Task NodeProducer_OnceWithAddressFromEnvironment_SubscriberReceivesPetsAsSse()
    {
        // Arrange
        await ExamplePrerequisites.RequireNodeModulesAsync();
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync(PetsExample.SubscribePath);
        var environment = new Dictionary<string, string> { ["SSE_GRPC_ADDRESS"] = service.GrpcAddress.Authority };

        // Act
        var run = await ChildProcess.RunAsync(ExamplePrerequisites.Node, [Script, "--once"], RepositoryRoot.Path, environment);

        // Assert
        await PetsExample.AssertPublishedAsync(run, subscriber);
    }

    [Fact]
    public async Task NodeProducer_NoService_ExitsNonZeroNamingTheStatus()
    {
        // Arrange
        await ExamplePrerequisites.RequireNodeModulesAsync();
        var nobody = $"127.0.0.1:{FreePort.Next()}";

        // Act
        var run = await ChildProcess.RunAsync(ExamplePrerequisites.Node, [Script, nobody, "--once"], RepositoryRoot.Path);

        // Assert
        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.Contains("UNAVAILABLE", run.StandardError, StringComparison.Ordinal);
    }
}
