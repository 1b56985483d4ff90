namespace SseService.LoadTest.Reporting;

// The JSON summary (snake_case, see ReportJsonContext) and the source of the human summary.
// Latencies are microseconds; rates are per second over the measured window.

internal sealed record LoadReport(
    RunSettings Settings,
    ConnectFigures Connect,
    double WindowSeconds,
    PublishFigures Published,
    DeliveryFigures Deliveries,
    LatencyFigures LatencyUs,
    SequenceFigures Sequence,
    ConnectionFigures Connections,
    ToolFigures Tool,
    ServerFigures? Server,
    string? PublishError,
    IReadOnlyDictionary<string, int> Errors);

/// <summary><c>GrpcUrl</c> is null with <c>NoPublish</c>: another program published and this tool opened no gRPC connection.</summary>
internal sealed record RunSettings(
    string SseUrl,
    string? GrpcUrl,
    int Subscribers,
    int Stalled,
    int Namespaces,
    int Depth,
    string Prefix,
    double Rate,
    int PayloadBytes,
    double WarmupSeconds,
    double DurationSeconds,
    bool Reconnect,
    int Publishers,
    bool NoPublish,
    IReadOnlyList<string> SourceAddresses);

internal sealed record ConnectFigures(int Attempted, int Connected, int Failed, double Seconds);

/// <summary>
/// <c>ByThisTool</c> is false with --no-publish: another program published, so what only the publisher
/// knows (<c>Total</c>, <c>InWindow</c>, <c>RateAchieved</c>, <c>Accepted</c>) is null and <c>RateTarget</c> is the
/// rate it was given. <c>SeenInWindow</c> is always there: the messages the subscribers' sequences show in
/// the window (highest sequence per namespace at its end minus at its start).
/// </summary>
internal sealed record PublishFigures(
    bool ByThisTool, long? Total, long? InWindow, double RateTarget, double? RateAchieved, ulong? Accepted, long SeenInWindow);

/// <summary>
/// <c>PerMessage</c> is deliveries per message in the window, the fan-out actually seen: per message
/// published, or per message seen when another program published.
/// </summary>
internal sealed record DeliveryFigures(long InWindow, double PerSecond, double PerMessage);

internal sealed record LatencyFigures(long Samples, double P50, double P99, double P999, double Max, double Mean);

/// <summary><c>MissingAtEnd</c>: the last events of a namespace that never arrived (no later event reveals them as a gap).</summary>
internal sealed record SequenceFigures(
    long Gaps, long MaxGapsPerSubscriber, long Duplicates, long MaxDuplicatesPerSubscriber, long MissingAtEnd, long ForeignEvents);

/// <summary><c>Lost</c>: closed by the server and not reconnected. <c>StalledCut</c>: stalled subscribers the server disconnected.</summary>
internal sealed record ConnectionFigures(long ClosedByServer, long Reconnects, long Lost, int ConnectedAtEnd, int Stalled, int StalledCut);

/// <summary>
/// <c>RssKib</c>: this tool's resident memory at the end, with every subscriber still connected.
/// <c>AllocatedBytesPerDelivery</c> and <c>Gen0Collections</c> cover the window (the publisher's messages included).
/// </summary>
internal sealed record ToolFigures(
    double CpuPercent, double CpuSeconds, double? MicrosecondsPerDelivery, long RssKib, double? AllocatedBytesPerDelivery, int Gen0Collections);

internal sealed record ServerFigures(
    int Pid,
    double CpuSeconds,
    double CpuPercent,
    double? MicrosecondsPerDelivery,
    long? RssKibBefore,
    long? RssKibAfterConnect,
    long? RssKibEnd,
    double? KibPerConnection);
