#!/usr/bin/env bash
# Lint: every tracked C++ file formatted as .clang-format says, every shell script clean
# under shellcheck, the services' OpenAPI documents clean under `redocly lint` (web/redocly.yaml:
# the recommended-strict rules; web/'s npm packages from bootstrap.sh); with a build directory, also clang-tidy (the checks .clang-tidy enables,
# warnings as errors) over every product source file in its compile_commands.json (tests are
# left out: they would double the time). Run by `bash develop_local.sh test` (and so by CI):
# format and shellcheck before the build, clang-tidy after it.
#   bash scripts/lint.sh              clang-format, shellcheck
#   bash scripts/lint.sh --tidy DIR   clang-tidy with DIR/compile_commands.json
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "${1:-}" = --tidy ]; then
  build_dir=${2:?usage: lint.sh --tidy BUILD_DIR}
  mapfile -t sources < <(git ls-files '*.cc' | grep -v '/tests/')
  started=$(date +%s)
  # run-clang-tidy prints each file's diagnostics and exits non-zero if any file had an error.
  # clang 22 refuses a template of Pistache 0.0.5's async.h that GCC and clang 14 accept
  # (`this->chain_` in a partial specialisation); only http_server.cc includes Pistache, and it is
  # read with delayed template parsing, which leaves that template alone.
  pistache=shared/src/http_server.cc
  tidy=(run-clang-tidy-22 -clang-tidy-binary clang-tidy-22 -p "$build_dir" -quiet
    -j "${BUILD_JOBS:-2}")
  mapfile -t sources < <(printf '%s\n' "${sources[@]}" | grep -vx "$pistache")
  if ! { "${tidy[@]}" "${sources[@]/#/$PWD/}" &&
    "${tidy[@]}" -extra-arg=-fdelayed-template-parsing \
      -extra-arg=-Wno-delayed-template-parsing-in-cxx20 "$PWD/$pistache"; } \
      >"$build_dir/clang-tidy.log" 2>&1; then
    grep -E "(warning|error):" "$build_dir/clang-tidy.log" | sort -u >&2 || cat "$build_dir/clang-tidy.log" >&2
    echo "lint: clang-tidy found the problems above (log: $build_dir/clang-tidy.log)" >&2
    exit 1
  fi
  echo "lint: clang-tidy clean over $((${#sources[@]} + 1)) source files in $(($(date +%s) - started)) s"
  exit 0
fi

mapfile -t cpp < <(git ls-files '*.cc' '*.h')
mapfile -t shell < <(git ls-files '*.sh' develop_local.sh bootstrap.sh .ci/run)
failed=0
if ! clang-format --dry-run --Werror "${cpp[@]}"; then
  echo "lint: format with: clang-format -i FILE (the files above)" >&2
  failed=1
fi
shellcheck -x "${shell[@]}" || failed=1
openapi=(claim-service/openapi.json payment-service/openapi.json)
# Only its findings: not its banners (Node.js support notices), and no telemetry.
if ! lint_log=$(cd web && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
    node_modules/.bin/redocly lint "${openapi[@]/#/../}" 2>&1); then
  grep -v -e '[╔║╚]' <<<"$lint_log" >&2
  echo "lint: redocly found the problems above in the OpenAPI documents" >&2
  failed=1
fi
[ "$failed" -eq 0 ] && echo "lint: ${#cpp[@]} C++ files formatted, ${#shell[@]} shell scripts" \
  "and ${#openapi[@]} OpenAPI documents clean"
exit "$failed"
