namespace SseService.LoadTest.Subscribing;

/// <summary>
/// Decodes an HTTP/1.1 chunked body incrementally and hands the chunk data to an
/// <see cref="SseEventReader"/>. Chunk boundaries fall anywhere, even inside a line; the reader copes.
/// </summary>
internal sealed class ChunkedBodyDecoder
{
    // A chunk this large means the stream is not what we think it is.
    private const long MaxChunkSize = 1L << 40;

    private State _state;
    private long _remaining;

    private enum State : byte
    {
        Size,
        Extension,
        Data,
        DataEnd,
        Ended,
    }

    public void Reset()
    {
        _state = State.Size;
        _remaining = 0;
    }

    /// <summary>Returns false once the last (zero-size) chunk was read: the server ended the stream.</summary>
    /// <exception cref="InvalidDataException">The bytes are not chunked encoding.</exception>
    public bool Decode(ReadOnlySpan<byte> input, SseEventReader events, ISseEventSink sink)
    {
        while (!input.IsEmpty && _state != State.Ended)
        {
            switch (_state)
            {
                case State.Data:
                    var take = (int)Math.Min(_remaining, input.Length);
                    events.Feed(input[..take], sink);
                    input = input[take..];
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        _state = State.DataEnd;
                    }

                    break;

                case State.Size:
                    ReadSize(input[0]);
                    input = input[1..];
                    break;

                case State.Extension:
                    var lineEnd = input.IndexOf((byte)'\n');
                    if (lineEnd < 0)
                    {
                        return true;
                    }

                    input = input[(lineEnd + 1)..];
                    StartData();
                    break;

                case State.DataEnd:
                    var b = input[0];
                    input = input[1..];
                    if (b == (byte)'\n')
                    {
                        _state = State.Size;
                    }
                    else if (b != (byte)'\r')
                    {
                        throw new InvalidDataException("chunk data is not followed by CRLF");
                    }

                    break;
            }
        }

        return _state != State.Ended;
    }

    private void ReadSize(byte b)
    {
        var digit = HexValue(b);
        if (digit >= 0)
        {
            _remaining = (_remaining * 16) + digit;
            if (_remaining > MaxChunkSize)
            {
                throw new InvalidDataException("chunk size is out of range");
            }
        }
        else if (b is (byte)';' or (byte)' ' or (byte)'\t')
        {
            _state = State.Extension;
        }
        else if (b == (byte)'\n')
        {
            StartData();
        }
        else if (b != (byte)'\r')
        {
            throw new InvalidDataException("chunk size is not hexadecimal");
        }
    }

    // Trailers after the last chunk are not read: the stream is over either way.
    private void StartData() => _state = _remaining == 0 ? State.Ended : State.Data;

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
