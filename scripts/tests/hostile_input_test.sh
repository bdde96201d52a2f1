#!/usr/bin/env bash
# Hostile input against the real processes: runserver as a new user starts it (authentication
# off), then the inputs that once hung an instance or cost it gigabytes (a body of 349,000 empty
# objects, a megabyte of one-column CSV rows, nesting 100,000 deep), their kin (long strings,
# many fields, thousands of headers, a non-JSON media type, slow senders holding connections),
# and one provider's hostile Kafka messages published before another provider's claim. Every
# input must be answered (or dead-lettered) within seconds with a 4xx, never a 5xx; afterwards
# /readyz is 200, the other provider's claim was taken, and claim-service's peak resident memory
# is bounded. Last, auth off on an address others reach is refused at start. Each step is
# bounded in time, so the test stops by itself.
#   bash hostile_input_test.sh BUILD_DIR
set -euo pipefail
build_dir=$(cd "$1" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/tests/stack.sh
source "$here/stack.sh" hostile_input

start_stack "$build_dir" --claims 1 --payments 1
broker=$(cat "$data_dir/broker/bootstrap.servers")
port=${url##*:}
pid=$(pgrep -f -- "claim-service --data-dir $data_dir --instance-id claim-1") ||
  fail "no claim-service process"
rss_kb() { awk "/^$1/ {print \$2}" "/proc/$pid/status"; }  # VmRSS or VmHWM, in kB
start_kb=$(rss_kb VmRSS)
bodies="$data_dir/bodies"
mkdir -p "$bodies"
repeat() { awk -v t="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", t }'; }  # TEXT N

# send NAME EXPECTED_STATUS CURL_ARGS...: the answer within 10 s, with the expected status.
send() {
  local name=$1 expected=$2 out code seconds
  shift 2
  out=$(curl -s -o "$bodies/answer" -w '%{http_code} %{time_total}' --max-time 10 "$@") ||
    fail "$name: no answer within 10 s"
  read -r code seconds <<<"$out"
  [ "$code" = "$expected" ] || fail "$name: answered $code, not $expected: $(head -c 300 "$bodies/answer")"
  echo "hostile: $name -> $code in ${seconds} s ($(stat -c %s "$bodies/answer") bytes)"
}
post() {  # NAME EXPECTED_STATUS CONTENT_TYPE FILE
  send "$1" "$2" -X POST "$url/claims" -H "Content-Type: $3" --data-binary "@$4"
}

# Bodies refused before anything is decoded (413), or answered with the first 100 errors (422).
{ printf '['; repeat '{},' 348999; printf '{}]'; } >"$bodies/empties.json"
post "349,000 empty objects" 413 application/json "$bodies/empties.json"
awk 'BEGIN { print "x"; for (i = 0; i < 500000; i++) print 1 }' >"$bodies/rows.csv"
post "1 MB of one-column CSV rows" 413 text/csv "$bodies/rows.csv"
{ head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; } >"$bodies/deep.json"
post "nested 100,000 deep" 413 application/json "$bodies/deep.json"
{ printf '['; repeat '{},' 4999; printf '{}]'; } >"$bodies/some.json"
post "5,000 empty objects" 422 application/json "$bodies/some.json"
[ "$(jq '.errors | length' "$bodies/answer")" = 100 ] || fail "more than 100 errors listed"
[ "$(jq .error_count "$bodies/answer")" = 30000 ] || fail "the errors were not all counted"
{ printf '{"provider_npi": "'; head -c 500000 /dev/zero | tr '\0' 1; printf '"}'; } >"$bodies/long.json"
post "a 500 KB string" 422 application/json "$bodies/long.json"
[ "$(stat -c %s "$bodies/answer")" -lt 20000 ] || fail "the long string came back in the answer"
{ printf '{'; seq 0 8999 | sed 's/.*/"k&":0/' | paste -sd,; printf '}'; } >"$bodies/keys.json"
post "9,000 unknown fields" 422 application/json "$bodies/keys.json"
{ printf '{'; seq 0 19999 | sed 's/.*/"k&":0/' | paste -sd,; printf '}'; } >"$bodies/more-keys.json"
post "20,000 fields" 413 application/json "$bodies/more-keys.json"
echo '{"policyholder_name": "Ada"}' >"$bodies/plain.txt"
send "JSON as text/plain" 415 -X POST "$url/policies" -H "Content-Type: text/plain" \
  --data-binary "@$bodies/plain.txt"

# Thousands of headers: any answer but a 5xx (or the connection closed), and the instance lives.
headers=()
for i in $(seq 1 3000); do headers+=(-H "X-Hostile-$i: $i"); done
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "${headers[@]}" "$url/healthz" || true)
case $code in 5*) fail "3,000 headers answered $code" ;; esac
echo "hostile: 3,000 headers -> ${code:-closed}"

