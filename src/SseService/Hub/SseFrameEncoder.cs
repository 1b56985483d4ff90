using System.Buffers.Text;
using System.Text;

namespace SseService.Hub;

/// <summary>
/// Encodes an event into WHATWG event-stream bytes once, into an array of exactly the right size.
/// Fields are written as "name: value" so a value that starts with a space survives the parser.
/// </summary>
public static class SseFrameEncoder
{
    private static ReadOnlySpan<byte> IdPrefix => "id: "u8;
    private static ReadOnlySpan<byte> EventPrefix => "event: "u8;
    private static ReadOnlySpan<byte> RetryPrefix => "retry: "u8;
    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;

    /// <summary>
    /// Encodes one event. <paramref name="id"/> and <paramref name="eventType"/> must hold no CR, LF
    /// or NUL (validation's job); <paramref name="data"/> may hold any line breaks.
    /// </summary>
    public static byte[] Encode(string id, string eventType, string data, uint retryMilliseconds)
    {
        var lineBreaks = CountLineBreaks(data, out var lineBreakChars);
        var dataLines = lineBreaks + 1;

        var length = Encoding.UTF8.GetByteCount(data) - lineBreakChars + dataLines * (DataPrefix.Length + 1) + 1;
        if (id.Length > 0)
        {
            length += IdPrefix.Length + Encoding.UTF8.GetByteCount(id) + 1;
        }

        if (eventType.Length > 0)
        {
            length += EventPrefix.Length + Encoding.UTF8.GetByteCount(eventType) + 1;
        }

        if (retryMilliseconds > 0)
        {
            length += RetryPrefix.Length + CountDigits(retryMilliseconds) + 1;
        }

        var bytes = new byte[length];
        var span = bytes.AsSpan();
        if (id.Length > 0)
        {
            span = WriteField(span, IdPrefix, id);
        }

        if (eventType.Length > 0)
        {
            span = WriteField(span, EventPrefix, eventType);
        }

        if (retryMilliseconds > 0)
        {
            RetryPrefix.CopyTo(span);
            Utf8Formatter.TryFormat(retryMilliseconds, span[RetryPrefix.Length..], out var written);
            span[RetryPrefix.Length + written] = (byte)'\n';
            span = span[(RetryPrefix.Length + written + 1)..];
        }

        span = WriteData(span, data);
        span[0] = (byte)'\n';
        return bytes;
    }

    private static Span<byte> WriteField(Span<byte> destination, ReadOnlySpan<byte> prefix, string value)
    {
        prefix.CopyTo(destination);
        var written = Encoding.UTF8.GetBytes(value, destination[prefix.Length..]);
        destination[prefix.Length + written] = (byte)'\n';
        return destination[(prefix.Length + written + 1)..];
    }

    private static Span<byte> WriteData(Span<byte> destination, string data)
    {
        var remaining = data.AsSpan();
        while (true)
        {
            var lineEnd = remaining.IndexOfAny('\r', '\n');
            var line = lineEnd < 0 ? remaining : remaining[..lineEnd];
            DataPrefix.CopyTo(destination);
            var written = Encoding.UTF8.GetBytes(line, destination[DataPrefix.Length..]);
            destination[DataPrefix.Length + written] = (byte)'\n';
            destination = destination[(DataPrefix.Length + written + 1)..];
            if (lineEnd < 0)
            {
                return destination;
            }

            // CRLF is one line break, not two.
            var breakLength = remaining[lineEnd] == '\r' && lineEnd + 1 < remaining.Length && remaining[lineEnd + 1] == '\n' ? 2 : 1;
            remaining = remaining[(lineEnd + breakLength)..];
        }
    }

    private static int CountLineBreaks(string data, out int lineBreakChars)
    {
        var breaks = 0;
        lineBreakChars = 0;
        var remaining = data.AsSpan();
        int index;
        while ((index = remaining.IndexOfAny('\r', '\n')) >= 0)
        {
            var breakLength = remaining[index] == '\r' && index + 1 < remaining.Length && remaining[index + 1] == '\n' ? 2 : 1;
            breaks++;
            lineBreakChars += breakLength;
            remaining = remaining[(index + breakLength)..];
        }

        return breaks;
    }

    private static int CountDigits(uint value)
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
