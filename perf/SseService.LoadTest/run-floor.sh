#!/usr/bin/env bash
# Measures the physical floor the way run-pinned.sh measures the server: floor/sse-floor.c (nothing but
# one write(2) per event per subscriber) pinned to core 0, the load tool pinned to core 1 with
# --no-publish and the floor's pid, both on loopback; prints the tool's JSON summary on stdout.
#   bash perf/SseService.LoadTest/run-floor.sh [--batch K] -- [load tool options ...]
# e.g. bash perf/SseService.LoadTest/run-floor.sh -- --subscribers 1000 --rate 100 --payload 64 --warmup 2 --duration 10
# --batch K writes K events per write(2) (the coalescing floor). The floor publishes at the tool's
# --rate and --payload and starts once the tool's --subscribers are connected, so every sequence
# starts at 1. With the tool's --idle the floor publishes nothing (--rate 0): its memory per idle
# stream, read the same way as the server's (at once, and after --settle seconds). Needs gcc (the floor is compiled into obj/floor when missing or older than its source)
# and the tool's Release build: dotnet build -c Release perf/SseService.LoadTest
set -euo pipefail
cd "$(dirname "$0")/../.."

batch=1
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case $1 in
    --batch) batch=$2; shift 2 ;;
    --batch=*) batch=${1#--batch=}; shift ;;
    *) echo "run-floor.sh: unknown option $1 (floor options: --batch K; tool options go after --)" >&2; exit 2 ;;
  esac
done
[ "${1:-}" = "--" ] && shift

# The floor takes the tool's own values (and its defaults), so both agree on what is published.
rate=100 payload=64 subscribers=1000 idle=false
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[i]} in
    --rate) rate=${args[i + 1]:-} ;;
    --rate=*) rate=${args[i]#--rate=} ;;
    --payload) payload=${args[i + 1]:-} ;;
    --payload=*) payload=${args[i]#--payload=} ;;
    --subscribers) subscribers=${args[i + 1]:-} ;;
    --subscribers=*) subscribers=${args[i]#--subscribers=} ;;
    --idle|--idle=true) idle=true ;;
    --idle=false) idle=false ;;
    --namespaces|--namespaces=*)
      # The floor sends one sequence to every socket, whatever path it asked for.
      echo "run-floor.sh: ${args[i]} does not apply to the floor" >&2; exit 2 ;;
  esac
done
if [ "$idle" = true ]; then
  rate=0 # the floor's idle mode: streams answered, nothing published
else
  [ "$rate" != 0 ] || { echo "run-floor.sh: the floor needs a paced --rate above 0 (or the tool's --idle)" >&2; exit 2; }
fi

port=${SSE_FLOOR_PORT:-9403}
tool_dll=perf/SseService.LoadTest/bin/Release/net10.0/SseService.LoadTest.dll
[ -f "$tool_dll" ] || { echo "build first: dotnet build -c Release perf/SseService.LoadTest" >&2; exit 2; }
source=perf/SseService.LoadTest/floor/sse-floor.c
floor=perf/SseService.LoadTest/obj/floor/sse-floor
if [ ! -x "$floor" ] || [ "$source" -nt "$floor" ]; then
  mkdir -p "$(dirname "$floor")"
  gcc -O2 -Wall -Wextra -o "$floor" "$source" -lpthread
fi

log=$(mktemp)
# taskset execs the floor, so $! is the floor's own pid: the one the tool watches.
taskset -c 0 "$floor" --port "$port" --rate "$rate" --payload "$payload" --batch "$batch" --subscribers "$subscribers" 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; cat "$log" >&2; rm -f "$log"' EXIT

# Wait until it listens (it says so on stderr once listen(2) returned).
for _ in $(seq 1 100); do
  grep -q listening "$log" && break
  kill -0 $pid 2>/dev/null || exit 1
  sleep 0.05
done

taskset -c 1 dotnet "$tool_dll" --sse-url "http://127.0.0.1:$port" --no-publish --server-pid "$pid" "$@"
