#!/usr/bin/env bash
# Guildhall benchmark: loads demo data into a fresh SQLite database, serves it on
# 127.0.0.1 and measures the main pages and comment posting with wrk, next to nginx
# serving the same post page as a static file (the ceiling). See bench/README.md.
#
# Usage: bench/run.sh [--no-build] [--duration 20s] [--communities N] [--users N]
#                     [--posts N] [--connections 64] [--threads 2] [--check]
# Environment: GH_BINARY=/path/to/guildhall uses that binary and skips the build.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/run.sh [options]

  --no-build          Don't run scripts/build.sh release; use build/guildhall as it is.
  --duration D        wrk duration per endpoint (default 20s; a bare number means seconds).
  --communities N     Demo communities (default 100).
  --users N           Demo users (default 10000).
  --posts N           Demo posts (default 100000).
  --connections N     wrk connections (default 64).
  --threads N         wrk threads (default 2).
  --check             Exit 1 when the target (anonymous post page >= 0.3 x nginx req/s
                      with p99 < 10 ms) does not hold.
  -h, --help          This text.

GH_BINARY=/path/to/guildhall benchmarks that binary instead (and never builds).
Needs: curl, wrk, nginx; everything listens on 127.0.0.1 only.
EOF
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_dir="$root/bench"

build=1
duration=20s
communities=100
users=10000
posts=100000
connections=64
threads=2
check=0

need_value() {
  if [[ $# -lt 2 || -z "$2" ]]; then
    echo "run.sh: $1 needs a value" >&2
    exit 2
  fi
}
need_number() {
  if [[ ! "$2" =~ ^[0-9]+$ ]]; then
    echo "run.sh: $1 needs a whole number, got '$2'" >&2
    exit 2
  fi
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --duration) need_value "$@"; duration="$2"; shift 2 ;;
    --communities) need_value "$@"; need_number "$1" "$2"; communities="$2"; shift 2 ;;
    --users) need_value "$@"; need_number "$1" "$2"; users="$2"; shift 2 ;;
    --posts) need_value "$@"; need_number "$1" "$2"; posts="$2"; shift 2 ;;
    --connections) need_value "$@"; need_number "$1" "$2"; connections="$2"; shift 2 ;;
    --threads) need_value "$@"; need_number "$1" "$2"; threads="$2"; shift 2 ;;
    --check) check=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
if [[ "$duration" =~ ^[0-9]+$ ]]; then
  duration="${duration}s"
fi
if [[ ! "$duration" =~ ^[0-9]+[smh]$ ]]; then
  echo "run.sh: --duration wants e.g. 20, 20s or 1m, got '$duration'" >&2
  exit 2
fi

die() {
  echo "run.sh: $*" >&2
  exit 1
}
log() {
  printf '[bench] %s\n' "$*" >&2
}

# ---------------------------------------------------------------- tools
for tool in curl wrk; do
  command -v "$tool" >/dev/null || die "'$tool' is not installed"
done
nginx_bin="$(command -v nginx || true)"
if [[ -z "$nginx_bin" && -x /usr/sbin/nginx ]]; then
  nginx_bin=/usr/sbin/nginx
fi
[[ -n "$nginx_bin" ]] || die "'nginx' is not installed (Debian: apt-get install nginx-light)"

# ---------------------------------------------------------------- binary
if [[ -n "${GH_BINARY:-}" ]]; then
  binary="$GH_BINARY"
  log "using GH_BINARY=$binary (no build)"
elif [[ "$build" -eq 1 ]]; then
  log "building release (scripts/build.sh release)"
  "$root/scripts/build.sh" release
  binary="$root/build/guildhall"
else
  binary="$root/build/guildhall"
fi
[[ -x "$binary" ]] || die "no executable at $binary (build it, or set GH_BINARY)"

# ---------------------------------------------------------------- cleanup
work="$(mktemp -d "${TMPDIR:-/tmp}/guildhall-bench.XXXXXX")"
server_pid=""
nginx_pid=""

