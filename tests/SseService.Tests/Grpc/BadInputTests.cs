using System.Globalization;
using System.Net.ServerSentEvents;
using Google.Protobuf;
using Grpc.Core;
using Sse.V1;
using SseService.Tests.Infrastructure;

namespace SseService.Tests.Grpc;

/// <summary>
/// Bad producer input over real sockets: each is refused with the contract's status and a message
/// naming the field and the rule, nothing of it reaches a subscriber, and the service keeps working.
/// </summary>
public sealed class BadInputTests
{
    private const string AcceptedTrailer = "sse-accepted";

    [Fact]
    public async Task Broadcast_NamespaceNotSet_InvalidArgumentSayingNamespaceIsRequired()
    {
        // Arrange
        await using var service = await TestService.StartAsync();

        // Act / Assert
        await AssertRejectedThenHealthyAsync(service, new SseMessage { Data = "x" },
            StatusCode.InvalidArgument, "namespace", "required");
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData("pets", "must start with '/'")]
    [InlineData("pets/dogs", "must start with '/'")]
    [InlineData("/a//b", "empty segment")]
    [InlineData("/a/./b", "'.' or '..' segment")]
    [InlineData("/a/../b", "'.' or '..' segment")]
    [InlineData("/..", "'.' or '..' segment")]
    [InlineData("/a\u0001b", "control character")]
    [InlineData("/a\nb", "control character")]
    [InlineData("/a\rb", "control character")]
    [InlineData("/a\0b", "control character")]
    [InlineData("/a\u007fb", "control character")]
    public async Task Broadcast_BadNamespace_InvalidArgumentNamingFieldAndRule(string ns, string rule)
    {
        // Arrange
        await using var service = await TestService.StartAsync();

        // Act / Assert
        await AssertRejectedThenHealthyAsync(service, new SseMessage { Namespace = ns, Data = "x" },
            StatusCode.InvalidArgument, "namespace", rule);
    }

    [Fact]
    public async Task Broadcast_NamespaceLongerThanConfigured_InvalidArgumentNamingTheLimit()
    {
        // Arrange
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxNamespaceLength"] = "32" });
        var ns = "/" + new string('a', 32);

        // Act / Assert
        await AssertRejectedThenHealthyAsync(service, new SseMessage { Namespace = ns, Data = "x" },
            StatusCode.InvalidArgument, "namespace", "longer than 32");
    }

