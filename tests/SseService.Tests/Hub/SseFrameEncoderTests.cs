using System.Net.ServerSentEvents;
using System.Text;
using SseService.Hub;

namespace SseService.Tests.Hub;

/// <summary>
/// Frames are checked the way a browser would read them: parsed back with the runtime's
/// <see cref="SseParser"/>, as dotnet/runtime's SseFormatterTests do.
/// </summary>
public sealed class SseFrameEncoderTests
{
    [Fact]
    public void Encode_IdEventAndTwoLines_WritesExactBytes()
    {
        // Act
        var bytes = SseFrameEncoder.Encode("1", "e", "a\nb", 0);

        // Assert
        Assert.Equal("id: 1\nevent: e\ndata: a\ndata: b\n\n", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Encode_DataOnly_WritesOnlyDataLineAndBlankLine()
    {
        // Act
        var bytes = SseFrameEncoder.Encode("", "", "hello", 0);

        // Assert
        Assert.Equal("data: hello\n\n", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Encode_AllFields_WritesIdEventRetryThenData()
    {
        // Act
        var bytes = SseFrameEncoder.Encode("42", "update", "x", 3000);

        // Assert
        Assert.Equal("id: 42\nevent: update\nretry: 3000\ndata: x\n\n", Encoding.UTF8.GetString(bytes));
    }

    [Theory]
    [InlineData("a\r\nb", "data: a\ndata: b\n\n")]
    [InlineData("a\rb", "data: a\ndata: b\n\n")]
    [InlineData("a\n\nb", "data: a\ndata: \ndata: b\n\n")]
    [InlineData("a\r\rb", "data: a\ndata: \ndata: b\n\n")]
    [InlineData("a\n\rb", "data: a\ndata: \ndata: b\n\n")]
    [InlineData("", "data: \n\n")]
    public void Encode_LineBreaksInData_WritesOneDataLinePerLine(string data, string expected)
    {
        // Act
        var bytes = SseFrameEncoder.Encode("", "", data, 0);

        // Assert
        Assert.Equal(expected, Encoding.UTF8.GetString(bytes));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("line1\nline2")]
    [InlineData("line1\rline2")]
    [InlineData("line1\r\nline2")]
    [InlineData("a\nb\rc\r\nd")]
    [InlineData("a\r\n\r\nb")]
    [InlineData("a\n\r\nb")]
    [InlineData("\nleading")]
    [InlineData("\r\nleading")]
    [InlineData("trailing\n")]
    [InlineData("trailing\r")]
    [InlineData("trailing\r\n")]
    [InlineData("\n")]
    [InlineData("\r")]
    [InlineData("\r\n")]
    [InlineData("\n\n\n")]
    [InlineData("")]
    [InlineData(" leading space")]
    [InlineData("  two leading spaces")]
    [InlineData("a\n b")]
    [InlineData("data: not a field")]
    [InlineData(": not a comment")]
    [InlineData("id: 666\nevent: injected")]
    [InlineData("café 🐶 日本語")]
    [InlineData("\u00e9\n\U0001F600\r\n\u4e2d")]
    [InlineData("tab\there")]
    [InlineData("{\"json\":\"value\"}")]
    public void Encode_Data_RoundTripsThroughSseParser(string data)
    {
        // Act
        var item = ParseSingle(SseFrameEncoder.Encode("7", "", data, 0));

        // Assert: CR, LF and CRLF all come back as LF, as the WHATWG parser joins data lines with LF.
        Assert.Equal(NormalizeLineBreaks(data), item.Data);
        Assert.Equal("message", item.EventType);
        Assert.Equal("7", item.EventId);
    }

    [Fact]
    public void Encode_EmptyData_IsStillDispatchedWithEmptyData()
    {
        // Act
        var items = Parse(SseFrameEncoder.Encode("", "ping", "", 0));

        // Assert
        var item = Assert.Single(items);
        Assert.Equal("", item.Data);
        Assert.Equal("ping", item.EventType);
    }

    [Theory]
    [InlineData("update")]
    [InlineData("new-dog")]
    [InlineData(" leading-space")]
    [InlineData("with space")]
    [InlineData("événement")]
    [InlineData("message")]
    public void Encode_EventType_RoundTripsThroughSseParser(string eventType)
    {
        // Act
        var item = ParseSingle(SseFrameEncoder.Encode("", eventType, "payload", 0));

        // Assert
        Assert.Equal(eventType, item.EventType);
        Assert.Equal("payload", item.Data);
    }

    [Fact]
    public void Encode_NoEventType_ParsesAsDefaultMessage()
    {
        // Act
        var bytes = SseFrameEncoder.Encode("1", "", "payload", 0);

        // Assert
        Assert.DoesNotContain("event:", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal("message", ParseSingle(bytes).EventType);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("1735689600000001")]
    [InlineData("order-42")]
    [InlineData(" leading-space")]
    [InlineData("clé-🐶")]
    public void Encode_Id_RoundTripsThroughSseParser(string id)
    {
        // Act
        var item = ParseSingle(SseFrameEncoder.Encode(id, "e", "payload", 0));

        // Assert
        Assert.Equal(id, item.EventId);
    }

    [Fact]
    public void Encode_NoId_WritesNoIdField()
    {
        // Act
        var bytes = SseFrameEncoder.Encode("", "e", "payload", 0);

        // Assert
        Assert.DoesNotContain("id:", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Null(ParseSingle(bytes).EventId);
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(9u)]
    [InlineData(10u)]
    [InlineData(3000u)]
    [InlineData(999_999u)]
    [InlineData(uint.MaxValue)]
    public void Encode_Retry_ParsesAsReconnectionInterval(uint retryMilliseconds)
    {
        // Act
        var item = ParseSingle(SseFrameEncoder.Encode("1", "e", "payload", retryMilliseconds));

        // Assert
        Assert.Equal(TimeSpan.FromMilliseconds(retryMilliseconds), item.ReconnectionInterval);
        Assert.Equal("payload", item.Data);
    }

    [Fact]
    public void Encode_NoRetry_WritesNoRetryField()
    {
        // Act
        var bytes = SseFrameEncoder.Encode("1", "e", "payload", 0);

        // Assert
        Assert.DoesNotContain("retry:", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Null(ParseSingle(bytes).ReconnectionInterval);
    }

    [Theory]
    [InlineData("", "", "", 0u)]
    [InlineData("1", "e", "a", 1u)]
    [InlineData("id-é", "évent", "dätä\r\n🐶\r\r\n", 4294967295u)]
    [InlineData("", "", "\r\n\r\n\r\n", 0u)]
    [InlineData("12345678901234567890", "", "x\ny\rz", 100u)]
    public void Encode_AnyInput_FillsItsArrayExactlyAndEndsWithBlankLine(string id, string eventType, string data, uint retryMilliseconds)
    {
        // Act
        var bytes = SseFrameEncoder.Encode(id, eventType, data, retryMilliseconds);

        // Assert: a miscounted length would leave NUL padding or throw while writing.
        Assert.DoesNotContain((byte)0, bytes);
        Assert.True(bytes.AsSpan().EndsWith("\n\n"u8), "the frame must end with a blank line");
        Assert.True(bytes.AsSpan(0, bytes.Length - 2).IndexOf("\n\n"u8) < 0, "only the last line may be blank");
    }

    [Fact]
    public void Encode_TwoFramesConcatenated_ParseAsTwoSeparateEvents()
    {
        // Arrange
        var first = SseFrameEncoder.Encode("1", "a", "one\ntwo", 0);
        var second = SseFrameEncoder.Encode("2", "b", "three", 0);

        // Act
        var items = Parse([.. first, .. second]);

        // Assert
        Assert.Collection(
            items,
            item => Assert.Equal(("1", "a", "one\ntwo"), (item.EventId, item.EventType, item.Data)),
            item => Assert.Equal(("2", "b", "three"), (item.EventId, item.EventType, item.Data)));
    }

    private static List<SseItem<string>> Parse(byte[] bytes) =>
        [.. SseParser.Create(new MemoryStream(bytes)).Enumerate()];

    private static SseItem<string> ParseSingle(byte[] bytes) => Assert.Single(Parse(bytes));

    private static string NormalizeLineBreaks(string data) =>
        data.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
}
