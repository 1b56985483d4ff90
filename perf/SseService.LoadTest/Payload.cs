using System.Buffers.Text;
using System.Globalization;

namespace SseService.LoadTest;

/// <summary>
/// The data of every message: <c>"&lt;sequence&gt; &lt;timestamp&gt; xxxx..."</c>. The sequence counts per
/// namespace from 1; the timestamp is <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> at send,
/// which receivers in the same process subtract from their own clock. ASCII, so characters are bytes.
/// </summary>
internal static class Payload
{
    private const char Padding = 'x';

    public static string Create(long sequence, long timestamp, int size)
    {
        var minimum = DigitCount(sequence) + 1 + DigitCount(timestamp);
        return string.Create(Math.Max(size, minimum), (sequence, timestamp, minimum), static (span, state) =>
        {
            state.sequence.TryFormat(span, out var written, provider: CultureInfo.InvariantCulture);
            span[written++] = ' ';
            state.timestamp.TryFormat(span[written..], out var timestampLength, provider: CultureInfo.InvariantCulture);
            written += timestampLength;
            if (written < span.Length)
            {
                span[written++] = ' ';
                span[written..].Fill(Padding);
            }
        });
    }

    /// <summary>Reads the sequence and timestamp from the start of the data; false for anyone else's events.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out long sequence, out long timestamp)
    {
        timestamp = 0;
        if (!Utf8Parser.TryParse(data, out sequence, out var consumed) || consumed == data.Length || data[consumed] != (byte)' ')
        {
            return false;
        }

        data = data[(consumed + 1)..];
        return Utf8Parser.TryParse(data, out timestamp, out consumed) && (consumed == data.Length || data[consumed] == (byte)' ');
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
