namespace SseService.LoadTest.Options;

/// <summary>The <c>--help</c> text.</summary>
internal static class Usage
{
    public const string Text = """
        SseService load test: opens many SSE subscribers over raw HTTP/1.1 sockets, publishes over gRPC
        BroadcastStream at a steady rate, and reports deliveries/s, publish-to-receive latency, gaps,
        duplicates, lost connections and (with --server-pid) the server's CPU and memory cost.

        Usage: dotnet run --project perf/SseService.LoadTest -c Release -- [options]
               dotnet run --project perf/SseService.LoadTest -c Release -- --role publisher [publishing options]

        Targets
          --sse-url URL              SSE base URL (http only; a path is kept as path base)  [http://localhost:8001]
          --grpc-url URL             gRPC base URL (h2c or https)                            [http://localhost:8002]
          --server-pid PID           server process on this machine: CPU µs/delivery, CPU %, RSS KiB/connection
                                     (memory is read before connecting and at once when every stream has its
                                     head and opening comment, before anything is published; nothing forced)

        Subscribers
          --subscribers N            SSE connections to open                                  [1000]
          --namespaces K             leaf namespaces; subscribers and messages round-robin    [1]
          --namespaces-per-subscriber M  each stream is on M of the K leaves (i .. i+M-1 mod K), one
                                     request with ?namespace= repeated; counts checked per leaf  [1]
          --grpc-subscribe           subscribers use gRPC Subscribe on --grpc-url (one HTTP/2
                                     connection per 100 streams) instead of SSE
          --depth D                  segments per leaf: 1 gives /load/n3, 3 gives /load/a1/b2/c3  [1]
          --prefix PATH              namespace all leaves live under                          [/load]
          --stalled PERCENT          share that never read after the headers (tiny receive buffer);
                                     excluded from latency and gaps; the report counts how many the server cut  [0]
          --reconnect                reconnect when the server closes a stream, sending Last-Event-ID
          --source-addresses LIST    comma-separated local addresses to bind, round-robin, e.g.
                                     127.0.0.1,127.0.0.2 (each gives ~28,000 ephemeral ports per target)
          --connect-concurrency C    connection attempts in flight at once                    [200]

        Publishing
          --rate MSGS_PER_S          total messages per second; 0 = as fast as the stream accepts  [100]
          --payload BYTES            data size per message (sequence, timestamp, padding)     [64]
          --publishers P             concurrent BroadcastStream calls (at most K)             [1]
          --publisher-process        publish from a second process of this tool (--role publisher), started
                                     once every stream is open and stopped after the window; it inherits this
                                     process's CPU affinity (so taskset -c 1 pins both to core 1) and its CPU is
                                     reported apart. Latency still comes from the send time in each payload
                                     (one monotonic clock for every process on the machine)
          --no-publish               publish nothing, open no gRPC connection: another program publishes
                                     (e.g. floor/sse-floor.c through run-floor.sh, the write(2)-only floor);
                                     --rate is then the rate it was given, for the report. Everything else
                                     is measured as usual; messages per window come from the sequences seen
          --idle                     publish nothing, open no window: connect, read the server's memory at once
                                     (and after --settle), report. For memory per idle stream

        Reconnect storm
          --storm                    after the warm-up cut every stream at once, then every subscriber reconnects
                                     with Last-Event-ID (the id of the last event it read) while publishing goes
                                     on; the measured window opens at the cut and lasts --duration or until every
                                     one has caught up. Reports: time until all are back (each has its new head),
                                     until all have caught up (every event sent before it was back, checked for
                                     no gap and no duplicate per subscriber), connects/s, and (with --server-pid)
                                     the server's CPU and peak RSS over the storm, read every 20 ms. Implies
                                     --reconnect; reconnects go through --connect-concurrency like any connect
          --storm-cut server|tool    server: the kernel aborts the server's end of every stream from outside
                                     (ss -K on the SSE port; needs CAP_NET_ADMIN, loopback only): each
                                     subscriber gets a reset, the server process keeps running. tool: the tool
                                     closes its sockets itself                                             [server]
          --storm-jitter MS          each subscriber waits a random 0..MS after the cut before reconnecting  [0]
          --storm-timeout SECONDS    give up waiting for every subscriber to catch up after this long        [120]

        Timing and output
          --settle SECONDS           after the memory is read at once, wait this long with nothing sent and read
                                     it again (the settled figure), before publishing starts                [0]
          --warmup SECONDS           publishing before the measured window, counted from the first delivery  [2]
          --duration SECONDS         measured window                                          [10]
          --json FILE                write the JSON summary to FILE instead of stdout
          --help                     this text

        Publisher only
          --role publisher           only publish (--grpc-url, --namespaces, --depth, --prefix, --rate, --payload,
                                     --publishers) for --warmup + --duration seconds, then print what was sent
                                     as JSON (stdout or --json FILE); what --publisher-process starts
          --stop-on-stdin-eof        with --role publisher: publish until standard input closes instead

        A progress line goes to stderr every second; at the end a summary goes to stderr and the JSON
        summary to stdout (or --json FILE). When the tool (with its publisher process) used more than 90%
        of its cores, the summary says so in a BOTTLENECK line (and "bottleneck": true in the JSON): its
        latency and throughput are then the tool's limit. Exit code 0 on a completed run, 1 when it
        could not run or publishing failed, 2 for bad arguments.

        Many connections: every subscriber is a file descriptor. Raise the limit in the shell first,
            ulimit -n 200000     # or as high as ulimit -Hn allows
        and beyond ~28,000 subscribers give more loopback source addresses (127.0.0.0/8 is all local).

        Example, from the repository root (server on core 0, the tool on core 1):
            dotnet build src/SseService -c Release
            taskset -c 0 dotnet src/SseService/bin/Release/net10.0/SseService.dll --contentRoot "$PWD/src/SseService" &
            ulimit -n 200000     # or as high as ulimit -Hn allows
            taskset -c 1 dotnet run --project perf/SseService.LoadTest -c Release -- \
                --subscribers 1000 --rate 100 --payload 64 --warmup 15 --duration 10 --publisher-process --server-pid $!
        (perf/SseService.LoadTest/run-pinned.sh does all of that; benchmarks.sh runs every scenario.)

        """;
}
