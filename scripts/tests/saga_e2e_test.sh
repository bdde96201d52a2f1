#!/usr/bin/env bash
# End to end, with real processes: the embedded broker, claim-service and 3 payment-service
# instances (10% of claims declined by NPI, 5% transient gateway failures). 1,000 claims go
# through, some are cancelled, and payment-2 is SIGKILLed mid-run: its partitions move to the
# others and its claims still finish. claims-load then checks invariants 1-4 of the brief from
# the databases, the ledger and the WALs.
#   bash saga_e2e_test.sh BUILD_DIR [CLAIMS] [SEED]
set -euo pipefail
build_dir=$(cd "$1" && pwd)
claims=${2:-1000}
seed=${3:-$RANDOM}
echo "seed $seed (replay: bash $0 $1 $claims $seed)"
data_dir=$(mktemp -d /tmp/saga_e2e.XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${keep:-0}" = 1 ]; then echo "logs kept in $data_dir"; else rm -rf "$data_dir"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; keep=1; tail -n 20 "$data_dir"/*.log; exit 1; }

wait_file() {  # path pid
  for _ in $(seq 1 900); do
    [ -s "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || fail "process $2 exited before writing $1"
    sleep 0.1
  done
  fail "timed out waiting for $1"
}

"$build_dir/scripts/embedded-broker" --data-dir "$data_dir" >"$data_dir/broker.log" 2>&1 &
pids+=($!)
wait_file "$data_dir/broker/bootstrap.servers" "${pids[-1]}"

export DATA_DIR=$data_dir ACCESS_LOG=false KAFKA_PROFILE=dev
CLAIM_SERVICE_PORT=0 ANSWER_TIMEOUT_MS=2000 RETRY_BACKOFF_MS=50 PAYMENT_DEADLINE_MS=120000 \
  "$build_dir/claim-service/claim-service" --port-file "$data_dir/claim.port" \
  >"$data_dir/claim-service.log" 2>&1 &
pids+=($!)
claim_pid=${pids[-1]}
declare -A payment_pid
for n in 1 2 3; do
  PAYMENT_SERVICE_PORT=0 GATEWAY_DECLINED_NPIS=9999999999 GATEWAY_TRANSIENT_FAILURE_RATE=0.05 \
    GATEWAY_LATENCY_MS=5 GATEWAY_SEED=$((seed + n)) \
    "$build_dir/payment-service/payment-service" --instance-id "payment-$n" \
    --port-file "$data_dir/payment-$n.port" >"$data_dir/payment-$n.log" 2>&1 &
  pids+=($!)
  payment_pid[$n]=$!
done
wait_file "$data_dir/claim.port" "$claim_pid"
for n in 1 2 3; do wait_file "$data_dir/payment-$n.port" "${payment_pid[$n]}"; done
port=$(cat "$data_dir/claim.port")

"$build_dir/scripts/claims-load" --url "http://127.0.0.1:$port" --data-dir "$data_dir" \
  --claims "$claims" --batch 50 --threads 2 --seed "$seed" --timeout 240 \
  >"$data_dir/load.out" 2>&1 &
load=$!
# Kill payment-2 once payments are flowing.
for _ in $(seq 1 600); do
  settled=$(sqlite3 "$data_dir/payment-gateway/ledger.sqlite" \
    "SELECT COUNT(*) FROM charges" 2>/dev/null || echo 0)
  [ "${settled:-0}" -ge 50 ] && break
  sleep 0.1
done
kill -KILL "${payment_pid[2]}"
echo "killed payment-2 after $settled charges"
status=0
wait "$load" || status=$?
cat "$data_dir/load.out"
[ "$status" = 0 ] || fail "claims-load reported a broken invariant or unfinished claims"
grep -q "^PASS" "$data_dir/load.out" || fail "claims-load did not pass"
if grep -h '"level":"error"' "$data_dir/claim-service.log" "$data_dir"/payment-[13].log; then
  fail "error-level log lines"
fi
echo "PASS"
