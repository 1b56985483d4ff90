using System.Text;

namespace SseService.Hub;

/// <summary>
/// Reads an event back from the bytes <see cref="SseFrameEncoder"/> wrote, for transports that carry
/// fields rather than the event-stream text. It only reads what the encoder writes ("name: value" lines,
/// LF only), so it is no general SSE parser.
/// </summary>
public static class SseFrameDecoder
{
    public static (string EventType, string Data) Decode(ReadOnlySpan<byte> frame)
    {
        var eventType = "";
        var data = new StringBuilder();
        var dataLines = 0;
        foreach (var range in frame.Split((byte)'\n'))
        {
            var line = frame[range];
            if (line.StartsWith("data: "u8))
            {
                if (dataLines++ > 0)
                {
                    data.Append('\n');
                }

                data.Append(Encoding.UTF8.GetString(line["data: "u8.Length..]));
            }
            else if (line.StartsWith("event: "u8))
            {
                eventType = Encoding.UTF8.GetString(line["event: "u8.Length..]);
            }
        }

        return (eventType, data.ToString());
    }
}
