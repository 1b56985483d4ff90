using System.Globalization;
using System.Text;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Sse;

/// <summary>
/// How <c>GET /subscribe/{namespace...}</c> reads its path. Bad paths are sent on a raw socket, because
/// HttpClient's <see cref="Uri"/> would resolve "." and ".." before they reach the wire.
/// </summary>
public sealed class SubscribePathTests
{
    [Theory]
    [InlineData("/subscribe/a//b", "empty segment")]
    [InlineData("/subscribe/a/./b", "'.' or '..' segment")]
    [InlineData("/subscribe/a/../b", "'.' or '..' segment")]
    [InlineData("/subscribe/a/..", "'.' or '..' segment")]
    [InlineData("/subscribe/a/%2E%2E/b", "'.' or '..' segment")]
    [InlineData("/subscribe/a/%2e/b", "'.' or '..' segment")]
    [InlineData("/subscribe/a%2Fb", "encoded '/' (%2F)")]
    [InlineData("/subscribe/a%2fb", "encoded '/' (%2F)")]
    [InlineData("/subscribe/a%zz", "invalid percent-encoding")]
    [InlineData("/subscribe/a%4", "invalid percent-encoding")]
    [InlineData("/subscribe/a%", "invalid percent-encoding")]
    [InlineData("/subscribe/%ff", "not valid UTF-8")]
    [InlineData("/subscribe/%C3", "not valid UTF-8")]
    [InlineData("/subscribe/%C3%28", "not valid UTF-8")]
    [InlineData("/subscribe/a%01b", "control character")]
    [InlineData("/subscribe/a%0Ab", "control character")]
    [InlineData("/subscribe/a%7Fb", "control character")]
    public async Task Subscribe_BadPath_400PlainTextNamingTheRule(string path, string rule)
    {
        // Arrange
        await using var service = await TestService.StartAsync();

        // Act
        var response = await GetRawAsync(service, path);

        // Assert
        Assert.Equal(400, response.StatusCode);
        Assert.StartsWith("text/plain", response.ContentType, StringComparison.Ordinal);
        Assert.Contains("namespace", response.Body, StringComparison.Ordinal);
        Assert.Contains(rule, response.Body, StringComparison.Ordinal);
        Assert.Equal(0, service.Hub.SubscriberCount);
    }

    [Fact]
    public async Task Subscribe_EncodedNul_400()
    {
        // Arrange: Kestrel itself refuses a target whose decoded path holds NUL, before the endpoint runs,
        // so there is no plain-text reason here; what matters is that no subscription is opened.
        await using var service = await TestService.StartAsync();

        // Act
        var response = await GetRawAsync(service, "/subscribe/a%00b");

        // Assert
        Assert.Equal(400, response.StatusCode);
        Assert.Equal(0, service.Hub.SubscriberCount);
    }

    [Fact]
    public async Task Subscribe_PathLongerThanMaxLength_400PlainTextNamingTheLimit()
    {
        // Arrange
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxNamespaceLength"] = "32" });

        // Act
        var response = await GetRawAsync(service, "/subscribe/" + new string('a', 32));

        // Assert
        Assert.Equal(400, response.StatusCode);
        Assert.StartsWith("text/plain", response.ContentType, StringComparison.Ordinal);
        Assert.Contains("longer than 32", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_PathFarLongerThanMaxLength_400PlainTextNamingTheLimit()
    {
        // Arrange: long enough to trip the raw-length guard that runs before decoding.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxNamespaceLength"] = "32" });

        // Act
        var response = await GetRawAsync(service, "/subscribe/" + new string('a', 500));

        // Assert
        Assert.Equal(400, response.StatusCode);
        Assert.StartsWith("text/plain", response.ContentType, StringComparison.Ordinal);
        Assert.Contains("longer than 32", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_PathDeeperThanMaxDepth_400PlainTextNamingTheLimit()
    {
        // Arrange
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxNamespaceDepth"] = "3" });

        // Act
        var response = await GetRawAsync(service, "/subscribe/a/b/c/d");

        // Assert
        Assert.Equal(400, response.StatusCode);
        Assert.StartsWith("text/plain", response.ContentType, StringComparison.Ordinal);
        Assert.Contains("more than 3 segments", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_PercentEncodedUtf8_ReceivesTheDecodedNamespace()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/caf%C3%A9");

        // Act
        var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/café", Data = "crème" });

        // Assert
        Assert.Equal(1u, reply.Subscribers);
        var item = await subscriber.ReadAsync();
        Assert.NotNull(item);
        Assert.Equal(reply.Id, item.Value.EventId);
        Assert.Equal("crème", item.Value.Data);
    }

    [Fact]
    public async Task Subscribe_PercentEncodedNamespaceWithinMaxLength_ReceivesEvents()
    {
        // Arrange: 100 CJK characters are a 101-character namespace, well within the default 256,
        // but 900 characters once percent-encoded (each is 3 UTF-8 bytes, each byte "%XX").
        await using var service = await TestService.StartAsync();
        var segment = new string('中', 100);
        var path = "/subscribe/" + Uri.EscapeDataString(segment);

        // Act
        await using var subscriber = await service.SubscribeAsync(path);
        var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/" + segment, Data = "fits" });

        // Assert
        Assert.Equal(1u, reply.Subscribers);
        var item = await subscriber.ReadAsync();
        Assert.NotNull(item);
        Assert.Equal("fits", item.Value.Data);
    }

    [Fact]
    public async Task Subscribe_TrailingSlash_ReceivesTheNamespaceWithout()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets/");

        // Act
        var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = "Corgi" });

        // Assert
        Assert.Equal(1u, reply.Subscribers);
        var item = await subscriber.ReadAsync();
        Assert.NotNull(item);
        Assert.Equal(reply.Id, item.Value.EventId);
        Assert.Equal("Corgi", item.Value.Data);
    }

    [Fact]
    public async Task Subscribe_DifferentCase_DoesNotReceiveTheOtherNamespace()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/Pets");

        // Act
        var lowerReply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = "lower" });
        var marker = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/Pets", Data = "marker" });

