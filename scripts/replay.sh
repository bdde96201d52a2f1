#!/usr/bin/env bash
# Rebuilds a service's database from its newest snapshot plus every instance WAL of the
# service, with walctl restore, and puts it in place. Run it with the service's instances
# stopped: each running instance holds its WAL's LOCK, so a running one is refused (LOCKED,
# naming it) before anything is touched, and the locks are held until the end, so no instance
# starts meanwhile. The database it replaces (if any) is kept beside it as <db>.lost-<time>.
#   bash scripts/replay.sh BUILD_DIR claim-service|payment-service [--data-dir DIR]
#                          [--snapshot FILE]
set -euo pipefail
build_dir=$(cd "${1:?usage: replay.sh BUILD_DIR SERVICE [--data-dir DIR] [--snapshot FILE]}" && pwd)
service=${2:?usage: replay.sh BUILD_DIR SERVICE [--data-dir DIR] [--snapshot FILE]}
shift 2
data_dir=${DATA_DIR:-data}
snapshot=
while [ $# -gt 0 ]; do
  case $1 in
    --data-dir) data_dir=$2; shift 2 ;;
    --snapshot) snapshot=$2; shift 2 ;;
    *) echo "replay: unknown argument $1" >&2; exit 2 ;;
  esac
done
case $service in
  claim-service) db_file=claims.sqlite ;;
  payment-service) db_file=payments.sqlite ;;
  *) echo "replay: the service is claim-service or payment-service, not '$service'" >&2; exit 2 ;;
esac
root="$data_dir/$service"
db="$root/$db_file"
if [ -z "$snapshot" ]; then
  # Names carry a zero-padded position, so the newest sorts last.
  snapshot=$(find "$root/snapshots" -maxdepth 1 -name 'snapshot-*.sqlite' 2>/dev/null | sort | tail -n 1 || true)
fi
if [ -z "$snapshot" ] || [ ! -f "$snapshot" ]; then
  echo "replay: no snapshot in $root/snapshots (services take one every SNAPSHOT_INTERVAL_S, or POST /admin/snapshot)" >&2
  exit 1
fi
wal_args=()
for w in "$root"/wal/*/; do
  [ -f "$w/wal_id" ] && wal_args+=(--wal "${w%/}")
done
[ ${#wal_args[@]} -gt 0 ] || { echo "replay: no WAL directories under $root/wal" >&2; exit 1; }
for w in "$root"/wal/*/; do
  [ -f "$w/wal_id" ] || continue
  exec {lock_fd}>>"${w}LOCK"
  if ! flock -n "$lock_fd"; then
    echo "replay: LOCKED: instance $(cat "$w/wal_id") is running (it holds ${w}LOCK); stop the service's instances, then run replay again" >&2
    exit 1
  fi
done
for w in "$root"/wal/*/; do
  status=0
  "$build_dir/wal/walctl" verify "${w%/}" >/dev/null || status=$?
  if [ "$status" = 2 ]; then
    echo "replay: ${w%/} is corrupt: inspect it with walctl verify/dump, repair it, then run again" >&2
    exit 1
  fi
done
out="$db.restored"
rm -f "$out" "$out-wal" "$out-shm"
echo "replay: $snapshot + $((${#wal_args[@]} / 2)) WAL(s) -> $db"
"$build_dir/wal/walctl" restore --snapshot "$snapshot" "${wal_args[@]}" --out "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
for suffix in "" -wal -shm; do
  [ -e "$db$suffix" ] && mv "$db$suffix" "$db.lost-$stamp$suffix"
done
for suffix in "" -wal -shm; do
  [ -e "$out$suffix" ] && mv "$out$suffix" "$db$suffix"
done
echo "replay: done; start the service's instances again"
