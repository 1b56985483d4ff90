namespace SseService.LoadTest.Subscribing;

/// <summary>
/// Parses an event stream (WHATWG framing; lines end in LF or CRLF) without allocating. It keeps only
/// what the load test reads: the last event id (for Last-Event-ID) and the start of each event's first
/// data line (the payload's sequence and timestamp); the rest of a long line is skipped, not copied.
/// </summary>
internal sealed class SseEventReader
{
    /// <summary>Bytes kept of a line split across reads: enough for the field name and what is parsed.</summary>
    public const int LineKeep = 96;

    /// <summary>Longest id remembered for Last-Event-ID; a longer one is not resumed from.</summary>
    public const int IdCapacity = 64;

    /// <summary>Bytes of the first data line handed to the sink.</summary>
    public const int DataKeep = 48;

    private LineBytes _line;
    private int _lineLength;
    private bool _lineTruncated;

    // The spec's "last event ID buffer" (set by id: fields) and "last event ID string" (set on dispatch).
    private IdBytes _idBuffer;
    private int _idBufferLength;
    private bool _idBufferChanged;
    private IdBytes _lastId;
    private int _lastIdLength = -1;

    private DataBytes _data;
    private int _dataLength;
    private bool _hasData;

    /// <summary>The id of the last dispatched event; empty when there is none or it is too long to keep.</summary>
    public ReadOnlySpan<byte> LastEventId => _lastIdLength > 0 ? ((ReadOnlySpan<byte>)_lastId)[.._lastIdLength] : default;

    /// <summary>A new connection: any half-read line or event is dropped; the last event id stays.</summary>
    public void ResetStream()
    {
        _lineLength = 0;
        _lineTruncated = false;
        _hasData = false;
        _idBufferChanged = false;
    }

    public void Feed(ReadOnlySpan<byte> input, ISseEventSink sink)
    {
        while (true)
        {
            var end = input.IndexOf((byte)'\n');
            if (end < 0)
            {
                Keep(input);
                return;
            }

            if (_lineLength == 0 && !_lineTruncated)
            {
                ProcessLine(input[..end], truncated: false, sink);
            }
            else
            {
                Keep(input[..end]);
                ProcessLine(((ReadOnlySpan<byte>)_line)[.._lineLength], _lineTruncated, sink);
                _lineLength = 0;
                _lineTruncated = false;
            }

            input = input[(end + 1)..];
        }
    }

    private void Keep(ReadOnlySpan<byte> part)
    {
        var room = LineKeep - _lineLength;
        if (part.Length > room)
        {
            part = part[..room];
            _lineTruncated = true;
        }

        part.CopyTo(((Span<byte>)_line)[_lineLength..]);
        _lineLength += part.Length;
    }

    private void ProcessLine(ReadOnlySpan<byte> line, bool truncated, ISseEventSink sink)
    {
        if (!truncated && line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (line.IsEmpty)
        {
            Dispatch(sink);
            return;
        }

        if (line[0] == (byte)':')
        {
            sink.OnComment(); // ": ok", ": keep-alive"
            return;
        }

        var colon = line.IndexOf((byte)':');
        var name = colon < 0 ? line : line[..colon];
        var value = colon < 0 ? default : line[(colon + 1)..];
        if (!value.IsEmpty && value[0] == (byte)' ')
        {
            value = value[1..];
        }

        if (name.SequenceEqual("data"u8))
        {
            if (!_hasData)
            {
                _dataLength = Math.Min(value.Length, DataKeep);
                value[.._dataLength].CopyTo(_data);
                _hasData = true;
            }
        }
        else if (name.SequenceEqual("id"u8) && !value.Contains((byte)0))
        {
            _idBufferChanged = true;
            _idBufferLength = truncated || value.Length > IdCapacity ? -1 : value.Length;
            if (_idBufferLength > 0)
            {
                value.CopyTo(_idBuffer);
            }
        }
    }

    private void Dispatch(ISseEventSink sink)
    {
        if (_idBufferChanged)
        {
            _idBufferChanged = false;
            _lastIdLength = _idBufferLength;
            if (_lastIdLength > 0)
            {
                ((ReadOnlySpan<byte>)_idBuffer)[.._lastIdLength].CopyTo(_lastId);
            }
        }

        if (_hasData)
        {
            _hasData = false;
            sink.OnEvent(((ReadOnlySpan<byte>)_data)[.._dataLength]);
        }
    }
}