        // Assert: the marker, published after, is the first event this subscriber sees.
        Assert.Equal(0u, lowerReply.Subscribers);
        var item = await subscriber.ReadAsync();
        Assert.NotNull(item);
        Assert.Equal(marker.Id, item.Value.EventId);
        Assert.Equal("marker", item.Value.Data);
    }

    [Theory]
    [InlineData("/subscribe/")]
    [InlineData("/subscribe")]
    public async Task Subscribe_RootByDefault_ReceivesEveryNamespace(string path)
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync(path);

        // Act
        var first = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Data = "dog" });
        var second = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/weather", Data = "rain" });
        var third = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/", Data = "root" });

        // Assert
        var items = await subscriber.ReadManyAsync(3);
        Assert.Equal([first.Id, second.Id, third.Id], items.Select(item => item.EventId));
        Assert.Equal(["dog", "rain", "root"], items.Select(item => item.Data));
    }

    [Theory]
    [InlineData("/subscribe/")]
    [InlineData("/subscribe")]
    public async Task Subscribe_RootWhenDisallowed_403PlainTextWithReason(string path)
    {
        // Arrange
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:AllowRootSubscription"] = "false" });

        // Act
        var response = await GetRawAsync(service, path);

        // Assert
        Assert.Equal(403, response.StatusCode);
        Assert.StartsWith("text/plain", response.ContentType, StringComparison.Ordinal);
        Assert.Contains("root", response.Body, StringComparison.Ordinal);
        Assert.Contains("Sse:AllowRootSubscription", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_NonRootWhenRootDisallowed_ReceivesEvents()
    {
        // Arrange
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:AllowRootSubscription"] = "false" });
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets");

        // Act
        var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets/dogs", Data = "Corgi" });

        // Assert
        var item = await subscriber.ReadAsync();
        Assert.NotNull(item);
        Assert.Equal(reply.Id, item.Value.EventId);
    }

    /// <summary>Sends GET <paramref name="path"/> exactly as given and reads one complete response.</summary>
    private static async Task<RawResponse> GetRawAsync(TestService service, string path)
    {
        await using var connection = await RawHttpConnection.OpenAsync(service.HttpAddress, path);
        var text = await connection.ReadUntilAsync(received => RawResponse.TryParse(received, out _), SseSubscriber.DefaultTimeout);
        Assert.True(RawResponse.TryParse(text, out var response), $"incomplete response to {path}: {text}");
        return response;
    }

    /// <summary>
    /// Just enough HTTP/1.1 response parsing for short plain-text answers: status, headers and a body
    /// sent with Content-Length or chunked. Sizes are counted in characters, fine for ASCII bodies.
    /// </summary>
    private sealed record RawResponse(int StatusCode, string ContentType, string Body)
    {
        public static bool TryParse(string text, out RawResponse response)
        {
            response = new RawResponse(0, "", "");
            var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd < 0)
            {
                return false;
            }

            var lines = text[..headEnd].Split("\r\n");
            var statusCode = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
            var headers = lines.Skip(1)
                .Select(line => line.Split(':', 2))
                .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.OrdinalIgnoreCase);
            var rest = text[(headEnd + 4)..];

            string? body;
            if (headers.TryGetValue("Content-Length", out var contentLength))
            {
                var length = int.Parse(contentLength, CultureInfo.InvariantCulture);
                body = rest.Length >= length ? rest[..length] : null;
            }
            else if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                body = DecodeChunked(rest);
            }
            else
            {
                return false;
            }

            if (body is null)
            {
                return false;
            }

            response = new RawResponse(statusCode, headers.GetValueOrDefault("Content-Type", ""), body);
            return true;
        }

        /// <summary>The decoded body, or null while the last (empty) chunk has not arrived.</summary>
        private static string? DecodeChunked(string chunked)
        {
            var body = new StringBuilder();
            var position = 0;
            while (true)
            {
                var lineEnd = chunked.IndexOf("\r\n", position, StringComparison.Ordinal);
                if (lineEnd < 0)
                {
                    return null;
                }

                var sizeText = chunked[position..lineEnd].Split(';')[0];
                var size = int.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                position = lineEnd + 2;
                if (size == 0)
                {
                    return chunked.IndexOf("\r\n", position, StringComparison.Ordinal) >= 0 ? body.ToString() : null;
                }

                if (chunked.Length < position + size + 2)
                {
                    return null;
                }

                body.Append(chunked, position, size);
                position += size + 2;
            }
        }
    }
}
