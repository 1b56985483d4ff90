using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using SseService.LoadTest.Measuring;
using SseService.LoadTest.Options;
using SseService.LoadTest.Publishing;
using SseService.LoadTest.Reporting;
using SseService.LoadTest.Storm;
using SseService.LoadTest.Subscribing;

namespace SseService.LoadTest;

/// <summary>
/// One run: connect every subscriber and wait for each stream's opening, read the server's memory at
/// once (nothing published yet, nothing forced), optionally again after --settle seconds of silence,
/// then start publishing, warm up from the first delivery, measure a window, stop publishing, wait for
/// the last events, and report. Progress goes to stderr every second throughout.
/// With --no-publish another program publishes: the run has no publisher, counts messages by the
/// sequences its subscribers see, and waits at the end for the last sequence any of them saw.
/// With --publisher-process a second process of this tool publishes (see <see cref="PublisherProcess"/>).
/// With --idle nothing is published: the run ends after the memory readings.
/// </summary>
internal static class LoadRun
{
    private static readonly TimeSpan LastEventsTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StalledProbeTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan OpeningTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FirstDeliveryTimeout = TimeSpan.FromSeconds(30);

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
        var storm = options.Storm ? new StormControl(options.StormJitterMilliseconds) : null;
        using var pool = new SubscriberPool(options, new SubscriberShared(endpoint, plan, window, options.ConnectConcurrency, options.Reconnect, storm,
            options.GrpcSubscribe ? new GrpcSubscribeChannels(options.GrpcUrl, options.Subscribers) : null));
        var progress = new ProgressLine(pool, window, server);
        using var progressStop = new CancellationTokenSource();
        var progressLoop = WriteProgressAsync(progress, progressStop.Token);

        var rssBefore = server?.ResidentKiB();
        await Console.Error.WriteLineAsync(options.GrpcSubscribe
            ? string.Create(CultureInfo.InvariantCulture, $"Subscribing {options.Subscribers:N0} gRPC streams at {options.GrpcUrl} over {pool.GrpcChannels} HTTP/2 channel(s) ({plan.Count:N0} namespaces, {plan.PerSubscriber} per stream, e.g. {plan.Names[0]}) ...")
            : string.Create(CultureInfo.InvariantCulture, $"Connecting {options.Subscribers:N0} subscribers to {endpoint.Server} ({plan.Count:N0} namespaces, {plan.PerSubscriber} per stream, e.g. {plan.Names[0]}) ..."));
        var connectStarted = Stopwatch.GetTimestamp();
        TimeSpan connectTime;
        try
        {
            connectTime = await pool.ConnectAllAsync(interrupted);
        }
        catch (OperationCanceledException)
        {
            connectTime = TimeSpan.Zero;
        }

