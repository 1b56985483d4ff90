using System.Globalization;
using System.Text;

namespace SseService.LoadTest.Storm;

/// <summary>The storm's lines in the human summary.</summary>
internal static class StormText
{
    public static void Append(StringBuilder text, StormFigures f)
    {
        if (f.CutError is { } failed && f.CutCount == 0)
        {
            text.AppendLine($"  STORM FAILED  no stream was cut: {failed}");
            return;
        }

        var how = f.Cut == "server"
            ? Inv($"the server's end of each aborted from outside by ss -K, {f.ServerSocketsAborted:N0} sockets")
            : "the tool closed every socket";
        text.AppendLine(Inv($"  storm        cut {f.CutCount:N0} of {f.ConnectedAtCut:N0} streams at once: {how}; all had seen it after {Ms(f.CutSeconds)}")
            + (f.NotCut > 0 ? Inv($"; {f.NotCut:N0} NOT cut") : ""));
        text.AppendLine(Inv($"               reconnects then let go, with Last-Event-ID, at most {f.ConnectConcurrency:N0} connection attempts in flight")
            + (f.JitterMs > 0 ? Inv($", each after a random 0–{f.JitterMs:0} ms") : ", none delayed"));
        text.AppendLine("  back         " + Progress(f.Back, f.CutCount, "had the head of a new stream", ""));
        text.AppendLine("  caught up    " + Progress(f.CaughtUp, f.CutCount, "received an event sent after it was back",
            f.Sequence.Complete < f.CutCount ? Inv($"; NOT all caught up: {f.CutCount - f.Sequence.Complete:N0} missed events or had duplicates") : ""));
        var q = f.Sequence;
        text.AppendLine(Inv($"  resumed      {q.Complete:N0} of {f.CutCount:N0} complete (no gap, no duplicate since the cut); ")
            + Inv($"{q.WithGaps:N0} with gaps ({q.Gaps:N0} events), {q.WithDuplicates:N0} with duplicates ({q.Duplicates:N0})")
            + (q.ForeignEvents > 0 ? Inv($", {q.ForeignEvents:N0} foreign events (a reset event: history did not hold the id)") : "")
            + Inv($"; {q.CutAgain:N0} cut again on the way back, {q.FailedAttempts:N0} failed attempts"));
        var c = f.Connects;
        text.AppendLine(Inv($"  connects     {Optional(c.MeanPerSecond)}/s on average over {Ms(c.SpanSeconds)}, ")
            + Inv($"{c.BusiestTenthPerSecond:N0}/s in the busiest 100 ms, {c.BusiestSecond:N0} in the busiest second"));
        var s = f.Server;
        text.AppendLine(Inv($"  storm server CPU {Optional(s.CpuPercent, "0.0")}% of one core over {Ms(f.Seconds)} ({Optional(s.CpuSeconds, "0.00")} s), ")
            + (s.BusiestHalfSecondCpuPercent is { } busiest ? Inv($"{busiest:0}% in the busiest 500 ms") : "shorter than 500 ms")
            + Inv($"; RSS {Optional(s.RssKibBefore)} KiB before the cut, ")
            + Inv($"peak {Optional(s.PeakKib)} KiB (highest VmRSS read {Optional(s.RssKibPeakSampled)}, VmHWM {Optional(s.HwmKibBefore)} → {Optional(s.HwmKibAfter)}; ")
            + Inv($"{s.Samples:N0} readings, at most {s.LongestSampleGapMs:0} ms apart)"));
        var t = f.Tool;
        text.AppendLine(Inv($"  storm tool   CPU {t.CpuPercent:0.0}%") + (t.PublisherCpuPercent is { } p ? Inv($" + publisher {p:0.0}%") : "") + Inv($" of {t.Cores} core(s)"));
        if (t.Bottleneck)
        {
            text.AppendLine(Inv($"  BOTTLENECK   during the storm the tool{(t.PublisherCpuPercent is not null ? " and its publisher" : "")} used more than 90% of its {t.Cores} core(s): ")
                + "the reconnect rate and the times to be back and caught up are the tool's limit, not the server's");
        }

        if (f.TimedOut)
        {
            text.AppendLine("  STORM UNFINISHED  not every cut subscriber had caught up when --storm-timeout was up");
        }

        if (f.CutError is { } error)
        {
            text.AppendLine($"  STORM FAILED  {error}");
        }
    }

    private static string Progress(StormProgress p, int of, string what, string otherwise) =>
        p.Count == 0
            ? Inv($"none of {of:N0}")
            : Inv($"{p.Count:N0} of {of:N0} {what}: ")
                + (p.AllSeconds is { } all ? Inv($"all after {Ms(all)}") : Inv($"the last after {Ms(p.MaxSeconds ?? 0)}"))
                + Inv($" (p50 {Ms(p.P50Seconds ?? 0)}, p99 {Ms(p.P99Seconds ?? 0)} after the cut)")
                + (p.AllSeconds is null && p.Count < of ? Inv($"; NOT all: {of - p.Count:N0} never did") : otherwise);

    private static string Ms(double seconds) => seconds < 10
        ? (seconds * 1000).ToString("N0", CultureInfo.InvariantCulture) + " ms"
        : seconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

    private static string Optional(double? value, string format = "N0") => value?.ToString(format, CultureInfo.InvariantCulture) ?? "?";

    private static string Optional(long? value) => value?.ToString("N0", CultureInfo.InvariantCulture) ?? "?";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
