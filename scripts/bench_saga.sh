#!/usr/bin/env bash
# Benchmarks the saga end to end: claims/s from submission to a terminal state, and the p50/p99
# submission-to-PAID latency, with 1 and then 3 payment-service instances, beside the machine's
# limits measured in the same run (fdatasync, SQLite commit and batch, the raw Kafka producer)
# and the WAL's durable append rate; then the replay rate of walctl restore (entries/s) beside
# SQLite's bulk insert rate. After each saga run it prints each process's peak resident memory.
# Between them, two open-loop runs (claims-load --rate: 1,000 and 5,000 claims/s for 10 s) print
# the latency from each claim's scheduled send time to PAID (p50, p99, p999).
#   bash scripts/bench_saga.sh BUILD_DIR [--claims N]
set -euo pipefail
build_dir=$(cd "${1:?usage: bench_saga.sh BUILD_DIR [--claims N]}" && pwd)
shift
claims=20000
while [ $# -gt 0 ]; do
  case "$1" in
    --claims) claims=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d /tmp/bench_saga.XXXXXX)
stack_pid=
stop_stack() {
  if [ -n "$stack_pid" ]; then
    kill -TERM "$stack_pid" 2>/dev/null || true
    wait "$stack_pid" 2>/dev/null || true
  fi
  stack_pid=
}
cleanup() { stop_stack; rm -rf "$work"; }
trap cleanup EXIT

start_stack() {  # data_dir payments
  DATA_DIR="$1" CLAIM_SERVICE_PORT=0 ACCESS_LOG=false GATEWAY_DECLINED_NPIS=9999999999 \
    bash "$here/run_stack.sh" "$build_dir" --payments "$2" >"$1.log" 2>&1 &
  stack_pid=$!
  for _ in $(seq 1 600); do grep -q "run_stack: ready" "$1.log" && return 0; sleep 0.1; done
  cat "$1.log"
  exit 1
}

print_memory() {  # data_dir: peak and current resident memory of each process of the stack
  local pid args name instance
  for pid in $(pgrep -f -- "--data-dir $1( |\$)"); do
    args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
    name=$(basename "${args%% *}")
    instance=$(sed -n 's/.*--instance-id \([^ ]*\).*/\1/p' <<<"$args")
    awk -v n="$name" -v i="${instance:--}" '/^VmHWM/ {peak=$2} /^VmRSS/ {now=$2}
      END {printf "memory %s %s peak_rss_mb=%.1f rss_mb=%.1f\n", n, i, peak/1024, now/1024}' \
      "/proc/$pid/status"
  done
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
start_stack "$work/limits" 0
"$build_dir/scripts/bench-limits" --dir "$work/limits-disk" --count 2000 \
  --kafka "$(cat "$work/limits/broker/bootstrap.servers")"
stop_stack
echo "== WAL durable appends (fsync always)"
mkdir -p "$work/wal-bench"
"$build_dir/wal/walctl" bench "$work/wal-bench" --seconds 1 2>&1 | grep -E "^raw|^writers|^ +64 +256"

for payments in 1 3; do
  echo "== saga: $claims claims, $payments payment-service instance(s), fsync always"
  start_stack "$work/saga-$payments" "$payments"
  port=$(cat "$work/saga-$payments/claim-service/port")
  # Let the consumer groups settle (the mock broker's first join waits 3 s).
  sleep 5
  "$build_dir/scripts/claims-load" --url "http://127.0.0.1:$port" --data-dir "$work/saga-$payments" \
    --claims "$claims" --batch 200 --threads 4 --cancel-share 0 --timeout 600 | grep -E "result|throughput|PASS|FAIL"
  print_memory "$work/saga-$payments"
  stop_stack
done

# Open loop: a steady arrival rate, latency from each claim's scheduled send time to PAID.
for rate in 1000 5000; do
  echo "== saga open loop: $rate claims/s for 10 s, 3 payment-service instances, fsync always"
  start_stack "$work/open-$rate" 3
  port=$(cat "$work/open-$rate/claim-service/port")
  sleep 5
  "$build_dir/scripts/claims-load" --url "http://127.0.0.1:$port" --data-dir "$work/open-$rate" \
    --claims $((rate * 10)) --rate "$rate" --batch $((rate / 100)) --threads 16 --cancel-share 0 \
    --timeout 600 | grep -E "result|open_loop|PASS|FAIL"
  print_memory "$work/open-$rate"
  stop_stack
done

echo "== replay: rebuild claim-service's database from its first snapshot plus its WAL (walctl restore)"
first_snapshot=$(find "$work/saga-3/claim-service/snapshots" -maxdepth 1 -name 'snapshot-*.sqlite' | sort | head -n 1)
"$build_dir/wal/walctl" restore --snapshot "$first_snapshot" \
  --wal "$work/saga-3/claim-service/wal/claim-1" --out "$work/replayed.sqlite"
echo "(compare entries_per_second with limit sqlite_batch above: rows/s inserted in one transaction)"
