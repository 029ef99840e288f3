#!/usr/bin/env bash
# Installs everything, builds, and runs every test:
#   lint (format + layer rule) -> release build -> unit tests on SQLite and on a throwaway
#   PostgreSQL 15 -> integration tests (real binary over HTTP) on both databases -> browser test
#   -> the same unit and integration tests under AddressSanitizer + UndefinedBehaviorSanitizer.
# Ends with one summary line "N passed, N failed".
# Options: --fast skips the sanitizer build (for local iterations; CI runs everything).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
fast=0
[[ "${1:-}" == "--fast" ]] && fast=1

passed=0
failed=0
failures=()
log_dir=$(mktemp -d /tmp/gh-test-logs.XXXXXX)

# count_ctest LOG: adds ctest's totals ("N% tests passed, F tests failed out of T").
count_ctest() {
  local line t f
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -1)
  if [[ -z "$line" ]]; then failed=$((failed + 1)); return; fi
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
  t=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/')
  passed=$((passed + t - f)); failed=$((failed + f))
}
# count_node LOG: adds node:test's totals ("# pass N", "# fail N").
count_node() {
  local p f
  p=$(grep -E '^# pass [0-9]+' "$1" | tail -1 | awk '{print $3}')
  f=$(grep -E '^# fail [0-9]+' "$1" | tail -1 | awk '{print $3}')
  if [[ -z "$p" ]]; then failed=$((failed + 1)); return; fi
  passed=$((passed + p)); failed=$((failed + ${f:-0}))
}
# step NAME COUNTER CMD...: runs a step, shows its output, and records the outcome.
step() {
  local name=$1 counter=$2
  shift 2
  echo "==> $name"
  local log="$log_dir/$(echo "$name" | tr ' /:' '___').log"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  case "$counter" in
    ctest) count_ctest "$log" ;;
    node) count_node "$log" ;;
    *) if [[ $rc -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi ;;
  esac
  if [[ $rc -ne 0 ]]; then failures+=("$name"); fi
  return 0
}

echo "==> install dependencies"
scripts/install-deps.sh --test || { echo "0 passed, 1 failed"; exit 1; }

step "lint" plain scripts/lint.sh
step "build release" plain scripts/build.sh release
if [[ ! -x build/guildhall ]]; then
  echo "build failed; stopping"
  echo "$passed passed, $((failed + 1)) failed"
  exit 1
fi

step "licences (no GPL linked)" plain scripts/check-licenses.sh build/guildhall

pg_dir=$(mktemp -d /tmp/gh-pg.XXXXXX)
pg_url=$(scripts/pg-test-cluster.sh start "$pg_dir")
if [[ -z "$pg_url" ]]; then
  echo "could not start PostgreSQL"
  failed=$((failed + 1)); failures+=("postgresql start")
fi
trap 'scripts/pg-test-cluster.sh stop "$pg_dir" >/dev/null 2>&1; rm -rf "$pg_dir"' EXIT

ctest_args=(--output-on-failure -j "$(nproc)" --timeout 300)
step "unit tests (sqlite)" ctest ctest --test-dir build "${ctest_args[@]}"
if [[ -n "$pg_url" ]]; then
  step "unit tests (postgresql)" ctest env GH_TEST_PG="$pg_url" ctest --test-dir build "${ctest_args[@]}" -L unit
fi

if [[ -f tests/package.json ]]; then
  step "npm install" plain bash -c "cd tests && npm install --no-audit --no-fund --loglevel=error"
  step "integration tests (sqlite)" node env GH_BINARY="$root/build/guildhall" \
    node --test --test-concurrency=1 tests/http/
  if [[ -n "$pg_url" ]]; then
    step "integration tests (postgresql)" node env GH_BINARY="$root/build/guildhall" GH_TEST_PG="$pg_url" \
      node --test --test-concurrency=1 tests/http/
  fi
  if compgen -G "tests/browser/*.test.mjs" >/dev/null; then
    step "browser tests" node env GH_BINARY="$root/build/guildhall" node --test --test-concurrency=1 tests/browser/
  fi
fi

if [[ $fast -eq 0 ]]; then
  step "build debug (asan+ubsan)" plain scripts/build.sh debug
  export ASAN_OPTIONS=detect_stack_use_after_return=1:strict_string_checks=1:detect_leaks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  step "unit tests asan (sqlite)" ctest ctest --test-dir build-debug "${ctest_args[@]}"
  if [[ -n "$pg_url" ]]; then
    step "unit tests asan (postgresql)" ctest env GH_TEST_PG="$pg_url" ctest --test-dir build-debug \
      "${ctest_args[@]}" -L unit
  fi
  if [[ -f tests/package.json && -x build-debug/guildhall ]]; then
    step "integration tests asan (sqlite)" node env GH_BINARY="$root/build-debug/guildhall" \
      node --test --test-concurrency=1 tests/http/
  fi
fi

if ((${#failures[@]} > 0)); then
  echo "failed steps: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 && ${#failures[@]} -eq 0 ]]
