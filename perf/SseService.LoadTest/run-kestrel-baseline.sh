#!/usr/bin/env bash
# Measures what plain Kestrel holds per open event stream (perf/KestrelBaseline: headers, ": ok", then
# nothing), the way run-pinned.sh measures the server: the baseline pinned to core 0, the load tool
# pinned to core 1 with --no-publish and the baseline's pid; prints the tool's JSON summary on stdout.
#   bash perf/SseService.LoadTest/run-kestrel-baseline.sh -- --subscribers 10000 --rate 1 --warmup 1 --duration 5
# Needs the tool's Release build (dotnet build -c Release perf/SseService.LoadTest); the baseline is
# built by dotnet run on first use.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "${1:-}" = "--" ] && shift

port=${SSE_BASELINE_PORT:-9404}
tool_dll=perf/SseService.LoadTest/bin/Release/net10.0/SseService.LoadTest.dll
[ -f "$tool_dll" ] || { echo "build first: dotnet build -c Release perf/SseService.LoadTest" >&2; exit 2; }

# Build once outside the measurement; dotnet run then starts the built app.
dotnet build -c Release perf/KestrelBaseline/kestrel-baseline.cs >/dev/null
log=$(mktemp)
taskset -c 0 dotnet run -c Release --no-build --file perf/KestrelBaseline/kestrel-baseline.cs -- --urls "http://127.0.0.1:$port" >"$log" 2>&1 &
runner=$!
trap 'pkill -P $runner 2>/dev/null; kill $runner 2>/dev/null; wait $runner 2>/dev/null; rm -f "$log"' EXIT

for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$port/alive" >/dev/null 2>&1 && break
  kill -0 $runner 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
# dotnet run starts the app as its child: that process is the one to watch.
pid=$(pgrep -f -n "kestrel-baseline.*--urls http://127.0.0.1:$port" | grep -v "^$runner$" | head -1)

taskset -c 1 dotnet "$tool_dll" --sse-url "http://127.0.0.1:$port" --no-publish --server-pid "$pid" "$@"
