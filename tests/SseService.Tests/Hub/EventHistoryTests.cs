using System.Text;
using SseService.Hub;

namespace SseService.Tests.Hub;

public sealed class EventHistoryTests
{
    private static readonly NamespaceRules Rules = new(256, 16);

    [Fact]
    public void Add_OverMaxEvents_EvictsOldestFirst()
    {
        var history = new EventHistory(new HistoryOptions { MaxEvents = 3 }, new ManualClock());
        for (var sequence = 1; sequence <= 5; sequence++)
        {
            history.Add(Frame(sequence, "/a"), producerId: false);
        }

        var replay = new List<SseFrame>();
        var complete = history.CollectAfter(0, 5, Ns("/"), replay);

        Assert.False(complete);
        Assert.Equal([3L, 4L, 5L], replay.Select(frame => frame.Sequence));
        Assert.Equal(3, history.Count);
    }

    [Fact]
    public void CollectLast_TakesTheLastMatchingUpToTheBound_OldestFirst_FewerWhenEvicted()
    {
        var history = new EventHistory(new HistoryOptions { MaxEvents = 6 }, new ManualClock());
        for (var sequence = 1; sequence <= 10; sequence++)
        {
            history.Add(Frame(sequence, sequence % 2 == 0 ? "/a/b" : "/c"), producerId: false);
        }

        var lastTwo = new List<SseFrame>();
        history.CollectLast(2, upToSequence: 9, Ns("/a"), lastTwo);
        var all = new List<SseFrame>();
        history.CollectLast(100, upToSequence: 10, Ns("/a"), all);

        Assert.Equal([6L, 8L], lastTwo.Select(frame => frame.Sequence)); // 10 is past the bound
        Assert.Equal([6L, 8L, 10L], all.Select(frame => frame.Sequence)); // 2 and 4 were evicted
    }

    [Fact]
    public void Add_OverMaxBytes_EvictsUntilUnderTheBound()
    {
        var history = new EventHistory(new HistoryOptions { MaxBytes = 3 * (1000 + 128) }, new ManualClock());
        for (var sequence = 1; sequence <= 10; sequence++)
        {
            history.Add(Frame(sequence, "/a", dataBytes: 1000), producerId: false);
        }

        Assert.Equal(3, history.Count);
        Assert.True(history.Bytes <= 3 * (1000 + 128));
    }

    [Fact]
    public void CollectAfter_EventsOlderThanMaxAge_AreGoneAndReportedIncomplete()
    {
        var clock = new ManualClock();
        var history = new EventHistory(new HistoryOptions { MaxAge = TimeSpan.FromMinutes(1) }, clock);
        history.Add(Frame(1, "/a"), producerId: false);
        clock.Advance(TimeSpan.FromSeconds(61));
        history.Add(Frame(2, "/a"), producerId: false);

        var replay = new List<SseFrame>();
        var complete = history.CollectAfter(0, 2, Ns("/a"), replay);

        Assert.False(complete);
        Assert.Equal([2L], replay.Select(frame => frame.Sequence));
    }

    [Fact]
    public void CollectAfter_ParentNamespace_GetsChildrenByWholeSegmentsOnly()
    {
        var history = new EventHistory(new HistoryOptions(), new ManualClock());
        string[] namespaces = ["/pets/dogs", "/pet", "/pets", "/petsitters", "/pets/cats/kittens", "/other"];
        for (var i = 0; i < namespaces.Length; i++)
        {
            history.Add(Frame(i + 1, namespaces[i]), producerId: false);
        }

        var replay = new List<SseFrame>();
        Assert.True(history.CollectAfter(0, namespaces.Length, Ns("/pets"), replay));

        Assert.Equal(["/pets/dogs", "/pets", "/pets/cats/kittens"], replay.Select(frame => frame.Namespace.Value));
    }

    [Fact]
    public void CollectAfter_StopsAtUpperBound_SoLiveEventsAreNotReplayedTwice()
    {
        var history = new EventHistory(new HistoryOptions(), new ManualClock());
        for (var sequence = 1; sequence <= 10; sequence++)
        {
            history.Add(Frame(sequence, "/a"), producerId: false);
        }

        var replay = new List<SseFrame>();
        history.CollectAfter(4, 7, Ns("/a"), replay);

        Assert.Equal([5L, 6L, 7L], replay.Select(frame => frame.Sequence));
    }

    [Fact]
    public void TryResolve_ProducerIdHeld_ResolvesToItsSequenceAndForgetsItOnEviction()
    {
        var history = new EventHistory(new HistoryOptions { MaxEvents = 2 }, new ManualClock());
        history.Add(Frame(1, "/a", id: "order-1"), producerId: true);
        Assert.True(history.TryResolve("order-1", out var sequence));
        Assert.Equal(1, sequence);

        history.Add(Frame(2, "/a"), producerId: false);
        history.Add(Frame(3, "/a"), producerId: false);

        Assert.False(history.TryResolve("order-1", out _));
        Assert.True(history.TryResolve("3", out sequence));
        Assert.Equal(3, sequence);
        Assert.False(history.TryResolve("-3", out _));
        Assert.False(history.TryResolve("3x", out _));
    }

    [Fact]
    public void Add_HistoryDisabled_KeepsNothing()
    {
        var history = new EventHistory(new HistoryOptions { MaxEvents = 0 }, new ManualClock());
        history.Add(Frame(1, "/a"), producerId: false);

        Assert.Equal(0, history.Count);
    }

    private static NamespacePath Ns(string value)
    {
        Assert.True(NamespacePath.TryParse(value, Rules, out var ns, out var error), error);
        return ns;
    }

    private static SseFrame Frame(long sequence, string ns, int dataBytes = 8, string? id = null)
    {
        var eventId = id ?? sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var bytes = SseFrameEncoder.Encode(eventId, "", new string('x', dataBytes), 0);
        Assert.True(bytes.Length >= dataBytes);
        return new SseFrame(Encoding.UTF8.GetBytes(new string('x', dataBytes)), sequence, eventId, Ns(ns), publishedTimestamp: 0);
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _timestamp = 1_000_000;

        public override long TimestampFrequency => 1_000_000;

        public override long GetTimestamp() => _timestamp;

        public void Advance(TimeSpan by) => _timestamp += (long)(by.TotalSeconds * TimestampFrequency);
    }
}