    [Fact]
    public async Task Broadcast_NamespaceAtConfiguredLength_IsDelivered()
    {
        // Arrange
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxNamespaceLength"] = "32" });
        var ns = "/" + new string('a', 31);
        await using var subscriber = await service.SubscribeAsync("/subscribe" + ns);

        // Act
        var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = ns, Data = "fits" });

        // Assert
        var item = await subscriber.ReadAsync();
        Assert.NotNull(item);
        Assert.Equal(reply.Id, item.Value.EventId);
        Assert.Equal("fits", item.Value.Data);
    }

    [Fact]
    public async Task Broadcast_NamespaceDeeperThanConfigured_InvalidArgumentNamingTheLimit()
    {
        // Arrange
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxNamespaceDepth"] = "3" });

        // Act / Assert
        await AssertRejectedThenHealthyAsync(service, new SseMessage { Namespace = "/a/b/c/d", Data = "x" },
            StatusCode.InvalidArgument, "namespace", "more than 3 segments");
    }

    [Theory]
    [InlineData("a\rb")]
    [InlineData("a\nb")]
    [InlineData("a\r\nb")]
    [InlineData("a\0b")]
    [InlineData("evil\n\ndata: injected")]
    [InlineData("\n")]
    public async Task Broadcast_EventWithLineBreakOrNul_InvalidArgumentNamingFieldAndRule(string eventType)
    {
        // Arrange
        await using var service = await TestService.StartAsync();

        // Act / Assert
        await AssertRejectedThenHealthyAsync(service, new SseMessage { Namespace = "/pets", Event = eventType, Data = "x" },
            StatusCode.InvalidArgument, "event", "CR, LF or NUL");
    }

    [Theory]
    [InlineData("1\r2")]
    [InlineData("1\n2")]
    [InlineData("1\r\n2")]
    [InlineData("1\u00002")]
    [InlineData("1\n\ndata: injected")]
    public async Task Broadcast_IdWithLineBreakOrNul_InvalidArgumentNamingFieldAndRule(string id)
    {
        // Arrange
        await using var service = await TestService.StartAsync();

        // Act / Assert
        await AssertRejectedThenHealthyAsync(service, new SseMessage { Namespace = "/pets", Id = id, Data = "x" },
            StatusCode.InvalidArgument, "id", "CR, LF or NUL");
    }

    [Fact]
    public async Task Broadcast_EventLongerThanConfigured_InvalidArgumentNamingFieldAndLimit()
    {
        // Arrange
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxFieldLength"] = "8" });

        // Act / Assert
        await AssertRejectedThenHealthyAsync(service, new SseMessage { Namespace = "/pets", Event = "123456789", Data = "x" },
            StatusCode.InvalidArgument, "event", "limit of 8");
    }

    [Fact]
    public async Task Broadcast_IdLongerThanConfigured_InvalidArgumentNamingFieldAndLimit()
    {
        // Arrange
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxFieldLength"] = "8" });

        // Act / Assert
        await AssertRejectedThenHealthyAsync(service, new SseMessage { Namespace = "/pets", Id = "123456789", Data = "x" },
            StatusCode.InvalidArgument, "id", "limit of 8");
    }

    [Fact]
    public async Task Broadcast_DataOverMaxDataBytes_ResourceExhaustedNamingFieldAndLimit()
    {
        // Arrange
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxDataBytes"] = "1024" });

        // Act / Assert
        await AssertRejectedThenHealthyAsync(service, new SseMessage { Namespace = "/pets", Data = new string('x', 1025) },
            StatusCode.ResourceExhausted, "data", "1024", "Sse:MaxDataBytes");
    }

    [Fact]
    public async Task Broadcast_DataOverMaxDataBytesInUtf8Bytes_ResourceExhaustedThoughFewerCharacters()
    {
        // Arrange: 513 "é" are 513 characters but 1026 UTF-8 bytes.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxDataBytes"] = "1024" });

        // Act / Assert
        await AssertRejectedThenHealthyAsync(service, new SseMessage { Namespace = "/pets", Data = new string('é', 513) },
            StatusCode.ResourceExhausted, "data", "1026 bytes");
    }

    [Fact]
    public async Task Broadcast_DataExactlyMaxDataBytes_IsDelivered()
    {
        // Arrange: 512 "é" are exactly 1024 UTF-8 bytes.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxDataBytes"] = "1024" });
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets");
        var data = new string('é', 512);

        // Act
        var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = "/pets", Data = data });

        // Assert
        var item = await subscriber.ReadAsync();
        Assert.NotNull(item);
        Assert.Equal(reply.Id, item.Value.EventId);
        Assert.Equal(data, item.Value.Data);
    }

    [Fact]
    public async Task Broadcast_DataFarOverTransportLimit_ResourceExhausted()
    {
        // Arrange: 200 KB is over MaxDataBytes and over the gRPC receive limit derived from it.
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxDataBytes"] = "1024" });

        // Act / Assert
        await AssertRejectedThenHealthyAsync(service, new SseMessage { Namespace = "/pets", Data = new string('x', 200 * 1024) },
            StatusCode.ResourceExhausted);
    }

    [Fact]
    public async Task Broadcast_UnknownProtobufField_IsAcceptedAndDelivered()
    {
        // Arrange: a newer producer's message, with a field this contract does not know (tag 99).
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/pets");
        var known = new SseMessage { Namespace = "/pets", Event = "new-dog", Data = "Corgi" };
        var message = SseMessage.Parser.ParseFrom(WithUnknownField(known.ToByteArray()));
        Assert.True(message.CalculateSize() > known.CalculateSize(), "the unknown field must be kept, so that it is sent");

        // Act
        var reply = await service.Broadcaster.BroadcastAsync(message);

        // Assert
        var item = await subscriber.ReadAsync();
        Assert.NotNull(item);
        Assert.Equal(reply.Id, item.Value.EventId);
        Assert.Equal("new-dog", item.Value.EventType);
        Assert.Equal("Corgi", item.Value.Data);
    }

    [Fact]
    public async Task BroadcastStream_BadMessageAfterFiveGood_InvalidArgumentCountingTheAcceptedOnes()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/stream");
        var bad = new SseMessage { Namespace = "/stream", Event = "evil\n\ndata: injected", Data = "6" };

        // Act
        var failure = await SendStreamAsync(service, [.. GoodStreamMessages(5), bad]);

        // Assert
        Assert.Equal(StatusCode.InvalidArgument, failure.StatusCode);
        Assert.Contains("message #6", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("event", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("5 message(s) accepted", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("5", failure.Trailers.GetValue(AcceptedTrailer));

        await AssertReceivesExactlyThenMarkerAsync(service, subscriber, "/stream", ["1", "2", "3", "4", "5"]);
    }

    [Fact]
    public async Task BroadcastStream_BadNamespaceAfterFiveGood_InvalidArgumentCountingTheAcceptedOnes()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/");
        var bad = new SseMessage { Namespace = "/stream/../other", Data = "6" };

        // Act
        var failure = await SendStreamAsync(service, [.. GoodStreamMessages(5), bad]);

        // Assert
        Assert.Equal(StatusCode.InvalidArgument, failure.StatusCode);
        Assert.Contains("message #6", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("namespace", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("5 message(s) accepted", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("5", failure.Trailers.GetValue(AcceptedTrailer));

        await AssertReceivesExactlyThenMarkerAsync(service, subscriber, "/stream", ["1", "2", "3", "4", "5"]);
    }

    [Fact]
    public async Task BroadcastStream_FirstMessageBad_InvalidArgumentWithNoneAccepted()
    {
        // Arrange
        await using var service = await TestService.StartAsync();
        await using var subscriber = await service.SubscribeAsync("/subscribe/");

        // Act
        var failure = await SendStreamAsync(service, [new SseMessage { Namespace = "/stream", Id = "1\n2", Data = "x" }]);

        // Assert
        Assert.Equal(StatusCode.InvalidArgument, failure.StatusCode);
        Assert.Contains("message #1", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("id", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("0 message(s) accepted", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("0", failure.Trailers.GetValue(AcceptedTrailer));

        await AssertReceivesExactlyThenMarkerAsync(service, subscriber, "/stream", []);
    }

    [Fact]
    public async Task BroadcastStream_DataOverMaxDataBytes_ResourceExhaustedCountingTheAcceptedOnes()
    {
        // Arrange
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxDataBytes"] = "1024" });
        await using var subscriber = await service.SubscribeAsync("/subscribe/stream");
        var bad = new SseMessage { Namespace = "/stream", Data = new string('x', 1025) };

        // Act
        var failure = await SendStreamAsync(service, [.. GoodStreamMessages(2), bad]);

        // Assert
        Assert.Equal(StatusCode.ResourceExhausted, failure.StatusCode);
        Assert.Contains("message #3", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("data", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("2 message(s) accepted", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("2", failure.Trailers.GetValue(AcceptedTrailer));

        await AssertReceivesExactlyThenMarkerAsync(service, subscriber, "/stream", ["1", "2"]);
    }

    [Fact]
    public async Task BroadcastStream_DataFarOverTransportLimit_ResourceExhaustedNamingDataAndCountingTheAcceptedOnes()
    {
        // Arrange
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Sse:MaxDataBytes"] = "1024" });
        await using var subscriber = await service.SubscribeAsync("/subscribe/stream");
        var bad = new SseMessage { Namespace = "/stream", Data = new string('x', 200 * 1024) };

        // Act
        var failure = await SendStreamAsync(service, [.. GoodStreamMessages(2), bad]);

        // Assert
        Assert.Equal(StatusCode.ResourceExhausted, failure.StatusCode);
        Assert.Contains("message #3", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("data", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("2 message(s) accepted", failure.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("2", failure.Trailers.GetValue(AcceptedTrailer));

        await AssertReceivesExactlyThenMarkerAsync(service, subscriber, "/stream", ["1", "2"]);
    }

    private static IEnumerable<SseMessage> GoodStreamMessages(int count) =>
        Enumerable.Range(1, count).Select(i => new SseMessage
        {
            Namespace = "/stream",
            Event = "good",
            Data = i.ToString(CultureInfo.InvariantCulture),
        });

    /// <summary>
    /// Sends <paramref name="messages"/> on one BroadcastStream and returns how the call failed. A write
    /// may itself fail once the server has ended the call; either way the call's status is what counts.
    /// </summary>
    private static async Task<RpcException> SendStreamAsync(TestService service, IReadOnlyList<SseMessage> messages)
    {
        using var call = service.Broadcaster.BroadcastStream();
        return await Assert.ThrowsAsync<RpcException>(async () =>
        {
            try
            {
                foreach (var message in messages)
                {
                    await call.RequestStream.WriteAsync(message);
                }

                await call.RequestStream.CompleteAsync();
            }
            catch (RpcException)
            {
                // The server ended the call while we were still writing: its status is in ResponseAsync.
            }
            catch (InvalidOperationException)
            {
                // Writing or completing after the call finished.
            }

            await call.ResponseAsync;
        });
    }

    /// <summary>
    /// Sends <paramref name="bad"/>, checks the refusal, then shows that nothing of it was delivered and
    /// that the service still works: a root subscriber (which receives everything) gets a later valid
    /// message as its very next event.
    /// </summary>
    private static async Task AssertRejectedThenHealthyAsync(TestService service, SseMessage bad, StatusCode expectedStatus, params string[] mentions)
    {
        await using var subscriber = await service.SubscribeAsync("/subscribe/");

        var failure = await Assert.ThrowsAsync<RpcException>(async () => await service.Broadcaster.BroadcastAsync(bad));

        Assert.Equal(expectedStatus, failure.StatusCode);
        foreach (var mention in mentions)
        {
            Assert.Contains(mention, failure.Status.Detail, StringComparison.Ordinal);
        }

        await AssertReceivesExactlyThenMarkerAsync(service, subscriber, "/marker", []);
    }

    /// <summary>
    /// Publishes a marker to <paramref name="markerNamespace"/> and asserts that the subscriber's next
    /// events are exactly <paramref name="expectedData"/> followed by that marker.
    /// </summary>
    private static async Task AssertReceivesExactlyThenMarkerAsync(TestService service, SseSubscriber subscriber, string markerNamespace, string[] expectedData)
    {
        var marker = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = markerNamespace, Event = "marker", Data = "after" });

        var items = await subscriber.ReadManyAsync(expectedData.Length + 1);

        Assert.Equal(expectedData, items.Take(expectedData.Length).Select(item => item.Data));
        Assert.All(items.Take(expectedData.Length), item => Assert.Equal("good", item.EventType));
        SseItem<string> last = items[^1];
        Assert.Equal(("marker", "after", marker.Id), (last.EventType, last.Data, last.EventId));
    }

    private static byte[] WithUnknownField(byte[] serialized)
    {
        using var buffer = new MemoryStream();
        buffer.Write(serialized);
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            output.WriteTag(99, WireFormat.WireType.LengthDelimited);
            output.WriteString("from a newer contract");
            output.WriteTag(100, WireFormat.WireType.Varint);
            output.WriteUInt64(12345);
        }

        return buffer.ToArray();
    }
}