stop_pid() { # stop_pid PID NAME SIGNAL: signal it, wait up to 15 s, then SIGKILL.
  local pid="$1" name="$2" signal="$3" status=0 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill "-$signal" "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "[bench] WARNING: $name (pid $pid) ignored SIG$signal for 15 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || status=$?
  if [[ "$status" -ne 0 ]]; then
    echo "[bench] WARNING: $name (pid $pid) exited with status $status after SIG$signal" >&2
  fi
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$nginx_pid" ]]; then
    stop_pid "$nginx_pid" nginx QUIT
  fi
  if [[ -n "$server_pid" ]]; then
    stop_pid "$server_pid" guildhall TERM
  fi
  if [[ "$rc" -ne 0 && -s "$work/server.err" ]]; then
    echo "[bench] last lines of the server's log:" >&2
    tail -n 20 "$work/server.err" >&2 || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ns() { date +%s%N; }
seconds_since() { # seconds_since START_NS -> "12.3"
  awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'
}

# ---------------------------------------------------------------- demo data
db="sqlite:$work/bench.db"
log "loading demo data: $communities communities, $users users, $posts posts"
load_start="$(now_ns)"
"$binary" demo --database "$db" --communities "$communities" --users "$users" \
  --posts "$posts" --quiet >"$work/demo.out" 2>"$work/demo.err" ||
  { cat "$work/demo.err" >&2; die "demo load failed"; }
load_seconds="$(seconds_since "$load_start")"
demo_summary="$(head -n 1 "$work/demo.out")"
log "demo load took ${load_seconds} s ($demo_summary)"
db_size_mib="$(du -m "$work/bench.db" | cut -f1)"

# ---------------------------------------------------------------- server
# Create the log files first: the background job opens them only after it is forked.
: >"$work/server.out"
: >"$work/server.err"
# The spam limits are off: the comment row measures the write path, not the limiter (which
# answers a brand-new bench account 429 after 10 comments an hour; its own tests cover it).
"$binary" serve --database "$db" --listen 127.0.0.1:0 --access-log false \
  --new-account-posts-per-hour 0 --new-account-comments-per-hour 0 --posts-per-hour 0 --comments-per-hour 0 \
  >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
port=""
for ((i = 0; i < 300; i++)); do
  port="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$work/server.out" | head -n 1)"
  [[ -n "$port" ]] && break
  kill -0 "$server_pid" 2>/dev/null || die "the server exited before listening"
  sleep 0.1
done
[[ -n "$port" ]] || die "no 'listening on 127.0.0.1:PORT' line from the server within 30 s"
base="http://127.0.0.1:$port"
healthy=0
for ((i = 0; i < 300; i++)); do
  if curl -fsS -o /dev/null --max-time 2 "$base/healthz" 2>/dev/null; then
    healthy=1
    break
  fi
  sleep 0.1
done
[[ "$healthy" -eq 1 ]] || die "$base/healthz did not answer 200 within 30 s"
log "server pid $server_pid on $base"
rss_start_kib="$(ps -o rss= -p "$server_pid" | tr -d ' ')"

