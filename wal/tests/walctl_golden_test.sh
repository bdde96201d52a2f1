#!/usr/bin/env bash
# walctl against golden output: dump of a known log, and verify's exit codes for a clean log,
# a torn tail (1) and corruption (2), and repair cutting the torn tail.
#   bash walctl_golden_test.sh WALCTL CRASH_WRITER GOLDEN_DIR
set -euo pipefail
walctl=$1
writer=$2
golden=$3
work=$(mktemp -d /tmp/walctl_golden.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$writer" golden "$work/wal"
"$walctl" dump "$work/wal" >"$work/dump.jsonl"
diff -u "$golden/dump.jsonl" "$work/dump.jsonl" || fail "dump differs from $golden/dump.jsonl"
"$walctl" dump "$work/wal" --from 3 | diff -u <(tail -1 "$golden/dump.jsonl") - || fail "dump --from 3"

"$walctl" verify "$work/wal" >"$work/verify.txt" || fail "verify of a clean log exited $?"
[ "$(cat "$work/verify.txt")" = "clean: 1 segments, LSN 1..3" ] || fail "verify said: $(cat "$work/verify.txt")"

segment="$work/wal/wal-00000000000000000001.log"
cp -r "$work/wal" "$work/torn"
truncate -s -5 "$work/torn/$(basename "$segment")"
set +e; "$walctl" verify "$work/torn" >/dev/null; code=$?; set -e
[ "$code" -eq 1 ] || fail "verify of a torn tail exited $code, not 1"
"$walctl" repair "$work/torn" | grep -q "^cut " || fail "repair did not cut the torn tail"
compgen -G "$work/torn/*.torn-*" >/dev/null || fail "repair kept no copy"
"$walctl" verify "$work/torn" >/dev/null || fail "verify after repair exited $?"

cp -r "$work/wal" "$work/corrupt"
# Flip a byte inside the first record's payload (header 64 + record header 28 + 10).
printf 'X' | dd of="$work/corrupt/$(basename "$segment")" bs=1 seek=102 conv=notrunc status=none
set +e; "$walctl" verify "$work/corrupt" >/dev/null; code=$?; set -e
[ "$code" -eq 2 ] || fail "verify of corruption exited $code, not 2"
set +e; "$walctl" repair "$work/corrupt" 2>/dev/null; code=$?; set -e
[ "$code" -eq 2 ] || fail "repair without --force cut corruption"
"$walctl" repair --force "$work/corrupt" >/dev/null || fail "repair --force failed"
[ "$("$walctl" verify "$work/corrupt")" = "clean: 1 segments, LSN 0..0" ] || fail "after repair --force"
echo "PASS: walctl dump matches golden output; verify exit codes 0/1/2; repair cuts and keeps copies"
