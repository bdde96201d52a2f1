#!/usr/bin/env bash
# SIGKILLs a WAL writer at random moments; after each kill, every entry the writer had
# acknowledged (recorded outside the killed process) must be in the recovered log, intact, with
# dense LSNs, and walctl verify must say clean or torn tail (never corrupt).
#   bash sigkill_test.sh CRASH_WRITER WALCTL ITERATIONS [SEED]
# Soak: ITERATIONS=2000. The seed is printed so a failing run can be replayed.
set -euo pipefail
writer=$1
walctl=$2
iterations=$3
seed=${4:-$RANDOM}
RANDOM=$seed
echo "sigkill_test: $iterations iterations, seed $seed"
work=$(mktemp -d /tmp/wal_sigkill.XXXXXX)
trap 'rm -rf "$work"' EXIT
dir="$work/wal"
acks="$work/acks"
torn=0
for ((i = 1; i <= iterations; i++)); do
  "$writer" write "$dir" "$acks" $((1 + RANDOM % 8)) 2>"$work/writer.err" &
  pid=$!
  # Let it run 5-80 ms, then kill it without warning.
  sleep "0.0$((5 + RANDOM % 75))" 2>/dev/null || sleep 0.05
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # A writer killed before it even created the directory has written and acknowledged nothing.
  verdict=0
  if [ -d "$dir" ]; then
    set +e
    "$walctl" verify "$dir" >"$work/verify.out"
    verdict=$?
    set -e
  fi
  if [ "$verdict" -eq 2 ] || [ "$verdict" -gt 2 ]; then
    echo "FAIL at iteration $i (seed $seed): walctl verify exit $verdict: $(cat "$work/verify.out")"
    exit 1
  fi
  [ "$verdict" -eq 1 ] && torn=$((torn + 1))
  if ! out=$("$writer" check "$dir" "$acks"); then
    echo "FAIL at iteration $i (seed $seed): $out"
    cat "$work/writer.err"
    exit 1
  fi
done
echo "sigkill_test: PASS: $iterations kills, $torn torn tails cut, $(wc -l <"$acks" 2>/dev/null || echo 0) acknowledged entries all intact"