# ---------------------------------------------------------------- fixtures
# Tiny JSON field grabs with grep/sed (no jq/python on a fresh machine).
communities_json="$(curl -fsS "$base/api/v1/communities?sort=members&limit=1")"
slug="$(printf '%s' "$communities_json" | grep -o '"slug":"[^"]*"' | head -n 1 | sed 's/.*:"\(.*\)"/\1/')" || true
[[ -n "$slug" ]] || die "no community slug in: ${communities_json:0:300}"
posts_json="$(curl -fsS "$base/api/v1/communities/$slug/posts?limit=1")"
post_id="$(printf '%s' "$posts_json" | grep -o '"posts":\[{"id":[0-9]*' | head -n 1 | grep -o '[0-9]*$')" || true
[[ -n "$post_id" ]] || die "no post id in: ${posts_json:0:300}"
log "community '$slug', post $post_id"

bench_user="bench$(date +%s)"
bench_password="bench-password-$RANDOM$RANDOM"
signup_json="$(curl -sS -X POST -H 'Content-Type: application/json' \
  -d "{\"email\":\"$bench_user@example.com\",\"username\":\"$bench_user\",\"password\":\"$bench_password\"}" \
  "$base/api/v1/auth/signup")"
token="$(printf '%s' "$signup_json" | grep -o '"token":"[^"]*"' | head -n 1 | sed 's/.*:"\(.*\)"/\1/')" || true
[[ -n "$token" ]] || die "signup gave no token: ${signup_json:0:300}"

join_status="$(curl -sS -o "$work/join.json" -w '%{http_code}' -X POST \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{}' \
  "$base/api/v1/communities/$slug/join")"
[[ "$join_status" == 200 ]] || die "join $slug gave HTTP $join_status: $(head -c 300 "$work/join.json")"

login_headers="$(curl -sS -o /dev/null -D - -X POST -H 'Content-Type: application/json' \
  -d "{\"login\":\"$bench_user\",\"password\":\"$bench_password\"}" "$base/api/v1/auth/login")"
session="$(printf '%s' "$login_headers" | tr -d '\r' | grep -io '^set-cookie: gh_session=[^;]*' | head -n 1 | sed 's/^[^=]*=//')" || true
[[ -n "$session" ]] || die "login set no gh_session cookie"
log "signed up '$bench_user', joined '$slug', logged in"

# Each endpoint answers once before it is measured, so a broken one fails loudly.
expect_status() { # expect_status WANT URL [curl args...]
  local want="$1" url="$2" got
  shift 2
  got="$(curl -sS -o "$work/probe.body" -w '%{http_code}' "$@" "$url")"
  [[ "$got" == "$want" ]] || die "$url gave HTTP $got, expected $want: $(head -c 300 "$work/probe.body")"
}
expect_status 200 "$base/"
expect_status 200 "$base/c/$slug"
expect_status 200 "$base/p/$post_id" -H "Cookie: gh_session=$session"
grep -q "$bench_user" "$work/probe.body" ||
  log "WARNING: the logged-in post page does not mention '$bench_user'; is the cookie honoured?"
expect_status 201 "$base/api/v1/posts/$post_id/comments" -X POST \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"body_md":"bench probe"}'

# A paid post and a paying member: the bench user founds a community with a paid tier and gates
# a post of the same size as the measured one; a second user buys the tier (manual provider)
# and the founder confirms it. Paying members always take the rendered path (no shared cache).
api() { # api TOKEN METHOD PATH [JSON]: prints the body; fails on a non-2xx status.
  local out status
  out="$(curl -sS -w '\n%{http_code}' -X "$2" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    -d "${4:-{\}}" "$base$3")"
  status="${out##*$'\n'}"
  [[ "$status" == 2* ]] || die "$2 $3 gave HTTP $status: ${out:0:300}"
  printf '%s' "${out%$'\n'*}"
}
paid_slug="paid$(date +%s)"
api "$token" POST /api/v1/communities "{\"slug\":\"$paid_slug\",\"name\":\"Paid bench\"}" >/dev/null
tier_id="$(api "$token" POST "/api/v1/communities/$paid_slug/tiers" \
  '{"name":"Gold","price":{"amount_minor":9900,"currency":"CNY"},"interval":"year"}' |
  grep -o '"tier":{"id":[0-9]*' | grep -o '[0-9]*$')" || true
[[ -n "$tier_id" ]] || die "could not create a tier"
# About 4 KB of Markdown (paragraphs, a list, a code block), JSON-safe by construction.
body_md=""
for ((i = 1; i <= 8; i++)); do
  body_md+="## Part $i\\n\\nA paragraph about ownership, borrowing and lifetimes in part $i, long enough to"
  body_md+=" wrap over a few lines like a real tutorial does when it explains one idea at a time.\\n\\n"
  body_md+="- first point of part $i\\n- second point with some *emphasis* and a [link](https://example.com/$i)\\n\\n"
  body_md+="\`\`\`rust\\nfn part_$i(v: &[u32]) -> u32 {\\n    v.iter().map(|x| x * $i).sum()\\n}\\n\`\`\`\\n\\n"
