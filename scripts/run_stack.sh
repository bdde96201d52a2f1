#!/usr/bin/env bash
# Starts the local stack from an existing build and supervises it: the embedded Kafka broker
# (unless KAFKA_BOOTSTRAP_SERVERS is set), N payment-service instances (payment-1 .. payment-N,
# each with its own WAL and HTTP port, sharing the broker, the payments database and the gateway
# ledger), then M claim-service instances (claim-1 .. claim-M, each with its own WAL, all on one
# port with SO_REUSEPORT, sharing the claims database, told the payment instances' addresses),
# then claims-joiner. Prints
# where everything listens. On Ctrl-C or SIGTERM, or when the broker or the last claim-service
# instance exits, stops every child it started and waits for them; a service instance (or the
# joiner) that exits while others of its service run is reported, and the others carry on.
#   bash scripts/run_stack.sh BUILD_DIR [--claims M] [--payments N] [--auth off|required]
#   (M defaults to 1, N to 2; --auth to $AUTH, else off)
# With --auth required every service needs API keys; the operator key is OPERATOR_API_KEY, or
# the one kept in $DATA_DIR/operator_api_key (generated and printed once on the first run).
# Environment: DATA_DIR (default ./data), CLAIM_SERVICE_PORT (default 8000; 0 picks a free
# port), and everything the services read (README "Configuration").
set -euo pipefail
build_dir=$(cd "${1:?usage: run_stack.sh BUILD_DIR [--claims M] [--payments N] [--auth off|required]}" && pwd)
shift
payments=2
claims=1
auth=${AUTH:-off}
while [ $# -gt 0 ]; do
  case $1 in
    --payments) payments=${2:?--payments needs a number}; shift 2 ;;
    --payments=*) payments=${1#*=}; shift ;;
    --claims) claims=${2:?--claims needs a number}; shift 2 ;;
    --claims=*) claims=${1#*=}; shift ;;
    --auth) auth=${2:?--auth needs off or required}; shift 2 ;;
    --auth=*) auth=${1#*=}; shift ;;
    *) echo "run_stack: unknown argument $1 (expected --claims M, --payments N, --auth off|required)" >&2; exit 2 ;;
  esac
done
if ! [[ $payments =~ ^[0-9]+$ ]] || [ "$payments" -gt 32 ]; then
  echo "run_stack: --payments must be a whole number from 0 to 32, not '$payments'" >&2
  exit 2
fi
if ! [[ $claims =~ ^[0-9]+$ ]] || [ "$claims" -lt 1 ] || [ "$claims" -gt 16 ]; then
  echo "run_stack: --claims must be a whole number from 1 to 16, not '$claims'" >&2
  exit 2
fi
export DATA_DIR=${DATA_DIR:-$PWD/data}
mkdir -p "$DATA_DIR"
DATA_DIR=$(cd "$DATA_DIR" && pwd)
export CLAIM_SERVICE_PORT=${CLAIM_SERVICE_PORT:-8000}
export CLAIM_SERVICE_HOST=${CLAIM_SERVICE_HOST:-127.0.0.1}

case $auth in
  off) auth_line="off: every endpoint is open (--auth required to need API keys)" ;;
  required)
    key_file="$DATA_DIR/operator_api_key"
    if [ -z "${OPERATOR_API_KEY:-}" ] && [ -s "$key_file" ]; then
      OPERATOR_API_KEY=$(cat "$key_file")
      auth_line="required; operator key in $key_file"
    elif [ -z "${OPERATOR_API_KEY:-}" ]; then
      # 32 characters of base62 from the kernel's CSPRNG, kept for the next runs (owner only).
      OPERATOR_API_KEY=op_$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 || true)
      (umask 077 && printf '%s\n' "$OPERATOR_API_KEY" >"$key_file")
      auth_line="required; operator key generated, shown this once and kept in $key_file:
                  $OPERATOR_API_KEY"
    else
      auth_line="required; operator key from OPERATOR_API_KEY"
    fi
    export OPERATOR_API_KEY
    ;;
  *) echo "run_stack: --auth must be off or required, not '$auth'" >&2; exit 2 ;;
esac
export AUTH=$auth

