using System.Globalization;
using SseService.LoadTest.Options;

namespace SseService.LoadTest;

/// <summary>
/// The leaf namespaces of a run. Subscriber <c>i</c> listens on leaves <c>i, i+1 ... i+M-1</c> (mod K),
/// M being --namespaces-per-subscriber; messages go to the leaves round-robin, so every leaf has its
/// own sequence 1, 2, 3 ... that its subscribers check.
/// </summary>
internal sealed class NamespacePlan
{
    private NamespacePlan(string[] names, int perSubscriber)
    {
        Names = names;
        PerSubscriber = perSubscriber;
    }

    /// <summary>The leaves, e.g. <c>/load/n3</c>, or <c>/load/a1/b2/c3</c> with depth 3.</summary>
    public IReadOnlyList<string> Names { get; }

    public int Count => Names.Count;

    /// <summary>Leaves on each subscriber's stream (M).</summary>
    public int PerSubscriber { get; }

    /// <summary>The first leaf of subscriber <paramref name="subscriber"/>; its stream is keyed by it.</summary>
    public int LeafOf(int subscriber) => subscriber % Names.Count;

    /// <summary>The M leaves of subscriber <paramref name="subscriber"/>: consecutive from <see cref="LeafOf"/>, wrapping.</summary>
    public int[] LeavesOf(int subscriber)
    {
        var leaves = new int[PerSubscriber];
        for (var k = 0; k < leaves.Length; k++)
        {
            leaves[k] = (LeafOf(subscriber) + k) % Names.Count;
        }

        return leaves;
    }

    /// <summary>The namespaces of the stream whose first leaf is <paramref name="firstLeaf"/>.</summary>
    public string[] NamesFrom(int firstLeaf) => [.. Enumerable.Range(0, PerSubscriber).Select(k => Names[(firstLeaf + k) % Names.Count])];

    public static NamespacePlan Create(LoadOptions options)
    {
        var names = new string[options.Namespaces];
        var fanOut = FanOut(options.Namespaces, options.Depth);
        for (var leaf = 0; leaf < names.Length; leaf++)
        {
            names[leaf] = options.Prefix + PathOf(leaf, options.Depth, fanOut);
        }

        return new NamespacePlan(names, options.NamespacesPerSubscriber);
    }

    /// <summary>
    /// Depth 1 names leaves n0, n1 ...; deeper trees spread them evenly, one letter per level and the
    /// leaf number's digits in base <paramref name="fanOut"/>: leaf 5 of 27 at depth 3 is /a0/b1/c2.
    /// </summary>
    private static string PathOf(int leaf, int depth, int fanOut)
    {
        if (depth == 1)
        {
            return "/n" + leaf.ToString(CultureInfo.InvariantCulture);
        }

        var segments = new string[depth];
        var rest = leaf;
        for (var level = depth - 1; level >= 0; level--)
        {
            segments[level] = (char)('a' + level) + (rest % fanOut).ToString(CultureInfo.InvariantCulture);
            rest /= fanOut;
        }

        return "/" + string.Join('/', segments);
    }

    /// <summary>The smallest branching factor whose tree of <paramref name="depth"/> levels holds all leaves.</summary>
    private static int FanOut(int leaves, int depth)
    {
        var fanOut = Math.Max(1, (int)Math.Floor(Math.Pow(leaves, 1.0 / depth)));
        while (Math.Pow(fanOut, depth) < leaves)
        {
            fanOut++;
        }

        return fanOut;
    }
}