        // The "at once" memory figure: read the moment the last stream has its head and its opening
        // comment, before anything is published and with no collection or settling asked of anyone.
        var opened = await pool.WaitOpenedAsync(OpeningTimeout, interrupted);
        var rssAtOnce = server?.ResidentKiB();
        var openTime = Stopwatch.GetElapsedTime(connectStarted);
        if (opened < pool.Attempted - pool.Failed)
        {
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"warning: {pool.Attempted - pool.Failed - opened:N0} connected streams had no opening comment or event after {OpeningTimeout.TotalSeconds:0} s; memory was read then"));
        }
        var connected = pool.Totals().Connected;
        if (connected == 0)
        {
            await progressStop.CancelAsync();
            await progressLoop;
            await pool.StopAsync();
            await Console.Error.WriteLineAsync("error: no subscriber could connect: " + string.Join("; ", pool.Errors.Select(e => $"{e.Value} × {e.Key}")));
            return 1;
        }

        // The settled figure: the same, after a silence long enough for the runtime's background work
        // (tiered recompilation, a collection its allocations asked for) to have happened by itself.
        var silenceStart = ResourceSample.Take(server);
        long? rssSettled = null;
        if (options.SettleSeconds > 0)
        {
            progress.Phase = "settle";
            await WhileRunningAsync(TimeSpan.FromSeconds(options.SettleSeconds), null, interrupted);
            rssSettled = server?.ResidentKiB();
        }

        var silenceEnd = ResourceSample.Take(server);
        var memory = new MemoryObservations(rssBefore, rssAtOnce, rssSettled, options.SettleSeconds > 0 ? options.SettleSeconds : null, opened, openTime);

        IPublisherRun? publisher;
        try
        {
            publisher = options.PublishesInProcess ? new InProcessPublisher(options, plan)
                : options.PublisherProcess ? PublisherProcess.Start(options)
                : null;
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            await progressStop.CancelAsync();
            await progressLoop;
            await pool.StopAsync();
            await Console.Error.WriteLineAsync($"error: cannot start publishing: {e.Message}");
            return 1;
        }

        using var publisherOwner = publisher;
        var publisherProcess = publisher?.ProcessId is { } publisherPid ? new ServerProcess(publisherPid) : null;
        progress.Publisher = publisher;
        var publishedBy = options.Idle ? PublishedBy.Nobody
            : options.NoPublish ? PublishedBy.AnotherProgram
            : options.PublisherProcess ? PublishedBy.PublisherProcess
            : PublishedBy.ThisProcess;

        // Warm-up counts from the first delivery, so a publisher process's start-up is not part of it.
        if (publisher is not null)
        {
            progress.Phase = "start";
            await pool.WaitFirstDeliveryAsync(FirstDeliveryTimeout, publisher.Ended, interrupted);
        }

        SubscriberTotals startTotals, endTotals;
        long? startSent = null, endSent = null;
        long[] startSeen, endSeen;
        ResourceSample startResources, endResources;
        LatencySnapshot latency;
        StormObservations? stormSeen = null;
        if (options.Idle)
        {
            // No window: the silence is what there is to account for (the server's CPU while idle).
            startResources = silenceStart;
            endResources = silenceEnd;
            startTotals = endTotals = pool.Totals();
            startSeen = endSeen = pool.HighestSequences();
            latency = window.Latency.Snapshot();
        }
        else
        {
            progress.Phase = "warmup";
            await WhileRunningAsync(TimeSpan.FromSeconds(options.WarmupSeconds), publisher?.Ended, interrupted);

            startTotals = pool.Totals();
            startSent = publisher?.Sent;
            startSeen = pool.HighestSequences();
            startResources = ResourceSample.Take(server, publisherProcess);
            window.Open();
            progress.Phase = "measure";
            if (storm is not null)
            {
                // The window opens at the cut and lasts --duration, or the storm, whichever is longer.
                progress.Detail = () => StormRun.Describe(pool);
                var stormStarted = Stopwatch.GetTimestamp();
                stormSeen = await StormRun.RunAsync(pool, storm, options, endpoint.Server.Port, server, publisherProcess,
                    phase => progress.Phase = phase, publisher?.Ended, interrupted);
                progress.Phase = "after";
                await WhileRunningAsync(TimeSpan.FromSeconds(options.DurationSeconds) - Stopwatch.GetElapsedTime(stormStarted), publisher?.Ended, interrupted);
            }
            else
            {
                await WhileRunningAsync(TimeSpan.FromSeconds(options.DurationSeconds), publisher?.Ended, interrupted);
            }

            window.Close();
            endResources = ResourceSample.Take(server, publisherProcess);
            endTotals = pool.Totals();
            endSent = publisher?.Sent;
            endSeen = pool.HighestSequences();
            latency = window.Latency.Snapshot();
        }

        progress.Phase = "drain";
        var outcome = publisher is null ? null : await publisher.StopAsync();

        // The last events are the ones we published or, when another program publishes (and goes on
        // publishing), the last each namespace had shown by the window's end.
        var lastSequences = outcome is { LastSequences.Count: > 0 } ? outcome.LastSequences : endSeen;
        var missingAtEnd = await pool.WaitForLastAsync(lastSequences, LastEventsTimeout);
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
            PublishedBy = publishedBy,
            PublisherPid = publisher?.ProcessId,
            SentAtStart = startSent,
            SentAtEnd = endSent,
            SentTotal = outcome?.Sent,
            SeenAtStart = startSeen.Sum(),
            SeenAtEnd = endSeen.Sum(),
            Accepted = outcome?.Accepted,
            PublishError = outcome?.Error,
            Latency = latency,
            ResourcesAtStart = startResources,
            ResourcesAtEnd = endResources,
            ServerPid = server?.Pid,
            Memory = memory,
            ServerRssEnd = server?.ResidentKiB(),
            ToolRssKib = Environment.WorkingSet / 1024,
            MissingAtEnd = missingAtEnd,
            StalledCut = stalledCut,
            Errors = pool.Errors,
            Storm = stormSeen,
        };

        await progressStop.CancelAsync();
        await progressLoop;
        await pool.StopAsync();

        await ReportOutput.WriteAsync(LoadReportBuilder.Build(options, observations), options.JsonFile);
        return outcome?.Error is null && stormSeen?.CutError is null ? 0 : 1;
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
