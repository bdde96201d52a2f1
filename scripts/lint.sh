#!/usr/bin/env bash
# Lint: every tracked C++ file formatted as .clang-format says, and every shell script clean
# under shellcheck. Run by `bash develop_local.sh test` (and so by CI) before the build.
#   bash scripts/lint.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t cpp < <(git ls-files '*.cc' '*.h')
mapfile -t shell < <(git ls-files '*.sh' develop_local.sh bootstrap.sh .ci/run)
failed=0
if ! clang-format --dry-run --Werror "${cpp[@]}"; then
  echo "lint: format with: clang-format -i FILE (the files above)" >&2
  failed=1
fi
shellcheck "${shell[@]}" || failed=1
[ "$failed" -eq 0 ] && echo "lint: ${#cpp[@]} C++ files formatted, ${#shell[@]} shell scripts clean"
exit "$failed"
