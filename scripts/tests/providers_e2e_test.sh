#!/usr/bin/env bash
# Providers end to end, as a provider's platform and an operator would use them: runserver with
# --auth required and two claim-service instances on one port, providers made with claimsctl, a claim published with kcat on the provider's
# topic reaching PAID through payment-service, its changes read back (kcat) from the provider's
# updated topic, the other provider seeing none of it, a rotated key revoked (refused by
# every instance), a claim dead-lettered, its cause fixed and re-driven (taken once), the
# generator over HTTP and Kafka, the monitor and GET /stats/events agreeing with the API, and
# claim-payments.joined holding one record per terminal state though claims-joiner was killed.
#   bash providers_e2e_test.sh BUILD_DIR
set -euo pipefail
build_dir=$(cd "$1" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/tests/stack.sh
source "$here/stack.sh" providers_e2e

unset OPERATOR_API_KEY
start_stack "$build_dir" --claims 2 --payments 1 --auth required
broker=$(cat "$data_dir/broker/bootstrap.servers")
operator_key=$(cat "$data_dir/operator_api_key")
[ "$(stat -c %a "$data_dir/operator_api_key")" = 600 ] || fail "the operator key file is not private"
grep -qF "$operator_key" "$log" || fail "the generated operator key was not printed"
ctl() { CLAIMS_URL=$url OPERATOR_API_KEY=$operator_key "$build_dir/claimsctl/claimsctl" "$@"; }
call() {  # key method path [body]
  curl -s -X "$2" "$url$3" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    ${4:+-d "$4"}
}

# Without a key only the probes answer.
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/claims")" = 401 ] || fail "/claims without a key"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")" = 200 ] || fail "/healthz needs a key"

saa_key=$(ctl --json provider add saa | jq -r .api_key)
trust_key=$(ctl --json provider add trust | jq -r .api_key)
case $saa_key in ak_saa_*) ;; *) fail "saa's key is '$saa_key'" ;; esac
listed=$(ctl provider list)
grep -q "saa-claim.submitted" <<<"$listed" || fail "provider list does not show saa's topics: $listed"
if again=$(ctl provider add saa 2>&1); then fail "a second saa was accepted: $again"; fi
grep -q "409" <<<"$again" || fail "a second saa was not refused with 409: $again"

policy=$(call "$operator_key" POST /policies '{"policyholder_name": "Ada", "policy_type": "Health",
  "start_date": "2026-01-01", "end_date": "2030-01-01", "premium_amount": "120.50",
  "coverage_amount": 50000, "subscriber_number": "S-77", "plan_group_number": "G-7"}' |
  jq -r .policy_id)
case $policy in "" | null) fail "the operator could not create a policy" ;; esac

# The provider's platform publishes a claim on its topic.
claim='{"service_date": "2026-03-28", "submitted_procedure": "D0120", "subscriber_number": "S-77",
  "plan_group_number": "G-7", "provider_npi": "1234567890", "provider_fees": "100.00",
  "allowed_fees": "80.00", "member_coinsurance": "5.50", "member_copay": "0.00"}'
echo "$claim" | tr -d '\n' | kcat -P -b "$broker" -t saa-claim.submitted -k from-saa-1 \
  -H "Idempotency-Key=saa-e2e-1"
id=""
status=""
for _ in $(seq 1 900); do
  list=$(call "$saa_key" GET /claims)
  id=$(echo "$list" | jq -r '.[0].claim_id // empty')
  status=$(echo "$list" | jq -r '.[0].status // empty')
  [ "$status" = PAID ] && break
  sleep 0.1
done
[ "$status" = PAID ] || fail "the claim from saa's topic is '$status', not PAID: $list"
[ "$(echo "$list" | jq length)" = 1 ] || fail "saa has more than one claim: $list"
[ "$(call "$saa_key" GET "/claims/$id" | jq -r .provider)" = saa ] || fail "the claim is not saa's"
[ "$(call "$trust_key" GET "/claims/$id" | jq -r .status)" = 404 ] || fail "trust sees saa's claim"
[ "$(call "$trust_key" GET /claims | jq length)" = 0 ] || fail "trust lists saa's claims"

# Its changes, on saa's updated topic, keyed by the claim id, ending in PAID (the outbox relay
# publishes just after the change commits, so the read may come a moment before it).
for _ in $(seq 1 50); do
  updates=$(kcat -C -b "$broker" -t saa-claim.updated -o beginning -e -q -f '%k %s\n')
  grep "^$id " <<<"$updates" | grep -q '"to":"PAID"' && break
  sleep 0.2
