using System.Net;

namespace SseService.LoadTest.Options;

/// <summary>What one run does, as given on the command line (see <see cref="Usage"/>).</summary>
internal sealed record LoadOptions
{
    public bool ShowHelp { get; init; }

    /// <summary>Base URL of the SSE endpoint; any path is kept as a path base before <c>/subscribe</c>.</summary>
    public Uri SseUrl { get; init; } = new("http://localhost:8001");

    /// <summary>Base URL of the gRPC (h2c) endpoint.</summary>
    public Uri GrpcUrl { get; init; } = new("http://localhost:8002");

    public int Subscribers { get; init; } = 1000;

    /// <summary>Leaf namespaces the subscribers and messages are spread over, round-robin.</summary>
    public int Namespaces { get; init; } = 1;

    /// <summary>Leaves each subscriber's one stream is on: subscriber i takes leaves i, i+1 ... i+M-1 (mod K).</summary>
    public int NamespacesPerSubscriber { get; init; } = 1;

    /// <summary>Subscribers use the gRPC Subscribe RPC against <see cref="GrpcUrl"/> instead of SSE.</summary>
    public bool GrpcSubscribe { get; init; }

    /// <summary>Segments of each leaf below <see cref="Prefix"/>.</summary>
    public int Depth { get; init; } = 1;

    public string Prefix { get; init; } = "/load";

    /// <summary>Total messages per second over all namespaces; 0 publishes as fast as the stream accepts.</summary>
    public double Rate { get; init; } = 100;

    /// <summary>Size of each message's data in bytes (at least what the sequence and timestamp need).</summary>
    public int PayloadBytes { get; init; } = 64;

    public double DurationSeconds { get; init; } = 10;

    public double WarmupSeconds { get; init; } = 2;

    /// <summary>Share of subscribers that never read after the response headers.</summary>
    public double StalledPercent { get; init; }

    public bool Reconnect { get; init; }

    /// <summary>Local addresses client sockets bind to, round-robin; empty lets the kernel choose.</summary>
    public IReadOnlyList<IPAddress> SourceAddresses { get; init; } = [];

    /// <summary>The server's process id on this machine, for its CPU and memory figures.</summary>
    public int? ServerPid { get; init; }

    /// <summary>Where the JSON summary goes; null writes it to stdout.</summary>
    public string? JsonFile { get; init; }

    /// <summary>Connection attempts in flight at once, so the server's listen backlog never overflows.</summary>
    public int ConnectConcurrency { get; init; } = 200;

    /// <summary>Concurrent BroadcastStream calls; each owns a fixed share of the namespaces, so order holds.</summary>
    public int Publishers { get; init; } = 1;

    /// <summary>
    /// Publish nothing and open no gRPC connection: another program publishes (e.g. floor/sse-floor.c),
    /// and the run only subscribes and measures. <see cref="Rate"/> is then the rate it is told to publish at.
    /// </summary>
    public bool NoPublish { get; init; }

    /// <summary>
    /// Publish from a second process of this tool (<c>--role publisher</c>), started on the same cores once
    /// every subscriber is open and stopped when the window closes, so the publisher's cost never hides in
    /// the subscribers' process (or theirs in its).
    /// </summary>
    public bool PublisherProcess { get; init; }

    /// <summary>This process only publishes (<c>--role publisher</c>): no subscriber, no report but the publisher's own.</summary>
    public bool PublisherRole { get; init; }

    /// <summary>With <see cref="PublisherRole"/>: stop publishing when standard input closes (how a subscriber process ends the publisher it started).</summary>
    public bool StopOnStdinEof { get; init; }

    /// <summary>
    /// Seconds of silence after the memory is read at once (every stream open, nothing published yet),
    /// before it is read again as the settled figure; 0 reads it only at once.
    /// </summary>
    public double SettleSeconds { get; init; }

    /// <summary>Publish nothing and open no window: connect, read memory at once and after <see cref="SettleSeconds"/>, report.</summary>
    public bool Idle { get; init; }

    /// <summary>True when this process publishes itself (in-process publisher).</summary>
    public bool PublishesInProcess => !NoPublish && !Idle && !PublisherProcess;

    public int StalledSubscribers => (int)Math.Round(Subscribers * StalledPercent / 100.0);

    /// <summary>
    /// The reconnect storm (<c>--storm</c>): after the warm-up every stream is cut at once, then every
    /// subscriber reconnects with Last-Event-ID while publishing goes on; the measured window opens at the cut.
    /// </summary>
    public bool Storm { get; init; }

    /// <summary>Who cuts the streams in a storm.</summary>
    public StormCut StormCut { get; init; } = StormCut.Server;

    /// <summary>Each subscriber waits a random 0 to this many milliseconds after the cut before reconnecting; 0 reconnects at once.</summary>
    public double StormJitterMilliseconds { get; init; }

    /// <summary>How long the storm may take (cut to every subscriber caught up) before it is reported as not finished.</summary>
    public double StormTimeoutSeconds { get; init; } = 120;
}

/// <summary>How a storm cuts every stream at once.</summary>
internal enum StormCut
{
    /// <summary>
    /// The kernel aborts the server's end of every stream (<c>ss -K</c>, SOCK_DESTROY): each subscriber
    /// gets a reset, as from a server or proxy that drops its connections; the server process keeps running.
    /// </summary>
    Server,

    /// <summary>The tool closes every socket itself (the server sees each client leave).</summary>
    Tool,
}
