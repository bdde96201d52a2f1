#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs (only those missing) and builds.
#   bash bootstrap.sh            release build of the programs in build/release (runserver, bench)
#   bash bootstrap.sh debug      Debug build with AddressSanitizer + UBSan in build/debug (tests)
#   bash bootstrap.sh tsan       every gtest program built with ThreadSanitizer in build/tsan
#   bash bootstrap.sh packages   install packages only (and web/'s npm packages)
#   bash bootstrap.sh web        only web/'s npm packages (and npm); what the image copies
# Idempotent: a second run installs nothing and rebuilds only what changed.
# Runs as root, or through sudo when not root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

PACKAGES=(
  build-essential cmake ninja-build pkg-config git curl
  libpistache-dev librdkafka-dev nlohmann-json3-dev libsqlite3-dev sqlite3
  libgtest-dev libgmock-dev libcli11-dev prometheus-cpp-dev libcurl4-openssl-dev libssl-dev
  libvalijson-dev
  kcat jq wrk clang-format clang-tidy-22 shellcheck
  chromium
)

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
  # Node.js and npm: the machine's own when it has them (a Node.js 20 from elsewhere brings its
  # npm, which Debian's npm package would conflict with), else Debian's.
  command -v npm >/dev/null || echo nodejs npm
}

install_packages() {
  local missing
  missing=${1:-$(missing_packages)}
  [ -z "$missing" ] && return 0
  echo "bootstrap: installing:" "$missing"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install packages" >&2; exit 1; }
    sudo=(sudo)
  fi
  # shellcheck disable=SC2086
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
}

build() {  # build DIR "TARGET..." cmake-args...
  local dir=$1 targets=$2; shift 2
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S . -B "$dir" -G Ninja "$@"
  fi
  # Two cores: two jobs keep memory in bounds with sanitizers on.
  # shellcheck disable=SC2086
  cmake --build "$dir" -j "${BUILD_JOBS:-2}" --target $targets
}

# web/'s npm packages (web/package-lock.json): swagger-ui-dist, which /docs serves, the OpenAPI
# linter and the browser tests' driver. Reinstalled only when the lock file changed; no install
# scripts run (swagger-ui-dist's only one is a telemetry ping).
install_web() {
  if cmp -s web/package-lock.json web/node_modules/.installed-package-lock.json; then return 0; fi
  echo "bootstrap: npm ci in web/"
  (cd web && SCARF_ANALYTICS=false npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp web/package-lock.json web/node_modules/.installed-package-lock.json
}

if [ "${1:-}" = web ]; then
  command -v npm >/dev/null || install_packages "nodejs npm"
  install_web
  exit 0
fi
install_packages
install_web
case "${1:-release}" in
  packages) ;;
  # What runserver and bench run; tests are built by the debug and tsan builds.
  release) build build/release "claim-service payment-service embedded-broker walctl bench-limits claims-load claimsctl claims-joiner" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo ;;
  debug) build build/debug all -DCMAKE_BUILD_TYPE=Debug -DCLAIMS_SANITIZE=ON ;;
  tsan) build build/tsan "wal_log_tests wal_journal_tests service_storage_tests shared_tests claim_service_tests claims_api_tests spec_client_tests provider_api_tests payment_service_tests payment_api_tests claims_joiner_tests" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLAIMS_TSAN=ON ;;
  *) echo "usage: bash bootstrap.sh [release|debug|tsan|packages]" >&2; exit 2 ;;
esac
