using System.Runtime.CompilerServices;

namespace SseService.LoadTest.Subscribing;

// Fixed-size byte storage held inline in a reader, so 50,000 subscribers cost no extra arrays.

[InlineArray(SseEventReader.LineKeep)]
internal struct LineBytes
{
    private byte _element;
}

[InlineArray(SseEventReader.IdCapacity)]
internal struct IdBytes
{
    private byte _element;
}

[InlineArray(SseEventReader.DataKeep)]
internal struct DataBytes
{
    private byte _element;
}
