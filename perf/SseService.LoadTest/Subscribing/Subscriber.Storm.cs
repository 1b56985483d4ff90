using System.Diagnostics;
using SseService.LoadTest.Storm;

namespace SseService.LoadTest.Subscribing;

/// <summary>
/// A subscriber's part in a storm (--storm): when its stream was cut, when its new stream had its head
/// ("back"), and when it had caught up. Caught up means it has received an event that was sent after
/// it was back: every event sent before that one precedes it in the namespace's sequence, so with no
/// gap since the cut it has them all. The moment counted is the arrival of the last event sent before
/// it was back (what it had missed, or what was on its way when it came back), or the head itself
/// when nothing was; so the figure does not include waiting for the next publish.
/// </summary>
internal sealed partial class Subscriber
{
    public StormPhase StormPhase => (StormPhase)Volatile.Read(ref _stormPhase);

    /// <summary>The run has begun the cut and this stream has not been counted as cut yet: its end is the cut.</summary>
    private bool IsStormCut => _shared.Storm is { CutStarted: true } && _stormPhase == (int)StormPhase.Before;

    /// <summary>The storm's figures for this subscriber; read once the storm is over.</summary>
    public SubscriberStormResult StormResult() => new(
        StormPhase, Volatile.Read(ref _stormCutAt), Volatile.Read(ref _stormBackAt), Volatile.Read(ref _stormCaughtUpAt),
        Volatile.Read(ref _stormCutAgain), Volatile.Read(ref _stormFailedAttempts),
        Gaps - Volatile.Read(ref _gapsAtCut), Duplicates - Volatile.Read(ref _duplicatesAtCut), Foreign - Volatile.Read(ref _foreignAtCut));

    /// <summary>The tool-side cut: closes this stream's socket; its read loop then counts the cut.</summary>
    public void CutByTool() => Volatile.Read(ref _socket)?.Dispose();

    private void NoteStormCut(StormControl storm)
    {
        Volatile.Write(ref _gapsAtCut, _gaps);
        Volatile.Write(ref _duplicatesAtCut, _duplicates);
        Volatile.Write(ref _foreignAtCut, _foreign);
        Volatile.Write(ref _stormCutAt, Stopwatch.GetTimestamp());
        Volatile.Write(ref _stormPhase, (int)StormPhase.Cut);
        storm.NoteCut();
    }

    /// <summary>A stream ended outside the cut: one that was back but had not caught up reconnects again.</summary>
    private void NoteStreamEnded()
    {
        if (_stormPhase == (int)StormPhase.Back)
        {
            Volatile.Write(ref _stormCutAgain, _stormCutAgain + 1);
            Volatile.Write(ref _stormPhase, (int)StormPhase.Cut);
        }
    }

    private void NoteFailedAttempt()
    {
        if (_stormPhase == (int)StormPhase.Cut)
        {
            Volatile.Write(ref _stormFailedAttempts, _stormFailedAttempts + 1);
        }
    }

    /// <summary>A new stream has its head: after the cut, the subscriber is back (again, if it was cut on its way).</summary>
    private void NoteHead(long now)
    {
        if (_stormPhase == (int)StormPhase.Cut)
        {
            _stormLastMissedAt = 0;
            Volatile.Write(ref _stormBackAt, now);
            Volatile.Write(ref _stormPhase, (int)StormPhase.Back);
        }
    }

    private void NoteStormEvent(long sentAt)
    {
        if (sentAt < _stormBackAt)
        {
            _stormLastMissedAt = _now; // missed while away, or on its way when it came back
            return;
        }

        Volatile.Write(ref _stormCaughtUpAt, _stormLastMissedAt != 0 ? _stormLastMissedAt : _stormBackAt);
        Volatile.Write(ref _stormPhase, (int)StormPhase.CaughtUp);
    }
}
