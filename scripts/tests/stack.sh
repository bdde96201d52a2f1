# Sourced by the shell tests that run the local stack:
#   source "$here/stack.sh" NAME   sets data_dir (a fresh /tmp/NAME.XXXXXX) and log, defines
#                                  fail MESSAGE (prints the log's tail, exits 1), and on exit
#                                  kills whatever still runs on data_dir and removes it
#   start_stack BUILD_DIR [run_stack.sh arguments]
#                                  starts scripts/run_stack.sh on a free port, waits up to 90 s
#                                  for it to be ready; sets stack (its pid) and url
# shellcheck shell=bash
stack_name=${1:?usage: source stack.sh NAME}
data_dir=$(mktemp -d "/tmp/$stack_name.XXXXXX")
log="$data_dir/stack.log"
stack_scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cleanup() { pkill -KILL -f -- "$data_dir" 2>/dev/null || true; rm -rf "$data_dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -n 40 "$log"; exit 1; }

start_stack() {
  local build=$1
  shift
  DATA_DIR="$data_dir" CLAIM_SERVICE_PORT=0 ACCESS_LOG=false \
    bash "$stack_scripts/run_stack.sh" "$build" "$@" >"$log" 2>&1 &
  stack=$!
  for _ in $(seq 1 900); do
    grep -q "run_stack: ready" "$log" && break
    kill -0 "$stack" 2>/dev/null || fail "stack exited early"
    sleep 0.1
  done
  grep -q "run_stack: ready" "$log" || fail "stack not ready in 90 s"
  # shellcheck disable=SC2034  # read by the test that sourced this file
  url="http://127.0.0.1:$(cat "$data_dir/claim-service/port")"
}