# Slow senders: 100 connections that send half a request and hold it while others are served.
slow=()
for _ in $(seq 1 100); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port"
  printf 'POST /claims HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n[' >&"$fd"
  slow+=("$fd")
done
send "/healthz beside 100 slow senders" 200 "$url/healthz"
send "a policy beside 100 slow senders" 201 -X POST "$url/policies" \
  -H "Content-Type: application/json" --data-binary '{"policyholder_name": "Ada",
  "policy_type": "Health", "start_date": "2026-01-01", "end_date": "2030-01-01",
  "premium_amount": "120.50", "coverage_amount": 50000, "subscriber_number": "S-66",
  "plan_group_number": "G-6"}'
sleep 2
for fd in "${slow[@]}"; do exec {fd}>&-; done

# One provider's hostile messages, then another provider's claim: it is taken all the same.
for name in mu nu; do
  send "provider $name" 201 -X POST "$url/admin/providers" -H "Content-Type: application/json" \
    --data-binary "{\"name\": \"$name\"}"
done
{ printf '['; repeat '{"a": 0},' 2199; printf '{"a": 0}]'; } >"$bodies/many.json"
{ printf '["'; head -c 990000 /dev/zero | tr '\0' x; printf '"]'; } >"$bodies/huge.json"
kcat -P -b "$broker" -t mu-claim.submitted -k many "$bodies/many.json"
kcat -P -b "$broker" -t mu-claim.submitted -k huge "$bodies/huge.json"
kcat -P -b "$broker" -t mu-claim.submitted -k deep "$bodies/deep.json"
printf '%s' '{"service_date": "2026-03-28", "submitted_procedure": "D0120",
  "subscriber_number": "S-66", "plan_group_number": "G-6", "provider_npi": "1234567890",
  "provider_fees": "100.00", "allowed_fees": "80.00"}' | tr -d '\n' >"$bodies/fine.json"
kcat -P -b "$broker" -t nu-claim.submitted -k fine "$bodies/fine.json"
taken=0
for _ in $(seq 1 300); do
  taken=$(curl -s --max-time 5 "$url/claims?limit=500" | jq '[.[] | select(.provider == "nu")] | length')
  [ "$taken" = 1 ] && break
  sleep 0.1
done
[ "$taken" = 1 ] || fail "nu's claim was not taken within 30 s of mu's hostile messages"
echo "hostile: nu's claim taken after mu's hostile messages"
letters=""
for _ in $(seq 1 300); do
  letters=$(curl -s --max-time 10 "$url/dead-letters/mu-claim.submitted")
  [ "$(jq .total <<<"$letters")" = 3 ] && break
  sleep 0.1
done
[ "$(jq .total <<<"$letters")" = 3 ] || fail "mu's dead letters: $(head -c 300 <<<"$letters")"
[ "$(jq '[.dead_letters[].error | length] | max' <<<"$letters")" -le 4200 ] ||
  fail "a dead letter's error is not bounded"
[ "$(jq -r '.dead_letters[] | select(.key == "huge") | .value_dropped' <<<"$letters")" = \
  "$(stat -c %s "$bodies/huge.json")" ] || fail "the huge message did not leave a stub"
echo "hostile: mu's 3 messages dead-lettered, errors bounded, the huge one a stub"

send "/readyz after it all" 200 "$url/readyz"
# What the inputs cost in memory: the peak over the resident size at the start (the sanitizer
# build's own overhead is in both), against the 1.4 GB one body of empty objects once took.
peak_kb=$(rss_kb VmHWM)
echo "hostile: claim-service resident $((start_kb / 1024)) MB at the start, peak $((peak_kb / 1024)) MB"
[ $((peak_kb - start_kb)) -lt $((128 * 1024)) ] ||
  fail "claim-service grew by $(((peak_kb - start_kb) / 1024)) MB"

# Authentication off on an address others reach: refused at start, saying what to do.
refused="$data_dir/refused.log"
if timeout 20 "$build_dir/claim-service/claim-service" --host 0.0.0.0 --port 0 --auth off \
  --data-dir "$data_dir/refused" --kafka-bootstrap "$broker" >"$refused" 2>&1; then
  fail "claim-service started on 0.0.0.0 with auth off"
fi
grep -q -- "--auth-off-on-network" "$refused" || fail "the refusal does not say what to do: $(cat "$refused")"
echo "hostile: auth off on 0.0.0.0 refused at start"
echo "hostile: passed"
