namespace SseService.LoadTest.Measuring;

/// <summary>Whether the measured window is open, and the latencies recorded while it is.</summary>
internal sealed class MeasurementWindow
{
    private volatile bool _isOpen;

    public LatencyHistogram Latency { get; } = new();

    public bool IsOpen => _isOpen;

    public void Open() => _isOpen = true;

    public void Close() => _isOpen = false;
}
