using System.Globalization;
using System.Text;

namespace SseService.Sse;

/// <summary>
/// The HTTP/1.1 status line and headers of an event stream that is written straight to its socket:
/// everything the request pipeline put in the response headers (CORS, security, resume), and
/// <c>Connection: close</c>, so the body needs no chunked framing and ends when the connection does.
/// </summary>
internal static class RawResponseHead
{
    // Framing is ours: whatever the pipeline may have set for these must not reach the wire.
    private static readonly HashSet<string> s_framingHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Content-Length", "Transfer-Encoding", "Keep-Alive", "Upgrade",
    };

    /// <summary>The head's bytes, or null when a header cannot be sent as is (the pipeline then writes the stream).</summary>
    public static byte[]? For(IHeaderDictionary headers, DateTimeOffset now)
    {
        var head = new StringBuilder(256)
            .Append("HTTP/1.1 200 OK\r\n")
            .Append("Connection: close\r\n")
            .Append("Date: ").Append(now.ToString("r", CultureInfo.InvariantCulture)).Append("\r\n");
        foreach (var (name, values) in headers)
        {
            if (s_framingHeaders.Contains(name))
            {
                continue;
            }

            if (!IsToken(name))
            {
                return null;
            }

            foreach (var value in values)
            {
                if (value is null || !IsFieldValue(value))
                {
                    return null;
                }

                head.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }

        return Encoding.ASCII.GetBytes(head.Append("\r\n").ToString());
    }

    private static bool IsToken(string name)
    {
        foreach (var c in name)
        {
            if (c <= ' ' || c >= 127 || "\"(),/:;<=>?@[\\]{}".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return name.Length > 0;
    }

    // Visible ASCII, space and tab only: no CR or LF to split the head, nothing a client could misread.
    private static bool IsFieldValue(string value)
    {
        foreach (var c in value)
        {
            if (c != '\t' && (c < ' ' || c >= 127))
            {
                return false;
            }
        }

        return true;
    }
}
