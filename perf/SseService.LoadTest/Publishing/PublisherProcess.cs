using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SseService.LoadTest.Options;
using SseService.LoadTest.Reporting;

namespace SseService.LoadTest.Publishing;

/// <summary>
/// Publishing from a second process of this tool (<c>--role publisher</c>, with --publisher-process):
/// the publisher's CPU is its own, not hidden in (or added to) the subscribers' process. It inherits
/// this process's CPU affinity, so under <c>taskset -c 1</c> both share the client's core, as an outside
/// load generator and its publisher would. Closing its standard input stops it; it prints its
/// <see cref="PublisherSummary"/> as JSON on stdout and exits.
/// </summary>
internal sealed class PublisherProcess : IPublisherRun
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly Task<string> _output;

    private PublisherProcess(Process process)
    {
        _process = process;
        _output = process.StandardOutput.ReadToEndAsync();
        Ended = process.WaitForExitAsync();
    }

    public long? Sent => null;

    public int? ProcessId => _process.Id;

    public Task Ended { get; }

    /// <summary>Starts <c>--role publisher</c> with this run's publishing options.</summary>
    /// <exception cref="InvalidOperationException">The process could not be started.</exception>
    public static PublisherProcess Start(LoadOptions options)
    {
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false, // its one line goes where ours go
        };

        // Run as "dotnet tool.dll" or as the app host: start the same thing the same way.
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable runs this tool");
        start.FileName = host;
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(PublisherProcess).Assembly.Location);
        }

        foreach (var argument in (string[])[
            "--role", "publisher", "--stop-on-stdin-eof",
            "--grpc-url", options.GrpcUrl.ToString(),
            "--namespaces", Inv(options.Namespaces), "--depth", Inv(options.Depth), "--prefix", options.Prefix,
            "--rate", Inv(options.Rate), "--payload", Inv(options.PayloadBytes), "--publishers", Inv(options.Publishers)])
        {
            start.ArgumentList.Add(argument);
        }

        return new PublisherProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}"));
    }

    public async Task<PublishOutcome> StopAsync()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // It has already exited.
        }

        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            return new PublishOutcome(0, null, [], $"the publisher process did not stop within {StopTimeout.TotalSeconds:0} s");
        }

        var output = await _output;
        PublisherSummary? summary = null;
        try
        {
            summary = JsonSerializer.Deserialize(output, ReportJsonContext.Default.PublisherSummary);
        }
        catch (JsonException)
        {
        }

        return summary is null
            ? new PublishOutcome(0, null, [], $"the publisher process exited with code {_process.ExitCode} and no summary")
            : new PublishOutcome(summary.Sent, summary.Accepted, summary.LastSequences, summary.Error);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    private static string Inv(double value) => value.ToString(CultureInfo.InvariantCulture);
}
