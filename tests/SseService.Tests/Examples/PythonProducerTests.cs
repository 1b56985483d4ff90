using SseService.Tests.Infrastructure;

namespace SseService.Tests.Examples;

/// <summary>examples/python/producer.py, run as its README says, against the real service.</summary>
public sealed class PythonProducerTests
{
    private const string Script = "examples/python/producer.py";

    [Fact]
    public async Task PythonProducer_OnceWithAddressArgument_SubscriberReceivesPetsAsSse()
    {
        // Arrange
        await ExamplePrerequisites.RequirePythonGrpcAsync();
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync(PetsExample.SubscribePath);

        // Act
        var run = await ChildProcess.RunAsync(ExamplePrerequisites.Python, [Script, service.GrpcAddress.ToString(), "--once"], RepositoryRoot.Path);

        // Assert
        await PetsExample.AssertPublishedAsync(run, subscriber);
    }

    [Fact]
    public async Task PythonProducer_OnceWithAddressFromEnvironment_SubscriberReceivesPetsAsSse()
    {
        // Arrange
        await ExamplePrerequisites.RequirePythonGrpcAsync();
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync(PetsExample.SubscribePath);
        var environment = new Dictionary<string, string> { ["SSE_GRPC_ADDRESS"] = service.GrpcAddress.Authority };

        // Act
        var run = await ChildProcess.RunAsync(ExamplePrerequisites.Python, [Script, "--once"], RepositoryRoot.Path, environment);

        // Assert
        await PetsExample.AssertPublishedAsync(run, subscriber);
    }

    [Fact]
    public async Task PythonProducer_NoService_ExitsNonZeroNamingTheStatus()
    {
        // Arrange
        await ExamplePrerequisites.RequirePythonGrpcAsync();
        var nobody = $"127.0.0.1:{FreePort.Next()}";

        // Act
        var run = await ChildProcess.RunAsync(ExamplePrerequisites.Python, [Script, nobody, "--once"], RepositoryRoot.Path);

        // Assert
        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.Contains("UNAVAILABLE", run.StandardError, StringComparison.Ordinal);
    }
}
