#!/usr/bin/env bash
# Lake at scale (issue #10): BENCH_USERS users (default 1,000,000; a CSV and an image each, so
# twice as many objects) on the local-directory store, where nothing but Sluice costs time:
#   cold       the first `lake build`: every CSV read
#   unchanged  a rebuild with nothing changed: the listing and the manifest only
#   changed    a rebuild after BENCH_CHANGED_PERCENT of the CSVs were rewritten
# each with the process's peak RSS; then `sluice lake serve` over the built lake: its RSS once
# ready and after load, and `wrk -t2 -c64 --latency` on the same /stats request as
# bench/lake_serve.sh (100 users), so the two can be compared.
#
#   bench/lake_scale.sh            (from the repo root; `make bench` runs it via bench/run)
#
# Environment:
#   BENCH_USERS            users                               (default 1000000)
#   BENCH_CHANGED_PERCENT  users changed before the last build (default 1)
#   BENCH_DURATION         wrk -d                              (default 10s)
#   BENCH_KEEP=1           keep the generated lake
#   SLUICE_BIN             sluice binary                       (default build/sluice)
#
# Needs about 4 KB of disk per object (a block each): 8 GB for the default.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.bash
source bench/lib.bash

USERS=${BENCH_USERS:-1000000}
CHANGED_PERCENT=${BENCH_CHANGED_PERCENT:-1}
DURATION=${BENCH_DURATION:-10s}
SLUICE=${SLUICE_BIN:-build/sluice}
PY=/usr/bin/python3
STATS_PATH='/stats?is_image_exists=true&min_age=20&max_age=60'

[[ $USERS =~ ^[0-9]+$ && $USERS -gt 0 ]] || die "BENCH_USERS must be a positive number, got '$USERS'"
[[ $CHANGED_PERCENT =~ ^[0-9]+$ && $CHANGED_PERCENT -le 100 ]] ||
  die "BENCH_CHANGED_PERCENT must be 0 to 100, got '$CHANGED_PERCENT'"
[[ -x $SLUICE ]] || die "$SLUICE not found (build it first)"
command -v wrk >/dev/null || die "wrk is not installed (scripts/deps)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is not installed (scripts/deps)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-lake-scale.XXXXXX")
SERVER=
cleanup() {
  [[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

SOURCE=$TMP/lake/source_data
log "generating $USERS users (csv + png) in $SOURCE"
gen_start=$(date +%s.%N)
# Most users have an image, as in the reference data: all but every 16th.
"$PY" bench/lake_users.py generate "$SOURCE" "$USERS" 1000000 16
OBJECTS=$(find "$SOURCE" -type f | wc -l)
log "generated $OBJECTS objects in $(echo "$(date +%s.%N) - $gen_start" | bc) s"

field() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }

ROWS=()
build_row() {  # NAME
  local name=$1 rc=0
  /usr/bin/time -f '%e %M' -o "$TMP/time" "$SLUICE" --no-progress lake build "file://$TMP/lake/" \
    --format json >"$TMP/build.json" 2>"$TMP/build.log" || rc=$?
  if [[ $rc -ne 0 && $rc -ne 3 ]]; then
    ROWS+=("| $name | failed (exit $rc): $(tail -1 "$TMP/build.log") | | | | | | |")
    return
  fi
  local wall rss_kb j=$TMP/build.json
  read -r wall rss_kb <"$TMP/time"
  ROWS+=("$(printf '| %s | %s | %s / %s | %.2f | %.2f | %.2f | %s | %.0f MB |' "$name" \
    "$(field "$j" users)" "$(field "$j" objects_fetched)" "$(field "$j" objects_listed)" \
    "$(field "$j" listing_seconds)" "$(field "$j" fetching_seconds)" \
    "$(field "$j" total_seconds)" "$wall" "$(echo "$rss_kb / 1024" | bc -l)")")
  log "  $name: $(tail -c 300 "$j")"
}

build_row cold
build_row unchanged
changed=$("$PY" bench/lake_users.py change "$SOURCE" "$USERS" 1000000 "$CHANGED_PERCENT")
build_row "changed ($changed users)"

# Serving: the start-up build finds nothing changed and loads the snapshot from the manifest.
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start=$(date +%s.%N)
"$SLUICE" --no-progress lake serve "file://$TMP/lake/" --listen "127.0.0.1:$port" --refresh 60m \
  2>"$TMP/serve.log" &
SERVER=$!
for _ in $(seq 1200); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/stats" || true) == 200 ]] && break
  kill -0 "$SERVER" 2>/dev/null || die "lake serve exited: $(tail -3 "$TMP/serve.log")"
  sleep 0.1
done
ready=$(echo "$(date +%s.%N) - $start" | bc)
rss() { awk '/^VmRSS/ { printf "%.0f MB", $2 / 1024 }' "/proc/$SERVER/status"; }
hwm() { awk '/^VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$SERVER/status"; }
rss_ready=$(rss)
log "serve ready in $ready s, RSS $rss_ready; wrk on $STATS_PATH"
out=$(wrk -t2 -c64 -d"$DURATION" --latency "http://127.0.0.1:$port$STATS_PATH")
rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
answer=$(curl -s "http://127.0.0.1:$port$STATS_PATH")

echo "## Lake at scale: $USERS users ($OBJECTS objects) on a local directory"
echo
echo "| build | users | fetched / listed | listing s | fetching s | total s | wall s | peak RSS |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "| \`lake serve\` | value |"
echo "|---|---|"
echo "| start to first answer (build finds nothing changed) | $(printf '%.1f' "$ready") s |"
echo "| RSS when ready | $rss_ready |"
echo "| RSS after wrk / peak (VmHWM) | $(rss) / $(hwm) |"
echo "| \`GET $STATS_PATH\`, wrk -t2 -c64 -d$DURATION | $rps req/s, p99 $p99 |"
echo "| its answer | \`$answer\` |"
echo
machine_lines
