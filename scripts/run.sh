#!/usr/bin/env bash
# Quick start: installs dependencies, builds a release binary and serves Guildhall on
# http://127.0.0.1:8080 with an embedded SQLite database under ./data (created, migrated and
# filled with demo data when empty). Extra arguments go to `guildhall serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
mkdir -p data
exec build/guildhall serve --database sqlite:data/guildhall.db --listen 127.0.0.1:8080 --demo-if-empty "$@"
