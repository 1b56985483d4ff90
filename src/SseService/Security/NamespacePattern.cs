using SseService.Hub;

namespace SseService.Security;

/// <summary>
/// A namespace pattern in a grant or in configuration: "/pets" is that namespace only; "/pets/*" is
/// "/pets" and everything below it (whole segments); "*" or "/*" is every namespace.
/// </summary>
public readonly record struct NamespacePattern(NamespacePath Root, bool IncludesDescendants)
{
    public static NamespacePattern Everything { get; } = new(NamespacePath.Root, IncludesDescendants: true);

    public static bool TryParse(string text, NamespaceRules rules, out NamespacePattern pattern)
    {
        pattern = default;
        text = text.Trim();
        if (text is "*" or "/*")
        {
            pattern = Everything;
            return true;
        }

        var subtree = text.EndsWith("/*", StringComparison.Ordinal);
        if (!NamespacePath.TryParse(subtree ? text[..^2] : text, rules, out var ns, out _))
        {
            return false;
        }

        pattern = new NamespacePattern(ns, subtree);
        return true;
    }

    /// <summary>Whether publishing to <paramref name="ns"/> is covered.</summary>
    public bool Matches(NamespacePath ns) => IncludesDescendants ? ns.IsWithin(Root) : ns.Equals(Root);

    /// <summary>
    /// Whether subscribing to <paramref name="ns"/> is covered: a subscription receives its whole
    /// subtree, so any grant at or above it covers it ("/pets" and "/pets/*" alike).
    /// </summary>
    public bool CoversSubscriptionTo(NamespacePath ns) => ns.IsWithin(Root);

    /// <summary>Whether this pattern and the subtree of <paramref name="ns"/> share any namespace.</summary>
    public bool Overlaps(NamespacePath ns) => ns.IsWithin(Root) || Root.IsWithin(ns);

    public override string ToString() => IncludesDescendants ? (Root.Depth == 0 ? "/*" : Root.Value + "/*") : Root.Value;
}
