using System.Globalization;
using System.Net.ServerSentEvents;
using CsCheck;
using Grpc.Core;
using Sse.V1;
using SseService.Hub;
using SseService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseService.Tests.Properties;

/// <summary>
/// The whole path over real sockets: a producer publishes arbitrary messages over gRPC to "/prop", below
/// it and next to it, and one SSE subscriber of "/prop" reads them. Each message is either refused with
/// the contract's status, naming a field that breaks a rule, or accepted and then, if it is at or below
/// "/prop", the subscriber's very next event exactly as published (else not delivered at all); a message
/// the rules allow is never refused; the stream never breaks.
/// </summary>
/// <remarks>
/// After every case a marker is published and must be the next event: so nothing extra (an injected
/// event, a refused message that leaked) is ever delivered, and a failure is pinned on the case that
/// caused it, not on the one after it. Lone surrogates are sent too: protobuf carries them as U+FFFD.
/// </remarks>
public sealed class PublishSubscribeProperties(ITestOutputHelper output)
{
    private const string Subscribed = "/prop";

    // Tight limits, so that generated messages cross them often.
    private static readonly HubOptions Limits = new() { MaxFieldLength = 32, MaxDataBytes = 128 };

    /// <summary>"/prop" and below (delivered), and its neighbours: "/props", "/Prop", "/", … (not delivered).</summary>
    private static readonly Gen<string> NamespaceNearProp = Gen.Frequency(
        (3, Gen.Const(Subscribed)),
        (1, Gen.Const(Subscribed + "/")),
        (6, SseGen.AnySegment.Array[1, 3].Select(segments => Subscribed + "/" + string.Join('/', segments))),
        (1, Gen.OneOf("/", "/pro", "/props", "/proper/ty", "/Prop", "/PROP/x", "/other/prop", "/prop\\x")),
        (1, SseGen.AnyText.Select(text => Subscribed + text)));

    private static readonly Gen<SseMessage> AnyMessage = Gen.Select(NamespaceNearProp, SseGen.AnyField, SseGen.AnyField, SseGen.AnyData, SseGen.Retry,
        (ns, eventType, id, data, retry) => new SseMessage { Namespace = ns, Event = eventType, Id = id, Data = data, RetryMs = retry });

    [Theory]
    [InlineData(PropertyRun.Fixed)]
    [InlineData(PropertyRun.Random)]
    public async Task Broadcast_AnyMessage_IsRefusedOrIsTheSubscribersNextEventExactlyAsPublished(string seeds)
    {
        // Arrange
        await using var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Sse:MaxFieldLength"] = Limits.MaxFieldLength.ToString(CultureInfo.InvariantCulture),
            ["Sse:MaxDataBytes"] = Limits.MaxDataBytes.ToString(CultureInfo.InvariantCulture),
        });
        var first = await service.SubscribeAsync("/subscribe" + Subscribed);
        List<SseSubscriber> opened = [first];
        SseSubscriber? subscriber = first;
        var cases = 0;
        try
        {
            // Act / Assert
            await PropertyRun.CheckAsync(seeds, AnyMessage,
                async message =>
                {
                    // A case that broke the stream has failed already; the next one gets a fresh subscriber.
                    if (subscriber is null)
                    {
                        subscriber = await service.SubscribeAsync("/subscribe" + Subscribed);
                        opened.Add(subscriber);
                    }

                    var marker = "case " + (++cases).ToString(CultureInfo.InvariantCulture);
                    var outcome = await PublishThenReadUntilMarkerAsync(service, subscriber, message, marker);
                    if (outcome is null)
                    {
                        subscriber = null;
                    }

                    AssertRefusedOrDelivered(message, outcome);
                },
                iter: 100, print: SseGen.Show, output.WriteLine);

            // Assert: the very first stream is still open, and a last marker is its next event.
            Assert.Same(first, subscriber);
            var reply = await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = Subscribed, Event = "marker", Data = "end" });
            var last = await first.ReadAsync();
            Assert.NotNull(last);
            Assert.Equal(new ExpectedEvent(reply.Id, "marker", "end", null), ExpectedEvent.Of(last.Value));
        }
        finally
        {
            foreach (var each in opened)
            {
                await each.DisposeAsync();
            }
        }
    }

    /// <summary>What one case publishes and reads.</summary>
    private sealed record Outcome(BroadcastReply? Reply, RpcException? Refusal, List<SseItem<string>> Events);

    /// <summary>
    /// Publishes <paramref name="message"/>, then a marker, and reads every event up to the marker.
    /// Null when the stream ended or stalled before the marker arrived.
    /// </summary>
    private static async Task<Outcome?> PublishThenReadUntilMarkerAsync(TestService service, SseSubscriber subscriber, SseMessage message, string marker)
    {
        BroadcastReply? reply = null;
        RpcException? refusal = null;
        try
        {
            reply = await service.Broadcaster.BroadcastAsync(message);
        }
        catch (RpcException e)
        {
            refusal = e;
        }

        await service.Broadcaster.BroadcastAsync(new SseMessage { Namespace = Subscribed, Event = "marker", Data = marker });
        var events = new List<SseItem<string>>();
        while (true)
        {
            SseItem<string>? item;
            try
            {
                item = await subscriber.ReadAsync();
            }
            catch (TimeoutException)
            {
                return null;
            }

            if (item is null)
            {
                return null;
            }

            if (item.Value.EventType == "marker" && item.Value.Data == marker)
            {
                return new Outcome(reply, refusal, events);
            }

            events.Add(item.Value);
        }
    }

    /// <summary>Whole segments: "/prop" and "/prop/x" are, "/props" is not.</summary>
    private static bool IsAtOrBelowSubscribed(string ns) =>
        NamespacePath.TryParse(ns, Limits.NamespaceRules, out var path, out _)
        && (path.Value == Subscribed || path.Value.StartsWith(Subscribed + "/", StringComparison.Ordinal));

    private static void AssertRefusedOrDelivered(SseMessage message, Outcome? outcome)
    {
        Assert.True(outcome is not null, "the stream ended or stalled: the marker published after this message never arrived");

        // What the server received: protobuf carries each lone surrogate as U+FFFD.
        var sent = new SseMessage
        {
            Namespace = ExpectedEvent.OnTheWire(message.Namespace),
            Event = ExpectedEvent.OnTheWire(message.Event),
            Id = ExpectedEvent.OnTheWire(message.Id),
            Data = ExpectedEvent.OnTheWire(message.Data),
            RetryMs = message.RetryMs,
        };
        var broken = PublicationRules.BrokenFields(sent, Limits);
        if (outcome.Refusal is { } refusal)
        {
            PublicationRules.AssertJustifiedRefusal(refusal.Status, broken);
            Assert.True(outcome.Events.Count == 0, $"a refused message delivered: {string.Join(", ", outcome.Events.Select(ExpectedEvent.Of))}");
            return;
        }

        Assert.True(broken.Count == 0, $"accepted although it breaks the rules for: {string.Join(", ", broken)}");
        var reply = outcome.Reply!;
        var expectedId = message.Id.Length > 0 ? sent.Id : reply.Id;
        Assert.Equal(expectedId, reply.Id);
        if (!IsAtOrBelowSubscribed(sent.Namespace))
        {
            Assert.True(outcome.Events.Count == 0, $"published outside {Subscribed} but delivered: {string.Join(", ", outcome.Events.Select(ExpectedEvent.Of))}");
            return;
        }

        var delivered = Assert.Single(outcome.Events);
        Assert.Equal(ExpectedEvent.Of(expectedId, message.Event, message.Data, message.RetryMs), ExpectedEvent.Of(delivered));
    }
}
