using System.Text;
using SseService.Hub;

namespace SseService.Sse;

/// <summary>
/// Turns the raw request target of <c>/subscribe/{namespace...}</c> into a <see cref="NamespacePath"/>.
/// The raw target is used (not the server-decoded path) so that "//", "." and ".." are seen as sent
/// and rejected rather than silently resolved, and so "%2F" cannot smuggle a '/' into a segment.
/// Each segment is percent-decoded once, as UTF-8.
/// </summary>
internal static class SubscribePath
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <param name="rawPath">The raw path, without query, e.g. "/subscribe/pets/dogs".</param>
    /// <param name="skipSegments">Leading segments before the namespace (path base and "subscribe").</param>
    public static bool TryParse(string rawPath, int skipSegments, NamespaceRules rules, out NamespacePath result, out string error)
    {
        result = NamespacePath.Root;
        var remaining = rawPath.AsSpan();
        for (var i = 0; i < skipSegments; i++)
        {
            // remaining is "/segment/..." here; drop "/segment".
            var next = remaining.Length > 1 ? remaining[1..].IndexOf('/') : -1;
            remaining = next < 0 ? [] : remaining[(next + 1)..];
        }

        // A cheap bound before decoding: one character is at most 3 UTF-8 bytes, 9 characters as %XX.
        if (remaining.Length > rules.MaxLength * 9)
        {
            error = $"is longer than {rules.MaxLength} characters";
            return false;
        }

        var decoded = new StringBuilder(remaining.Length + 1);
        if (remaining.IsEmpty)
        {
            decoded.Append('/');
        }

        foreach (var range in remaining.Split('/'))
        {
            if (range.Start.Value == 0)
            {
                continue; // before the leading '/'
            }

            if (!TryDecodeSegment(remaining[range], decoded, out error))
            {
                return false;
            }
        }

        return NamespacePath.TryParse(decoded.ToString(), rules, out result, out error);
    }

    private static bool TryDecodeSegment(ReadOnlySpan<char> segment, StringBuilder destination, out string error)
    {
        destination.Append('/');
        if (!segment.Contains('%'))
        {
            destination.Append(segment);
            error = "";
            return true;
        }

        // Rare path: decode %XX in the byte domain, then read the bytes as strict UTF-8.
        var source = Encoding.UTF8.GetBytes(segment.ToString());
        var bytes = new byte[source.Length];
        var length = 0;
        for (var i = 0; i < source.Length; i++)
        {
            if (source[i] != (byte)'%')
            {
                bytes[length++] = source[i];
                continue;
            }

            if (i + 2 >= source.Length || !IsHex(source[i + 1]) || !IsHex(source[i + 2]))
            {
                error = "has an invalid percent-encoding (expected %XX)";
                return false;
            }

            bytes[length++] = (byte)((HexValue(source[i + 1]) << 4) | HexValue(source[i + 2]));
            i += 2;
        }

        string text;
        try
        {
            text = s_strictUtf8.GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            error = "is not valid UTF-8 once percent-decoded";
            return false;
        }

        if (text.Contains('/'))
        {
            error = "has an encoded '/' (%2F) inside a segment";
            return false;
        }

        destination.Append(text);
        error = "";
        return true;
    }

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
