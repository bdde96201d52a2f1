#!/usr/bin/env bash
# `bash develop_local.sh dockercompose`: builds the image and starts docker/compose.local.yml in
# the background as compose project "claims", then prints where everything listens.
#   bash docker/compose_up.sh [--claims M] [--payments N]   M claim-service, N payment-service
#                                                           replicas (defaults 1 and 2)
#   bash docker/compose_up.sh down [--volumes]              stop and remove the containers and
#                                                           network (--volumes: the data too)
# Environment: CLAIMS_PORT (default 8000) and PAYMENTS_PORT (default 8001), the host ports of
# claim-service and payment-service.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CLAIMS_IMAGE_TAG=local
export COMPOSE_DOCKER_CLI_BUILD=1  # build as `docker build` does (same context, same cache)
compose=(docker-compose -p claims -f docker/compose.local.yml)

if [ "${1:-}" = down ]; then
  shift
  case "${1:-}" in
    "") exec "${compose[@]}" down --remove-orphans ;;
    --volumes) exec "${compose[@]}" down --remove-orphans --volumes ;;
    *) echo "dockercompose down: unknown argument $1 (expected --volumes)" >&2; exit 2 ;;
  esac
fi
claims=1
payments=2
while [ $# -gt 0 ]; do
  case $1 in
    --claims) claims=${2:?--claims needs a number}; shift 2 ;;
    --claims=*) claims=${1#*=}; shift ;;
    --payments) payments=${2:?--payments needs a number}; shift 2 ;;
    --payments=*) payments=${1#*=}; shift ;;
    *) echo "dockercompose: unknown argument $1 (expected --claims M, --payments N, down)" >&2; exit 2 ;;
  esac
done
if ! [[ $claims =~ ^[0-9]+$ ]] || [ "$claims" -lt 1 ] || [ "$claims" -gt 16 ]; then
  echo "dockercompose: --claims must be a whole number from 1 to 16, not '$claims'" >&2
  exit 2
fi
if ! [[ $payments =~ ^[0-9]+$ ]] || [ "$payments" -gt 32 ]; then
  echo "dockercompose: --payments must be a whole number from 0 to 32, not '$payments'" >&2
  exit 2
fi

bash docker/base_image.sh
bash bootstrap.sh web  # web/node_modules, which the image copies
"${compose[@]}" build broker
"${compose[@]}" up -d --scale claim-service="$claims" --scale payment-service="$payments"
port=$("${compose[@]}" port broker 8000 | sed 's/.*://')
payments_port=$("${compose[@]}" port broker 8001 | sed 's/.*://')
for ((i = 0; i < 120; i++)); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break
  sleep 1
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" || {
  echo "dockercompose: claim-service is not ready after 120 s; docker-compose -p claims -f docker/compose.local.yml logs" >&2
  exit 1
}
cat <<INFO

  claim-service   http://127.0.0.1:$port   ($claims replica(s), one port: the kernel spreads connections)
  payment-service http://127.0.0.1:$payments_port   ($payments replica(s), one port: /payments?claim_id=, /healthz)
  data            volume claims_data
  logs            docker-compose -p claims -f docker/compose.local.yml logs -f
  stop            bash develop_local.sh dockercompose down    (--volumes also deletes the data)
INFO
