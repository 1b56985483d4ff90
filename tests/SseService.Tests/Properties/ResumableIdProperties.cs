using System.Globalization;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using CsCheck;
using Grpc.Core;
using Sse.V1;
using SseService.Hub;
using SseService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseService.Tests.Properties;

/// <summary>
/// Any id the service hands out can be resumed from. Over real sockets: a producer publishes an event
/// with an arbitrary id, then a follower; the id the producer side accepts, sent back as browsers send it
/// (a <c>Last-Event-ID</c> header in UTF-8) and as polyfills do (<c>?lastEventId=</c>, percent-encoded),
/// gets <c>200</c> and the follower replayed first. An id it refuses breaks the README's id rule
/// (<see cref="PublicationRules.IsResumableId"/>), and sent back in the query form it gets <c>400</c>
/// naming Last-Event-ID: both sides apply one rule.
/// </summary>
public sealed class ResumableIdProperties(ITestOutputHelper output)
{
    private const string Namespace = "/ids";

    // The default limit, so that the longest ids cross real request-line and header sizes.
    private static readonly int MaxFieldLength = new HubOptions().MaxFieldLength;

    private static readonly Gen<string> Piece = Gen.Frequency(
        (6, Gen.Char[' ', '~'].Select(c => c.ToString())),
        (3, Gen.OneOf("\t", " ", "  ", "\t\t")),
        (2, Gen.OneOf("%", "%2F", "%00", "+", "&", "=", "#", "?", "/", ";", ",", "\"", "\\", ":", "id: ", "data:")),
        (2, Gen.OneOf(Gen.Char['\u00A0', '\uD7FF'], Gen.Char['\uE000', '\uFFFF']).Select(c => c.ToString())),
        (2, Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32)),
        (1, Gen.Char['\u0080', '\u009F'].Select(c => c.ToString())),   // C1 controls: valid in HTTP as UTF-8 bytes
        (1, Gen.OneOf("\uFEFF", "\uFFFD", "\u2028", "\u0085", "\u00A0", "\u3000", "é", "🐶")),
        (1, Gen.OneOf(Gen.Char['\0', '\u001F'], Gen.Const('\u007F')).Select(c => c.ToString())),
        (1, Gen.Char['\uD800', '\uDFFF'].Select(c => c.ToString())));

    /// <summary>Ids near the rule's edges: mostly resumable, some with a control, an edge space or tab, a lone surrogate, or too long.</summary>
    private static readonly Gen<string> AnyId = Gen.Frequency(
        (8, Piece.Array[1, 12].Select(string.Concat)),
        (2, Gen.Select(Gen.Char['\u0800', '\u9FFF'], Gen.Int[MaxFieldLength - 2, MaxFieldLength + 1], (c, n) => new string(c, n))),
        (1, Piece.Array[1, 12].Select(pieces => string.Concat(pieces).PadRight(MaxFieldLength, '\u4E2D'))),
        (1, Gen.OneOf(" a", "a ", "\ta", "a\t", " ", "\t", "a\tb", "a b", "a\u0001b", "a\u007Fb")));

    [Theory]
    [InlineData(PropertyRun.Fixed)]
    [InlineData(PropertyRun.Random)]
    public async Task AnyAcceptedId_SentBackAsHeaderOrQuery_Gets200AndResumesAfterIt(string seeds)
    {
        // Arrange: a client that sends header values as UTF-8, as browsers send Last-Event-ID.
        await using var service = await TestService.StartAsync();
        using var browserLike = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 })
        {
            BaseAddress = service.HttpAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var cases = 0;
        var accepted = 0;

        // Act / Assert
        await PropertyRun.CheckAsync(seeds, AnyId,
            async id =>
            {
                var n = (++cases).ToString(CultureInfo.InvariantCulture);

                // What the server receives: protobuf carries a lone surrogate as U+FFFD.
                var wire = ExpectedEvent.OnTheWire(id);
                BroadcastReply? published;
                try
                {
                    published = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = Namespace, Id = id, Data = "at " + n });
                }
                catch (RpcException refusal)
                {
                    // Refused: the id breaks the rule, and the subscribe side refuses it too.
                    PublicationRules.AssertJustifiedRefusal(refusal.Status, PublicationRules.BrokenFields(new SseMessage { Namespace = Namespace, Id = wire }, new HubOptions()));
                    using var back = await browserLike.GetAsync("/subscribe" + Namespace + "?lastEventId=" + Uri.EscapeDataString(wire));
                    Assert.Equal(HttpStatusCode.BadRequest, back.StatusCode);
                    Assert.StartsWith("invalid Last-Event-ID: it ", await back.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                    return;
                }

                Assert.True(PublicationRules.IsResumableId(wire, MaxFieldLength), $"accepted an id that breaks the rule: {SseGen.Show(wire)}");
                Assert.Equal(wire, published.Id);
                var follower = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = Namespace, Data = "after " + n });

                await AssertResumesAsync(browserLike, "/subscribe" + Namespace, wire, follower.Id, "after " + n, "header");
                await AssertResumesAsync(browserLike, "/subscribe" + Namespace + "?lastEventId=" + Uri.EscapeDataString(wire), null, follower.Id, "after " + n, "query");
                accepted++;
            },
            iter: 150, print: SseGen.Show, output.WriteLine);

        // The generator must reach both sides of the rule, or the property says little.
        output.WriteLine($"{accepted} of {cases} ids accepted and resumed from");
        Assert.InRange(accepted, cases / 4, cases - (cases / 10));
    }

    [Theory]
    [InlineData("a\tb")]
    [InlineData("tab\there and there\t!")]
    [InlineData("a b")]
    [InlineData("é")]
    [InlineData("🐶 dog")]
    [InlineData("\u0085next line")]
    [InlineData("%41+&=#?")]
    public async Task IdWithTabsSpacesOrUnicode_IsAcceptedAndResumable(string id)
    {
        await using var service = await TestService.StartAsync();
        using var browserLike = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 })
        {
            BaseAddress = service.HttpAddress,
        };

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = Namespace, Id = id, Data = "at" });
        var follower = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = Namespace, Data = "after" });

        await AssertResumesAsync(browserLike, "/subscribe" + Namespace, id, follower.Id, "after", "header");
        await AssertResumesAsync(browserLike, "/subscribe" + Namespace + "?lastEventId=" + Uri.EscapeDataString(id), null, follower.Id, "after", "query");
    }

    [Theory]
    [InlineData(" leading", "must not start or end with a space or tab")]
    [InlineData("trailing ", "must not start or end with a space or tab")]
    [InlineData("\tleading", "must not start or end with a space or tab")]
    [InlineData("trailing\t", "must not start or end with a space or tab")]
    [InlineData("a\u0001b", "must not contain CR, LF or NUL, nor any other control character but tab (U+0001 at index 1)")]
    [InlineData("a\u007Fb", "must not contain CR, LF or NUL, nor any other control character but tab (U+007F at index 1)")]
    [InlineData("a\u001Fb", "must not contain CR, LF or NUL, nor any other control character but tab (U+001F at index 1)")]
    public async Task IdThatCouldNotComeBack_IsRefusedNamingIdAndTheRule_AndRefusedAsLastEventId(string id, string rule)
    {
        await using var service = await TestService.StartAsync();

        var refusal = await Assert.ThrowsAsync<RpcException>(() =>
            service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = Namespace, Id = id, Data = "x" }).ResponseAsync);
        using var back = await service.Http.GetAsync("/subscribe" + Namespace + "?lastEventId=" + Uri.EscapeDataString(id));

        Assert.Equal(StatusCode.InvalidArgument, refusal.StatusCode);
        Assert.StartsWith("id " + rule, refusal.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, back.StatusCode);
        Assert.Equal("invalid Last-Event-ID: it " + rule, (await back.Content.ReadAsStringAsync()).Split(" (HTTP")[0].TrimEnd());
    }

    [Fact]
    public async Task LongestIdAtTheHighestLimit_ComesBackThroughKestrelsRequestLineAndHeaderLimits()
    {
        // Arrange: 4,096 CJK characters: 12 KiB as a UTF-8 header, 36 KiB percent-encoded in the query,
        // past Kestrel's default 8 KiB request line; a namespace at its own limit of 1,024 characters too.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Sse:MaxFieldLength"] = "4096",
            ["Sse:MaxNamespaceLength"] = "1024",
        });
        using var browserLike = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 })
        {
            BaseAddress = service.HttpAddress,
        };
        var id = new string('\u4E2D', 4096);
        var ns = "/" + new string('\u6587', 1023);

        // Act
        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = ns, Id = id, Data = "at" });
        var follower = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = ns, Data = "after" });

        // Assert
        var path = "/subscribe/" + Uri.EscapeDataString(ns[1..]);
        await AssertResumesAsync(browserLike, path, id, follower.Id, "after", "header");
        await AssertResumesAsync(browserLike, path + "?lastEventId=" + Uri.EscapeDataString(id), null, follower.Id, "after", "query");

        // And over HTTP/2 (the service's HTTP/2-only port, without TLS), where the target is a header field.
        using var http2 = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 })
        {
            BaseAddress = service.GrpcAddress,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        await AssertResumesAsync(http2, path, id, follower.Id, "after", "HTTP/2 header");
        await AssertResumesAsync(http2, path + "?lastEventId=" + Uri.EscapeDataString(id), null, follower.Id, "after", "HTTP/2 query");
    }

    [Fact]
    public async Task IdOverTheLengthLimit_IsRefusedNamingTheLimit()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxFieldLength"] = "8" });

        var refusal = await Assert.ThrowsAsync<RpcException>(() =>
            service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = Namespace, Id = "tab\tand é", Data = "x" }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refusal.StatusCode);
        Assert.Equal("id is 9 characters, over the limit of 8 (Sse:MaxFieldLength)", refusal.Status.Detail);
    }

    /// <summary>Subscribes with <paramref name="header"/> as Last-Event-ID (or none): 200, "replayed", and the follower first.</summary>
    private static async Task AssertResumesAsync(HttpClient http, string path, string? header, string followerId, string followerData, string form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Version = http.DefaultRequestVersion, VersionPolicy = http.DefaultVersionPolicy };
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", header);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Assert.Fail($"{form}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.True(response.Headers.TryGetValues("X-SSE-Resume", out var resume), $"{form}: no X-SSE-Resume header");
        Assert.Equal("replayed", string.Join(",", resume));
        await using var body = await response.Content.ReadAsStreamAsync();
        using var timeout = new CancellationTokenSource(SseSubscriber.DefaultTimeout);
        await using var events = SseParser.Create(body).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await events.MoveNextAsync(), $"{form}: the stream ended before the replay");
        Assert.Equal((followerId, followerData), (events.Current.EventId, events.Current.Data));
    }
}
