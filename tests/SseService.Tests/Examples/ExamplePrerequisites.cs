namespace SseService.Tests.Examples;

/// <summary>
/// What the examples need installed. A missing piece fails the test with the command that installs
/// it: an example that cannot run is a broken example, never a skipped one.
/// </summary>
internal static class ExamplePrerequisites
{
    /// <summary>Debian's interpreter: the one that sees Debian's python3-grpcio (a pyenv or venv python3 on PATH does not).</summary>
    public const string Python = "/usr/bin/python3";

    public const string Node = "node";

    private const string InstallCommand = "bash examples/install-deps.sh";

    /// <summary>Fails unless Debian's Python can import grpc and grpc_tools.</summary>
    public static async Task RequirePythonGrpcAsync()
    {
        const string Packages = "apt-get install python3-grpcio python3-grpc-tools python3-pkg-resources";
        if (!File.Exists(Python))
        {
            Assert.Fail($"{Python} is missing: run `{InstallCommand}` (or `apt-get install python3` and `{Packages}`)");
        }

        var probe = await ChildProcess.RunAsync(Python, ["-c", "import grpc, grpc_tools.protoc"], RepositoryRoot.Path);
        if (probe.ExitCode != 0)
        {
            Assert.Fail($"Debian's gRPC for Python is not installed: run `{InstallCommand}` (or `{Packages}`).\n{probe}");
        }
    }

    /// <summary>Fails unless node runs and examples/node has its dependencies installed.</summary>
    public static async Task RequireNodeModulesAsync()
    {
        var install = $"run `{InstallCommand}` (or `cd examples/node && npm ci`)";
        foreach (var package in new[] { "@grpc/grpc-js", "@grpc/proto-loader" })
        {
            if (!File.Exists(RepositoryRoot.Combine("examples", "node", "node_modules", package, "package.json")))
            {
                Assert.Fail($"examples/node/node_modules has no {package}: {install}");
            }
        }

        try
        {
            var version = await ChildProcess.RunAsync(Node, ["--version"], RepositoryRoot.Path);
            Assert.True(version.ExitCode == 0, version.ToString());
        }
        catch (InvalidOperationException e)
        {
            Assert.Fail($"Node.js is not installed ({e.Message}): {install}");
        }
    }
}
