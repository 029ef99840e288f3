#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests (GH_TEST_PG).
#
#   scripts/pg-test-cluster.sh start DIR   # prints postgresql://postgres@127.0.0.1:PORT/guildhall_test
#   GH_TEST_PG=$(scripts/pg-test-cluster.sh start /tmp/gh-pg) ./build/src/db/db_test
#   scripts/pg-test-cluster.sh stop DIR    # safe to repeat; rm -rf DIR afterwards to clean up
#
# DIR holds the data, the log and the unix socket. Put it under /tmp: when run as root the
# server runs as user postgres, which must be able to traverse every parent of DIR (/root is
# not). Trust authentication, 127.0.0.1 only, fsync off: for tests, never for data you keep.
# `start` on a running cluster prints its URL again. Only the URL goes to stdout.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
command=$1
dir=$2
[[ -n "$dir" ]] || usage

pg_bin() {
  local candidate
  # Newest version first.
  for candidate in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [[ -x "$candidate/initdb" ]]; then
      echo "$candidate"
      return
    fi
  done
  echo "error: no initdb under /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2
  exit 1
}

# Runs a command as the user who owns the cluster: postgres when we are root, else ourselves.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

url_for() {
  echo "postgresql://postgres@127.0.0.1:$1/guildhall_test"
}

start() {
  local bin data log port attempt
  bin=$(pg_bin)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  data="$dir/data"
  log="$dir/postgres.log"

  if [[ -f "$dir/port" ]] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    url_for "$(cat "$dir/port")"
    return
  fi

  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || { echo "error: user postgres does not exist" >&2; exit 1; }
    chown postgres: "$dir"
  fi
  chmod 700 "$dir"
  if ! as_owner test -w "$dir"; then
    echo "error: the server's user cannot reach $dir (is a parent not traversable? use /tmp)" >&2
    exit 1
  fi

  if [[ ! -f "$data/PG_VERSION" ]]; then
    as_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
  fi

  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    port_in_use "$port" && continue
    if as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 -s start \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off \
          -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >&2; then
      break
    fi
    echo "note: start on port $port failed (attempt $attempt), see $log" >&2
    port=""
  done
  [[ -n "$port" ]] || { echo "error: could not start PostgreSQL" >&2; tail -20 "$log" >&2 || true; exit 1; }
  as_owner sh -c "echo $port > '$dir/port'"

  for attempt in $(seq 1 50); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres && break
    sleep 0.1
  done
  if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAq \
    -c "SELECT 1 FROM pg_database WHERE datname = 'guildhall_test'" | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres guildhall_test >&2
  fi
  url_for "$port"
}

stop() {
  local bin data
  [[ -d "$dir/data" ]] || return 0
  bin=$(pg_bin)
  data=$(cd "$dir/data" && pwd)
  if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$data" -w -s -m fast stop >&2
  fi
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
