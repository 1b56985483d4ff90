using BenchmarkDotNet.Attributes;
using SseService.Hub;

namespace SseService.Benchmarks;

/// <summary>Encoding one event into its wire bytes: done once per publish, whatever the fan-out.</summary>
[MemoryDiagnoser]
public class FrameEncodingBenchmarks
{
    private readonly string _payload64 = new('x', 64);
    private readonly string _multiLine = string.Join('\n', Enumerable.Repeat(new string('y', 60), 16));

    [Benchmark(Baseline = true)]
    public byte[] Encode64ByteEvent() => SseFrameEncoder.Encode("1795505377467002", "", _payload64, 0);

    [Benchmark]
    public byte[] EncodeWithEventAndRetry() => SseFrameEncoder.Encode("1795505377467002", "new-dog", _payload64, 3000);

    [Benchmark]
    public byte[] EncodeSixteenLines() => SseFrameEncoder.Encode("1795505377467002", "", _multiLine, 0);
}
