#!/usr/bin/env bash
# Formats every C++ file with clang-format 14. `--check` changes nothing and fails on a diff.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! clang-format --version | grep -q "version 14\."; then
  echo "format.sh: clang-format 14 is required (found: $(clang-format --version))" >&2
  exit 1
fi
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cpp' '*.hpp')
if [[ "${1:-}" == "--check" ]]; then
  clang-format --dry-run --Werror "${files[@]}"
else
  clang-format -i "${files[@]}"
fi
