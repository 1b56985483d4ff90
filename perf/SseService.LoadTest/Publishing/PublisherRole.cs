using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SseService.LoadTest.Options;
using SseService.LoadTest.Reporting;

namespace SseService.LoadTest.Publishing;

/// <summary>
/// <c>--role publisher</c>: this process only publishes, at the given rate with the send time in each
/// payload, for --warmup plus --duration seconds, or until standard input closes with
/// --stop-on-stdin-eof (how <see cref="PublisherProcess"/> ends it), or until SIGINT/SIGTERM. Then it
/// half-closes its streams and prints a <see cref="PublisherSummary"/> as JSON (stdout or --json FILE)
/// and one line on stderr. Receivers on the same machine can read the latency from the payload:
/// <see cref="Stopwatch.GetTimestamp"/> is CLOCK_MONOTONIC on Linux, one clock for every process.
/// </summary>
internal static class PublisherRole
{
    public static async Task<int> RunAsync(LoadOptions options, CancellationToken interrupted)
    {
        var plan = NamespacePlan.Create(options);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(interrupted);
        if (options.StopOnStdinEof)
        {
            WatchStandardInput(stop);
        }
        else
        {
            stop.CancelAfter(TimeSpan.FromSeconds(options.WarmupSeconds + options.DurationSeconds));
        }

        var started = Stopwatch.GetTimestamp();
        using var publisher = new InProcessPublisher(options, plan);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (stop.Token.Register(() => stopped.TrySetResult()))
        {
            await Task.WhenAny(publisher.Ended, stopped.Task);
        }

        var outcome = await publisher.StopAsync();
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        using var self = Process.GetCurrentProcess();
        var summary = new PublisherSummary(options.GrpcUrl.ToString(), options.Rate, options.PayloadBytes, plan.Count, options.Publishers, seconds,
            self.TotalProcessorTime.TotalSeconds, outcome.Sent, outcome.Accepted, [.. outcome.LastSequences], outcome.Error);

        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"publisher: {summary.Sent:N0} messages in {seconds:0.0} s ({summary.Sent / Math.Max(seconds, 1e-3):N0}/s), {summary.Accepted?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} accepted, {summary.CpuSeconds:0.00} s CPU")
            + (summary.Error is { } error ? $"; FAILED: {error}" : ""));
        var json = JsonSerializer.Serialize(summary, ReportJsonContext.Default.PublisherSummary);
        if (options.JsonFile is { } file)
        {
            await File.WriteAllTextAsync(file, json + "\n", CancellationToken.None);
        }
        else
        {
            await Console.Out.WriteLineAsync(json);
        }

        return outcome.Error is null ? 0 : 1;
    }

    /// <summary>Cancels <paramref name="stop"/> once standard input reaches its end (the parent closed it, or died).</summary>
    private static void WatchStandardInput(CancellationTokenSource stop)
    {
        var watcher = new Thread(() =>
        {
            using var input = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (input.Read(buffer) > 0)
            {
            }

            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run had already ended.
            }
        })
        {
            IsBackground = true,
            Name = "stdin watch",
        };
        watcher.Start();
    }
}
