using System.Diagnostics;
using SseService.LoadTest.Measuring;

namespace SseService.LoadTest.Storm;

/// <summary>
/// Reads the server's RSS (VmRSS) and CPU time every <see cref="Interval"/> on a thread of its own, so
/// a storm's peak memory and its busiest moments are seen even while the thread pool is flooded with
/// connects. The gaps between readings are kept too: on a saturated core they stretch, and the report
/// says by how much.
/// </summary>
internal sealed class ServerSampler : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    private readonly ServerProcess _server;
    private readonly List<Sample> _samples = [];
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();

    public ServerSampler(ServerProcess server)
    {
        _server = server;
        _thread = new Thread(Run) { IsBackground = true, Name = "server sampler" };
        _thread.Start();
    }

    /// <summary>One reading: when, the server's CPU so far and its resident memory; null fields once it is gone.</summary>
    public readonly record struct Sample(long Timestamp, TimeSpan? Cpu, long? RssKib);

    /// <summary>Stops sampling and returns every reading, oldest first.</summary>
    public IReadOnlyList<Sample> Stop()
    {
        _stop.Set();
        _thread.Join();
        return _samples;
    }

    public void Dispose()
    {
        if (_thread.IsAlive)
        {
            Stop();
        }

        _stop.Dispose();
    }

    private void Run()
    {
        do
        {
            _samples.Add(new Sample(Stopwatch.GetTimestamp(), _server.CpuTime(), _server.ResidentKiB()));
        }
        while (!_stop.Wait(Interval));
    }
}
