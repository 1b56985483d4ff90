using System.Buffers.Text;
using System.Globalization;

namespace SseService.LoadTest;

/// <summary>
/// The data of every message: <c>"&lt;sequence&gt; &lt;timestamp&gt; n&lt;leaf&gt; xxxx..."</c>. The sequence counts per
/// namespace from 1; the timestamp is <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> at send,
/// which receivers in the same process subtract from their own clock; the leaf tells a subscriber on
/// several namespaces which sequence an event belongs to. ASCII, so characters are bytes.
/// </summary>
internal static class Payload
{
    private const char Padding = 'x';
    private const char LeafMarker = 'n';

    public static string Create(long sequence, long timestamp, int leaf, int size)
    {
        var minimum = DigitCount(sequence) + 1 + DigitCount(timestamp) + 2 + DigitCount(leaf);
        return string.Create(Math.Max(size, minimum), (sequence, timestamp, leaf), static (span, state) =>
        {
            state.sequence.TryFormat(span, out var written, provider: CultureInfo.InvariantCulture);
            span[written++] = ' ';
            state.timestamp.TryFormat(span[written..], out var timestampLength, provider: CultureInfo.InvariantCulture);
            written += timestampLength;
            span[written++] = ' ';
            span[written++] = LeafMarker;
            state.leaf.TryFormat(span[written..], out var leafLength, provider: CultureInfo.InvariantCulture);
            written += leafLength;
            if (written < span.Length)
            {
                span[written++] = ' ';
                span[written..].Fill(Padding);
            }
        });
    }

    /// <summary>
    /// Reads the sequence, timestamp and leaf from the start of the data; false for anyone else's
    /// events. <paramref name="leaf"/> is -1 when the data has none (an older publisher's payload).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out long sequence, out long timestamp, out int leaf)
    {
        timestamp = 0;
        leaf = -1;
        if (!Utf8Parser.TryParse(data, out sequence, out var consumed) || consumed == data.Length || data[consumed] != (byte)' ')
        {
            return false;
        }

        data = data[(consumed + 1)..];
        if (!Utf8Parser.TryParse(data, out timestamp, out consumed) || (consumed < data.Length && data[consumed] != (byte)' '))
        {
            return false;
        }

        data = data[Math.Min(data.Length, consumed + 1)..];
        if (data.Length > 1 && data[0] == (byte)LeafMarker && Utf8Parser.TryParse(data[1..], out int parsed, out consumed)
            && (consumed + 1 == data.Length || data[consumed + 1] == (byte)' '))
        {
            leaf = parsed;
        }

        return true;
    }

    private static int DigitCount(long value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }
}
