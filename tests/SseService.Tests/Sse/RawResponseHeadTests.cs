using System.Text;
using Microsoft.AspNetCore.Http;
using SseService.Sse;

namespace SseService.Tests.Sse;

/// <summary>The head a directly written stream sends itself, and the headers it refuses to send raw.</summary>
public sealed class RawResponseHeadTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void For_PipelineHeaders_SendsThemAfterStatusConnectionCloseAndDateThenABlankLine()
    {
        // Arrange
        var headers = new HeaderDictionary
        {
            ["Content-Type"] = "text/event-stream",
            ["Access-Control-Allow-Origin"] = "*",
            ["Vary"] = new(["Origin", "Accept"]),
        };

        // Act
        var head = Encoding.ASCII.GetString(RawResponseHead.For(headers, Now)!);

        // Assert
        Assert.Equal(
            "HTTP/1.1 200 OK\r\nConnection: close\r\nDate: Tue, 24 Nov 2026 10:00:00 GMT\r\n"
            + "Content-Type: text/event-stream\r\nAccess-Control-Allow-Origin: *\r\nVary: Origin\r\nVary: Accept\r\n\r\n",
            head);
    }

    [Theory]
    [InlineData("Transfer-Encoding", "chunked")]
    [InlineData("Content-Length", "0")]
    [InlineData("Connection", "keep-alive")]
    [InlineData("Keep-Alive", "timeout=5")]
    public void For_FramingHeaderFromThePipeline_IsLeftOutBecauseTheBodyEndsWithTheConnection(string name, string value)
    {
        var headers = new HeaderDictionary { [name] = value };

        var head = Encoding.ASCII.GetString(RawResponseHead.For(headers, Now)!);

        Assert.DoesNotContain($"{name}: {value}", head, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", head, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("X-Injected", "a\r\nSet-Cookie: x=1")]
    [InlineData("X-Injected", "line\nbreak")]
    [InlineData("X-Accented", "caf\u00e9")]
    [InlineData("X-Nul", "a\0b")]
    [InlineData("Bad Name", "value")]
    [InlineData("Bad:Name", "value")]
    public void For_HeaderThatCannotBeSentAsIs_ReturnsNullSoThePipelineWritesTheStream(string name, string value)
    {
        var headers = new HeaderDictionary { [name] = value };

        Assert.Null(RawResponseHead.For(headers, Now));
    }
}
