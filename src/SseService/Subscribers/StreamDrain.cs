using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using SseService.Hub;

namespace SseService.Subscribers;

/// <summary>
/// Ends every open stream when the service stops, paced: each first gets a <c>retry:</c> chosen across
/// <see cref="DrainOptions.DrainWindow"/> (spread evenly in the order they are visited, with jitter), so
/// the clients' reconnects reach the other instances spread over the window instead of all at once;
/// then its end. A stream that has not taken its last frames by the window's end is ended anyway.
/// </summary>
internal sealed class StreamDrain : IDisposable
{
    private readonly ConcurrentDictionary<StreamOwner, byte> _open = new();
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private readonly CancellationTokenRegistration _stopping;
    private ITimer? _deadline;
    private int _draining;

    public StreamDrain(IHostApplicationLifetime lifetime, IOptions<DrainOptions> options, TimeProvider time)
    {
        _window = options.Value.DrainWindow;
        _time = time;
        _stopping = lifetime.ApplicationStopping.UnsafeRegister(static state => ((StreamDrain)state!).Begin(), this);
    }

    /// <summary>Whether the service is stopping: new streams are refused.</summary>
    public bool IsDraining => Volatile.Read(ref _draining) != 0;

    public int OpenStreams => _open.Count;

    /// <summary>What a client refused while the service stops is told to wait (jittered by the refusal).</summary>
    public TimeSpan Window => _window > TimeSpan.Zero ? _window : TimeSpan.FromSeconds(1);

    public void Opened(StreamOwner owner)
    {
        _open.TryAdd(owner, 0);
        if (IsDraining)
        {
            owner.Drain(RetryFrame(_window));
        }
    }

    public void Closed(StreamOwner owner) => _open.TryRemove(owner, out _);

    /// <summary>Starts the drain (the service is stopping); later calls do nothing.</summary>
    internal void Begin()
    {
        if (Interlocked.Exchange(ref _draining, 1) != 0)
        {
            return;
        }

        var streams = _open.Keys.ToArray();
        Random.Shared.Shuffle(streams);
        var slot = streams.Length == 0 ? TimeSpan.Zero : _window / streams.Length;
        for (var i = 0; i < streams.Length; i++)
        {
            // Evenly across the window, each within its own slot, so no two clients come back together.
            streams[i].Drain(RetryFrame(slot * i + slot * Random.Shared.NextDouble()));
        }

        _deadline = _time.CreateTimer(static state => ((StreamDrain)state!).EndTheRest(), this, _window, Timeout.InfiniteTimeSpan);
    }

    private void EndTheRest()
    {
        foreach (var owner in _open.Keys)
        {
            owner.EndDrained();
        }
    }

    private static SseFrame RetryFrame(TimeSpan retry)
    {
        var milliseconds = Math.Max(1, (long)retry.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        var bytes = Encoding.ASCII.GetBytes($": server stopping, reconnect in {milliseconds} ms\nretry: {milliseconds}\n\n");
        return new SseFrame(bytes, sequence: 0, id: "", NamespacePath.Root, publishedTimestamp: 0);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _deadline?.Dispose();
    }
}
