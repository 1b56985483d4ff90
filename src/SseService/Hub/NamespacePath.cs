namespace SseService.Hub;

/// <summary>Limits a namespace must respect, from <see cref="HubOptions"/>.</summary>
public readonly record struct NamespaceRules(int MaxLength, int MaxDepth);

/// <summary>
/// A validated, canonical namespace: "/" or "/seg/seg…". Canonical form: a leading '/', no trailing
/// '/', no empty, "." or ".." segment, no control character; compared ordinally (case-sensitive, as
/// URL paths are). Percent-decoding of subscribe URLs happens before a namespace is parsed.
/// </summary>
public sealed class NamespacePath : IEquatable<NamespacePath>
{
    public static readonly NamespacePath Root = new("/", 0);

    private NamespacePath(string value, int depth)
    {
        Value = value;
        Depth = depth;
    }

    /// <summary>The canonical text, e.g. "/pets/dogs".</summary>
    public string Value { get; }

    /// <summary>Number of segments: 0 for the root.</summary>
    public int Depth { get; }

    /// <summary>Parses <paramref name="text"/>, or says in <paramref name="error"/> which rule it breaks.</summary>
    public static bool TryParse(string? text, NamespaceRules rules, out NamespacePath result, out string error)
    {
        result = Root;
        if (string.IsNullOrEmpty(text))
        {
            error = "is required";
            return false;
        }

        if (text[0] != '/')
        {
            error = "must start with '/'";
            return false;
        }

        // One trailing slash is tolerated and dropped: "/pets/" is "/pets" (but "//" is an empty segment).
        var canonical = text.Length > 1 && text[^1] == '/' && text[^2] != '/' ? text[..^1] : text;
        if (canonical.Length > rules.MaxLength)
        {
            error = $"is longer than {rules.MaxLength} characters";
            return false;
        }

        if (canonical.Length == 1)
        {
            error = "";
            return true;
        }

        var depth = 0;
        var span = canonical.AsSpan(1);
        foreach (var range in span.Split('/'))
        {
            var segment = span[range];
            if (!IsValidSegment(segment, out error))
            {
                return false;
            }

            depth++;
        }

        if (depth > rules.MaxDepth)
        {
            error = $"has more than {rules.MaxDepth} segments";
            return false;
        }

        result = new NamespacePath(canonical, depth);
        error = "";
        return true;
    }

    private static bool IsValidSegment(ReadOnlySpan<char> segment, out string error)
    {
        if (segment.IsEmpty)
        {
            error = "has an empty segment ('//')";
            return false;
        }

        if (segment is "." or "..")
        {
            error = "has a '.' or '..' segment";
            return false;
        }

        foreach (var c in segment)
        {
            if (char.IsControl(c))
            {
                error = $"contains a control character (U+{(int)c:X4})";
                return false;
            }
        }

        error = "";
        return true;
    }

    public bool Equals(NamespacePath? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as NamespacePath);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    public override string ToString() => Value;
}
