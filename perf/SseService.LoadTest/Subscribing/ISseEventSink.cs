namespace SseService.LoadTest.Subscribing;

/// <summary>Receives each dispatched event from an <see cref="SseEventReader"/>.</summary>
internal interface ISseEventSink
{
    /// <summary>
    /// One event with data. <paramref name="dataStart"/> is the start of its first data line (up to
    /// <see cref="SseEventReader.DataKeep"/> bytes), valid only during the call.
    /// </summary>
    void OnEvent(ReadOnlySpan<byte> dataStart);

    /// <summary>A comment line (": ok" opens a stream, ": keep-alive" keeps it); its text is not kept.</summary>
    void OnComment();
}
