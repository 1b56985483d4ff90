using System.Globalization;

namespace SseService.Tests.Infrastructure;

/// <summary>
/// Reads what <see cref="RawHttpConnection"/> received so far as an HTTP/1.1 response: the header
/// lines exactly as sent, and the body with chunked transfer-encoding undone, so tests can look at
/// the event-stream bytes themselves. A response still streaming is fine: an incomplete head gives
/// no headers yet, and only complete chunks are part of the body.
/// </summary>
public sealed class RawHttpResponse
{
    private const string HeadEnd = "\r\n\r\n";

    private RawHttpResponse(string statusLine, IReadOnlyList<KeyValuePair<string, string>> headers, string body, bool isComplete)
    {
        StatusLine = statusLine;
        Headers = headers;
        Body = body;
        IsHeadComplete = isComplete;
    }

    /// <summary>"HTTP/1.1 200 OK", or empty before the head arrived.</summary>
    public string StatusLine { get; }

    /// <summary>Every header line in order, names as sent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The body received so far, de-chunked; only complete chunks are included.</summary>
    public string Body { get; }

    /// <summary>Whether the blank line ending the head has arrived.</summary>
    public bool IsHeadComplete { get; }

    public static RawHttpResponse Parse(string raw)
    {
        var headEnd = raw.IndexOf(HeadEnd, StringComparison.Ordinal);
        if (headEnd < 0)
        {
            return new RawHttpResponse("", [], "", isComplete: false);
        }

        var lines = raw[..headEnd].Split("\r\n");
        var headers = new List<KeyValuePair<string, string>>(lines.Length - 1);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        var rawBody = raw[(headEnd + HeadEnd.Length)..];
        var chunked = headers.Any(h =>
            h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
            && h.Value.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        var body = chunked ? Dechunk(rawBody) : rawBody;
        return new RawHttpResponse(lines[0], headers, body, isComplete: true);
    }

    /// <summary>Values of every header named <paramref name="name"/> (case-insensitive).</summary>
    public IReadOnlyList<string> HeaderValues(string name) =>
        [.. Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value)];

    /// <summary>How many times <paramref name="text"/> occurs in the body.</summary>
    public int CountInBody(string text)
    {
        var count = 0;
        var index = 0;
        while ((index = Body.IndexOf(text, index, StringComparison.Ordinal)) >= 0)
        {
            count++;
            index += text.Length;
        }

        return count;
    }

    // Chunk sizes count bytes; the tests using this send ASCII only, so characters are bytes.
    private static string Dechunk(string rawBody)
    {
        var body = new System.Text.StringBuilder(rawBody.Length);
        var position = 0;
        while (true)
        {
            var sizeEnd = rawBody.IndexOf("\r\n", position, StringComparison.Ordinal);
            if (sizeEnd < 0)
            {
                break;
            }

            var sizeText = rawBody[position..sizeEnd];
            var extension = sizeText.IndexOf(';', StringComparison.Ordinal);
            if (extension >= 0)
            {
                sizeText = sizeText[..extension];
            }

            var size = int.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var dataStart = sizeEnd + 2;
            if (size == 0 || dataStart + size + 2 > rawBody.Length)
            {
                break;
            }

            body.Append(rawBody, dataStart, size);
            position = dataStart + size + 2;
        }

        return body.ToString();
    }
}
