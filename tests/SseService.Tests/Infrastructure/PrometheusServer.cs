using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace SseService.Tests.Infrastructure;

/// <summary>One series of an instant query's answer: its labels and its value.</summary>
public sealed record PrometheusSample(IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Name => Labels.GetValueOrDefault("__name__", "");
}

/// <summary>
/// A real Prometheus server (Debian's package) on a free loopback port, with its own temporary
/// directory for its configuration and storage, scraping one target every second. Asked through
/// its HTTP query API, as an operator's dashboard would. Killed at dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/prometheus";
    public const string JobName = "sse";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private readonly Process _process;
    private readonly string _directory;
    private readonly List<string> _output = [];
    private readonly HttpClient _http;

    private PrometheusServer(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Where its web UI and HTTP API answer.</summary>
    public Uri Address { get; }

    /// <summary>Everything the server logged so far, for failure messages.</summary>
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

    /// <summary>Starts a server that scrapes <paramref name="target"/> and returns once it is ready for queries.</summary>
    /// <param name="target">The service's Http endpoint (scheme, host and port are used).</param>
    /// <param name="bearerToken">Sent as "Authorization: Bearer" on every scrape, read from a file as an operator would keep it.</param>
    public static async Task<PrometheusServer> StartAsync(Uri target, string? bearerToken = null, string metricsPath = "/metrics")
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: apt-get install --no-install-recommends prometheus (tests/install-deps.sh does)");
        }

        var directory = Directory.CreateTempSubdirectory("sse-prometheus-").FullName;
        var configuration = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(configuration, Configuration(target, metricsPath, bearerToken, directory));

        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[]
        {
            $"--config.file={configuration}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address={address.Authority}",
            "--log.level=info",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new PrometheusServer(process, directory, address);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (server._output)
            {
                server._output.Add(e.Data);
            }

            if (e.Data.Contains("Server is ready to receive web requests", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("prometheus exited at start:\n" + server.Output));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Runs an instant query (<c>/api/v1/query</c>) and returns its vector, or throws with Prometheus's error.</summary>
    public async Task<IReadOnlyList<PrometheusSample>> QueryAsync(string promql, CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(promql), cancellationToken);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var root = document.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"query {promql} failed: {root.GetProperty("error").GetString()}");
        }

        var data = root.GetProperty("data");
        if (data.GetProperty("resultType").GetString() != "vector")
        {
            throw new InvalidOperationException($"query {promql} gave a {data.GetProperty("resultType").GetString()}, not a vector");
        }

        var samples = new List<PrometheusSample>();
        foreach (var series in data.GetProperty("result").EnumerateArray())
        {
            var labels = series.GetProperty("metric").EnumerateObject().ToDictionary(label => label.Name, label => label.Value.GetString()!, StringComparer.Ordinal);
            var value = series.GetProperty("value")[1].GetString()!;
            samples.Add(new PrometheusSample(labels, double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    /// <summary>The sum of an instant query's values, or null while it has no series.</summary>
    public async Task<double?> ScalarAsync(string promql, CancellationToken cancellationToken = default)
    {
        var samples = await QueryAsync(promql, cancellationToken);
        return samples.Count == 0 ? null : samples.Sum(sample => sample.Value);
    }

    /// <summary>
    /// Polls until <paramref name="done"/> holds (each poll reads fresh values), or fails after
    /// <paramref name="timeout"/> with what was last seen and the scrape target's last error.
    /// </summary>
    public async Task WaitUntilAsync(Func<Task<bool>> done, TimeSpan timeout, Func<Task<string>> describe)
    {
        var deadline = Stopwatch.StartNew();
        while (!await done())
        {
            if (deadline.Elapsed > timeout)
            {
                Assert.Fail($"Prometheus did not see it within {timeout}: {await describe()}; target: {await TargetStateAsync()}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>The scrape target's health and last error (<c>/api/v1/targets</c>), for failure messages.</summary>
    public async Task<string> TargetStateAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync("/api/v1/targets"));
        var targets = document.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .Select(target => $"{target.GetProperty("scrapeUrl").GetString()} {target.GetProperty("health").GetString()} {target.GetProperty("lastError").GetString()}");
        return string.Join("; ", targets);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Configuration(Uri target, string metricsPath, string? bearerToken, string directory)
    {
        var authorization = "";
        if (bearerToken is not null)
        {
            var credentials = Path.Combine(directory, "scrape-token");
            File.WriteAllText(credentials, bearerToken);
            authorization = $"""
                    authorization:
                      type: Bearer
                      credentials_file: {credentials}

                """;
        }

        // The scrape timeout may not exceed the interval; both short so a test waits seconds, not minutes.
        return $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: {JobName}
                metrics_path: {metricsPath}
                static_configs:
                  - targets: ["{target.Authority}"]
            {authorization}
            """;
    }
}
