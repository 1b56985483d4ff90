namespace SseService.Hub;

/// <summary>Whole-segment containment, the rule routing follows, for places that test it directly.</summary>
public static class NamespacePathMatch
{
    /// <summary>True when <paramref name="published"/> is <paramref name="subscribed"/> or below it.</summary>
    public static bool IsWithin(this NamespacePath published, NamespacePath subscribed)
    {
        if (subscribed.Depth == 0)
        {
            return true;
        }

        var value = published.Value;
        var prefix = subscribed.Value;
        return value.StartsWith(prefix, StringComparison.Ordinal)
            && (value.Length == prefix.Length || value[prefix.Length] == '/');
    }
}
