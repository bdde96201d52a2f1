#!/usr/bin/env bash
# runserver's stack (embedded broker + claim-service) answers HTTP, and on SIGTERM every
# process it started exits and nothing is left behind.
#   bash runserver_sigterm_test.sh BUILD_DIR
set -euo pipefail
build_dir=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/tests/stack.sh
source "$here/stack.sh" runserver_sigterm
start_stack "$build_dir"

port=$(cat "$data_dir/claim-service/port")
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
[ "$code" = 200 ] || { echo "FAIL: /healthz answered $code"; cat "$log"; exit 1; }
pgrep -f -- "$data_dir" >/dev/null || { echo "FAIL: no child processes found"; exit 1; }
# A replay while the service runs is refused, naming the instance, and touches nothing.
db="$data_dir/claim-service/claims.sqlite"
for _ in $(seq 1 100); do
  [ -n "$(find "$data_dir/claim-service/snapshots" -name 'snapshot-*.sqlite' 2>/dev/null)" ] && break
  sleep 0.1
done
if replayed=$(bash "$here/../replay.sh" "$build_dir" claim-service --data-dir "$data_dir" 2>&1); then
  echo "FAIL: replay ran against a running claim-service: $replayed"
  exit 1
fi
grep -q "LOCKED: instance claim-service/claim-1 is running" <<<"$replayed" ||
  { echo "FAIL: replay's refusal: $replayed"; exit 1; }
if [ ! -f "$db" ] || compgen -G "$db.lost-*" >/dev/null; then
  echo "FAIL: replay moved the live database"
  exit 1
fi

kill -TERM "$stack"
for _ in $(seq 1 300); do
  kill -0 "$stack" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$stack" 2>/dev/null; then echo "FAIL: run_stack still running 30 s after SIGTERM"; cat "$log"; exit 1; fi
wait "$stack" || { echo "FAIL: run_stack exited with $?"; cat "$log"; exit 1; }
if pgrep -af -- "$data_dir"; then echo "FAIL: processes left behind"; exit 1; fi
grep -q '"msg":"claim-service stopped"' "$log" || { echo "FAIL: claim-service did not stop cleanly"; cat "$log"; exit 1; }
[ ! -e "$data_dir/broker/bootstrap.servers" ] || { echo "FAIL: broker did not clean up"; exit 1; }
if grep '"level":"error"' "$log"; then echo "FAIL: errors logged during start or shutdown"; exit 1; fi
echo "PASS: every process exited on SIGTERM"
