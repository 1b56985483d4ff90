namespace SseService.Hub;

/// <summary>
/// The namespaces one stream listens on, normalized so that routing delivers each event once: a
/// namespace covered by another in the set (<c>/a/b</c> beside <c>/a</c>) and repeats are dropped.
/// What is left has no two namespaces on one ancestor line, and an event's path from the root passes
/// through at most one of them, so the trie finds it at most once per stream.
/// </summary>
public static class NamespaceSet
{
    /// <summary>The set in the order first given, without repeats or covered namespaces.</summary>
    public static NamespacePath[] Normalize(IReadOnlyList<NamespacePath> namespaces)
    {
        if (namespaces.Count == 0)
        {
            throw new ArgumentException("a stream needs at least one namespace", nameof(namespaces));
        }

        if (namespaces.Count == 1)
        {
            return [namespaces[0]];
        }

        var kept = new List<NamespacePath>(namespaces.Count);
        for (var i = 0; i < namespaces.Count; i++)
        {
            var candidate = namespaces[i];
            var covered = false;
            for (var j = 0; j < namespaces.Count && !covered; j++)
            {
                var other = namespaces[j];

                // Covered by a strictly wider one, or a repeat of an earlier one.
                covered = j != i && candidate.IsWithin(other) && (other.Depth < candidate.Depth || j < i);
            }

            if (!covered)
            {
                kept.Add(candidate);
            }
        }

        return [.. kept];
    }

    /// <summary>True when an event published to <paramref name="published"/> reaches a stream on <paramref name="set"/>.</summary>
    public static bool Receives(this IReadOnlyList<NamespacePath> set, NamespacePath published)
    {
        for (var i = 0; i < set.Count; i++)
        {
            if (published.IsWithin(set[i]))
            {
                return true;
            }
        }

        return false;
    }
}
