#!/usr/bin/env bash
# Installs every Debian package Guildhall needs to build, run and test.
# Idempotent: when every package is already installed it does nothing (no apt-get update).
set -euo pipefail

packages=(
  pkg-config cmake g++ ninja-build ccache mold clang-format
  libboost1.81-dev libboost-url1.81-dev libboost-json1.81-dev
  libsqlite3-dev libpq-dev postgresql
  libcmark-gfm-dev libcmark-gfm-extensions-dev libkainjow-mustache-dev
  libsodium-dev libssl-dev libcurl4-openssl-dev libspdlog-dev libfmt-dev libqrcodegencpp-dev
  libgtest-dev libgmock-dev libjemalloc-dev
  curl ca-certificates
)
# Test-only packages: the browser test, load tests and the benchmark ceiling.
if [[ "${1:-}" == "--test" ]]; then
  packages+=(chromium wrk nginx-light sqlite3)
  # Node.js may come from elsewhere (a newer nodejs package conflicts with Debian's npm).
  if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
