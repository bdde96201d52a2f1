#!/usr/bin/env bash
# The project's one entry point for people and CI. See README.md.
#   bash develop_local.sh runserver [--claims M] [--payments N] [--auth off|required]
#                                     install what is missing, build, start broker + services
#                                     (--auth required: API keys; README "Providers and keys")
#   bash develop_local.sh test        install what is missing, lint (clang-format, shellcheck, redocly,
#                                     clang-tidy), build with sanitizers, run every test
#                                     (ctest arguments may follow, e.g. -R PolicyApi)
#   bash develop_local.sh bench       build and run the benchmarks (results: docs/benchmarks.md)
#   bash develop_local.sh replay SERVICE [--data-dir DIR] [--snapshot FILE]
#                                     rebuild claim-service's or payment-service's database from
#                                     its newest snapshot plus its WALs (services stopped)
#   bash develop_local.sh docker [--claims M] [--payments N]
#                                     build the image, run the whole stack in one container on :8000
#   bash develop_local.sh dockercompose [--claims M] [--payments N] | down [--volumes]
#                                     build and start docker/compose.local.yml (M, N replicas) on
#                                     :8000 in the background; `down` stops it (--volumes: and
#                                     deletes its data)
#   bash develop_local.sh compose-test
#                                     the local compose with 2 + 3 replicas under docker kill,
#                                     invariants checked, everything removed afterwards
#   bash develop_local.sh claimsctl ARGS
#                                     the operator CLI against the running stack (claimsctl help)
#   bash develop_local.sh help
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; }

command=${1:-help}
[ $# -gt 0 ] && shift
case "$command" in
  runserver)
    bash bootstrap.sh release
    exec bash scripts/run_stack.sh build/release "$@"
    ;;
  test)
    # Each step's time, printed at the end (and when a step fails), to see where CI's time goes.
    # shellcheck source=scripts/step_timer.sh
    source scripts/step_timer.sh
    step() { timer_step "$1"; }
    report() { timer_step ""; printf 'test: time per step\n'; timer_report; }
    trap report EXIT
    step "packages"
    bash bootstrap.sh packages
    step "lint (format, shellcheck, redocly)"
    bash scripts/lint.sh
    step "debug build (ASan + UBSan)"
    bash bootstrap.sh debug
    step "clang-tidy"
    bash scripts/lint.sh --tidy build/debug
    step "ThreadSanitizer build"
    bash bootstrap.sh tsan
    # Every gtest program under ThreadSanitizer (but the slowest test, thousands of policy POSTs
    # one after another, which the ASan run has), then everything under ASan + UBSan. ctest's
    # closing line ("100% tests passed, 0 tests failed out of N") is the summary.
    step "ThreadSanitizer tests"
    export TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/shared/testing/tsan.supp"
    for program in wal/wal_log_tests wal/wal_journal_tests wal/service_storage_tests \
      shared/shared_tests claim-service/claim_service_tests claim-service/claims_api_tests \
      claim-service/spec_client_tests claim-service/provider_api_tests \
      payment-service/payment_service_tests payment-service/payment_api_tests \
      claims-joiner/claims_joiner_tests; do
      echo "== ThreadSanitizer: $program"
      "build/tsan/$program" --gtest_brief=1 --gtest_filter='-ClaimsApiTest.TopProviderTotalPastInt64IsExact'
    done
    unset TSAN_OPTIONS
    step "ctest (ASan + UBSan)"
    ctest --test-dir build/debug --output-on-failure -j 2 --timeout 600 "$@"
    ;;
  bench)
    bash bootstrap.sh release
    bash scripts/bench_policies.sh build/release "$@"
    echo "== WAL: durable appends (walctl bench) in $PWD/data/wal-bench"
    build/release/wal/walctl bench data/wal-bench
    exec bash scripts/bench_saga.sh build/release
    ;;
  replay)
    bash bootstrap.sh release
    exec bash scripts/replay.sh build/release "$@"
    ;;
  docker)
    bash docker/base_image.sh
    bash bootstrap.sh web  # web/node_modules, which the image copies
    docker build -t claims-platform:local -f docker/Dockerfile .
    tty=()
    [ -t 0 ] && tty=(-it)
    echo "docker: the stack in container claims-platform, data in volume claims-platform-data;" \
      "Ctrl-C (or docker stop claims-platform) stops it"
    # Published on this host's loopback only, so the container's services may listen on its
    # network with authentication off (--auth required for a key-protected stack).
    exec docker run --rm "${tty[@]}" --name claims-platform \
      -p "127.0.0.1:${CLAIM_SERVICE_PORT:-8000}:8000" -e AUTH_OFF_ON_NETWORK=true \
      -v claims-platform-data:/data claims-platform:local \
      /opt/claims/scripts/run_stack.sh /opt/claims "$@"
    ;;
  dockercompose)
    exec bash docker/compose_up.sh "$@"
    ;;
  claimsctl)
    # Against the stack runserver started: its port, broker and operator key, unless given.
    [ -x build/release/claimsctl/claimsctl ] || bash bootstrap.sh release >&2
    data=${DATA_DIR:-$PWD/data}
    if [ -z "${CLAIMS_URL:-}" ] && [ -s "$data/claim-service/port" ]; then
      CLAIMS_URL="http://127.0.0.1:$(cat "$data/claim-service/port")"
      export CLAIMS_URL
    fi
    if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ] && [ -s "$data/broker/bootstrap.servers" ]; then
      KAFKA_BOOTSTRAP_SERVERS=$(cat "$data/broker/bootstrap.servers")
      export KAFKA_BOOTSTRAP_SERVERS
    fi
    if [ -z "${OPERATOR_API_KEY:-}" ] && [ -s "$data/operator_api_key" ]; then
      OPERATOR_API_KEY=$(cat "$data/operator_api_key")
      export OPERATOR_API_KEY
    fi
    exec build/release/claimsctl/claimsctl "$@"
    ;;
  compose-test)
    exec bash docker/compose_test.sh
    ;;
  help | -h | --help) usage ;;
  *)
    echo "unknown command: $command" >&2
    usage >&2
    exit 2
    ;;
esac
