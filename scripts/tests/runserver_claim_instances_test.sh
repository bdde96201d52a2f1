#!/usr/bin/env bash
# runserver --claims 2: two claim-service instances answer on one port (each answer names its
# instance in X-Instance-Id), share one database (a policy created through one is read through
# the other), each history line names the WAL entry of its step in the WAL of the instance that
# took it, and when one is killed the other keeps serving; SIGTERM then stops everything.
#   bash runserver_claim_instances_test.sh BUILD_DIR
set -euo pipefail
build_dir=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/tests/stack.sh
source "$here/stack.sh" runserver_claims
start_stack "$build_dir" --claims 2 --payments 1
port=$(cat "$data_dir/claim-service/port")
[ "$(cat "$data_dir/claim-service/claim-2.port")" = "$port" ] || fail "the instances listen on different ports"

# New connections are spread over both instances by the kernel.
seen=""
for _ in $(seq 1 60); do
  id=$(curl -s -D - -o /dev/null "http://127.0.0.1:$port/healthz" | tr -d '\r' |
    sed -n 's/^[Xx]-[Ii]nstance-[Ii]d: //p')
  seen="$seen $id"
done
grep -qw claim-1 <<<"$seen" || fail "claim-1 never answered:$seen"
grep -qw claim-2 <<<"$seen" || fail "claim-2 never answered:$seen"

# One database: every policy created through either instance reads back through either.
for n in $(seq 1 10); do
  body='{"policyholder_name": "Ada '"$n"'", "policy_type": "Life", "start_date": "2026-01-01",
         "end_date": "2027-01-01", "premium_amount": 1250.50, "status": "Active"}'
  id=$(curl -s -X POST "http://127.0.0.1:$port/policies/" -H 'Content-Type: application/json' \
    -d "$body" | sed -n 's/.*"policy_id":"\([^"]*\)".*/\1/p')
  [ -n "$id" ] || fail "POST /policies/ gave no policy_id"
  for _ in 1 2 3; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/policies/$id")
    [ "$code" = 200 ] || fail "GET /policies/$id answered $code"
  done
done

# Claims through both instances: each history line names the WAL entry of its step, in the WAL
# of whichever instance took the step, and that entry holds that very line; each instance asks
# payment-service for a claim's payments.
policy=$(curl -s -X POST "http://127.0.0.1:$port/policies" -H 'Content-Type: application/json' \
  -d '{"policyholder_name": "Bo", "policy_type": "Health", "start_date": "2026-01-01",
       "end_date": "2030-01-01", "premium_amount": "10.00", "coverage_amount": 100000}' | jq -r .policy_id)
claims=()
for _ in $(seq 1 10); do
  claims+=("$(curl -s -X POST "http://127.0.0.1:$port/claims" -H 'Content-Type: application/json' \
    -d '{"service_date": "2026-03-28", "submitted_procedure": "D0120", "policy_id": "'"$policy"'",
         "provider_npi": "1234567890", "provider_fees": "100.00", "allowed_fees": "80.00",
         "member_coinsurance": "0.00", "member_copay": "0.00"}' | jq -r .claim_id)")
done
for c in "${claims[@]}"; do
  status=""
  for _ in $(seq 1 300); do
    status=$(curl -s "http://127.0.0.1:$port/claims/$c" | jq -r .status)
    [ "$status" = PAID ] && break
    sleep 0.1
  done
  [ "$status" = PAID ] || fail "claim $c is $status, not PAID"
done
wals=""
for c in "${claims[@]}"; do
  while read -r seq wal_id lsn; do
    wals="$wals $wal_id"
    found=$("$build_dir/wal/walctl" dump "$data_dir/claim-service/wal/${wal_id#claim-service/}" \
      --from "$lsn" | jq -r --arg h "$c/$seq" --argjson lsn "$lsn" 'select(.lsn == $lsn) |
      .payload.changes | any(.table == "claim_history" and .row.history_id == $h and .row.lsn == $lsn)')
    [ "$found" = true ] || fail "history line $c/$seq names $wal_id LSN $lsn, which does not hold it"
  done < <(curl -s "http://127.0.0.1:$port/claims/$c/history" |
    jq -r '.history[] | "\(.seq) \(.wal.wal_id) \(.wal.lsn)"')
done
grep -qw claim-service/claim-1 <<<"$wals" || fail "no step was taken by claim-1:$wals"
grep -qw claim-service/claim-2 <<<"$wals" || fail "no step was taken by claim-2:$wals"
for _ in $(seq 1 6); do
  ledger=$(curl -s "http://127.0.0.1:$port/claims/${claims[0]}/payments" | jq -r '.payments[0].ledger.status')
  [ "$ledger" = SETTLED ] || fail "GET /claims/{id}/payments: the ledger says '$ledger', not SETTLED"
done

# One instance killed: the stack carries on, the other answers every request.
victim=$(pgrep -f -- "--instance-id claim-1 --port-file $data_dir" | head -n 1)
[ -n "$victim" ] || fail "claim-1's process not found"
kill -KILL "$victim"
for _ in $(seq 1 50); do grep -q "claim-service (pid $victim) exited" "$log" && break; sleep 0.1; done
grep -q "claim-service (pid $victim) exited" "$log" || fail "run_stack did not report the kill"
kill -0 "$stack" 2>/dev/null || fail "the stack stopped when one claim-service instance died"
for _ in $(seq 1 20); do
  out=$(curl -s -D - -o /dev/null "http://127.0.0.1:$port/healthz" | tr -d '\r')
  grep -q "^HTTP/1.1 200" <<<"$out" || fail "/healthz failed after the kill: $out"
  grep -qi "^x-instance-id: claim-2" <<<"$out" || fail "an answer not from claim-2: $out"
done

kill -TERM "$stack"
for _ in $(seq 1 300); do kill -0 "$stack" 2>/dev/null || break; sleep 0.1; done
kill -0 "$stack" 2>/dev/null && fail "run_stack still running 30 s after SIGTERM"
if pgrep -af -- "$data_dir"; then fail "processes left behind"; fi
echo "PASS: two claim-service instances on one port, one database; one killed, the other served"
