using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SseService.Tests.Infrastructure;

/// <summary>
/// The service as its own process (the apphost built next to the tests), for what only a real
/// process shows: signals, exit codes, environment variables as a launcher sets them.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    private ServiceProcess(Process process, Uri httpAddress, Uri grpcAddress)
    {
        _process = process;
        HttpAddress = httpAddress;
        GrpcAddress = grpcAddress;
    }

    public Uri HttpAddress { get; }

    public Uri GrpcAddress { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process printed so far, for failure messages.</summary>
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

    /// <summary>Starts the service and returns once it reports that it has started.</summary>
    /// <param name="environment">Set after the defaults, so it can override any of them.</param>
    /// <param name="httpAddress">The <c>Http</c> endpoint's URL; a free loopback port when null.</param>
    /// <param name="grpcAddress">The <c>Grpc</c> endpoint's URL; a free loopback port when null.</param>
    public static async Task<ServiceProcess> StartAsync(IDictionary<string, string>? environment = null, Uri? httpAddress = null, Uri? grpcAddress = null)
    {
        httpAddress ??= new Uri($"http://127.0.0.1:{FreePort.Next()}");
        grpcAddress ??= new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "SseService"))
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["Kestrel__Endpoints__Http__Url"] = httpAddress.ToString();
        start.Environment["Kestrel__Endpoints__Grpc__Url"] = grpcAddress.ToString();
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var service = new ServiceProcess(process, httpAddress, grpcAddress);
        process.OutputDataReceived += (_, e) => service.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => service.OnOutput(e.Data);
        process.Exited += (_, _) => service._started.TrySetException(new InvalidOperationException($"the service exited at start:\n{service.Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        await service._started.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return service;
    }

    /// <summary>Asks the process to stop, as an orchestrator does.</summary>
    public void SendSigterm()
    {
        if (Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
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

        if (line.Contains("Application started", StringComparison.Ordinal))
        {
            _started.TrySetResult();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
