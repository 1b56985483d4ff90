using System.Globalization;
using System.Net.Sockets;
using Grpc.Core;
using SseService.LoadTest.Measuring;
using SseService.LoadTest.Options;
using SseService.LoadTest.Publishing;
using SseService.LoadTest.Reporting;
using SseService.LoadTest.Subscribing;

namespace SseService.LoadTest;

/// <summary>
/// One run: connect every subscriber, start publishing, warm up, measure a window, stop publishing,
/// wait for the last events, then report. Progress goes to stderr every second throughout.
/// With --no-publish another program publishes: the run has no publisher, counts messages by the
/// sequences its subscribers see, and waits at the end for the last sequence any of them saw.
/// </summary>
internal static class LoadRun
{
    private static readonly TimeSpan LastEventsTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StalledProbeTimeout = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(LoadOptions options, CancellationToken interrupted)
    {
        if (HostLimits.Check(options) is { } problem)
        {
            await Console.Error.WriteLineAsync($"error: {problem}");
            return 2;
        }

        SseEndpoint endpoint;
        try
        {
            endpoint = await SseEndpoint.ResolveAsync(options.SseUrl, options.SourceAddresses.Count > 0 ? options.SourceAddresses[0].AddressFamily : null, interrupted);
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"error: cannot resolve {options.SseUrl.Host}: {e.Message}");
            return 1;
        }

        var plan = NamespacePlan.Create(options);
        var window = new MeasurementWindow();
        var server = options.ServerPid is { } pid ? new ServerProcess(pid) : null;
        using var pool = new SubscriberPool(options, new SubscriberShared(endpoint, plan, window, options.ConnectConcurrency, options.Reconnect));
        var progress = new ProgressLine(pool, publishes: !options.NoPublish, window, server);
        using var progressStop = new CancellationTokenSource();
        var progressLoop = WriteProgressAsync(progress, progressStop.Token);

        var rssBefore = server?.ResidentKiB();
        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Connecting {options.Subscribers:N0} subscribers to {endpoint.Server} ({plan.Count:N0} namespaces, e.g. {plan.Names[0]}) ..."));
        TimeSpan connectTime;
        try
        {
            connectTime = await pool.ConnectAllAsync(interrupted);
        }
        catch (OperationCanceledException)
        {
            connectTime = TimeSpan.Zero;
        }

        var connected = pool.Totals().Connected;
        var rssAfterConnect = server?.ResidentKiB();
        if (connected == 0)
        {
            await progressStop.CancelAsync();
            await progressLoop;
            await pool.StopAsync();
            await Console.Error.WriteLineAsync("error: no subscriber could connect: " + string.Join("; ", pool.Errors.Select(e => $"{e.Value} × {e.Key}")));
            return 1;
        }

        using var publisher = options.NoPublish ? null : new Publisher(options, plan);
        using var stopPublishing = new CancellationTokenSource();
        progress.Publisher = publisher;
        progress.Phase = "warmup";
        var publishing = publisher?.RunAsync(stopPublishing.Token);
        await WhileRunningAsync(TimeSpan.FromSeconds(options.WarmupSeconds), publishing, interrupted);

        var startTotals = pool.Totals();
        var startSent = publisher?.Sent;
        var startSeen = pool.HighestSequences();
        var startResources = ResourceSample.Take(server);
        window.Open();
        progress.Phase = "measure";
        await WhileRunningAsync(TimeSpan.FromSeconds(options.DurationSeconds), publishing, interrupted);
        window.Close();
        var endResources = ResourceSample.Take(server);
        var endTotals = pool.Totals();
        var endSent = publisher?.Sent;
        var endSeen = pool.HighestSequences();
        var latency = window.Latency.Snapshot();

        progress.Phase = "drain";
        await stopPublishing.CancelAsync();
        ulong? accepted = null;
        string? publishError = null;
        try
        {
            accepted = publishing is null ? null : await publishing;
        }
        catch (RpcException e)
        {
            publishError = $"{e.StatusCode}: {e.Status.Detail}";
        }

        // The last events are the ones we published or, when another program publishes (and goes on
        // publishing), the last each namespace had shown by the window's end.
        var missingAtEnd = await pool.WaitForLastAsync(publisher?.LastSequences ?? endSeen, LastEventsTimeout);
        var stalledCut = await pool.CountStalledCutAsync(StalledProbeTimeout);
        var observations = new RunObservations
        {
            Attempted = pool.Attempted,
            Connected = connected,
            Failed = pool.Failed,
            Stalled = pool.StalledCount,
            ConnectTime = connectTime,
            AtStart = startTotals,
            AtEnd = endTotals,
            Final = pool.Totals(),
            SentAtStart = startSent,
            SentAtEnd = endSent,
            SentTotal = publisher?.Sent,
            SeenAtStart = startSeen.Sum(),
            SeenAtEnd = endSeen.Sum(),
            Accepted = accepted,
            PublishError = publishError,
            Latency = latency,
            ResourcesAtStart = startResources,
            ResourcesAtEnd = endResources,
            ServerPid = server?.Pid,
            ServerRssBefore = rssBefore,
            ServerRssAfterConnect = rssAfterConnect,
            ServerRssEnd = server?.ResidentKiB(),
            ToolRssKib = Environment.WorkingSet / 1024,
            MissingAtEnd = missingAtEnd,
            StalledCut = stalledCut,
            Errors = pool.Errors,
        };

        await progressStop.CancelAsync();
        await progressLoop;
        await pool.StopAsync();

        await ReportOutput.WriteAsync(LoadReportBuilder.Build(options, observations), options.JsonFile);
        return publishError is null ? 0 : 1;
    }

    /// <summary>Waits for <paramref name="duration"/>, less if publishing (when this tool publishes) fails or the user interrupts.</summary>
    private static async Task WhileRunningAsync(TimeSpan duration, Task? publishing, CancellationToken interrupted)
    {
        if (duration <= TimeSpan.Zero)
        {
            return;
        }

        var waited = Task.Delay(duration, interrupted);
        await Task.WhenAny(waited, publishing ?? waited);
    }

    private static async Task WriteProgressAsync(ProgressLine progress, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                await Console.Error.WriteLineAsync(progress.Next());
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }
}