done
paid_post_id="$(api "$token" POST "/api/v1/communities/$paid_slug/posts" \
  "{\"title\":\"Paid bench post\",\"kind\":\"article\",\"visibility\":\"paid\",\"body_md\":\"Free preview.\\n\\n<!-- paywall -->\\n\\n$body_md\"}" |
  grep -o '"post":{"id":[0-9]*' | grep -o '[0-9]*$')" || true
[[ -n "$paid_post_id" ]] || die "could not create the paid post"
buyer_user="buyer$(date +%s)"
buyer_json="$(curl -sS -X POST -H 'Content-Type: application/json' \
  -d "{\"email\":\"$buyer_user@example.com\",\"username\":\"$buyer_user\",\"password\":\"$bench_password\"}" \
  "$base/api/v1/auth/signup")"
buyer_token="$(printf '%s' "$buyer_json" | grep -o '"token":"[^"]*"' | head -n 1 | sed 's/.*:"\(.*\)"/\1/')" || true
[[ -n "$buyer_token" ]] || die "buyer signup gave no token: ${buyer_json:0:300}"
checkout_id="$(api "$buyer_token" POST /api/v1/checkout "{\"tier_id\":$tier_id,\"provider\":\"manual\"}" |
  grep -o '"id":"co_[^"]*"' | head -n 1 | sed 's/.*:"\(.*\)"/\1/')" || true
[[ -n "$checkout_id" ]] || die "could not start a checkout"
api "$token" POST "/api/v1/checkout/$checkout_id/confirm" >/dev/null
buyer_headers="$(curl -sS -o /dev/null -D - -X POST -H 'Content-Type: application/json' \
  -d "{\"login\":\"$buyer_user\",\"password\":\"$bench_password\"}" "$base/api/v1/auth/login")"
buyer_session="$(printf '%s' "$buyer_headers" | tr -d '\r' | grep -io '^set-cookie: gh_session=[^;]*' | head -n 1 | sed 's/^[^=]*=//')" || true
[[ -n "$buyer_session" ]] || die "buyer login set no gh_session cookie"
expect_status 200 "$base/p/$paid_post_id" -H "Cookie: gh_session=$buyer_session"
grep -q 'class="paywall' "$work/probe.body" && die "the paying member sees the paywall on /p/$paid_post_id"
expect_status 200 "$base/p/$paid_post_id"
grep -q 'class="paywall' "$work/probe.body" || die "an anonymous visitor does not see the paywall on /p/$paid_post_id"
log "paid post /p/$paid_post_id in /c/$paid_slug, bought by '$buyer_user'"

# The ceiling's input: the exact bytes of the anonymous post page, saved now.
mkdir -p "$work/www/p"
curl -fsS -o "$work/www/p/$post_id" "$base/p/$post_id"
page_bytes="$(wc -c <"$work/www/p/$post_id" | tr -d ' ')"

# ---------------------------------------------------------------- wrk
wrk_cmd=(wrk "-t$threads" "-c$connections" "-d$duration" --latency)
load_before="$(cut -d" " -f1-3 /proc/loadavg)"

# to_ms "1.23ms" -> 1.230 (wrk prints us, ms, s, m or h)
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
    if (f < 0) { print "nan"; exit }
    printf "%.3f", n * f
  }'
}

