using System.Globalization;
using System.Text;

namespace SseService.LoadTest.Reporting;

/// <summary>The human summary printed to stderr at the end of a run.</summary>
internal static class ReportText
{
    public static string Format(LoadReport report)
    {
        var s = report.Settings;
        var text = new StringBuilder();
        Line(text, Inv($"SseService load test: {s.Subscribers:N0} {(s.GrpcSubscribe ? "gRPC Subscribe" : "SSE")} subscribers ({s.Stalled:N0} stalled) on {s.Namespaces:N0} namespace(s) of depth {s.Depth}, ")
            + (s.NamespacesPerSubscriber > 1 ? Inv($"{s.NamespacesPerSubscriber} per stream, ") : "")
            + (s.Idle ? "" : Inv($"{(s.Rate > 0 ? s.Rate.ToString("N0", CultureInfo.InvariantCulture) + " msgs/s" : "unpaced")}, {s.PayloadBytes:N0} B payload, "))
            + (s.Idle
                ? Inv($"idle (nothing published){(s.SettleSeconds > 0 ? $", memory settled for {s.SettleSeconds:0.#} s" : "")}")
                : Inv($"{s.DurationSeconds:0.#} s after {s.WarmupSeconds:0.#} s warm-up{(s.SettleSeconds > 0 ? $" (and {s.SettleSeconds:0.#} s of silence before publishing)" : "")}")));

        var c = report.Connect;
        Line(text, Inv($"  connect      {c.Connected:N0} of {c.Attempted:N0} connected in {c.Seconds:0.00} s ({c.Failed:N0} failed); ")
            + Inv($"{c.Opened:N0} had their opening comment {c.OpenedSeconds:0.00} s after connecting began"));

        var p = report.Published;
        var target = p.RateTarget > 0 ? Inv($" (target {p.RateTarget:N0})") : " (unpaced)";
        var perSecond = report.WindowSeconds > 0 ? p.SeenInWindow / report.WindowSeconds : 0;
        Line(text, p.By switch
        {
            "this_process" or "publisher_process" =>
                Inv($"  published    {p.InWindow:N0} in the {report.WindowSeconds:0.00} s window = {p.RateAchieved:N0} msgs/s{target}; ")
                + Inv($"{p.Total:N0} in all, {(p.Accepted is { } a ? a.ToString("N0", CultureInfo.InvariantCulture) : "?")} accepted")
                + (p.PublisherPid is { } ppid ? Inv($"; by the publisher process {ppid} (window count from the sequences seen)") : "; in this process"),
            "another_program" => Inv($"  published    by another program (--no-publish): {p.SeenInWindow:N0} seen in the {report.WindowSeconds:0.00} s window = ")
                + Inv($"{perSecond:N0} msgs/s{target}"),
            _ => "  published    nothing (--idle)",
        });

        if (!s.Idle)
        {
            var d = report.Deliveries;
            // Each message reaches the readers of its leaf: (subscribers - stalled) × M / K on average.
            var expectedPerMessage = (double)(s.Subscribers - s.Stalled) * s.NamespacesPerSubscriber / s.Namespaces;
            Line(text, Inv($"  deliveries   {d.InWindow:N0} = {d.PerSecond:N0}/s ({d.PerMessage:N1} per message, expected {expectedPerMessage:N1})"));

            var l = report.LatencyUs;
            Line(text, Inv($"  latency      p50 {Ms(l.P50)}  p99 {Ms(l.P99)}  p99.9 {Ms(l.P999)}  max {Ms(l.Max)}  mean {Ms(l.Mean)}  ({l.Samples:N0} samples)"));
        }

        var q = report.Sequence;
        Line(text, Inv($"  sequence     gaps {q.Gaps:N0} (max {q.MaxGapsPerSubscriber:N0}/subscriber), duplicates {q.Duplicates:N0} (max {q.MaxDuplicatesPerSubscriber:N0}), ")
            + Inv($"missing at end {q.MissingAtEnd:N0}{(q.ForeignEvents > 0 ? $", foreign events {q.ForeignEvents:N0}" : "")}"));

        var n = report.Connections;
        Line(text, Inv($"  connections  closed by server {n.ClosedByServer:N0}, reconnects {n.Reconnects:N0}, lost {n.Lost:N0}, open at end {n.ConnectedAtEnd:N0}")
            + Inv($"{(n.Stalled > 0 ? $"; stalled {n.Stalled:N0}, cut by the server {n.StalledCut:N0}" : "")}"));

        var t = report.Tool;
        Line(text, Inv($"  tool         CPU {t.CpuPercent:0.0}% of one core, {Optional(t.MicrosecondsPerDelivery, "0.00")} µs/delivery ({t.CpuSeconds:0.00} s CPU)")
            + (t.PublisherCpuPercent is { } pub ? Inv($"; publisher process {pub:0.0}%") : "")
            + Inv($"; {t.Cores} core(s); RSS {t.RssKib:N0} KiB; {Optional(t.AllocatedBytesPerDelivery, "0.00")} B allocated/delivery, {t.Gen0Collections} gen0 GCs"));
        if (t.Bottleneck)
        {
            Line(text, Inv($"  BOTTLENECK   the tool{(t.PublisherCpuPercent is not null ? " and its publisher" : "")} used {t.CpuPercent + (t.PublisherCpuPercent ?? 0):0}% of its {t.Cores} core(s) (above 90%): ")
                + "latency and throughput here are the tool's limit, not the server's; the server's CPU per delivery still holds");
        }

        if (report.Server is { } v)
        {
            Line(text, Inv($"  server       pid {v.Pid}: CPU {v.CpuPercent:0.0}% of one core, {Optional(v.MicrosecondsPerDelivery, "0.00")} µs/delivery ({v.CpuSeconds:0.00} s CPU)"));
            Line(text, Inv($"               RSS {Optional(v.RssKibBefore, "N0")} KiB before connecting, {Optional(v.RssKibAtOnce, "N0")} at once when all were open ")
                + Inv($"({Optional(v.KibPerConnection, "0.0")} KiB/connection)")
                + (s.SettleSeconds > 0 ? Inv($", {Optional(v.RssKibSettled, "N0")} after {s.SettleSeconds:0.#} s of silence ({Optional(v.KibPerConnectionSettled, "0.0")} KiB/connection)") : "")
                + Inv($", {Optional(v.RssKibEnd, "N0")} at the end"));
        }

        if (report.Storm is { } storm)
        {
            Storm.StormText.Append(text, storm);
        }

        if (report.PublishError is { } error)
        {
            Line(text, Inv($"  PUBLISH FAILED: {error}"));
        }

        foreach (var (what, count) in report.Errors)
        {
            Line(text, Inv($"  error        {count:N0} × {what}"));
        }

        return text.ToString();
    }

    private static void Line(StringBuilder text, string line) => text.AppendLine(line);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Ms(double microseconds) => microseconds < 1000
        ? (microseconds / 1000).ToString("0.000", CultureInfo.InvariantCulture) + " ms"
        : (microseconds / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    private static string Optional(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "?";

    private static string Optional(long? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "?";
}
