using System.ComponentModel;
using System.Diagnostics;

namespace SseService.Tests.Examples;

/// <summary>Runs a program to its end, as a shell would, and keeps what it printed.</summary>
internal static class ChildProcess
{
    /// <summary>Long enough for a cold interpreter on a busy 2-core machine; a hung example fails instead of hanging the run.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);

    // The examples talk to loopback; a proxy from the environment must not capture that (gRPC for
    // Python and Node both honour these variables).
    private static readonly string[] ProxyVariables =
        ["http_proxy", "https_proxy", "grpc_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "GRPC_PROXY", "ALL_PROXY"];

    public static async Task<ChildProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        IDictionary<string, string>? environment = null,
        TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var variable in ProxyVariables)
        {
            start.Environment.Remove(variable);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var commandLine = string.Join(' ', [fileName, .. start.ArgumentList]);
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"could not start `{commandLine}`: {e.Message}", e);
        }

        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException(
                $"`{commandLine}` did not exit within {timeout ?? DefaultTimeout}\nstdout:\n{await standardOutput}\nstderr:\n{await standardError}");
        }

        return new ChildProcessResult(commandLine, process.ExitCode, await standardOutput, await standardError);
    }
}

/// <summary>How a child process ended and what it printed.</summary>
internal sealed record ChildProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Everything about the run, for an assertion message.</summary>
    public override string ToString() =>
        $"`{CommandLine}` exited with {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}
