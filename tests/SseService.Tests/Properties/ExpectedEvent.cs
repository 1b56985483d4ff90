using System.Net.ServerSentEvents;
using System.Text;

namespace SseService.Tests.Properties;

/// <summary>
/// What a WHATWG parser (the runtime's <see cref="SseParser"/>) must read for an event that was
/// published with these fields, stated from the contract rather than from the encoder.
/// </summary>
/// <param name="EventId">The id; null when none was sent (the parser does not carry an id over to later events).</param>
/// <param name="EventType">The event type; "message" when none was sent.</param>
/// <param name="Data">The payload, with CR, LF and CRLF each read back as one LF.</param>
/// <param name="ReconnectionInterval">The retry hint; null when none was sent.</param>
internal readonly record struct ExpectedEvent(string? EventId, string EventType, string Data, TimeSpan? ReconnectionInterval)
{
    public static ExpectedEvent Of(string id, string eventType, string data, uint retryMilliseconds) => new(
        id.Length == 0 ? null : OnTheWire(id),
        eventType.Length == 0 ? "message" : OnTheWire(eventType),
        NormalizeLineBreaks(OnTheWire(data)),
        retryMilliseconds == 0 ? null : TimeSpan.FromMilliseconds(retryMilliseconds));

    public static ExpectedEvent Of(SseItem<string> item) => new(item.EventId, item.EventType, item.Data, item.ReconnectionInterval);

    /// <summary>
    /// The text after a trip through UTF-8: the same text when it is valid UTF-16, otherwise each lone
    /// surrogate replaced by U+FFFD, which is all UTF-8 can carry of it.
    /// </summary>
    public static string OnTheWire(string value) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value));

    /// <summary>CRLF, then each remaining CR, as LF: how a parser joins several <c>data:</c> lines.</summary>
    public static string NormalizeLineBreaks(string value) =>
        value.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

    /// <summary>Parses an event stream from <paramref name="bytes"/> to the end.</summary>
    public static List<ExpectedEvent> Parse(byte[] bytes) =>
        [.. SseParser.Create(new MemoryStream(bytes)).Enumerate().Select(Of)];

    /// <summary>Asserts that <paramref name="bytes"/> hold exactly one event, and that it is this one.</summary>
    public void AssertIsTheOnlyEventIn(byte[] bytes)
    {
        var parsed = Parse(bytes);
        var single = Assert.Single(parsed);
        Assert.Equal(this, single);
    }

    public override string ToString() =>
        $"{{ EventId = {SseGen.Show(EventId)}, EventType = {SseGen.Show(EventType)}, Data = {SseGen.Show(Data)}, Retry = {ReconnectionInterval?.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} }}";
}
