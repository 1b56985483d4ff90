#!/usr/bin/env bash
# Runs one benchmark scenario the comparable way on a 2-core machine: a fresh Release server pinned to
# core 0, the load tool pinned to core 1, both on loopback; prints the tool's JSON summary on stdout.
#   bash perf/SseService.LoadTest/run-pinned.sh [server options ...] -- [load tool options ...]
# e.g. bash perf/SseService.LoadTest/run-pinned.sh -- --subscribers 1000 --rate 100 --payload 64 --duration 10
# Server options are configuration switches such as --Sse:History:MaxEvents=0 or
# --ConnectionStrings:redis=127.0.0.1:6379. Build first: dotnet build -c Release src/SseService && dotnet build -c Release perf/SseService.LoadTest
set -euo pipefail
cd "$(dirname "$0")/../.."

server_args=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do server_args+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift

http_port=${SSE_BENCH_HTTP_PORT:-9401}
grpc_port=${SSE_BENCH_GRPC_PORT:-9402}
server_dll=src/SseService/bin/Release/net10.0/SseService.dll
tool_dll=perf/SseService.LoadTest/bin/Release/net10.0/SseService.LoadTest.dll
[ -f "$server_dll" ] && [ -f "$tool_dll" ] || { echo "build first: dotnet build -c Release src/SseService && dotnet build -c Release perf/SseService.LoadTest" >&2; exit 2; }

log=$(mktemp)
(cd src/SseService && exec taskset -c 0 dotnet bin/Release/net10.0/SseService.dll \
  --Kestrel:Endpoints:Http:Url=http://127.0.0.1:$http_port --Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:$grpc_port \
  --Logging:LogLevel:Default=Warning "${server_args[@]}" >"$log" 2>&1) &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT

# Wait until it answers (a health probe; the server prints nothing at Warning level).
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$http_port/alive" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done

# gRPC subscribers: the client's HTTP/2 streams each rent a 16 KiB receive block per message and give
# it back once read; when a message lands on 1,000 streams at once the shared pool (32 arrays per core)
# runs dry and every further block is a new array (5 KiB allocated per delivery at 200 streams, 0.9 KiB
# with this). Only the tool gets it, and only with --grpc-subscribe, so SSE runs stay as they were.
tool_env=()
for arg in "$@"; do
  case $arg in --grpc-subscribe) tool_env=(DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION=2048) ;; esac
done

env "${tool_env[@]}" taskset -c 1 dotnet "$tool_dll" --sse-url "http://127.0.0.1:$http_port" --grpc-url "http://127.0.0.1:$grpc_port" \
  --server-pid "$(pgrep -f -n "SseService.dll --Kestrel:Endpoints:Http:Url=http://127.0.0.1:$http_port")" "$@"
