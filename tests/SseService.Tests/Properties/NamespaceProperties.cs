using System.Text.RegularExpressions;
using CsCheck;
using SseService.Hub;
using SseService.Sse;
using Xunit.Abstractions;

namespace SseService.Tests.Properties;

/// <summary>
/// <see cref="NamespacePath"/> for any text and any limits: it never throws, it accepts only the
/// canonical form README.md describes, parsing is idempotent, and every accepted namespace can be
/// subscribed to by URL (<see cref="SubscribePath"/>): percent-encoded segment by segment, it comes back the same.
/// </summary>
public sealed partial class NamespaceProperties(ITestOutputHelper output)
{
    [Theory]
    [InlineData(PropertyRun.Fixed)]
    [InlineData(PropertyRun.Random)]
    public void TryParse_AnyText_NeverThrowsAndAcceptsOnlyTheCanonicalForm(string seeds)
    {
        PropertyRun.Check(seeds, Gen.Select(SseGen.AnyNamespace, SseGen.Rules),
            input =>
            {
                // Arrange
                var (text, rules) = input;

                // Act
                var accepted = NamespacePath.TryParse(text, rules, out var ns, out var error);

                // Assert
                if (!accepted)
                {
                    Assert.False(string.IsNullOrEmpty(error), "a refusal must say which rule is broken");
                    return;
                }

                Assert.Equal("", error);
                var value = ns.Value;
                Assert.StartsWith("/", value, StringComparison.Ordinal);
                Assert.True(value == text || value + "/" == text, "the only rewrite allowed is dropping one trailing '/'");
                Assert.True(value.Length <= rules.MaxLength, $"longer than {rules.MaxLength}");
                if (value == "/")
                {
                    Assert.Equal(0, ns.Depth);
                    return;
                }

                Assert.False(value.EndsWith('/'), "no trailing '/'");
                var segments = value[1..].Split('/');
                Assert.Equal(segments.Length, ns.Depth);
                Assert.True(ns.Depth <= rules.MaxDepth, $"deeper than {rules.MaxDepth}");
                Assert.All(segments, segment =>
                {
                    Assert.NotEqual("", segment);
                    Assert.NotEqual(".", segment);
                    Assert.NotEqual("..", segment);
                    Assert.DoesNotContain(segment, char.IsControl);
                });
            },
            iter: 5_000, print: Show, output.WriteLine);
    }

    [Theory]
    [InlineData(PropertyRun.Fixed)]
    [InlineData(PropertyRun.Random)]
    public void TryParse_AcceptedNamespaceParsedAgain_GivesTheSameNamespace(string seeds)
    {
        PropertyRun.Check(seeds, Gen.Select(SseGen.AnyNamespace, SseGen.Rules),
            input =>
            {
                // Arrange
                var (text, rules) = input;
                if (!NamespacePath.TryParse(text, rules, out var first, out _))
                {
                    return;
                }

                // Act
                var again = NamespacePath.TryParse(first.Value, rules, out var second, out var error);

                // Assert
                Assert.True(again, $"the canonical value is refused: {error}");
                Assert.Equal(first.Value, second.Value);
                Assert.Equal(first.Depth, second.Depth);
                Assert.Equal(first, second);
                Assert.Equal(first.GetHashCode(), second.GetHashCode());
            },
            iter: 5_000, print: Show, output.WriteLine);
    }

    [Theory]
    [InlineData(PropertyRun.Fixed)]
    [InlineData(PropertyRun.Random)]
    public void SubscribePath_AcceptedNamespacePercentEncoded_GivesTheSameNamespace(string seeds)
    {
        // Arrange: the URL variants a client may send for one namespace, behind 0 to 2 path-base segments.
        var urls = Gen.Select(SseGen.AnyNamespace, SseGen.Rules, Gen.Int[0, 2], Gen.Bool, Gen.Bool);

        PropertyRun.Check(seeds, urls,
            input =>
            {
                var (text, rules, pathBaseSegments, trailingSlash, lowerCaseHex) = input;
                if (!NamespacePath.TryParse(text, rules, out var ns, out _))
                {
                    return;
                }

                var encoded = ns.Depth == 0 ? "/" : "/" + string.Join('/', ns.Value[1..].Split('/').Select(Uri.EscapeDataString));
                if (trailingSlash && ns.Depth > 0)
                {
                    encoded += "/";
                }

                if (lowerCaseHex)
                {
                    encoded = PercentEscape().Replace(encoded, escape => escape.Value.ToLowerInvariant());
                }

                var rawPath = string.Concat(Enumerable.Repeat("/base", pathBaseSegments)) + "/subscribe" + encoded;

                // Act
                var parsed = SubscribePath.TryParse(rawPath, pathBaseSegments + 1, rules, out var fromUrl, out var error);

                // Assert: the same namespace; a lone surrogate, which UTF-8 cannot carry, is escaped as U+FFFD.
                Assert.True(parsed, $"{SseGen.Show(rawPath)} is refused: {error}");
                Assert.Equal(ExpectedEvent.OnTheWire(ns.Value), fromUrl.Value);
                Assert.Equal(ns.Depth, fromUrl.Depth);
            },
            iter: 5_000, print: input => $"{Show((input.Item1, input.Item2))} pathBase={input.Item3} trailingSlash={input.Item4} lowerCaseHex={input.Item5}",
            output.WriteLine);
    }

    [GeneratedRegex("%[0-9A-F]{2}")]
    private static partial Regex PercentEscape();

    private static string Show((string? Text, NamespaceRules Rules) input) =>
        $"{SseGen.Show(input.Text)} with MaxLength={input.Rules.MaxLength}, MaxDepth={input.Rules.MaxDepth}";
}
