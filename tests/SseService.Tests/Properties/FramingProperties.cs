using System.Globalization;
using System.Text;
using CsCheck;
using SseService.Hub;
using Xunit.Abstractions;

namespace SseService.Tests.Properties;

/// <summary>
/// <see cref="SseFrameEncoder"/> against the runtime's WHATWG parser, for any event type and id that
/// pass validation and any data at all: every frame reads back as exactly the event that was encoded,
/// and a stream of frames as exactly those events, in order, never one injected or two merged.
/// </summary>
public sealed class FramingProperties(ITestOutputHelper output)
{
    /// <summary>One event as the hub encodes it.</summary>
    internal readonly record struct Frame(string Id, string EventType, string Data, uint Retry)
    {
        public byte[] Encode() => SseFrameEncoder.Encode(Id, EventType, Data, Retry);

        public ExpectedEvent Expected => ExpectedEvent.Of(Id, EventType, Data, Retry);

        public override string ToString() =>
            $"Frame {{ Id = {SseGen.Show(Id)}, EventType = {SseGen.Show(EventType)}, Data = {SseGen.Show(Data)}, Retry = {Retry} }}";
    }

    private static readonly Gen<Frame> AnyFrame = Gen.Select(SseGen.ValidField, SseGen.ValidField, SseGen.AnyData, SseGen.Retry,
        (id, eventType, data, retry) => new Frame(id, eventType, data, retry));

    /// <summary>What goes between frames on a real stream: nothing, or a comment (the opening ": ok", keep-alives).</summary>
    private static readonly Gen<byte[]> Gap = Gen.Frequency(
        (4, Gen.Const(Array.Empty<byte>())),
        (1, Gen.Const(SseFrame.KeepAlive.Bytes)),
        (1, Gen.Const(": ok\n\n"u8.ToArray())));

    [Theory]
    [InlineData(PropertyRun.Fixed)]
    [InlineData(PropertyRun.Random)]
    public void Encode_AnyValidEventAndAnyData_ParsesBackAsExactlyThatOneEvent(string seeds)
    {
        PropertyRun.Check(seeds, AnyFrame,
            frame => frame.Expected.AssertIsTheOnlyEventIn(frame.Encode()),
            iter: 3_000, print: frame => frame.ToString(), output.WriteLine);
    }

    [Theory]
    [InlineData(PropertyRun.Fixed)]
    [InlineData(PropertyRun.Random)]
    public void Encode_ManyFramesConcatenated_ParseBackAsTheSameEventsInOrder(string seeds)
    {
        var stream = Gen.Select(Gap, AnyFrame, (gap, frame) => (Gap: gap, Frame: frame)).Array[1, 10];

        PropertyRun.Check(seeds, stream,
            frames =>
            {
                // Arrange: the bytes a subscriber would receive, comments included.
                byte[] bytes = [.. frames.SelectMany(f => f.Gap.Concat(f.Frame.Encode()))];

                // Act
                var parsed = ExpectedEvent.Parse(bytes);

                // Assert
                Assert.Equal(frames.Select(f => f.Frame.Expected), parsed);
            },
            iter: 2_000, print: frames => string.Join("\n", frames.Select(f => (f.Gap.Length > 0 ? "(a comment, then) " : "") + f.Frame)), output.WriteLine);
    }

    [Theory]
    [InlineData(PropertyRun.Fixed)]
    [InlineData(PropertyRun.Random)]
    public void Encode_AnyValidEventAndAnyData_WritesExactlyTheFieldLinesThenOneBlankLine(string seeds)
    {
        // The length is computed before writing: a miscount would throw, or leave NUL padding that a
        // parser skips at the end of one frame but glues to the start of the next.
        PropertyRun.Check(seeds, AnyFrame,
            frame =>
            {
                var bytes = frame.Encode();

                Assert.Equal(WireText(frame), Encoding.UTF8.GetString(bytes));
                Assert.Equal(Encoding.UTF8.GetByteCount(WireText(frame)), bytes.Length);
            },
            iter: 2_000, print: frame => frame.ToString(), output.WriteLine);
    }

    /// <summary>The frame's text as the WHATWG format spells it: "name: value" lines, one data line per line, LF only.</summary>
    private static string WireText(Frame frame)
    {
        var text = new StringBuilder();
        if (frame.Id.Length > 0)
        {
            text.Append("id: ").Append(ExpectedEvent.OnTheWire(frame.Id)).Append('\n');
        }

        if (frame.EventType.Length > 0)
        {
            text.Append("event: ").Append(ExpectedEvent.OnTheWire(frame.EventType)).Append('\n');
        }

        if (frame.Retry > 0)
        {
            text.Append("retry: ").Append(frame.Retry.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        foreach (var line in ExpectedEvent.NormalizeLineBreaks(ExpectedEvent.OnTheWire(frame.Data)).Split('\n'))
        {
            text.Append("data: ").Append(line).Append('\n');
        }

        return text.Append('\n').ToString();
    }
}
