#!/usr/bin/env bash
# Chaos run: drives claims through the real processes while it repeatedly SIGKILLs and restarts
# claim-service instances (N of them on one port, sharing the database; the others serve
# meanwhile) and payment-service instances, takes the broker down and up, and (once) deletes
# claim-service's database and recovers it from its snapshot plus its WALs with replay.sh. Then
# it checks and prints: claims accepted, terminal, lost, double payments, coverage violations,
# events published and applied, and the recovery time of every restart. Seeded: the same seed
# replays the same sequence of faults.
#   bash scripts/chaos.sh BUILD_DIR [--seed N] [--claims N] [--rounds N] [--payments N]
#                        [--claim-instances N]
set -euo pipefail
build_dir=$(cd "${1:?usage: chaos.sh BUILD_DIR [--seed N] [--claims N] [--rounds N] [--payments N] [--claim-instances N]}" && pwd)
shift
seed=$((RANDOM * 32768 + RANDOM))
claims=2000
rounds=8
payments=2
claim_instances=1
while [ $# -gt 0 ]; do
  case $1 in
    --seed) seed=$2; shift 2 ;;
    --claims) claims=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --payments) payments=$2; shift 2 ;;
    --claim-instances) claim_instances=$2; shift 2 ;;
    *) echo "chaos: unknown argument $1" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RANDOM=$seed
echo "chaos: seed $seed (replay: bash $0 $build_dir --seed $seed --claims $claims --rounds $rounds --payments $payments --claim-instances $claim_instances)"
data=$(mktemp -d /tmp/chaos.XXXXXX)
declare -A pid
keep=0
stop() {  # PID: SIGTERM, then SIGKILL after 20 s
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 1 200); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  local name
  # Services first, the broker last: they flush to it on the way out.
  for name in "${!pid[@]}"; do [ "$name" = broker ] || stop "${pid[$name]}"; done
  [ -n "${pid[broker]:-}" ] && stop "${pid[broker]}"
  if [ "$keep" = 1 ]; then echo "chaos: logs kept in $data"; else rm -rf "$data"; fi
}
trap cleanup EXIT
fail() { echo "chaos: FAIL: $*"; keep=1; exit 1; }
now_ms() { date +%s%3N; }

export DATA_DIR=$data ACCESS_LOG=false KAFKA_PROFILE=dev SNAPSHOT_INTERVAL_S=2 LOG_LEVEL=warn
export ANSWER_TIMEOUT_MS=3000 RETRY_BACKOFF_MS=50 PAYMENT_DEADLINE_MS=600000

"$build_dir/scripts/embedded-broker" --data-dir "$data" >"$data/broker.log" 2>&1 &
pid[broker]=$!
for _ in $(seq 1 300); do [ -s "$data/broker/bootstrap.servers" ] && break; sleep 0.1; done
bootstrap=$(cat "$data/broker/bootstrap.servers")