children=()
stopping=0
stop_all() {
  [ "$stopping" = 1 ] && return
  stopping=1
  trap - INT TERM
  # Reverse start order: services finish their requests and flush their events while the
  # broker is still up, then the broker goes.
  local i pid
  for ((i = ${#children[@]} - 1; i >= 0; i--)); do
    pid=${children[$i]}
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  echo "run_stack: stopped"
}
trap 'stop_all; exit 0' INT TERM
trap 'stop_all' EXIT

wait_for_file() {  # path timeout_seconds pid
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    [ -s "$1" ] && return 0
    kill -0 "$3" 2>/dev/null || { echo "run_stack: process $3 exited before writing $1" >&2; return 1; }
    sleep 0.1
  done
  echo "run_stack: timed out waiting for $1" >&2
  return 1
}

if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  rm -f "$DATA_DIR/broker/bootstrap.servers"
  "$build_dir/scripts/embedded-broker" --data-dir "$DATA_DIR" &
  children+=($!)
  wait_for_file "$DATA_DIR/broker/bootstrap.servers" 30 "${children[-1]}"
  KAFKA_BOOTSTRAP_SERVERS=$(cat "$DATA_DIR/broker/bootstrap.servers")
  export KAFKA_PROFILE=${KAFKA_PROFILE:-dev}
fi
export KAFKA_BOOTSTRAP_SERVERS

# payment-service first: claim-service is told where they listen (GET /claims/{id}/payments).
payment_lines=""
payment_urls=""
for ((n = 1; n <= payments; n++)); do
  pfile="$DATA_DIR/payment-service/payment-$n.port"
  rm -f "$pfile"
  PAYMENT_SERVICE_PORT=0 "$build_dir/payment-service/payment-service" --data-dir "$DATA_DIR" \
    --instance-id "payment-$n" --port-file "$pfile" &
  children+=($!)
  wait_for_file "$pfile" 60 "${children[-1]}"
  payment_lines+="  payment-$n       http://127.0.0.1:$(cat "$pfile")   (/payments?claim_id=, /healthz, /readyz, /metrics)
"
  payment_urls+="${payment_urls:+,}http://127.0.0.1:$(cat "$pfile")"
done

# The first instance binds the port (8000, or a free one for 0); the others share it. With one
# instance the port is not shared, so a second stack on the same port fails loudly.
reuse_port=false
[ "$claims" -gt 1 ] && reuse_port=true
claim_pids=()
port=$CLAIM_SERVICE_PORT
for ((n = 1; n <= claims; n++)); do
  port_file="$DATA_DIR/claim-service/claim-$n.port"
  rm -f "$port_file"
  REUSE_PORT=$reuse_port CLAIM_SERVICE_PORT=$port PAYMENT_SERVICE_URL=$payment_urls \
    "$build_dir/claim-service/claim-service" \
    --data-dir "$DATA_DIR" --instance-id "claim-$n" --port-file "$port_file" &
  children+=($!)
  claim_pids+=($!)
  wait_for_file "$port_file" 60 "${children[-1]}"
  port=$(cat "$port_file")
done
# Where scripts find the claim-service port (it is one for every instance).
cp "$DATA_DIR/claim-service/claim-1.port" "$DATA_DIR/claim-service/port"

# claims-joiner: the three-stream join into claim-payments.joined (one per data directory).
"$build_dir/claims-joiner/claims-joiner" --data-dir "$DATA_DIR" &
children+=($!)
joiner_pid=$!

cat <<INFO

  claim-service   http://$CLAIM_SERVICE_HOST:$port   ($claims instance(s): claim-1..claim-$claims; /policies, /claims, /top-provider-npis, /healthz, /readyz, /metrics)
  console         http://$CLAIM_SERVICE_HOST:$port/console   API reference: http://$CLAIM_SERVICE_HOST:$port/docs (each payment instance: <its address>/docs)
$payment_lines  claims-joiner   joins policies, claim-events and payment-events into claim-payments.joined
  Kafka           $KAFKA_BOOTSTRAP_SERVERS
  data            $DATA_DIR
  auth            $auth_line
  operator CLI    bash develop_local.sh claimsctl help   (providers: claimsctl provider add NAME)
  watch events    kcat -b $KAFKA_BOOTSTRAP_SERVERS -C -t claim-events -f '%k %s\n'

  Ctrl-C stops everything.
INFO
echo "run_stack: ready"

# Run until a signal arrives, or the broker or the last claim-service instance exits on its own.
# A service instance that exits is reported and the others carry on: a payment instance's
# partitions move to the others; the kernel sends a claim instance's new connections to the
# others, and they adopt its WAL.
set +e
broker_pids=("${children[@]:0:${#children[@]}-payments-claims-1}")
remaining=("${children[@]}")
claims_left=$claims
while :; do
  wait -n -p exited "${remaining[@]}"
  status=$?
  [ "$stopping" = 1 ] && break
  what=payment-service
  for pid in "${claim_pids[@]}"; do [ "$pid" = "$exited" ] && what=claim-service; done
  for pid in "${broker_pids[@]}"; do [ "$pid" = "$exited" ] && what=broker; done
  [ "$exited" = "$joiner_pid" ] && what="claims-joiner"
  [ "$what" = claim-service ] && claims_left=$((claims_left - 1))
  if [ "$what" = broker ] || [ -z "$exited" ] || [ "$claims_left" = 0 ]; then
    set -e
    echo "run_stack: $what (pid ${exited:-?}) exited (status $status); stopping the rest" >&2
    stop_all
    exit 1
  fi
  echo "run_stack: $what (pid $exited) exited (status $status); the other instances carry on" >&2
  next=()
  for pid in "${remaining[@]}"; do [ "$pid" != "$exited" ] && next+=("$pid"); done
  remaining=("${next[@]}")
done
set -e
