#!/usr/bin/env bash
# The web pages in a real browser (web/tests/browser.test.mjs: Debian's Chromium driven by
# playwright-core from web/node_modules): runserver with --auth required, a policy and a claim
# paid through payment-service (its transitions each logged once, its payment and ledger entry
# read through claim-service, the Grafana dashboard's series all served), a paid claim cancelled
# while the gateway's refunds are down (COMPENSATION_FAILED, for the retry button), a claim
# dead-lettered (its provider not registered yet), then /docs of
# both services and /console (the dead letter re-driven from it). Screenshots are kept
# in BUILD_DIR/browser-artifacts.
#   bash browser_test.sh BUILD_DIR
set -euo pipefail
build_dir=$(cd "$1" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=scripts/tests/stack.sh
source "$here/stack.sh" browser_test

[ -x "$repo/web/node_modules/.bin/playwright-core" ] || fail "web/node_modules is missing: bash bootstrap.sh"
command -v chromium >/dev/null || fail "chromium is missing: bash bootstrap.sh"

unset OPERATOR_API_KEY
# The gateway's refunds are down and a compensation is tried once, so a cancelled paid claim is
# parked in COMPENSATION_FAILED at once: the console's retry button has a claim to retry.
export GATEWAY_FAILING_COMMANDS=REFUND_REQUESTED MAX_COMPENSATION_ATTEMPTS=1
start_stack "$build_dir" --claims 1 --payments 1 --auth required
key=$(cat "$data_dir/operator_api_key")
call() {  # method path [body]
  curl -s -X "$1" "$url$2" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    ${3:+-d "$3"}
}
policy=$(call POST /policies '{"policyholder_name": "Ada", "policy_type": "Health",
  "start_date": "2026-01-01", "end_date": "2030-01-01", "premium_amount": "120.50",
  "coverage_amount": 50000, "subscriber_number": "S-1", "plan_group_number": "G-1"}' |
  jq -r .policy_id)
case $policy in "" | null) fail "no policy" ;; esac
submit_paid() {  # prints the id of a new claim on $policy once it is PAID (failures: stderr)
  local id status=""
  id=$(call POST /claims '{"service_date": "2026-03-28", "submitted_procedure": "D0120",
    "policy_id": "'"$policy"'", "provider_npi": "1234567890", "provider_fees": "100.00",
    "allowed_fees": "80.00", "member_coinsurance": "5.50", "member_copay": "0.00"}' |
    jq -r .claim_id)
  case $id in "" | null) fail "no claim" >&2 ;; esac
  for _ in $(seq 1 600); do
    status=$(call GET "/claims/$id" | jq -r .status)
    [ "$status" = PAID ] && break
    sleep 0.1
  done
  [ "$status" = PAID ] || fail "the claim is $status, not PAID" >&2
  echo "$id"
}
claim=$(submit_paid)
# The logs tell the same story once: one line per transition, with its WAL position.
transitions=$(grep '"msg":"claim transition"' "$log" | jq -r --arg c "$claim" \
  'select(.claim_id == $c) | "\(.from)>\(.to) \(.lsn > 0)"' | tr '\n' ' ')
[ "$transitions" = "SUBMITTED>RESERVED true RESERVED>PAYMENT_REQUESTED true PAYMENT_REQUESTED>PAID true " ] ||
  fail "the claim's transitions in the log: '$transitions'"

# Its payment, asked of payment-service by claim-service with the operator key it was given: the
# payment settled, and the gateway's ledger has it settled for the claim's net fee.
net_fee=$(call GET "/claims/$claim" | jq -r .net_fee)
paid=$(call GET "/claims/$claim/payments" | jq -r '.payments[0] | "\(.status) \(.ledger.status) \(.ledger.amount)"')
[ "$paid" = "SETTLED SETTLED $net_fee" ] || fail "the claim's payment and ledger entry: '$paid' (net fee $net_fee)"
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/claims/$claim/payments")
[ "$code" = 401 ] || fail "GET /claims/{id}/payments without a key answered $code, not 401"
# The key under X-API-Key is forwarded as it came (it once was not: a 502).
paid=$(curl -s "$url/claims/$claim/payments" -H "X-API-Key: $key" | jq -r '.payments[0].ledger.status')
[ "$paid" = SETTLED ] || fail "GET /claims/{id}/payments with X-API-Key: the ledger says '$paid'"

# A claim for the retry button: paid, cancelled, its refund failed (the gateway's refunds are down).
failed=$(submit_paid)
call POST "/claims/$failed/cancel" >/dev/null
status=""
for _ in $(seq 1 300); do
  status=$(call GET "/claims/$failed" | jq -r .status)
  [ "$status" = COMPENSATION_FAILED ] && break
  sleep 0.1
done
[ "$status" = COMPENSATION_FAILED ] || fail "the cancelled claim is $status, not COMPENSATION_FAILED"

# A dead letter for the console: a claim on the topic of a provider not registered yet.
broker=$(cat "$data_dir/broker/bootstrap.servers")
echo '{"service_date": "2026-03-28", "submitted_procedure": "D0120", "policy_id": "'"$policy"'",
  "provider_npi": "1234567890", "provider_fees": "100.00", "allowed_fees": "80.00",
  "member_coinsurance": "5.50", "member_copay": "0.00"}' | tr -d '\n' |
  kcat -P -b "$broker" -t late-claim.submitted -k late-1
dead=0
for _ in $(seq 1 300); do
  dead=$(call GET /dead-letters/late-claim.submitted | jq -r '.total // 0')
  [ "$dead" = 1 ] && break
  sleep 0.2
done
[ "$dead" = 1 ] || fail "the unregistered provider's claim was not dead-lettered"

payments="http://127.0.0.1:$(cat "$data_dir/payment-service/payment-1.port")"
# Every series the Grafana dashboard draws is one the services serve.
served=$(curl -s "$url/metrics"; curl -s "$payments/metrics")
for name in $(jq -r '.panels[].targets[].expr' "$repo/docs/grafana/claims-platform.json" |
  grep -o 'claims_[a-z_]*' | sed -E 's/_(bucket|count|sum)$//' | sort -u); do
  grep -q "^# TYPE $name " <<<"$served" || fail "the dashboard draws $name, which no service serves"
done

artifacts="$build_dir/browser-artifacts"
rm -rf "$artifacts"
CLAIMS_URL=$url PAYMENTS_URL=$payments \
  OPERATOR_API_KEY=$key PAID_CLAIM=$claim FAILED_CLAIM=$failed POLICY_ID=$policy ARTIFACTS=$artifacts \
  DEAD_LETTER_TOPIC=late-claim.submitted \
  node --test --test-reporter=spec "$repo/web/tests/browser.test.mjs" || fail "the browser tests failed (screenshots: $artifacts)"
echo "browser_test: passed; screenshots in $artifacts"
