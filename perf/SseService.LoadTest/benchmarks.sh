#!/usr/bin/env bash
# Runs every scenario of docs/benchmarks.md, each RUNS times (default 3), through run-pinned.sh
# (server on core 0, tool on core 1), writes one JSON summary per run into OUT and prints medians.
# The floor scenarios run the write(2)-only floor program instead of the server (run-floor.sh), first,
# so a full run measures floor and server under the same conditions. kestrel-baseline measures what
# plain Kestrel holds per idle stream (run-kestrel-baseline.sh), the floor under scenario 5's memory.
#   bash perf/SseService.LoadTest/benchmarks.sh [OUT] [scenario ...]     (default: all scenarios)
# Needs: a Release build (dotnet build -c Release src/SseService && dotnet build -c Release perf/SseService.LoadTest),
# taskset, gcc (the floor), redis-server (for the backplane scenario) and python3 (a local OTLP sink).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-/tmp/sse-benchmarks}; shift || true
runs=${RUNS:-3}
mkdir -p "$out"
pinned=perf/SseService.LoadTest/run-pinned.sh
floor=perf/SseService.LoadTest/run-floor.sh
base=(--payload 64 --warmup 2 --duration 10)
# Light loads are measured after 15 s: for the first seconds the runtime recompiles hot methods on a
# background thread (tiered compilation, dynamic PGO), which shows as CPU and latency that a running
# service no longer has. The floor gets the same warmup, so pairs stay comparable.
steady=(--payload 64 --warmup 15 --duration 10)

run() { # name, then server args -- tool args; with script=$floor, floor args -- tool args
  local name=$1 i; shift
  for i in $(seq 1 "$runs"); do
    echo "== $name run $i" >&2
    bash "${script:-$pinned}" "$@" --json "$out/$name-$i.json" 2>"$out/$name-$i.log" || echo "   (failed; see $out/$name-$i.log)" >&2
  done
}

otlp_sink() { # an OTLP/HTTP receiver that accepts and drops everything, on core 1
  taskset -c 1 python3 - "$1" >/dev/null 2>&1 <<'PY' &
import http.server, sys
class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', 0)))
        self.send_response(200); self.send_header('Content-Type', 'application/x-protobuf')
        self.send_header('Content-Length', '0'); self.end_headers()
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), Sink).serve_forever()
PY
  echo $!
}

scenarios=("$@")
[ ${#scenarios[@]} -eq 0 ] && scenarios=(floor floor-batch10 floor-10k pairs s1 s1-pipeline s2 s3 s4a s4b s5 kestrel-baseline s6 s7 telemetry history redis)
for scenario in "${scenarios[@]}"; do
  case $scenario in
    floor) script=$floor run floor-1000x100 -- --subscribers 1000 --rate 100 "${steady[@]}" ;;
    floor-batch10) script=$floor run floor-batch10-1000x1000 --batch 10 -- --subscribers 1000 --rate 1000 "${base[@]}" ;;
    floor-10k) script=$floor run floor-10000x10 -- --subscribers 10000 --rate 10 "${steady[@]}" ;;
    pairs) # floor and server alternately, so each pair shares the machine's conditions: the ratios are printed at the end
      for i in $(seq 1 "$runs"); do
        runs=1 script=$floor run "pair-floor-$i" -- --subscribers 1000 --rate 100 "${steady[@]}"
        runs=1 run "pair-server-$i" -- --subscribers 1000 --rate 100 "${steady[@]}"
      done ;;
    s1)  run s1-1000x100 -- --subscribers 1000 --rate 100 "${steady[@]}" ;;
    s1-pipeline) run s1-pipeline-1000x100 --Sse:DirectSocketWrites=false -- --subscribers 1000 --rate 100 "${steady[@]}" ;;
    s2)  for rate in 1000 2000 3000; do run "s2-1000x$rate" -- --subscribers 1000 --rate "$rate" "${base[@]}"; done ;;
    s3)  run s3-unpaced -- --subscribers 1000 --rate 0 "${base[@]}" ;;
    s4a) run s4a-10000x10 -- --subscribers 10000 --rate 10 "${steady[@]}" ;;
    s4b) run s4b-100ns-depth3 -- --subscribers 1000 --namespaces 100 --depth 3 --publishers 4 --rate 10000 "${steady[@]}" ;;
    s5)  for n in 1 10000 19000; do run "s5-idle-$n" -- --subscribers "$n" --rate 1 --payload 64 --warmup 1 --duration 5; done ;;
    kestrel-baseline) script=perf/SseService.LoadTest/run-kestrel-baseline.sh run kestrel-baseline-idle-10000 -- --subscribers 10000 --rate 1 --payload 64 --warmup 1 --duration 5 ;;
    s6)  run s6-ingest -- --subscribers 1 --rate 0 "${base[@]}" ;;
    s7)  run s7-stalled10 -- --subscribers 1000 --stalled 10 --rate 100 "${steady[@]}" ;;
    telemetry)
      sink=$(otlp_sink 4318)
      for rate in 1000 0; do
        OTEL_SDK_DISABLED=true run "tele-off-1000x$rate" -- --subscribers 1000 --rate "$rate" "${base[@]}"
        OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf OTEL_METRIC_EXPORT_INTERVAL=1000 \
          run "tele-on-1000x$rate" -- --subscribers 1000 --rate "$rate" "${base[@]}"
      done
      kill "$sink" ;;
    history)
      run hist-on-unpaced -- --subscribers 1000 --rate 0 "${base[@]}"
      run hist-off-unpaced --Sse:History:MaxEvents=0 -- --subscribers 1000 --rate 0 "${base[@]}" ;;
    redis)
      dir=$(mktemp -d)
      taskset -c 1 redis-server --port 6390 --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no --daemonize no >"$dir/log" 2>&1 &
      redis=$!
      sleep 1
      run redis-1000x100 --ConnectionStrings:redis=127.0.0.1:6390 -- --subscribers 1000 --rate 100 "${base[@]}"
      run inproc-1000x100 -- --subscribers 1000 --rate 100 "${base[@]}"
      run redis-1000x1000 --ConnectionStrings:redis=127.0.0.1:6390 -- --subscribers 1000 --rate 1000 "${base[@]}"
      run inproc-1000x1000 -- --subscribers 1000 --rate 1000 "${base[@]}"
      kill "$redis"; wait "$redis" 2>/dev/null || true; rm -rf "$dir" ;;
    *) echo "unknown scenario $scenario" >&2; exit 2 ;;
  esac
