using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SseService.Tests.Infrastructure;

/// <summary>
/// A real redis-server (Debian's package) on a free loopback port with its own temporary directory,
/// durable (append-only, fsync always) so a stop and start keeps what it accepted.
/// </summary>
public sealed partial class RedisServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/redis-server";
    private readonly string _directory;
    private readonly string? _password;
    private Process? _process;

    private RedisServer(int port, string directory, string? password)
    {
        Port = port;
        _directory = directory;
        _password = password;
    }

    public int Port { get; }

    /// <summary>The value for ConnectionStrings:redis.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <param name="password">When set, clients must AUTH with it (as Aspire's Redis resource requires).</param>
    public static async Task<RedisServer> StartAsync(string? password = null)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: apt-get install redis-server (.ci/run does)");
        }

        var directory = Directory.CreateTempSubdirectory("sse-redis-").FullName;
        var server = new RedisServer(FreePort.Next(), directory, password);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again) on the same port and data directory; returns once it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new List<string>();
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        foreach (var argument in new[]
        {
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--dir", _directory, "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no",
        })
        {
            start.ArgumentList.Add(argument);
        }

        if (_password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(_password);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.Add(e.Data);
            }

            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("redis-server exited:\n" + string.Join('\n', output)));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Stops the server cleanly (SIGTERM), as an outage or a restart would; data stays on disk.</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }

        _ = Kill(_process.Id, 15);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
