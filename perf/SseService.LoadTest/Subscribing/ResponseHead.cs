using System.Text;

namespace SseService.LoadTest.Subscribing;

/// <summary>The status and the framing of an HTTP/1.1 response, read from its head.</summary>
internal sealed record ResponseHead(int StatusCode, string StatusLine, bool IsChunked, string ContentType)
{
    /// <summary>Where the head ends (after the blank line) in <paramref name="received"/>, or -1 if not yet.</summary>
    public static int EndOf(ReadOnlySpan<byte> received)
    {
        var end = received.IndexOf("\r\n\r\n"u8);
        return end < 0 ? -1 : end + 4;
    }

    /// <exception cref="InvalidDataException">Not an HTTP/1.x response.</exception>
    public static ResponseHead Parse(ReadOnlySpan<byte> head)
    {
        var lines = Encoding.Latin1.GetString(head).Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(status[1], out var code))
        {
            throw new InvalidDataException($"not an HTTP/1.x response: '{lines[0]}'");
        }

        var chunked = false;
        var contentType = "";
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line.AsSpan(0, colon).Trim();
            var value = line.AsSpan(colon + 1).Trim();
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            }
            else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                contentType = value.ToString();
            }
        }

        return new ResponseHead(code, lines[0], chunked, contentType);
    }
}
