using CsCheck;
using Grpc.Core;
using Sse.V1;
using SseService.Grpc;
using SseService.Hub;
using Xunit.Abstractions;

namespace SseService.Tests.Properties;

/// <summary>
/// <see cref="PublicationValidator"/> for any message and any configured limits: it never throws; it
/// accepts exactly what the contract's rules allow (<see cref="PublicationRules"/>), and what it accepts
/// is encoded into a frame that reads back as the message; what it refuses is refused with
/// INVALID_ARGUMENT or RESOURCE_EXHAUSTED and a detail naming a field that breaks a rule.
/// </summary>
public sealed class ValidationProperties(ITestOutputHelper output)
{
    // The id the hub assigns when the producer sends none: a decimal number.
    private const string ServerAssignedId = "1795505377467002";

    [Theory]
    [InlineData(PropertyRun.Fixed)]
    [InlineData(PropertyRun.Random)]
    public void TryCreate_AnyMessage_AcceptsExactlyWhatTheRulesAllowAndFramesItFaithfully(string seeds)
    {
        PropertyRun.Check(seeds, Gen.Select(SseGen.AnyMessage, SseGen.Options),
            input =>
            {
                // Arrange
                var (message, options) = input;

                // Act
                var accepted = PublicationValidator.TryCreate(message, options, out var publication, out var refusal);

                // Assert
                var broken = PublicationRules.BrokenFields(message, options);
                if (!accepted)
                {
                    PublicationRules.AssertJustifiedRefusal(refusal, broken);
                    return;
                }

                Assert.Empty(broken);
                Assert.Equal(StatusCode.OK, refusal.StatusCode);
                Assert.True(NamespacePath.TryParse(message.Namespace, options.NamespaceRules, out var ns, out _));
                Assert.Equal(new Publication(ns, message.Event, message.Data, message.Id, message.RetryMs), publication);

                var id = publication.Id.Length > 0 ? publication.Id : ServerAssignedId;
                var bytes = SseFrameEncoder.Encode(id, publication.EventType, publication.Data, publication.RetryMilliseconds);
                ExpectedEvent.Of(id, message.Event, message.Data, message.RetryMs).AssertIsTheOnlyEventIn(bytes);
            },
            iter: 3_000, print: Show, output.WriteLine);
    }

    [Theory]
    [InlineData(PropertyRun.Fixed)]
    [InlineData(PropertyRun.Random)]
    public void TryCreate_EventOrIdWithCrLfOrNul_IsAlwaysRefusedNamingThatField(string seeds)
    {
        // Arrange: a message valid in every other way, with CR, LF or NUL put somewhere in event or id.
        var poisoned = Gen.Select(SseGen.ValidField, Gen.OneOf("\r", "\n", "\r\n", "\0"), Gen.Int[0, 1000], Gen.Bool, SseGen.ValidField, SseGen.AnyText, SseGen.Retry,
            (value, breaker, at, inEvent, other, data, retry) =>
            {
                var bad = value.Insert(at % (value.Length + 1), breaker);
                return new SseMessage { Namespace = "/pets/dogs", Event = inEvent ? bad : other, Id = inEvent ? other : bad, Data = data, RetryMs = retry };
            });
        var options = new HubOptions { MaxFieldLength = 4096, MaxDataBytes = 1024 * 1024 };

        PropertyRun.Check(seeds, poisoned,
            message =>
            {
                // Act
                var accepted = PublicationValidator.TryCreate(message, options, out _, out var refusal);

                // Assert
                Assert.False(accepted);
                Assert.Equal(StatusCode.InvalidArgument, refusal.StatusCode);
                var field = PublicationRules.HasLineBreakOrNul(message.Event) ? "event" : "id";
                Assert.StartsWith(field == "event" ? "event must not contain CR, LF or NUL" : "id must not contain CR, LF or NUL", refusal.Detail, StringComparison.Ordinal);
            },
            iter: 1_000, print: SseGen.Show, output.WriteLine);
    }

    [Theory]
    [InlineData(PropertyRun.Fixed)]
    [InlineData(PropertyRun.Random)]
    public void TryCreate_RefusalOfValidUnicode_QuotesTheValueWithoutSplittingACharacter(string seeds)
    {
        // Arrange: a long, valid-Unicode namespace, event or id that is refused, so the detail quotes
        // (and shortens) it. A detail is text for people and logs: it must stay valid Unicode, or the
        // producer reads U+FFFD where its character was (gRPC sends the detail as UTF-8).
        var refused = Gen.Select(Gen.OneOf("namespace", "event", "id"), SseGen.LongAstralText, (field, text) => field switch
        {
            "namespace" => new SseMessage { Namespace = "/" + text + "\u0001", Data = "x" },
            "event" => new SseMessage { Namespace = "/pets", Event = "\n" + text, Data = "x" },
            _ => new SseMessage { Namespace = "/pets", Id = "\n" + text, Data = "x" },
        });

        PropertyRun.Check(seeds, refused,
            message =>
            {
                // Act
                var accepted = PublicationValidator.TryCreate(message, new HubOptions(), out _, out var refusal);

                // Assert
                Assert.False(accepted);
                var lone = IndexOfLoneSurrogate(refusal.Detail);
                Assert.True(lone < 0, $"the detail holds a lone surrogate at {lone}, a character cut in half: {SseGen.Show(refusal.Detail)}");
            },
            iter: 300, print: SseGen.Show, output.WriteLine);
    }

    private static int IndexOfLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Show((SseMessage Message, HubOptions Options) input) =>
        $"{SseGen.Show(input.Message)}\nwith MaxNamespaceLength={input.Options.MaxNamespaceLength}, MaxNamespaceDepth={input.Options.MaxNamespaceDepth}, " +
        $"MaxFieldLength={input.Options.MaxFieldLength}, MaxDataBytes={input.Options.MaxDataBytes}";
}
