using System.Globalization;
using System.Text;

namespace SseService.Subscribers;

/// <summary>
/// What every stream starts with: ": ok", then an id-only block (no event is dispatched, but the
/// client's last event id is set, so it can resume from here), then the retry hint.
/// </summary>
internal static class StreamOpening
{
    // Sent at once so headers (and the stream's liveness) reach the client before any event.
    private static readonly byte[] s_plain = ": ok\n\n"u8.ToArray();

    public static byte[] For(string? openingId, int retryMilliseconds)
    {
        if (openingId is null && retryMilliseconds <= 0)
        {
            return s_plain;
        }

        var text = new StringBuilder(": ok\n\n");
        if (openingId is not null)
        {
            text.Append("id: ").Append(openingId).Append("\n\n");
        }

        if (retryMilliseconds > 0)
        {
            text.Append("retry: ").Append(retryMilliseconds.ToString(CultureInfo.InvariantCulture)).Append("\n\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