done

python3 - "$out" <<'PY'
import glob, json, os, statistics, sys, collections
runs = collections.defaultdict(list)
for path in sorted(glob.glob(os.path.join(sys.argv[1], '*.json'))):
    name = os.path.basename(path).rsplit('-', 1)[0]
    runs[name].append(json.load(open(path)))
def published_rate(r): # what the tool published, or (--no-publish, the floor) what its subscribers saw
    p = r['published']
    return p['rate_achieved'] if p['rate_achieved'] is not None else p['seen_in_window'] / r['window_seconds']
def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float('nan')
print(f"{'scenario':24} {'n':>2} {'deliv/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'p99.9':>8} {'max ms':>8} {'srv µs/d':>9} {'srv CPU%':>8} {'tool CPU%':>9} {'KiB/conn':>8} {'gaps':>5} {'cut':>5} {'pub/s':>9}")
for name, rs in runs.items():
    g = lambda f: med([f(r) for r in rs])
    print(f"{name:24} {len(rs):>2} {g(lambda r: r['deliveries']['per_second']):>11,.0f} "
          f"{g(lambda r: r['latency_us']['p50'])/1000:>8.1f} {g(lambda r: r['latency_us']['p99'])/1000:>8.1f} "
          f"{g(lambda r: r['latency_us']['p999'])/1000:>8.1f} {g(lambda r: r['latency_us']['max'])/1000:>8.1f} "
          f"{g(lambda r: r['server']['microseconds_per_delivery']):>9.2f} {g(lambda r: r['server']['cpu_percent']):>8.1f} "
          f"{g(lambda r: r['tool']['cpu_percent']):>9.1f} {g(lambda r: r['server']['kib_per_connection']):>8.1f} "
          f"{g(lambda r: r['sequence']['gaps']):>5.0f} {g(lambda r: r['connections']['closed_by_server']):>5.0f} "
          f"{g(published_rate):>9,.0f}")
pairs = sorted({n.split('-')[2] for n in runs if n.startswith('pair-floor-')}, key=int)
ratios = []
for i in pairs:
    floor, server = runs.get(f'pair-floor-{i}'), runs.get(f'pair-server-{i}')
    if floor and server:
        f, s = floor[0], server[0]
        ratios.append((s['server']['microseconds_per_delivery'] / f['server']['microseconds_per_delivery'],
                       s['latency_us']['p99'] / f['latency_us']['p99']))
        print(f"pair {i}: floor {f['server']['microseconds_per_delivery']:.2f} µs, p99 {f['latency_us']['p99']/1000:.1f} ms; "
              f"server {s['server']['microseconds_per_delivery']:.2f} µs, p99 {s['latency_us']['p99']/1000:.1f} ms; "
              f"ratios {ratios[-1][0]:.2f} CPU, {ratios[-1][1]:.2f} p99")
if ratios:
    print(f"median of {len(ratios)} pairs: server/floor {statistics.median(r[0] for r in ratios):.2f} CPU per delivery, "
          f"{statistics.median(r[1] for r in ratios):.2f} p99")
PY
