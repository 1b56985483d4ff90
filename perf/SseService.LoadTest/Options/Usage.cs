namespace SseService.LoadTest.Options;

/// <summary>The <c>--help</c> text.</summary>
internal static class Usage
{
    public const string Text = """
        SseService load test: opens many SSE subscribers over raw HTTP/1.1 sockets, publishes over gRPC
        BroadcastStream at a steady rate, and reports deliveries/s, publish-to-receive latency, gaps,
        duplicates, lost connections and (with --server-pid) the server's CPU and memory cost.

        Usage: dotnet run --project perf/SseService.LoadTest -c Release -- [options]

        Targets
          --sse-url URL              SSE base URL (http only; a path is kept as path base)  [http://localhost:8001]
          --grpc-url URL             gRPC base URL (h2c or https)                            [http://localhost:8002]
          --server-pid PID           server process on this machine: CPU µs/delivery, CPU %, RSS KiB/connection

        Subscribers
          --subscribers N            SSE connections to open                                  [1000]
          --namespaces K             leaf namespaces; subscribers and messages round-robin    [1]
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
          --no-publish               publish nothing, open no gRPC connection: another program publishes
                                     (e.g. floor/sse-floor.c through run-floor.sh, the write(2)-only floor);
                                     --rate is then the rate it was given, for the report. Everything else
                                     is measured as usual; messages per window come from the sequences seen

        Timing and output
          --warmup SECONDS           publishing before the measured window                    [2]
          --duration SECONDS         measured window                                          [10]
          --json FILE                write the JSON summary to FILE instead of stdout
          --help                     this text

        A progress line goes to stderr every second; at the end a summary goes to stderr and the JSON
        summary to stdout (or --json FILE). Exit code 0 on a completed run, 1 when it could not run,
        2 for bad arguments.

        Many connections: every subscriber is a file descriptor. Raise the limit in the shell first,
            ulimit -n 200000
        and beyond ~28,000 subscribers give more loopback source addresses (127.0.0.0/8 is all local).

        Example, from the repository root (server on core 0, the tool on core 1):
            dotnet build src/SseService -c Release
            taskset -c 0 dotnet src/SseService/bin/Release/net10.0/SseService.dll --contentRoot "$PWD/src/SseService" &
            ulimit -n 200000
            taskset -c 1 dotnet run --project perf/SseService.LoadTest -c Release -- \
                --subscribers 1000 --rate 100 --payload 64 --warmup 2 --duration 10 --server-pid $!

        """;
}