done
grep "^$id " <<<"$updates" | grep -q '"to":"PAID"' || fail "no PAID update on saa-claim.updated:
$updates"
trust_updates=$(kcat -C -b "$broker" -t trust-claim.updated -o beginning -e -q -f '%k\n')
if grep -qF -e "$id" <<<"$trust_updates"; then fail "saa's claim was published on trust's topic"; fi

# Rotation: a second key, the first revoked.
old_id=$(ctl --json provider show saa | jq -r '.keys[0].key_id')
new_key=$(ctl --json provider rotate saa | jq -r .api_key)
revoked=$(ctl provider revoke saa "$old_id")
grep -q revoked <<<"$revoked" || fail "revoke did not say so: $revoked"
# Each curl is a new connection, which the kernel gives to either instance.
for _ in $(seq 1 10); do
  [ "$(call "$saa_key" GET /claims | jq -r .status)" = 401 ] || fail "the revoked key still works"
  [ "$(call "$new_key" GET "/claims/$id" | jq -r .status)" = PAID ] || fail "the new key does not work"
done

# A provider's platform publishes before it is registered: the claim is dead-lettered, the
# operator registers the provider (fixing the cause) and re-drives it, twice: taken once.
ctlk() { KAFKA_BOOTSTRAP_SERVERS=$broker ctl "$@"; }

echo "$claim" | tr -d '\n' | kcat -P -b "$broker" -t late-claim.submitted -k late-1 -H trace=t-1
for _ in $(seq 1 150); do
  dead=$(ctlk --json dlq list late-claim.submitted 2>/dev/null || true)
  [ "$(jq length <<<"${dead:-[]}")" = 1 ] && break
  sleep 0.2
done
[ "$(jq -r '.[0].error' <<<"$dead")" = "no provider late is registered" ] ||
  fail "the unregistered provider's claim was not dead-lettered: $dead"
[ "$(jq -r '.[0].headers.trace' <<<"$dead")" = t-1 ] || fail "the dead letter lost its headers"
shown=$(ctlk dlq show late-claim.submitted "$(jq -r '.[0].offset' <<<"$dead")" \
  --partition "$(jq -r '.[0].partition' <<<"$dead")")
grep -q "from   late-claim.submitted/" <<<"$shown" || fail "dlq show: $shown"
if ctlk dlq redrive late-claim.submitted >/dev/null 2>&1; then fail "redrive with no selection"; fi
late_key=$(ctl --json provider add late | jq -r .api_key)
redriven=$(ctlk dlq redrive late-claim.submitted --key late-1) || fail "the re-drive failed"
grep -q "1 of 1 dead letter re-driven" <<<"$redriven" ||
  fail "the re-drive did not say it re-drove one: $redriven"
ctlk dlq redrive late-claim.submitted --all >/dev/null || fail "the second re-drive failed"
late_status=""
for _ in $(seq 1 300); do
  late_list=$(call "$late_key" GET /claims)
  late_status=$(jq -r '.[0].status // empty' <<<"$late_list")
  [ "$late_status" = PAID ] && break
  sleep 0.1
done
[ "$late_status" = PAID ] || fail "the re-driven claim is '$late_status', not PAID: $late_list"
sleep 2  # the second re-drive's message is taken by now too
[ "$(call "$late_key" GET /claims | jq length)" = 1 ] || fail "re-driving twice made two claims"

# claims-joiner killed (SIGKILL) while claims flow, and started again by hand on its store.
joiner_pid=$(pgrep -f "claims-joiner/claims-joiner --data-dir $data_dir") || fail "no claims-joiner"
(sleep 1 && kill -KILL "$joiner_pid") &
killer=$!

# The generator, over HTTP (a share invalid) and onto saa's topic.
gen=$(ctl --json generate --rate 100 --duration 2s --invalid-share 0.2 --policies 3 --seed 7)
[ "$(jq .sent <<<"$gen")" -ge 190 ] || fail "generate sent too few: $gen"
if [ "$(jq .refused <<<"$gen")" = 0 ] || [ "$(jq .accepted <<<"$gen")" = 0 ]; then
  fail "generate: expected both accepted and refused: $gen"
fi
[ "$(jq .failed <<<"$gen")" = 0 ] || fail "generate: failures: $gen"
before=$(call "$new_key" GET '/claims?limit=500' | jq length)
gen=$(ctlk --json generate --kafka --provider saa --rate 50 --duration 1s --invalid-share 0 \
  --policies 0)
