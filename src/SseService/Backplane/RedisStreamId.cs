using System.Globalization;

namespace SseService.Backplane;

/// <summary>
/// Maps a Redis stream id ("&lt;ms&gt;-&lt;seq&gt;") to the hub's 64-bit sequence and back, so event ids
/// are plain increasing numbers that mean the same on every instance.
/// </summary>
internal static class RedisStreamId
{
    // Entries within one millisecond: far more than Redis can add in one.
    private const int SequenceBits = 20;
    private const long SequenceMask = (1L << SequenceBits) - 1;

    public static bool TryToSequence(ReadOnlySpan<char> streamId, out long sequence)
    {
        sequence = 0;
        var dash = streamId.IndexOf('-');
        return dash > 0
            && long.TryParse(streamId[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
            && long.TryParse(streamId[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && index <= SequenceMask
            && (sequence = (milliseconds << SequenceBits) | index) > 0;
    }

    public static string FromSequence(long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{sequence >> SequenceBits}-{sequence & SequenceMask}");
}
