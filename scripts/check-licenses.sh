#!/usr/bin/env bash
# Fails when the binary links (directly) a library whose Debian copyright names a GPL licence (the project
# is Apache-2.0; LGPL is allowed). Usage: scripts/check-licenses.sh [BINARY]
set -euo pipefail
binary="${1:-build/guildhall}"
status=0
while read -r lib; do
  pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1) || pkg=""
  [[ -z "$pkg" ]] && continue
  copyright="/usr/share/doc/$pkg/copyright"
  [[ -f "$copyright" ]] || continue
  # The library's own licence: the "Files: *" stanza of the machine-readable copyright file
  # (other stanzas cover build scripts and tests, which are not linked).
  licenses=$(awk '/^Files: *\*$/ {f=1; next} f && /^License:/ {sub(/^License: */, ""); print; exit}' "$copyright")
  if [[ -z "$licenses" ]]; then
    licenses=$(grep -m1 -E '^License:' "$copyright" | sed 's/^License: *//' || true)
  fi
  # GPL alone fails; LGPL, or GPL offered with an LGPL alternative or a linking exception, passes.
  if echo "$licenses" | grep -Eq '(^|[^L])GPL' && ! echo "$licenses" | grep -Eq 'LGPL|exception'; then
    echo "check-licenses: $lib ($pkg) is under: $licenses" >&2
    status=1
  fi
done < <(
  # Direct dependencies only (the binary's NEEDED entries), resolved to paths by ldd.
  needed=$(objdump -p "$binary" | awk '/NEEDED/ {print $2}')
  ldd "$binary" | awk '/=>/ {print $1, $3}' | while read -r soname path; do
    if grep -qxF "$soname" <<<"$needed"; then echo "$path"; fi
  done
)
[[ $status -eq 0 ]] && echo "check-licenses: no GPL library linked into $binary"
exit $status
