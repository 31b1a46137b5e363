#!/usr/bin/env bash
# Lake build benchmark: `sluice lake build` on generated users, a cold build and then rebuilds,
# on the local S3 (moto) and on a local directory, in one run.
#
#   bench/lake_build.sh            (from the repo root; `make bench` runs it via bench/run)
#
# For each store: the users (one <id>.csv and one <id>.png each, so 2 objects a user) are seeded
# with `sluice lake seed`, then
#   cold       the first build: every CSV fetched
#   unchanged  a rebuild with nothing changed: only the listing (and the manifest)
#   changed    a rebuild after BENCH_CHANGED_PERCENT of the users' CSVs were rewritten (and
#              re-seeded, which uploads only those): only they are fetched
# Each row gives Sluice's own split (listing, fetching, total) from `lake build --format json`,
# the objects fetched, and the process's wall time.
#
# Environment:
#   BENCH_USERS            users                                   (default 10000)
#   BENCH_CHANGED_PERCENT  users changed before the last rebuild   (default 1)
#   BENCH_PARALLEL         lake build/seed --parallel              (default 16)
#   BENCH_STORES           which stores, "s3,local"                (default s3,local)
#   BENCH_KEEP=1           keep the temp dir (and the bucket)
#   SLUICE_BIN             sluice binary                           (default build/sluice)
#   AWS_ENDPOINT_URL       the S3 to use; if unset, taken from `scripts/services env`
#
# Progress goes to stderr; the report (markdown) to stdout.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.bash
source bench/lib.bash

USERS=${BENCH_USERS:-10000}
CHANGED_PERCENT=${BENCH_CHANGED_PERCENT:-1}
PARALLEL=${BENCH_PARALLEL:-16}
STORES=${BENCH_STORES:-s3,local}
SLUICE=${SLUICE_BIN:-build/sluice}
PY=/usr/bin/python3

[[ $USERS =~ ^[0-9]+$ && $USERS -gt 0 ]] || die "BENCH_USERS must be a positive number, got '$USERS'"
[[ $CHANGED_PERCENT =~ ^[0-9]+$ && $CHANGED_PERCENT -le 100 ]] ||
  die "BENCH_CHANGED_PERCENT must be 0 to 100, got '$CHANGED_PERCENT'"
[[ $PARALLEL =~ ^[0-9]+$ && $PARALLEL -ge 1 && $PARALLEL -le 256 ]] ||
  die "BENCH_PARALLEL must be 1 to 256, got '$PARALLEL'"
[[ -x $SLUICE ]] || die "$SLUICE not found (build it first)"

want() { [[ ",$STORES," == *",$1,"* ]]; }

if want s3 && [[ -z ${AWS_ENDPOINT_URL:-} && -x scripts/services ]]; then
  eval "$(scripts/services env 2>/dev/null)" || true
fi
if want s3; then
  [[ -n ${AWS_ENDPOINT_URL:-} ]] || die "no S3: run scripts/services up (or set AWS_ENDPOINT_URL)"
fi
export AWS_EC2_METADATA_DISABLED=true

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-lake.XXXXXX")
BUCKET="bench-lake-$$-$(date +%s)"
cleanup() {
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then
    log "kept $TMP (and s3://$BUCKET/)"
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- data
log "generating $USERS users (csv + png) in $TMP/source"
"$PY" bench/lake_users.py generate "$TMP/source" "$USERS" 100000 0

change_users() {  # rewrites the last name of CHANGED_PERCENT% of the users' CSVs
  "$PY" bench/lake_users.py change "$TMP/source" "$USERS" 100000 "$CHANGED_PERCENT"
}

field() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }

ROWS=()
# One build of lake $2 for store $1 named $3; appends its row.
build_row() {
  local store=$1 lake=$2 name=$3 start end rc=0
  start=$(date +%s.%N)
  "$SLUICE" lake build "$lake" --parallel "$PARALLEL" --format json --no-progress \
    >"$TMP/$store-$name.json" 2>"$TMP/$store-$name.log" || rc=$?
  end=$(date +%s.%N)
  if [[ $rc -ne 0 && $rc -ne 3 ]]; then
    ROWS+=("| $store | $name | failed (exit $rc): $(fail_note "$store-$name") | | | | | | |")
    return
  fi
  local j=$TMP/$store-$name.json
  ROWS+=("$(printf '| %s | %s | %s | %s / %s | %.3f | %.3f | %.3f | %.2f |' \
    "$store" "$name" "$(field "$j" users)" "$(field "$j" objects_fetched)" \
    "$(field "$j" objects_listed)" "$(field "$j" listing_seconds)" \
    "$(field "$j" fetching_seconds)" "$(field "$j" total_seconds)" \
    "$(echo "$end - $start" | bc)")")
  log "  $store $name: $(tail -c 400 "$j")"
}

run_store() {
  local store=$1 lake seed_args=()
  if [[ $store == s3 ]]; then
    lake="s3://$BUCKET/"
    seed_args=(--create-bucket)
  else
    lake="file://$TMP/lake/"
  fi
  cp -r "$TMP/source" "$TMP/source-$store"
  log "$store: seeding $lake"
  local start end
  start=$(date +%s.%N)
  "$SLUICE" lake seed "$TMP/source-$store" "${lake}source_data/" --parallel "$PARALLEL" \
    "${seed_args[@]}" --no-progress >&2
  end=$(date +%s.%N)
  SEEDS+=("$(printf '| %s | %.2f |' "$store" "$(echo "$end - $start" | bc)")")
  build_row "$store" "$lake" cold
  build_row "$store" "$lake" unchanged
  local changed
  changed=$(BENCH_CHANGED_PERCENT=$CHANGED_PERCENT change_users)
  "$PY" - "$TMP/source" "$TMP/source-$store" <<'PYEOF'
import shutil, sys, filecmp, os
src, dst = sys.argv[1], sys.argv[2]
for name in os.listdir(src):
    if not filecmp.cmp(f"{src}/{name}", f"{dst}/{name}", shallow=False):
        shutil.copyfile(f"{src}/{name}", f"{dst}/{name}")
PYEOF
  "$SLUICE" lake seed "$TMP/source-$store" "${lake}source_data/" --parallel "$PARALLEL" \
    --no-progress >&2
  build_row "$store" "$lake" "changed ($changed users)"
  # Put the source back for the next store.
  "$PY" bench/lake_users.py restore "$TMP/source"
}

SEEDS=()
want s3 && run_store s3
want local && run_store local

# ---------------------------------------------------------------- report
echo "## lake build: $USERS users ($((USERS * 2)) objects), cold and incremental"
echo
echo "Sluice's own split from \`lake build --format json\`; wall is the whole process."
echo "Downloads: --parallel $PARALLEL. Changed: ${CHANGED_PERCENT}% of the users' CSVs rewritten and re-seeded."
echo
echo "| store | build | users | fetched / listed | listing s | fetching s | total s | wall s |"
echo "|---|---|---|---|---|---|---|---|"
for row in "${ROWS[@]}"; do echo "$row"; done
echo
echo "| store | seed wall s ($((USERS * 2)) objects) |"
echo "|---|---|"
for row in "${SEEDS[@]}"; do echo "$row"; done
echo
machine_lines
