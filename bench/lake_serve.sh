#!/usr/bin/env bash
# Lake serving benchmark (issue #10): `wrk -t2 -c64 -d10s --latency` on
#   GET /stats?is_image_exists=true&min_age=20&max_age=60   and   GET /data
# against `sluice lake serve`, a Flask app serving the same 100 users from memory
# (bench/lake_flask_app.py, Flask's own threaded server) and the same app under gunicorn with 2
# workers, in one run, one server at a time.
#
#   bench/lake_serve.sh            (from the repo root; `make bench` runs it via bench/run)
#
# Environment:
#   BENCH_DURATION     wrk -d                         (default 10s)
#   BENCH_CONNECTIONS  wrk -c                         (default 64)
#   SLUICE_BIN         sluice binary                  (default build/sluice)
#   SLUICE_SHARED_DIR  the reference data             (default ../shared)
#
# wrk, the servers and the machine's other work share its cores: the figures compare the three
# on the same machine in the same minute, not with other machines.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.bash
source bench/lib.bash

DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
SLUICE=${SLUICE_BIN:-build/sluice}
SHARED=${SLUICE_SHARED_DIR:-../shared}
DATA=$SHARED/fixtures/provectus/data
PY=/usr/bin/python3  # Debian's, which has python3-flask and python3-gunicorn
STATS_PATH='/stats?is_image_exists=true&min_age=20&max_age=60'

[[ -d $DATA ]] || die "no reference data in $DATA (set SLUICE_SHARED_DIR)"
DATA=$(realpath "$DATA")  # gunicorn runs from bench/
command -v wrk >/dev/null || die "wrk is not installed (scripts/deps)"
"$PY" -c 'import flask, gunicorn' 2>/dev/null || die "python3-flask and python3-gunicorn are needed (scripts/deps)"
[[ -x $SLUICE ]] || die "no sluice binary at $SLUICE (make build)"

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_ready() {  # URL: until it answers 200, at most 30 s
  for _ in $(seq 300); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$1" || true) == 200 ]] && return 0
    sleep 0.1
  done
  die "$1 did not answer"
}

# One wrk run: prints "requests/s|p50|p99".
measure() {
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$1")
  local rps p50 p99
  rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  echo "$rps|$p50|$p99"
}

ROWS=()
bench_server() {  # NAME BASE_URL PID
  local name=$1 base=$2 pid=$3
  wait_ready "$base/data"
  local idle
  idle=$(awk '/^VmRSS/ { printf "%.1f MB", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null || echo "?")
  for path in "$STATS_PATH" /data; do
    log "$name: GET $path"
    local result
    result=$(measure "$base$path")
    local rss
    rss=$(awk '/^VmRSS/ { printf "%.1f MB", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null || echo "?")
    ROWS+=("| $name | \`GET ${path}\` | ${result//|/ | } | $idle | $rss |")
  done
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

log "seeding a local lake from $DATA"
"$SLUICE" lake seed "$DATA" "file://$TMP/lake/source_data/" --no-progress >/dev/null 2>"$TMP/seed.log"

port=$(free_port)
"$SLUICE" lake serve "file://$TMP/lake/" --listen "127.0.0.1:$port" --refresh 60m \
  2>"$TMP/sluice.log" &
PIDS+=($!)
bench_server "sluice lake serve" "http://127.0.0.1:$port" "$!"

port=$(free_port)
LAKE_DATA_DIR=$DATA "$PY" bench/lake_flask_app.py "$port" >"$TMP/flask.log" 2>&1 &
PIDS+=($!)
bench_server "Flask (threaded dev server)" "http://127.0.0.1:$port" "$!"

port=$(free_port)
LAKE_DATA_DIR=$DATA "$PY" -m gunicorn -w 2 -b "127.0.0.1:$port" --chdir bench lake_flask_app:app \
  >"$TMP/gunicorn.log" 2>&1 &
PIDS+=($!)
bench_server "Flask under gunicorn -w 2" "http://127.0.0.1:$port" "$!"

echo "## Lake serving: wrk -t2 -c$CONNECTIONS -d$DURATION --latency, 100 users"
echo
echo "| Server | Request | Requests/s | p50 | p99 | RSS idle, ready | RSS after (main process) |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
machine_lines
