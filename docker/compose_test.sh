#!/usr/bin/env bash
# The local compose under failure, for real: `bash develop_local.sh compose-test` (and .ci/run).
# Starts the Docker engine if needed (docker/base_image.sh), builds the image, checks the
# production compose file and the load balancer's configuration, brings docker/compose.local.yml
# up with 2 claim-service and 3 payment-service replicas, drives claims (claims-load, in a
# container in the stack's network namespace, reading only the `data` volume) through the
# claim-service port, `docker kill`s one payment-service and one claim-service container while
# they flow, waits until every claim is terminal and checks the invariants (claims-load exits 1
# if any is broken), starts the killed containers again and drives a second, smaller load
# through all five replicas. Tears everything down, checks that no container, network or volume
# of the run is left, and prints its timings.
# Environment: COMPOSE_TEST_CLAIMS (default 2000), COMPOSE_TEST_RATE (claims/s, default 200).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

claims=${COMPOSE_TEST_CLAIMS:-2000}
project="claims-compose-test"
export CLAIMS_IMAGE_TAG=local
# Host ports of the kernel's choice: CI may run beside a runserver or a dockercompose stack.
export CLAIMS_PORT=0 PAYMENTS_PORT=0
compose=(docker-compose -p "$project" -f docker/compose.local.yml)
# Build with the docker CLI, as `docker build` does: the same build context, so the same cache.
export COMPOSE_DOCKER_CLI_BUILD=1
load_log=$(mktemp)
started=$(date +%s)
# shellcheck source=scripts/step_timer.sh
source scripts/step_timer.sh
step() { timer_step "$1"; echo "== compose-test: $1"; }

teardown() {
  local status=$?
  set +e
  if [ "$status" -ne 0 ]; then
    echo "compose-test: failed (status $status); the last log lines of each container:" >&2
    "${compose[@]}" logs --tail 30 >&2
  fi
  docker rm -f compose-test-load >/dev/null 2>&1
  rm -f "$load_log"
  down >/dev/null 2>&1 || status=1
  exit "$status"
}

down() {  # removes the stack and fails if any container, network or volume of it is left
  "${compose[@]}" down --volumes --remove-orphans --timeout 20
  local filter="label=com.docker.compose.project=$project" left
  left="$(docker ps -aq --filter "$filter") $(docker network ls -q --filter "$filter")"
  left+=" $(docker volume ls -q --filter "$filter")"
  if [ -n "${left// /}" ]; then
    echo "compose-test: FAILED: left behind after down: $left" >&2
    return 1
  fi
}

step "engine and base image"
bash docker/base_image.sh
bash bootstrap.sh web  # web/node_modules, which the image copies
# A run that was interrupted may have left its stack: start from nothing.
"${compose[@]}" down --volumes --remove-orphans --timeout 5 >/dev/null 2>&1 || true
trap teardown EXIT

step "build the image"
"${compose[@]}" build -q broker
docker image ls claims-platform:local --format 'image claims-platform:local: {{.Size}}'

step "check the production compose and load balancer"
OPERATOR_API_KEY=compose-config-check-operator-key \
  docker-compose -f docker/compose.production.yml config -q
if docker-compose -f docker/compose.production.yml config -q 2>/dev/null; then
  echo "the production compose started without OPERATOR_API_KEY" >&2
  exit 1
fi
docker build -q -t claims-lb:local -f docker/lb.Dockerfile docker >/dev/null
docker run --rm claims-lb:local haproxy -c -f /etc/haproxy/haproxy.cfg

step "up: 2 claim-service, 3 payment-service"
"${compose[@]}" up -d --scale claim-service=2 --scale payment-service=3
broker=$("${compose[@]}" ps -q broker)
port=$("${compose[@]}" port broker 8000 | sed 's/.*://')
wait_healthy() {  # every container of the project reports healthy within $1 seconds
  local deadline=$(($(date +%s) + $1)) unhealthy
  while :; do
    unhealthy=$(docker ps --filter "label=com.docker.compose.project=$project" \
      --format '{{.Names}} {{.Status}}' | grep -v '(healthy)' || true)
    [ -z "$unhealthy" ] && return 0
    if [ "$(date +%s)" -gt "$deadline" ]; then
      echo "compose-test: not healthy after $1 s:" >&2
      echo "$unhealthy" >&2
      return 1
    fi
    sleep 1
  done
}
wait_healthy 120
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null
echo "compose-test: claim-service answers on host port $port; instances:"
for _ in 1 2 3 4 5 6; do
  curl -fsS -D - -o /dev/null "http://127.0.0.1:$port/healthz" | grep -i '^x-instance-id' || true
done | sort | uniq -c

step "drive $claims claims, kill one payment and one claim container"
# Open loop at a fixed rate, so claims are still arriving and in flight when the kills land;
# posts to the killed claim-service replica fail on their connection and are retried with the
# same Idempotency-Key.
rate=${COMPOSE_TEST_RATE:-200}
load=(docker run --name compose-test-load --network "container:$broker"
  -v "${project}_data:/data" "claims-platform:local"
  claims-load --url http://127.0.0.1:8000 --data-dir /data --claims "$claims" --rate "$rate"
  --batch 10 --threads 8 --timeout 300)
"${load[@]}" >"$load_log" 2>&1 &
load_pid=$!
sleep 3
kill_one() {  # service: docker kill its first replica
  # Not `ps -q | head -1`: under pipefail, head leaving early can fail the pipeline (SIGPIPE).
  local replicas victim
  mapfile -t replicas < <("${compose[@]}" ps -q "$1")
  victim=${replicas[0]:?no running $1 container}
  echo "compose-test: $(date +%T) docker kill $(docker inspect -f '{{.Name}}' "$victim")"
  docker kill "$victim" >/dev/null
}
kill_one payment-service
sleep 2
kill_one claim-service
load_status=0
wait "$load_pid" || load_status=$?
cat "$load_log"
docker rm compose-test-load >/dev/null
echo "compose-test: the containers afterwards (docker kill is a stop: no restart):"
"${compose[@]}" ps

step "restart the killed replicas, drive 200 more claims"
# `up` starts the two stopped containers again: each takes the first free instance name (its
# own, unless a survivor still holds it for adoption) and recovers that WAL.
"${compose[@]}" up -d --scale claim-service=2 --scale payment-service=3
wait_healthy 120
docker run --rm --network "container:$broker" -v "${project}_data:/data" claims-platform:local \
  claims-load --url http://127.0.0.1:8000 --data-dir /data --claims 200 --batch 10 --seed 2 \
  --timeout 120
[ "$load_status" -eq 0 ] || { echo "compose-test: claims-load found broken invariants or open claims" >&2; exit 1; }

step "tear down"
trap - EXIT
rm -f "$load_log"
down
timer_step ""
echo "compose-test: passed in $(($(date +%s) - started)) s"
timer_report
