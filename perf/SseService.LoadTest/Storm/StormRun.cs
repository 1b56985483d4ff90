using System.Diagnostics;
using System.Globalization;
using SseService.LoadTest.Measuring;
using SseService.LoadTest.Options;
using SseService.LoadTest.Subscribing;

namespace SseService.LoadTest.Storm;

/// <summary>
/// The storm itself, run once the warm-up is over and while publishing goes on: cut every stream at
/// once (<see cref="StormCut"/>), wait until every subscriber has seen its cut, let them all reconnect
/// (each with Last-Event-ID, through the tool's connect gate of --connect-concurrency attempts in
/// flight, after its --storm-jitter), and wait until every cut subscriber has caught up or the
/// --storm-timeout is up. The server's RSS and CPU are sampled every 20 ms meanwhile.
/// </summary>
internal static class StormRun
{
    // Loopback resets and closes arrive in milliseconds; this only bounds a cut that missed some streams.
    private static readonly TimeSpan CutSeenTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    public static async Task<StormObservations> RunAsync(
        SubscriberPool pool, StormControl storm, LoadOptions options, int ssePort, ServerProcess? server, ServerProcess? publisher,
        Action<string> setPhase, Task? publishing, CancellationToken interrupted)
    {
        var connected = pool.Totals().Connected;
        var rssBefore = server?.ResidentKiB();
        var peakBefore = server?.PeakResidentKiB();
        using var sampler = server is null ? null : new ServerSampler(server);
        var before = ResourceSample.Take(server, publisher);

        setPhase("cut");
        storm.StartCut();
        var cutAt = Stopwatch.GetTimestamp();
        int? aborted = null;
        string? cutError = null;
        if (options.StormCut == StormCut.Tool)
        {
            pool.CutAllByTool();
        }
        else
        {
            try
            {
                aborted = await ServerSocketCut.AbortServerSocketsAsync(ssePort);
            }
            catch (InvalidOperationException e)
            {
                cutError = e.Message;
            }
        }

        // Every stream that was open sees its cut (a reset, or its socket closed) before anyone reconnects.
        var cutSeenBy = cutAt + Ticks(CutSeenTimeout);
        while (cutError is null && storm.Cut < connected && Stopwatch.GetTimestamp() < cutSeenBy && !interrupted.IsCancellationRequested)
        {
            await Task.Delay(1, CancellationToken.None);
        }

        if (cutError is null && storm.Cut == 0)
        {
            cutError = options.StormCut == StormCut.Server
                ? $"ss -K aborted {aborted ?? 0} socket(s) and no stream saw a cut: the kernel may lack CONFIG_INET_DIAG_DESTROY; use --storm-cut tool"
                : "no stream saw the cut";
        }

        var cutDoneAt = Stopwatch.GetTimestamp();
        storm.AllowReconnect();
        setPhase("storm");

        var endBy = cutAt + Ticks(TimeSpan.FromSeconds(options.StormTimeoutSeconds));
        var timedOut = false;
        while (cutError is null && !interrupted.IsCancellationRequested && publishing?.IsCompleted != true)
        {
            var phases = pool.StormPhases();
            if (phases.Cut == 0 && phases.Back == 0)
            {
                break; // every subscriber that was cut has caught up
            }

            if (Stopwatch.GetTimestamp() >= endBy)
            {
                timedOut = true;
                break;
            }

            await Task.Delay(PollInterval, CancellationToken.None);
        }

        var endAt = Stopwatch.GetTimestamp();
        var after = ResourceSample.Take(server, publisher);
        var samples = sampler?.Stop() ?? [];
        return new StormObservations
        {
            Cut = options.StormCut,
            ConnectConcurrency = options.ConnectConcurrency,
            JitterMilliseconds = options.StormJitterMilliseconds,
            ConnectedAtCut = connected,
            ServerSocketsAborted = aborted,
            CutError = cutError,
            CutAt = cutAt,
            CutDoneAt = cutDoneAt,
            EndAt = endAt,
            TimedOut = timedOut,
            Subscribers = pool.StormResults(),
            Before = before,
            After = after,
            ServerSamples = samples,
            ServerRssBeforeKib = rssBefore,
            ServerPeakBeforeKib = peakBefore,
            ServerPeakAfterKib = server?.PeakResidentKiB(),
        };
    }

    /// <summary>The progress line's storm part: how many subscribers are in each phase.</summary>
    public static string Describe(SubscriberPool pool)
    {
        var (_, cut, back, caughtUp) = pool.StormPhases();
        return string.Create(CultureInfo.InvariantCulture, $"  storm: away {cut:N0}, catching up {back:N0}, caught up {caughtUp:N0}");
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
