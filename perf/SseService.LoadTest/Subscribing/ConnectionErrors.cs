using System.Collections.Concurrent;

namespace SseService.LoadTest.Subscribing;

/// <summary>Why connections failed or ended badly, counted by message, for the report. Touched only on failures.</summary>
internal sealed class ConnectionErrors
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public void Note(string what) => _counts.AddOrUpdate(what, 1, static (_, count) => count + 1);

    public IReadOnlyDictionary<string, int> Snapshot() => new SortedDictionary<string, int>(_counts, StringComparer.Ordinal);
}
