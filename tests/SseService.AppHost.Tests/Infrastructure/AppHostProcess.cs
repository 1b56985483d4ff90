using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using SseService.Tests.Infrastructure;

namespace SseService.AppHost.Tests.Infrastructure;

/// <summary>
/// SseService.AppHost as its own process, with the dashboard, as <c>dotnet run --project
/// SseService.AppHost</c> starts it (the http launch profile's variables), but with every address on
/// a free loopback port: the dashboard, its OTLP and resource-service endpoints, and (randomized) the
/// service's proxies.
/// </summary>
internal sealed partial class AppHostProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly TaskCompletionSource<Uri> _loginUrl = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    private AppHostProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>The dashboard login URL the AppHost printed (with its one-time token).</summary>
    public Task<Uri> LoginUrl => _loginUrl.Task;

    public static AppHostProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "SseService.AppHost"))
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next()}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{FreePort.Next()}";
        start.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://127.0.0.1:{FreePort.Next()}";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        start.Environment["DcpPublisher__RandomizePorts"] = "true";

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var appHost = new AppHostProcess(process);
        process.OutputDataReceived += (_, e) => appHost.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => appHost.OnOutput(e.Data);
        process.Exited += (_, _) => appHost._loginUrl.TrySetException(new InvalidOperationException($"the AppHost exited:\n{appHost.Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return appHost;
    }

    /// <summary>
    /// Every live process the AppHost started: its descendants, and DCP's, which detaches from the
    /// AppHost (its parent becomes init) and names it with <c>--monitor {pid}</c>.
    /// </summary>
    public IReadOnlyList<OsProcess> StartedProcesses()
    {
        var all = OsProcess.All();
        var monitor = $"--monitor {Id.ToString(CultureInfo.InvariantCulture)}";
        var roots = all.Where(p => p.Pid == Id || p.CommandLine.Contains(monitor, StringComparison.Ordinal)).Select(p => p.Pid).ToHashSet();
        var found = new HashSet<int>(roots);
        bool grew;
        do
        {
            grew = false;
            foreach (var candidate in all)
            {
                if (!found.Contains(candidate.Pid) && found.Contains(candidate.ParentPid))
                {
                    grew |= found.Add(candidate.Pid);
                }
            }
        }
        while (grew);

        return [.. all.Where(p => found.Contains(p.Pid))];
    }

    public void SendSigterm()
    {
        if (Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        var leftovers = _process.HasExited ? [] : StartedProcesses();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        // DCP's processes are not in the AppHost's tree: end them too if a test failed midway.
        foreach (var leftover in leftovers.Where(p => p.IsAlive()))
        {
            _ = Kill(leftover.Pid, 9);
        }

        _process.Dispose();
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }

        if (LoginRegex().Match(line) is { Success: true } match)
        {
            _loginUrl.TrySetResult(new Uri(match.Groups["url"].Value));
        }
    }

    [GeneratedRegex(@"Login to the dashboard at (?<url>\S+)")]
    private static partial Regex LoginRegex();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

/// <summary>A process as /proc shows it; its start time tells it apart from a later one with the same pid.</summary>
internal sealed record OsProcess(int Pid, int ParentPid, long StartTicks, string CommandLine)
{
    public static List<OsProcess> All()
    {
        var processes = new List<OsProcess>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } process)
            {
                processes.Add(process);
            }
        }

        return processes;
    }

    public bool IsAlive() => Read(Pid) is { } now && now.StartTicks == StartTicks;

    private static OsProcess? Read(int pid)
    {
        try
        {
            // /proc/pid/stat: "pid (comm) state ppid ... starttime(22nd field)"; comm may hold spaces.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            return fields[0] == "Z" ? null : new OsProcess(pid, int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[19], CultureInfo.InvariantCulture), commandLine);
        }
        catch (IOException)
        {
            return null; // gone meanwhile
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