# run_wrk NAME URL [wrk options...] [-- script args...]: runs wrk, saves its output to $work/wrk-NAME.txt and
# sets rps[NAME], p50[NAME], p99[NAME] (ms), bad[NAME] (non-2xx/3xx), errors[NAME] (socket).
declare -A rps p50 p99 bad errors
run_wrk() {
  local name="$1" url="$2" out
  local -a options=() script_args=()
  shift 2
  while [[ $# -gt 0 && "$1" != -- ]]; do
    options+=("$1")
    shift
  done
  script_args=("$@") # empty, or "--" and the arguments of the Lua script
  out="$work/wrk-$name.txt"
  log "wrk $name: $url (${duration})"
  "${wrk_cmd[@]}" "${options[@]}" "$url" "${script_args[@]}" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed for $name"; }
  rps[$name]="$(awk '/^Requests\/sec:/ { print $2 }' "$out")"
  p50[$name]="$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")"
  p99[$name]="$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")"
  bad[$name]="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")"
  bad[$name]="${bad[$name]:-0}"
  errors[$name]="$(awk -F'[ ,]+' '/Socket errors:/ { print $5 + $7 + $9 + $11 }' "$out")"
  errors[$name]="${errors[$name]:-0}"
  [[ -n "${rps[$name]}" ]] || { cat "$out" >&2; die "could not read wrk's output for $name"; }
}

run_wrk directory "$base/"
run_wrk feed "$base/c/$slug"
run_wrk post_anon "$base/p/$post_id"
run_wrk post_login "$base/p/$post_id" -H "Cookie: gh_session=$session"
run_wrk paid_member "$base/p/$paid_post_id" -H "Cookie: gh_session=$buyer_session"
run_wrk paid_anon "$base/p/$paid_post_id"
run_wrk comment "$base/api/v1/posts/$post_id/comments" -s "$bench_dir/comment.lua" -- "$token"
rss_end_kib="$(ps -o rss= -p "$server_pid" | tr -d ' ')"
threads_end="$(ps -o nlwp= -p "$server_pid" | tr -d ' ')"
server_log_problems="$(grep -ciE '\] \[(warning|error|critical)\]' "$work/server.err" || true)"

# ---------------------------------------------------------------- nginx ceiling
chmod 711 "$work" # nginx workers run as an unprivileged user when started as root
chmod 755 "$work/www" "$work/www/p"
chmod 644 "$work/www/p/$post_id"

nginx_config() { # nginx_config WORKERS PORT
  local temp_paths="" module
  for module in client_body proxy fastcgi uwsgi scgi; do
    if [[ "$module" == client_body ]] || ! "$nginx_bin" -V 2>&1 | grep -q -- "--without-http_${module}_module"; then
      mkdir -p "$work/nginx-temp/$module"
      temp_paths+="  ${module}_temp_path $work/nginx-temp/$module;"$'\n'
    fi
  done
  cat <<EOF
daemon off;
worker_processes $1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
$temp_paths  default_type "text/html; charset=utf-8";
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$2 reuseport;
    root $work/www;
  }
}
EOF
}

