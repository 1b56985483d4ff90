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
    IReadOnlyDictionary<string, int> Errors,
    SseService.LoadTest.Storm.StormFigures? Storm);

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
    bool PublisherProcess,
    bool Idle,
    double SettleSeconds,
    IReadOnlyList<string> SourceAddresses,
    bool Storm,
    int NamespacesPerSubscriber,
    bool GrpcSubscribe);

/// <summary><c>Opened</c>: streams that had their head and opening comment when memory was read at once, <c>OpenedSeconds</c> after connecting began.</summary>
internal sealed record ConnectFigures(int Attempted, int Connected, int Failed, double Seconds, int Opened, double OpenedSeconds);

/// <summary>
/// <c>By</c>: "this_process", "publisher_process" (--publisher-process, pid <c>PublisherPid</c>),
/// "another_program" (--no-publish) or "nobody" (--idle). <c>ByThisTool</c> is false for the last two:
/// what only the publisher knows (<c>Total</c>, <c>InWindow</c>, <c>RateAchieved</c>, <c>Accepted</c>) is
/// null and <c>RateTarget</c> is the rate it was given. With a publisher process, <c>InWindow</c> and
/// <c>RateAchieved</c> come from the sequences seen. <c>SeenInWindow</c> is always there: the messages the
/// subscribers' sequences show in the window (highest sequence per namespace at its end minus at its start).
/// </summary>
internal sealed record PublishFigures(
    string By, int? PublisherPid, bool ByThisTool, long? Total, long? InWindow, double RateTarget, double? RateAchieved, ulong? Accepted, long SeenInWindow);

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
/// <c>CpuPercent</c>: the subscribers' process, of one core. <c>PublisherCpuPercent</c>: the publisher
/// process's (null when it publishes in this process or not at all). <c>Cores</c>: the cores this
/// process may run on (its affinity), which a publisher process shares. <c>Bottleneck</c>: the tool
/// (with its publisher process) used more than 90% of those cores, so the figures may be the tool's
/// limit rather than the server's. <c>RssKib</c>: this tool's resident memory at the end, with every
/// subscriber still connected. <c>AllocatedBytesPerDelivery</c> and <c>Gen0Collections</c> cover the
/// window (an in-process publisher's messages included).
/// </summary>
internal sealed record ToolFigures(
    double CpuPercent, double CpuSeconds, double? MicrosecondsPerDelivery, double? PublisherCpuPercent, int Cores, bool Bottleneck,
    long RssKib, double? AllocatedBytesPerDelivery, int Gen0Collections);

/// <summary>
/// Memory per connection is the growth of the server's RSS from before connecting: <c>KibPerConnection</c>
/// at once (every stream with its head and opening, nothing published, nothing forced), and
/// <c>KibPerConnectionSettled</c> after the run's --settle seconds of silence (null without --settle).
/// </summary>
internal sealed record ServerFigures(
    int Pid,
    double CpuSeconds,
    double CpuPercent,
    double? MicrosecondsPerDelivery,
    long? RssKibBefore,
    long? RssKibAtOnce,
    long? RssKibSettled,
    long? RssKibEnd,
    double? KibPerConnection,
    double? KibPerConnectionSettled);
