#!/usr/bin/env bash
# The project's one entry point for people and CI. See README.md.
#   bash develop_local.sh runserver   install what is missing, build, start broker + services
#   bash develop_local.sh test        install what is missing, build with sanitizers, run every test
#   bash develop_local.sh bench       build and run the benchmarks (results: docs/benchmarks.md)
#   bash develop_local.sh help
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; }

command=${1:-help}
[ $# -gt 0 ] && shift
case "$command" in
  runserver)
    bash bootstrap.sh release
    exec bash scripts/run_stack.sh build/release "$@"
    ;;
  test)
    bash bootstrap.sh debug
    # ctest's closing line ("100% tests passed, 0 tests failed out of N") is the summary.
    exec ctest --test-dir build/debug --output-on-failure -j 2 --timeout 600 "$@"
    ;;
  bench)
    bash bootstrap.sh release
    exec bash scripts/bench_policies.sh build/release "$@"
    ;;
  help | -h | --help) usage ;;
  *)
    echo "unknown command: $command" >&2
    usage >&2
    exit 2
    ;;
esac
