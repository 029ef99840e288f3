#!/usr/bin/env bash
# Builds Guildhall. Usage: scripts/build.sh [release|debug]
#   release -> build/guildhall         debug (ASan + UBSan) -> build-debug/guildhall
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
case "$preset" in
  release) dir=build ;;
  debug) dir=build-debug ;;
  *) echo "usage: scripts/build.sh [release|debug]" >&2; exit 2 ;;
esac
cmake --preset "$preset" >/dev/null
cmake --build "$dir" -j "$(nproc)"
