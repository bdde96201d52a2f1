#!/usr/bin/env bash
# Benchmarks the policy API with wrk (keep-alive connections) against a running stack from
# BUILD_DIR, with events flowing to the embedded broker, beside the same server's trivial
# handler (/healthz) and the machine's durable-write floors measured in the same run.
#   bash scripts/bench_policies.sh BUILD_DIR [--duration S] [--connections N]
set -euo pipefail
build_dir=$(cd "${1:?usage: bench_policies.sh BUILD_DIR}" && pwd)
shift
duration=10
connections=32
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d /tmp/bench_policies.XXXXXX)
stack_pid=
cleanup() {
  [ -n "$stack_pid" ] && kill -TERM "$stack_pid" 2>/dev/null && wait "$stack_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
"$build_dir/scripts/bench-limits" --dir "$work/limits" --count 2000

DATA_DIR="$work/data" CLAIM_SERVICE_PORT=0 ACCESS_LOG=${ACCESS_LOG:-true} \
  bash "$here/run_stack.sh" "$build_dir" --payments 0 >"$work/stack.log" 2>&1 &
stack_pid=$!
for _ in $(seq 1 600); do grep -q "run_stack: ready" "$work/stack.log" && break; sleep 0.1; done
grep -q "run_stack: ready" "$work/stack.log" || { cat "$work/stack.log"; exit 1; }
port=$(cat "$work/data/claim-service/port")
base="http://127.0.0.1:$port"

# run NAME wrk-args...: prints NAME, req/s, p50, p99 and non-2xx answers.
names=()
rates=()
run() {
  local name=$1; shift
  local out
  out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "$@")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  local errors
  errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  names+=("$name")
  rates+=("$rps")
  printf '%-22s %10s req/s  p50 %8s  p99 %8s  non-2xx %s\n' "$name" "$rps" "$p50" "$p99" "${errors:-0}"
}

echo "== wrk -t2 -c$connections -d${duration}s against $base (access log ${ACCESS_LOG:-true})"
run "trivial GET /healthz" "$base/healthz"
run "POST /policies" -s "$here/bench/policy_create.lua" "$base"
curl -s "$base/policies?limit=500" | grep -o '"policy_id":"[^"]*"' | cut -d'"' -f4 >"$work/ids"
echo "   ($(wc -l <"$work/ids") ids for the GET and PUT runs)"
IDS_FILE="$work/ids" BENCH_MODE=get run "GET /policies/{id}" -s "$here/bench/policy_read.lua" "$base"
run "GET /policies?limit=50" "$base/policies?limit=50"
IDS_FILE="$work/ids" BENCH_MODE=put run "PUT /policies/{id}" -s "$here/bench/policy_read.lua" "$base"

echo "== ratios to the trivial handler"
for i in "${!names[@]}"; do
  awk -v n="${names[$i]}" -v r="${rates[$i]}" -v t="${rates[0]}" \
    'BEGIN {printf "%-22s %5.1f%%\n", n, 100 * r / t}'
done
sleep 2
echo "== events"
curl -s "$base/metrics" | grep -E '^claims_events_(delivered|failed|not_queued)_total' || true