[ "$(jq .accepted <<<"$gen")" = 50 ] || fail "generate --kafka did not deliver 50: $gen"
for _ in $(seq 1 100); do
  after=$(call "$new_key" GET '/claims?limit=500' | jq length)
  [ "$after" -ge $((before + 50)) ] && break
  sleep 0.2
done
[ "$after" = $((before + 50)) ] || fail "saa has $after claims, expected $((before + 50))"

wait "$killer"
"$build_dir/claims-joiner/claims-joiner" --data-dir "$data_dir" >>"$log" 2>&1 &
joiner=$!

# The monitor and GET /stats/events count what the API shows: every claim's last state, the
# dead letters, and no lag once the stack is idle.
# Both are read again each round: the saga may still be moving claims (slow sanitizer builds).
for _ in $(seq 1 30); do
  expected=$(call "$operator_key" GET '/claims?limit=500' | jq -c 'group_by(.status) |
    map({(.[0].status): length}) | add')
  snapshot=$(ctlk monitor --once)
  [ "$(jq -c .claims_by_state <<<"$snapshot")" = "$expected" ] &&
    [ "$(jq '[.groups[].lag] | add' <<<"$snapshot")" = 0 ] && break
  sleep 1
done
[ "$(jq -c .claims_by_state <<<"$snapshot")" = "$expected" ] ||
  fail "monitor's claims by state $(jq -c .claims_by_state <<<"$snapshot") differ from the API's $expected"
[ "$(jq '[.groups[].lag] | add' <<<"$snapshot")" = 0 ] || fail "lag on an idle stack: $snapshot"
[ "$(jq '.dead_letters["late-claim.submitted.dlq"]' <<<"$snapshot")" = 1 ] ||
  fail "monitor does not count late's dead letter: $(jq -c .dead_letters <<<"$snapshot")"
[ "$(jq '.topics["saa-claim.submitted"].messages' <<<"$snapshot")" -ge 51 ] ||
  fail "monitor does not count saa's submitted topic"
# Each request waits at most a second for the reader the first one started: ask until it
# caught up (two instances share the port: each has its own reader).
for _ in $(seq 1 30); do
  stats=$(call "$operator_key" GET /stats/events)
  [ "$(jq .caught_up <<<"$stats")" = true ] && [ "$(jq -c .claims_by_state <<<"$stats")" = "$expected" ] && break
done
[ "$(jq -c .claims_by_state <<<"$stats")" = "$expected" ] ||
  fail "GET /stats/events differs from the API: $(jq -c .claims_by_state <<<"$stats")"
[ "$(jq .caught_up <<<"$stats")" = true ] || fail "/stats/events did not catch up"
[ "$(call "$new_key" GET /stats/events | jq .status)" = 403 ] || fail "a provider read /stats/events"

# claim-payments.joined: exactly one record per terminal state a claim reached (from
# claim-events), none twice across the kill, and saa's paid claim joined with its policy.
terminal='select(.to == "PAID" or .to == "REJECTED" or .to == "PAYMENT_FAILED" or .to == "REVERSED"
  or .to == "VOIDED" or .to == "COMPENSATION_FAILED") | "\(.claim_id)/joined/\(.to)"'
expected_joined=$(kcat -C -b "$broker" -t claim-events -o beginning -e -q -f '%s\n' |
  jq -r "$terminal" | sort -u)
for _ in $(seq 1 100); do
  joined=$(kcat -C -b "$broker" -t claim-payments.joined -o beginning -e -q -f '%s\n')
  [ "$(jq -r .event_id <<<"$joined" | sort -u)" = "$expected_joined" ] && break
  sleep 0.2
done
[ "$(jq -r .event_id <<<"$joined" | sort -u)" = "$expected_joined" ] ||
  fail "claim-payments.joined differs from the terminal states on claim-events"
[ "$(jq -r .event_id <<<"$joined" | sort | uniq -d)" = "" ] || fail "a joined record is there twice"
[ "$(jq -r "select(.claim_id == \"$id\") | .policy.policy_id" <<<"$joined")" = "$policy" ] ||
  fail "saa's claim is not joined with its policy"
[ "$(jq -r "select(.claim_id == \"$id\") | .payment.result" <<<"$joined")" = PAYMENT_SETTLED ] ||
  fail "saa's claim is not joined with its settlement"
kill -TERM "$joiner"
wait "$joiner" || fail "the restarted claims-joiner did not stop cleanly"

kill -TERM "$stack"
wait "$stack" || fail "run_stack did not stop cleanly"
echo "providers end to end: PASS (claim $id from saa-claim.submitted to PAID; a dead letter re-driven once)"
