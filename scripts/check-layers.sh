#!/usr/bin/env bash
# Fails when a file under src/ includes a header across a forbidden edge of the dependency
# rule (docs/ARCHITECTURE.md). Each folder lists the folders it may include from.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
  [core]="core"
  [db]="db core"
  [http]="http core"
  [render]="render core"
  [testing]="testing db core"
  [access]="access db core"
  [ledger]="ledger db core"
  [mail]="mail identity render db core"
  [engage]="engage notify access db core"
  [identity]="identity db core"
  [notify]="notify db core"
  [community]="community access identity render db core"
  [content]="content mail engage access identity notify render db core"
  [billing]="billing community ledger access identity notify render db core"
  [moderation]="moderation billing community content engage notify ledger access identity render db core"
  [files]="files access identity db core"
  [expert]="expert billing community content ledger access identity notify render db core"
  [learn]="learn files billing community content engage access identity notify render db core"
  [events]="events billing community engage access identity notify render db core"
  [web]="web http render community content billing mail engage moderation expert learn events files ledger access identity notify db core"
  [app]="app web http render community content billing mail engage moderation expert learn events files ledger access identity notify db core"
)

status=0
while IFS= read -r file; do
  folder=$(echo "$file" | cut -d/ -f2)
  [[ "$folder" == "main.cpp" ]] && continue
  if [[ -z "${allowed[$folder]+x}" ]]; then
    echo "check-layers: $file: folder '$folder' has no rule in scripts/check-layers.sh" >&2
    status=1
    continue
  fi
  extra=""
  # Test files (and test-only headers, *_test.hpp, holding shared fixtures) may use the testing
  # library and build fixtures through identity and community.
  [[ "$file" == *_test.cpp || "$file" == *_test.hpp ]] && extra="testing identity community content ledger"
  while IFS= read -r inc; do
    target=$(echo "$inc" | sed -E 's/^#include "([^/"]+)\/.*/\1/')
    ok=0
    for a in ${allowed[$folder]} $extra; do
      [[ "$target" == "$a" ]] && ok=1
    done
    if [[ $ok -eq 0 ]]; then
      echo "check-layers: $file includes \"$target/...\": $folder may not depend on $target" >&2
      status=1
    fi
  done < <(grep -E '^#include "[^/"]+/' "$file" || true)
done < <(find src -name '*.cpp' -o -name '*.hpp' | sort)
exit $status