# start_nginx WORKERS: free loopback port by trial; sets nginx_pid and nginx_port.
start_nginx() {
  local workers="$1" attempt i
  for ((attempt = 0; attempt < 20; attempt++)); do
    nginx_port=$((20000 + RANDOM % 40000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$nginx_port") 2>/dev/null; then
      continue # something already listens there
    fi
    nginx_config "$workers" "$nginx_port" >"$work/nginx.conf"
    : >"$work/nginx.out"
    "$nginx_bin" -e "$work/nginx-error.log" -c "$work/nginx.conf" -p "$work" \
      >"$work/nginx.out" 2>&1 &
    nginx_pid=$!
    for ((i = 0; i < 100; i++)); do
      if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$nginx_port/p/$post_id" 2>/dev/null; then
        return 0
      fi
      kill -0 "$nginx_pid" 2>/dev/null || break
      sleep 0.1
    done
    stop_pid "$nginx_pid" nginx QUIT
    nginx_pid=""
  done
  cat "$work/nginx-error.log" "$work/nginx.out" >&2 2>/dev/null || true
  die "could not start nginx"
}

nginx_cmp() { # byte-identical body?
  cmp -s "$work/www/p/$post_id" <(curl -fsS "http://127.0.0.1:$nginx_port/p/$post_id")
}

start_nginx 1
nginx_cmp || die "nginx does not serve the saved page byte for byte"
run_wrk nginx1 "http://127.0.0.1:$nginx_port/p/$post_id"
stop_pid "$nginx_pid" nginx QUIT
nginx_pid=""

start_nginx auto
run_wrk nginx_auto "http://127.0.0.1:$nginx_port/p/$post_id"
stop_pid "$nginx_pid" nginx QUIT
nginx_pid=""

# ---------------------------------------------------------------- report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

echo
echo "Guildhall benchmark  $(date -u '+%Y-%m-%d %H:%M:%SZ')  $(uname -srm), $(nproc) cores"
echo "binary:   $binary"
echo "data:     $communities communities, $users users, $posts posts; sqlite $db_size_mib MiB"
echo "          demo load took ${load_seconds} s (${demo_summary})"
echo "fixtures: community /c/$slug, post /p/$post_id ($page_bytes bytes anonymous), user $bench_user"
echo "wrk:      ${wrk_cmd[*]}   load average before wrk: $load_before"
echo
printf '%-34s %10s %9s %9s %9s %8s %7s\n' endpoint req/s x_nginx p50_ms p99_ms non2xx sockerr
printf '%-34s %10s %9s %9s %9s %8s %7s\n' ---------------------------------- ---------- --------- --------- --------- -------- -------
row() { # row NAME LABEL
  printf '%-34s %10s %9s %9s %9s %8s %7s\n' "$2" "${rps[$1]}" "$(ratio "${rps[$1]}" "${rps[nginx1]}")" \
    "${p50[$1]}" "${p99[$1]}" "${bad[$1]}" "${errors[$1]}"
}
row directory "GET / (directory)"
row feed "GET /c/$slug (feed)"
row post_anon "GET /p/$post_id (anonymous)"
row post_login "GET /p/$post_id (logged in)"
row paid_member "GET /p/$paid_post_id (paid, paying member)"
row paid_anon "GET /p/$paid_post_id (paid, anonymous)"
row comment "POST /api/v1/posts/$post_id/comments"
row nginx1 "nginx static page, 1 worker"
row nginx_auto "nginx static page, auto workers"
echo
echo "guildhall RSS: $(mib "$rss_start_kib") after start, $(mib "$rss_end_kib") after the guildhall runs" \
  "($threads_end threads); warning/error log lines: $server_log_problems"
echo "x_nginx is req/s divided by nginx (1 worker) req/s; vs nginx auto the anonymous post page is" \
  "$(ratio "${rps[post_anon]}" "${rps[nginx_auto]}")."

target_ratio="$(ratio "${rps[post_anon]}" "${rps[nginx1]}")"
verdict="$(awk -v r="$target_ratio" -v p="${p99[post_anon]}" 'BEGIN { print (r >= 0.3 && p < 10) ? "HOLDS" : "MISSED" }')"
echo "target (anonymous post page >= 0.30 x nginx req/s, p99 < 10 ms): $verdict" \
  "(ratio $target_ratio, p99 ${p99[post_anon]} ms)"

problems=0
for name in directory feed post_anon post_login paid_member paid_anon comment nginx1 nginx_auto; do
  if [[ "${bad[$name]}" != 0 || "${errors[$name]}" != 0 ]]; then
    echo "NOTE: $name had ${bad[$name]} non-2xx/3xx responses and ${errors[$name]} socket errors" \
      "(see wrk's output below)"
    problems=1
  fi
done
if [[ "$problems" -eq 1 || "$server_log_problems" != 0 ]]; then
  for name in directory feed post_anon post_login paid_member paid_anon comment nginx1 nginx_auto; do
    echo "--- wrk $name"
    cat "$work/wrk-$name.txt"
  done
  if [[ "$server_log_problems" != 0 ]]; then
    echo "--- server warnings/errors (first 20)"
    grep -iE '\] \[(warning|error|critical)\]' "$work/server.err" | head -n 20
  fi
fi

if [[ "$check" -eq 1 && "$verdict" != HOLDS ]]; then
  exit 1
fi
