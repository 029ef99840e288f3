#!/usr/bin/env bash
# One lint entry point for CI and a pre-commit hook: format check, layer rule, header rules.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
scripts/format.sh --check || status=1
scripts/check-layers.sh || status=1
while IFS= read -r header; do
  if ! grep -q '^#pragma once' "$header"; then
    echo "lint: $header lacks #pragma once" >&2
    status=1
  fi
  if grep -qE '^\s*using namespace' "$header"; then
    echo "lint: $header has 'using namespace' in a header" >&2
    status=1
  fi
done < <(find src -name '*.hpp')
while IFS= read -r file; do
  if [[ -s "$file" && -n "$(tail -c1 "$file")" ]]; then
    echo "lint: $file does not end with a newline" >&2
    status=1
  fi
# Binary fixtures (test videos) are bytes, not text.
done < <(git ls-files --cached --others --exclude-standard -- 'src/*' 'tests/*' 'scripts/*' 'templates/*' 'migrations/*' \
  ':(exclude)tests/fixtures/*.mp4')
if [[ $status -eq 0 ]]; then echo "lint: ok"; fi
exit $status