# start NAME: starts claim-K or payment-K and waits until /readyz answers 200; a start refused
# (its WAL still held by an instance adopting it) is tried again. Claim instances share a port.
reuse_port=false
[ "$claim_instances" -gt 1 ] && reuse_port=true
start() {
  local name=$1 port_file="$data/$1.port"
  for _ in $(seq 1 20); do
    rm -f "$port_file"
    if [ "${name%-*}" = claim ]; then
      REUSE_PORT=$reuse_port CLAIM_SERVICE_PORT=${claim_port:-0} \
        "$build_dir/claim-service/claim-service" --instance-id "$name" \
        --port-file "$port_file" >>"$data/$name.log" 2>&1 &
    else
      PAYMENT_SERVICE_PORT=0 GATEWAY_DECLINED_NPIS=9999999999 GATEWAY_TRANSIENT_FAILURE_RATE=0.05 \
        GATEWAY_SEED=$((seed + ${name#payment-})) "$build_dir/payment-service/payment-service" \
        --instance-id "$name" --port-file "$port_file" >>"$data/$name.log" 2>&1 &
    fi
    pid[$name]=$!
    for _ in $(seq 1 600); do
      if [ -s "$port_file" ] &&
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(cat "$port_file")/readyz")" = 200 ]; then
        return 0
      fi
      kill -0 "${pid[$name]}" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "${pid[$name]}" 2>/dev/null || true
    wait "${pid[$name]}" 2>/dev/null || true
    sleep 0.5
  done
  fail "$name did not become ready"
}

recoveries=()
restart() {  # NAME: SIGKILL, then start again; records the recovery time
  local name=$1 t0
  kill -KILL "${pid[$name]}" 2>/dev/null || true
  wait "${pid[$name]}" 2>/dev/null || true
  t0=$(now_ms)
  start "$name"
  recoveries+=("$name:$(($(now_ms) - t0))ms")
}

start claim-1
claim_port=$(cat "$data/claim-1.port")
for n in $(seq 2 "$claim_instances"); do start "claim-$n"; done
for n in $(seq 1 "$payments"); do start "payment-$n"; done

# Submissions are spread over about as long as the faults take, so requests meet them.
pause_ms=$((rounds * 2000 * 2 * 25 / (claims > 0 ? claims : 1)))
"$build_dir/scripts/claims-load" --url "http://127.0.0.1:$claim_port" --data-dir "$data" \
  --claims "$claims" --batch 25 --threads 2 --batch-pause-ms "$pause_ms" --seed "$seed" \
  --timeout 300 \
  >"$data/load.out" 2>&1 &
load=$!

db_deleted=0
for round in $(seq 1 "$rounds"); do
  sleep "0.$((RANDOM % 9 + 1))"
  action=$((RANDOM % 3))
  [ "$round" = 2 ] && action=3  # the database-loss scenario, once per run
  case $action in
    0)
      victim="claim-$((RANDOM % claim_instances + 1))"
      echo "chaos: round $round: SIGKILL $victim"; restart "$victim"
      ;;
    1) victim="payment-$((RANDOM % payments + 1))"; echo "chaos: round $round: SIGKILL $victim"; restart "$victim" ;;
    2)
      echo "chaos: round $round: broker down for 3 s"
      kill -USR1 "${pid[broker]}"; sleep 3; kill -USR2 "${pid[broker]}"
      ;;
    3)
      echo "chaos: round $round: snapshot on demand, SIGKILL every claim-service instance, delete the database, replay snapshot + WALs"
      curl -s -X POST "http://127.0.0.1:$claim_port/admin/snapshot" >/dev/null
      sleep 0.3
      for n in $(seq 1 "$claim_instances"); do
        kill -KILL "${pid[claim-$n]}"; wait "${pid[claim-$n]}" 2>/dev/null || true
      done
      t0=$(now_ms)
      rm -f "$data"/claim-service/claims.sqlite "$data"/claim-service/claims.sqlite-wal \
        "$data"/claim-service/claims.sqlite-shm
      bash "$here/replay.sh" "$build_dir" claim-service --data-dir "$data" >>"$data/replay.log" 2>&1 ||
        { cat "$data/replay.log"; fail "replay failed"; }
      for n in $(seq 1 "$claim_instances"); do start "claim-$n"; done
      recoveries+=("claim(db lost):$(($(now_ms) - t0))ms")
      db_deleted=1
      ;;
  esac
done

status=0
wait "$load" || status=$?
cat "$data/load.out"
published=0
for t in payment-commands payment-events claim-events; do
  n=$(timeout 20 kcat -b "$bootstrap" -C -t "$t" -o beginning -e -q -f '%k\n' 2>/dev/null | wc -l)
  published=$((published + n))
done
applied_results=$(sqlite3 "$data/claim-service/claims.sqlite" "SELECT COUNT(*) FROM processed_events")
applied_commands=$(sqlite3 "$data/payment-service/payments.sqlite" "SELECT COUNT(*) FROM processed_commands")
echo "chaos: events published (commands, results, claim events, with re-publications) $published;" \
  "applied once: $applied_commands commands, $applied_results results"
echo "chaos: recovery times: ${recoveries[*]:-none}; database lost and rebuilt: $db_deleted"
[ "$status" = 0 ] || fail "claims-load found a broken invariant or unfinished claims (seed $seed)"
echo "chaos: PASS (seed $seed)"
