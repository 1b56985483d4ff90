using SseService.Hub;

namespace SseService.Tests.Hub;

public sealed class NamespacePathTests
{
    private static readonly NamespaceRules DefaultRules = new(MaxLength: 256, MaxDepth: 16);

    [Theory]
    [InlineData("/", "/", 0)]
    [InlineData("/pets", "/pets", 1)]
    [InlineData("/pets/dogs", "/pets/dogs", 2)]
    [InlineData("/pets/", "/pets", 1)]
    [InlineData("/pets/dogs/", "/pets/dogs", 2)]
    [InlineData("/Pets", "/Pets", 1)]
    [InlineData("/café", "/café", 1)]
    [InlineData("/a.b/..c/.d.", "/a.b/..c/.d.", 3)]
    [InlineData("/🐶/dogs", "/🐶/dogs", 2)]
    public void TryParse_ValidNamespace_ReturnsCanonicalValueAndDepth(string text, string expectedValue, int expectedDepth)
    {
        // Act
        var parsed = NamespacePath.TryParse(text, DefaultRules, out var result, out var error);

        // Assert
        Assert.True(parsed, $"\"{text}\" was refused: {error}");
        Assert.Equal(expectedValue, result.Value);
        Assert.Equal(expectedDepth, result.Depth);
        Assert.Equal("", error);
    }

    [Fact]
    public void TryParse_Root_ReturnsTheRootInstanceValue()
    {
        // Act
        var parsed = NamespacePath.TryParse("/", DefaultRules, out var result, out _);

        // Assert
        Assert.True(parsed);
        Assert.Equal(NamespacePath.Root, result);
    }

    [Fact]
    public void TryParse_TrailingSlash_EqualsTheSameNamespaceWithout()
    {
        // Act
        NamespacePath.TryParse("/pets/", DefaultRules, out var withSlash, out _);
        NamespacePath.TryParse("/pets", DefaultRules, out var withoutSlash, out _);

        // Assert
        Assert.Equal(withoutSlash, withSlash);
        Assert.Equal(withoutSlash.GetHashCode(), withSlash.GetHashCode());
    }

    [Fact]
    public void TryParse_DifferentCase_IsADifferentNamespace()
    {
        // Act
        NamespacePath.TryParse("/Pets", DefaultRules, out var upper, out _);
        NamespacePath.TryParse("/pets", DefaultRules, out var lower, out _);

        // Assert
        Assert.Equal("/Pets", upper.Value);
        Assert.NotEqual(lower, upper);
        Assert.False(upper.Equals((object)lower));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void TryParse_NullOrEmpty_FailsAsRequired(string? text)
    {
        // Act
        var parsed = NamespacePath.TryParse(text, DefaultRules, out _, out var error);

        // Assert
        Assert.False(parsed);
        Assert.Contains("is required", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pets")]
    [InlineData("pets/dogs")]
    [InlineData(" /pets")]
    [InlineData("\\pets")]
    public void TryParse_NoLeadingSlash_FailsNamingTheRule(string text)
    {
        // Act
        var parsed = NamespacePath.TryParse(text, DefaultRules, out _, out var error);

        // Assert
        Assert.False(parsed);
        Assert.Contains("must start with '/'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/a//b")]
    [InlineData("/a//")]
    [InlineData("//a")]
    [InlineData("/a/b//")]
    public void TryParse_EmptySegment_FailsNamingTheRule(string text)
    {
        // Act
        var parsed = NamespacePath.TryParse(text, DefaultRules, out _, out var error);

        // Assert
        Assert.False(parsed);
        Assert.Contains("empty segment", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/a/./b")]
    [InlineData("/a/../b")]
    [InlineData("/.")]
    [InlineData("/..")]
    [InlineData("/a/..")]
    [InlineData("/a/./")]
    public void TryParse_DotSegment_FailsNamingTheRule(string text)
    {
        // Act
        var parsed = NamespacePath.TryParse(text, DefaultRules, out _, out var error);

        // Assert
        Assert.False(parsed);
        Assert.Contains("'.' or '..' segment", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/a\u0001b", "U+0001")]
    [InlineData("/a\nb", "U+000A")]
    [InlineData("/a\rb", "U+000D")]
    [InlineData("/a\tb", "U+0009")]
    [InlineData("/a\0b", "U+0000")]
    [InlineData("/a\u007fb", "U+007F")]
    [InlineData("/a\u0085b", "U+0085")]
    [InlineData("/pets/\n", "U+000A")]
    public void TryParse_ControlCharacter_FailsNamingTheRuleAndTheCharacter(string text, string codePoint)
    {
        // Act
        var parsed = NamespacePath.TryParse(text, DefaultRules, out _, out var error);

        // Assert
        Assert.False(parsed);
        Assert.Contains("control character", error, StringComparison.Ordinal);
        Assert.Contains(codePoint, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_AtMaxLength_Succeeds()
    {
        // Arrange
        var rules = new NamespaceRules(MaxLength: 10, MaxDepth: 16);
        var text = "/" + new string('a', 9);

        // Act
        var parsed = NamespacePath.TryParse(text, rules, out var result, out var error);

        // Assert
        Assert.True(parsed, error);
        Assert.Equal(text, result.Value);
    }

    [Fact]
    public void TryParse_AtMaxLengthPlusTrailingSlash_SucceedsBecauseTheSlashIsDropped()
    {
        // Arrange
        var rules = new NamespaceRules(MaxLength: 10, MaxDepth: 16);
        var canonical = "/" + new string('a', 9);

        // Act
        var parsed = NamespacePath.TryParse(canonical + "/", rules, out var result, out var error);

        // Assert
        Assert.True(parsed, error);
        Assert.Equal(canonical, result.Value);
    }

    [Fact]
    public void TryParse_LongerThanMaxLength_FailsNamingTheLimit()
    {
        // Arrange
        var rules = new NamespaceRules(MaxLength: 10, MaxDepth: 16);
        var text = "/" + new string('a', 10);

        // Act
        var parsed = NamespacePath.TryParse(text, rules, out _, out var error);

        // Assert
        Assert.False(parsed);
        Assert.Contains("longer than 10", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_AtMaxDepth_Succeeds()
    {
        // Arrange
        var rules = new NamespaceRules(MaxLength: 256, MaxDepth: 3);

        // Act
        var parsed = NamespacePath.TryParse("/a/b/c", rules, out var result, out var error);

        // Assert
        Assert.True(parsed, error);
        Assert.Equal(3, result.Depth);
    }

    [Fact]
    public void TryParse_MoreThanMaxDepth_FailsNamingTheLimit()
    {
        // Arrange
        var rules = new NamespaceRules(MaxLength: 256, MaxDepth: 3);

        // Act
        var parsed = NamespacePath.TryParse("/a/b/c/d", rules, out _, out var error);

        // Assert
        Assert.False(parsed);
        Assert.Contains("more than 3 segments", error, StringComparison.Ordinal);
    }
}
