#!/usr/bin/env bash
# The web pages in a real browser (web/tests/browser.test.mjs: Debian's Chromium driven by
# playwright-core from web/node_modules): runserver with --auth required, a policy and a claim
# paid through payment-service (its transitions each logged once, the Grafana dashboard's
# series all served), a claim dead-lettered (its provider not registered yet), then /docs of
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
claim=$(call POST /claims '{"service_date": "2026-03-28", "submitted_procedure": "D0120",
  "policy_id": "'"$policy"'", "provider_npi": "1234567890", "provider_fees": "100.00",
  "allowed_fees": "80.00", "member_coinsurance": "5.50", "member_copay": "0.00"}' |
  jq -r .claim_id)
case $claim in "" | null) fail "no claim" ;; esac
status=""
for _ in $(seq 1 600); do
  status=$(call GET "/claims/$claim" | jq -r .status)
  [ "$status" = PAID ] && break
  sleep 0.1
done
[ "$status" = PAID ] || fail "the claim is $status, not PAID"
# The logs tell the same story once: one line per transition, with its WAL position.
transitions=$(grep '"msg":"claim transition"' "$log" | jq -r --arg c "$claim" \
  'select(.claim_id == $c) | "\(.from)>\(.to) \(.lsn > 0)"' | tr '\n' ' ')
[ "$transitions" = "SUBMITTED>RESERVED true RESERVED>PAYMENT_REQUESTED true PAYMENT_REQUESTED>PAID true " ] ||
  fail "the claim's transitions in the log: '$transitions'"

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
  OPERATOR_API_KEY=$key PAID_CLAIM=$claim POLICY_ID=$policy ARTIFACTS=$artifacts \
  DEAD_LETTER_TOPIC=late-claim.submitted \
  node --test --test-reporter=spec "$repo/web/tests/browser.test.mjs" || fail "the browser tests failed (screenshots: $artifacts)"
echo "browser_test: passed; screenshots in $artifacts"
