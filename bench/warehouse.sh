#!/usr/bin/env bash
# Warehouse load benchmark: Sluice against what people otherwise use to load a
# CSV into PostgreSQL, on the same generated streams.csv, in one run.
#
#   bench/warehouse.sh            (from the repo root; `make bench` runs it via bench/run)
#
# Cases (each in a fresh schema of a scratch database, see bench/RESULTS.md):
#   a  psql \copy into a plain table, no index              (the physical bar)
#   b  psql \copy into the same table with a primary key on the whole row
#   c  pgloader into the plain table
#   d  pandas read_csv + DataFrame.to_sql(method="multi")   (bench/pandas_to_sql.py)
#   e  hand-written SQL upsert: \copy into an unlogged staging table, then
#      INSERT ... ON CONFLICT DO UPDATE ... WHERE IS DISTINCT FROM; first load and re-load
#   f  sluice warehouse load --model stream into an empty `streams` table
#   g  the same file again (must rewrite nothing)
#   h  sluice on the same file with 1% of its rows repeated (every 100th row is a copy of the
#      row before it): first load and re-load, each keeping the last row of a repeated key
#
# Environment:
#   BENCH_ROWS               rows in streams.csv                (default 1000000)
#   BENCH_REPEAT             runs per case; the best time is kept (default 1)
#   BENCH_CASES              which cases, e.g. "a,e,f" (f includes g) (default a,b,c,d,e,f,h)
#   BENCH_PANDAS_CHUNKSIZE   to_sql chunksize                   (default 1000)
#   BENCH_PGLOADER_BATCH     pgloader batch rows = prefetch rows (default 10000)
#   BENCH_TIMEOUT            seconds before a case is killed    (default 1800)
#   BENCH_DB                 scratch database, dropped and re-created (default sluice_bench)
#   BENCH_KEEP=1             keep the temp dir and the scratch database
#   SLUICE_BIN               sluice binary                      (default build/sluice)
#   SLUICE_PG_URL            server to use; if unset, taken from `scripts/services env`
#
# Progress goes to stderr; the report (markdown) to stdout.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.bash
source bench/lib.bash
ROOT=$PWD

ROWS=${BENCH_ROWS:-1000000}
REPEAT=${BENCH_REPEAT:-1}
CASES=${BENCH_CASES:-a,b,c,d,e,f,h}
CHUNKSIZE=${BENCH_PANDAS_CHUNKSIZE:-1000}
PGLOADER_BATCH=${BENCH_PGLOADER_BATCH:-10000}
BENCH_DB=${BENCH_DB:-sluice_bench}
CASE_TIMEOUT=${BENCH_TIMEOUT:-1800}
SLUICE=${SLUICE_BIN:-build/sluice}
PY=/usr/bin/python3
TIME=/usr/bin/time


[[ $ROWS =~ ^[0-9]+$ && $ROWS -gt 0 ]] || die "BENCH_ROWS must be a positive number, got '$ROWS'"
[[ $REPEAT =~ ^[0-9]+$ && $REPEAT -gt 0 ]] || die "BENCH_REPEAT must be a positive number, got '$REPEAT'"
[[ $CHUNKSIZE =~ ^[0-9]+$ && $CHUNKSIZE -gt 0 ]] || die "BENCH_PANDAS_CHUNKSIZE must be a positive number"
[[ $PGLOADER_BATCH =~ ^[0-9]+$ && $PGLOADER_BATCH -gt 0 ]] || die "BENCH_PGLOADER_BATCH must be a positive number"
[[ $CASE_TIMEOUT =~ ^[0-9]+$ && $CASE_TIMEOUT -gt 0 ]] || die "BENCH_TIMEOUT must be a positive number of seconds"
[[ $BENCH_DB =~ ^[a-z_][a-z0-9_]*$ ]] || die "BENCH_DB must be a plain lower-case identifier, got '$BENCH_DB'"
[[ -x $TIME ]] || die "$TIME not found (Debian package 'time'; run scripts/deps)"
command -v psql >/dev/null || die "psql not found (run scripts/deps)"

want() { [[ ",$CASES," == *",$1,"* ]]; }

# ---------------------------------------------------------------- server
if [[ -z ${SLUICE_PG_URL:-} && -x scripts/services ]]; then
  eval "$(scripts/services env 2>/dev/null)" || true
fi
[[ -n ${SLUICE_PG_URL:-} ]] || die "no PostgreSQL: run scripts/services up (or set SLUICE_PG_URL)"
ADMIN_URL=$SLUICE_PG_URL
URL=$(database_url "$ADMIN_URL" "$BENCH_DB")
export PGTZ=UTC PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"


psql_admin -Atc 'select 1' >/dev/null 2>&1 ||
  die "cannot connect to $ADMIN_URL (is scripts/services up running?)"

recreate_db() {
  psql_admin -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB"
}

# ---------------------------------------------------------------- temp dir
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
# pgloader always creates its default /tmp/pgloader, even with --root-dir.
PGLOADER_STRAY=0
[[ -e /tmp/pgloader ]] || PGLOADER_STRAY=1
cleanup() {
  local rc=$?
  if [[ $PGLOADER_STRAY == 1 ]]; then rmdir /tmp/pgloader 2>/dev/null || true; fi
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then
    log "kept $TMP and database $BENCH_DB"
  else
    psql_admin -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

RESULTS=$TMP/results.tsv   # key \t label \t seconds \t rss_kb \t rows \t fingerprint \t note
: >"$RESULTS"

# ---------------------------------------------------------------- helpers
COLS='movie_title text, user_email text, size_mb double precision, start_at timestamptz, end_at timestamptz'

# timed NAME CMD... : runs CMD under /usr/bin/time; sets T_SEC and T_RSS (KB);
# output of CMD goes to $TMP/NAME.log. Returns CMD's status.
# A case running longer than BENCH_TIMEOUT seconds is killed (pgloader, for
# one, can sit in its debugger forever after running out of heap).
timed() {
  local name=$1 rc=0
  shift
  "$TIME" -f '%e %M' -o "$TMP/$name.time" \
    timeout --kill-after=15 "$CASE_TIMEOUT" "$@" </dev/null >"$TMP/$name.log" 2>&1 || rc=$?
  read -r T_SEC T_RSS < <(tail -n 1 "$TMP/$name.time")
  if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    echo "timed out after ${CASE_TIMEOUT}s (BENCH_TIMEOUT)" >>"$TMP/$name.log"
  fi
  return "$rc"
}

# Order-independent fingerprint of each of the five stream columns, so every
# case can be checked to hold exactly the same data as (a), and the columns
# that differ named. Floats print exactly (extra_float_digits 1), instants in UTC.
FP_COLS=(movie_title user_email size_mb start_at end_at)
fingerprint() {
  local c sums=()
  for c in "${FP_COLS[@]}"; do
    sums+=("coalesce(sum(hashtextextended($c::text, 0)::numeric), 0)")
  done
  pgv -c "SELECT concat_ws(':', count(*), $(IFS=,; echo "${sums[*]}")) FROM $1"
}

# "yes", or which columns differ from the reference fingerprint.
compare_fp() {  # fp ref
  [[ $1 == "$2" ]] && { echo yes; return; }
  local -a a b
  IFS=: read -ra a <<<"$1"
  IFS=: read -ra b <<<"$2"
  local out='' i
  [[ ${a[0]} == "${b[0]}" ]] || out="row count"
  for i in "${!FP_COLS[@]}"; do
    [[ ${a[i + 1]:-} == "${b[i + 1]:-}" ]] || out+="${out:+, }${FP_COLS[i]}"
  done
  echo "**no**: ${out:-?} differ"
}

count_rows() { pgv -c "SELECT count(*) FROM $1"; }

settle() {  # level the field between cases
  pg -c 'CHECKPOINT' >/dev/null 2>&1 || true
}

record() {  # key label seconds rss_kb rows fingerprint note
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"
}

# Current transaction id (32-bit, as xmin shows it): rows whose xmin is newer
# were written after this point.
xid_now() { pgv -c 'SELECT txid_current() % 4294967296'; }

rewritten_since() {  # table xid
  pgv -c "SELECT count(*) FROM $1 WHERE xmin::text::bigint >= $2"
}

table_stats() {  # schema table -> "ins upd dead"
  sleep 1   # the loader's backend flushed its counters when it exited
  pgv -F ' ' -c "SELECT n_tup_ins, n_tup_upd, n_dead_tup FROM pg_stat_user_tables
        WHERE schemaname = '$1' AND relname = '$2'"
}

reload_note() {  # table schema relname xid stats_before
  local rewritten after ins0 upd0 ins1 upd1 dead1
  rewritten=$(rewritten_since "$1" "$4")
  after=$(table_stats "$2" "$3")
  read -r ins0 upd0 _ <<<"$5"
  read -r ins1 upd1 dead1 <<<"$after"
  echo "rows rewritten: $rewritten; n_tup_ins +$((ins1 - ins0)), n_tup_upd +$((upd1 - upd0)), n_dead_tup $dead1"
}

# ---------------------------------------------------------------- cases
case_a() {
  pg -c "DROP SCHEMA IF EXISTS bench_a CASCADE; CREATE SCHEMA bench_a; CREATE TABLE bench_a.streams ($COLS)"
  settle
  if timed a psql -X -q -v ON_ERROR_STOP=1 -d "$URL" \
      -c "\\copy bench_a.streams FROM '$CSV' WITH (FORMAT csv, HEADER true)"; then
    record a '(a) psql \copy, plain table, no index' "$T_SEC" "$T_RSS" \
      "$(count_rows bench_a.streams)" "$(fingerprint bench_a.streams)" ''
  else
    record a '(a) psql \copy, plain table, no index' failed "$T_RSS" - - "$(fail_note a)"
  fi
  pg -c 'DROP SCHEMA bench_a CASCADE'
}

case_b() {
  pg -c "DROP SCHEMA IF EXISTS bench_b CASCADE; CREATE SCHEMA bench_b;
         CREATE TABLE bench_b.streams ($COLS,
           PRIMARY KEY (movie_title, user_email, start_at, end_at, size_mb))"
  settle
  if timed b psql -X -q -v ON_ERROR_STOP=1 -d "$URL" \
      -c "\\copy bench_b.streams FROM '$CSV' WITH (FORMAT csv, HEADER true)"; then
    record b '(b) psql \copy, primary key on the whole row' "$T_SEC" "$T_RSS" \
      "$(count_rows bench_b.streams)" "$(fingerprint bench_b.streams)" 'insert only: a re-load fails on the key'
  else
    record b '(b) psql \copy, primary key on the whole row' failed "$T_RSS" - - "$(fail_note b)"
  fi
  pg -c 'DROP SCHEMA bench_b CASCADE'
}

case_c() {
  # With its defaults (batch rows 25000, prefetch rows 100000) Debian's
  # pgloader 3.6.7 exhausts its 1 GB heap on 100k stream rows and hangs.
  local label="(c) pgloader (batch/prefetch rows $PGLOADER_BATCH), plain table"
  if ! command -v pgloader >/dev/null; then
    record c "$label" skipped - - - 'pgloader not installed (scripts/deps)'
    return 0
  fi
  pg -c "DROP SCHEMA IF EXISTS bench_c CASCADE; CREATE SCHEMA bench_c; CREATE TABLE bench_c.streams ($COLS)"
  mkdir -p "$TMP/pgloader"
  cat >"$TMP/streams.load" <<EOF
LOAD CSV
     FROM '$CSV' (movie_title, user_email, size_mb, start_at, end_at)
     INTO $URL
     TARGET TABLE "bench_c"."streams"
     TARGET COLUMNS (movie_title, user_email, size_mb, start_at, end_at)
     WITH skip header = 1,
          fields optionally enclosed by '"',
          fields escaped by double-quote,
          fields terminated by ',',
          batch rows = $PGLOADER_BATCH,
          prefetch rows = $PGLOADER_BATCH
      SET client_encoding to 'utf8';
EOF
  settle
  local rc=0 rows
  timed c pgloader --root-dir "$TMP/pgloader" "$TMP/streams.load" || rc=$?
  rows=$(count_rows bench_c.streams)
  if [[ $rc -eq 0 && $rows -eq $ROWS ]]; then
    record c "$label" "$T_SEC" "$T_RSS" "$rows" "$(fingerprint bench_c.streams)" ''
  elif [[ $rc -eq 0 ]]; then
    record c "$label" "$T_SEC" "$T_RSS" "$rows" "$(fingerprint bench_c.streams)" \
      "$((ROWS - rows)) rows rejected, see pgloader log"
  else
    record c "$label" failed "$T_RSS" "$rows" - "exit $rc: $(fail_note c)"
  fi
  pg -c 'DROP SCHEMA bench_c CASCADE'
}

case_d() {
  local label="(d) pandas read_csv + to_sql(method='multi', chunksize=$CHUNKSIZE)"
  if ! "$PY" -c 'import pandas, sqlalchemy, psycopg2' 2>/dev/null; then
    record d "$label" skipped - - - "$PY lacks pandas/sqlalchemy/psycopg2 (scripts/deps)"
    return 0
  fi
  pg -c "DROP SCHEMA IF EXISTS bench_d CASCADE; CREATE SCHEMA bench_d; CREATE TABLE bench_d.streams ($COLS)"
  settle
  if timed d "$PY" "$ROOT/bench/pandas_to_sql.py" --url "$URL" --csv "$CSV" \
      --schema bench_d --table streams --chunksize "$CHUNKSIZE"; then
    record d "$label" "$T_SEC" "$T_RSS" \
      "$(count_rows bench_d.streams)" "$(fingerprint bench_d.streams)" ''
  else
    record d "$label" failed "$T_RSS" - - "$(fail_note d)"
  fi
  pg -c 'DROP SCHEMA bench_d CASCADE'
}

case_e() {
  pg -c "DROP SCHEMA IF EXISTS bench_e CASCADE; CREATE SCHEMA bench_e;
         CREATE TABLE bench_e.streams ($COLS,
           content_hash uuid PRIMARY KEY,
           first_seen_at timestamptz NOT NULL DEFAULT now(),
           updated_at timestamptz NOT NULL DEFAULT now(),
           deleted_in_source_at timestamptz)"
  # One transaction: stage the raw text, upsert what changed, mark what is
  # gone from this full dump, drop the stage.
  cat >"$TMP/upsert.sql" <<EOF
CREATE UNLOGGED TABLE bench_e.staging
  (movie_title text, user_email text, size_mb text, start_at text, end_at text);
\\copy bench_e.staging FROM '$CSV' WITH (FORMAT csv, HEADER true)
INSERT INTO bench_e.streams AS t
       (movie_title, user_email, size_mb, start_at, end_at, content_hash)
SELECT movie_title, user_email, size_mb::double precision,
       start_at::timestamptz, end_at::timestamptz,
       md5(concat_ws(E'\\x1f', movie_title, user_email, size_mb, start_at, end_at))::uuid
  FROM bench_e.staging
    ON CONFLICT (content_hash) DO UPDATE
   SET movie_title = excluded.movie_title, user_email = excluded.user_email,
       size_mb = excluded.size_mb, start_at = excluded.start_at, end_at = excluded.end_at,
       updated_at = now(), deleted_in_source_at = NULL
 WHERE (t.movie_title, t.user_email, t.size_mb, t.start_at, t.end_at, t.deleted_in_source_at)
       IS DISTINCT FROM
       (excluded.movie_title, excluded.user_email, excluded.size_mb, excluded.start_at,
        excluded.end_at, NULL::timestamptz);
UPDATE bench_e.streams AS t
   SET deleted_in_source_at = now()
 WHERE t.deleted_in_source_at IS NULL
   AND NOT EXISTS (SELECT 1
                     FROM (SELECT md5(concat_ws(E'\\x1f', movie_title, user_email, size_mb,
                                                start_at, end_at))::uuid AS h
                             FROM bench_e.staging) AS s
                    WHERE s.h = t.content_hash);
DROP TABLE bench_e.staging;
EOF
  local label1='(e) SQL upsert: \copy to unlogged stage + INSERT ON CONFLICT, first load'
  local label2='(e) SQL upsert, re-load of the same file'
  settle
  if timed e1 psql -X -q -1 -v ON_ERROR_STOP=1 -d "$URL" -f "$TMP/upsert.sql"; then
    record e1 "$label1" "$T_SEC" "$T_RSS" \
      "$(count_rows bench_e.streams)" "$(fingerprint bench_e.streams)" ''
  else
    record e1 "$label1" failed "$T_RSS" - - "$(fail_note e1)"
    record e2 "$label2" skipped - - - 'first load failed'
    pg -c 'DROP SCHEMA bench_e CASCADE'
    return 0
  fi
  local before xid
  before=$(table_stats bench_e streams)
  xid=$(xid_now)
  settle
  if timed e2 psql -X -q -1 -v ON_ERROR_STOP=1 -d "$URL" -f "$TMP/upsert.sql"; then
    record e2 "$label2" "$T_SEC" "$T_RSS" \
      "$(count_rows bench_e.streams)" "$(fingerprint bench_e.streams)" \
      "$(reload_note bench_e.streams bench_e streams "$xid" "$before")"
  else
    record e2 "$label2" failed "$T_RSS" - - "$(fail_note e2)"
  fi
  pg -c 'DROP SCHEMA bench_e CASCADE'
}

case_f() {
  local label1='(f) sluice warehouse load --model stream, first load'
  local label2='(g) sluice, re-load of the same file'
  if [[ ! -x $SLUICE ]]; then
    record f "$label1" skipped - - - "$SLUICE not built (run make)"
    record g "$label2" skipped - - - "$SLUICE not built (run make)"
    return 0
  fi
  # A fresh database for Sluice's own schema.
  recreate_db >/dev/null
  if ! "$SLUICE" warehouse init --pg "$URL" >"$TMP/init.log" 2>&1; then
    record f "$label1" failed - - - "warehouse init: $(fail_note init)"
    return 0
  fi
  local tbl schema
  schema=$(pgv -c "SELECT schemaname FROM pg_stat_user_tables WHERE relname = 'streams'
                   ORDER BY schemaname = 'public' DESC LIMIT 1")
  if [[ -z $schema ]]; then
    record f "$label1" failed - - - 'warehouse init created no streams table'
    return 0
  fi
  tbl="\"$schema\".streams"
  settle
  if timed f "$SLUICE" warehouse load --pg "$URL" --model stream "$CSV"; then
    record f "$label1" "$T_SEC" "$T_RSS" "$(count_rows "$tbl")" "$(fingerprint "$tbl")" ''
  else
    record f "$label1" failed "$T_RSS" "$(count_rows "$tbl")" - "$(fail_note f)"
    record g "$label2" skipped - - - 'first load failed'
    return 0
  fi
  local before xid
  before=$(table_stats "$schema" streams)
  xid=$(xid_now)
  settle
  if timed g "$SLUICE" warehouse load --pg "$URL" --model stream "$CSV"; then
    record g "$label2" "$T_SEC" "$T_RSS" "$(count_rows "$tbl")" "$(fingerprint "$tbl")" \
      "$(reload_note "$tbl" "$schema" streams "$xid" "$before")"
  else
    record g "$label2" failed "$T_RSS" "$(count_rows "$tbl")" - "$(fail_note g)"
  fi
}

# The streams file with every 100th row replaced by a copy of the row before it: 1% repeated
# keys (a stream's key is the hash of its content), the same size as the plain file.
repeated_csv() {
  [[ -s $CSV_REPEAT ]] || awk 'NR > 2 && (NR - 1) % 100 == 0 { print prev; next } { print; prev = $0 }' \
    "$CSV" >"$CSV_REPEAT"
}

case_h() {
  local label1='(h) sluice, 1% repeated keys, first load'
  local label2='(h) sluice, 1% repeated keys, re-load'
  if [[ ! -x $SLUICE ]]; then
    record h1 "$label1" skipped - - - "$SLUICE not built (run make)"
    record h2 "$label2" skipped - - - "$SLUICE not built (run make)"
    return 0
  fi
  repeated_csv
  local expected
  expected=$(tail -n +2 "$CSV_REPEAT" | sort -u | wc -l)
  recreate_db >/dev/null
  "$SLUICE" warehouse init --pg "$URL" >"$TMP/init_h.log" 2>&1 ||
    { record h1 "$label1" failed - - - "warehouse init: $(fail_note init_h)"; return 0; }
  local schema tbl
  schema=$(pgv -c "SELECT schemaname FROM pg_stat_user_tables WHERE relname = 'streams'
                   ORDER BY schemaname = 'public' DESC LIMIT 1")
  tbl="\"$schema\".streams"
  settle
  if timed h1 "$SLUICE" warehouse load --pg "$URL" --model stream "$CSV_REPEAT"; then
    record h1 "$label1" "$T_SEC" "$T_RSS" "$(count_rows "$tbl")" - \
      "distinct rows in the file: $expected; $(grep -o '[0-9]* repeated keys' "$TMP/h1.log" || echo 'no repeats reported')"
  else
    record h1 "$label1" failed "$T_RSS" "$(count_rows "$tbl")" - "$(fail_note h1)"
    record h2 "$label2" skipped - - - 'first load failed'
    return 0
  fi
  settle
  if timed h2 "$SLUICE" warehouse load --pg "$URL" --model stream "$CSV_REPEAT"; then
    record h2 "$label2" "$T_SEC" "$T_RSS" "$(count_rows "$tbl")" - \
      "$(grep -o '[0-9]* updated, [0-9]* unchanged' "$TMP/h2.log" || true)"
  else
    record h2 "$label2" failed "$T_RSS" "$(count_rows "$tbl")" - "$(fail_note h2)"
  fi
}

# The table row of a case that failed before it could record one (see run_case in lib.bash).
record_failed_case() {
  record "$1" "($1) setup failed" failed - - - "exit $2, see stderr above"
}

# ---------------------------------------------------------------- run
log "scratch database $BENCH_DB on ${URL%%@*}@…; temp dir $TMP"
recreate_db >/dev/null

CSV=$TMP/data/streams.csv
CSV_REPEAT=$TMP/data/streams_repeated.csv
log "generating $ROWS streams ..."
timed gen "$ROOT/scripts/gen-sample" warehouse --out "$TMP/data" --streams-only --streams "$ROWS" -q ||
  die "scripts/gen-sample failed: $(fail_note gen)"
GEN_SEC=$T_SEC
CSV_MB=$(awk -v b="$(stat -c %s "$CSV")" 'BEGIN { printf "%.1f", b / 1e6 }')

[[ -x $SLUICE ]] || log "note: $SLUICE not found; build it to bench Sluice. Running the baselines only."

for ((rep = 1; rep <= REPEAT; rep++)); do
  [[ $REPEAT -gt 1 ]] && log "round $rep of $REPEAT"
  for c in a b c d e f h; do
    want "$c" && run_case "$c"
  done
done

# ---------------------------------------------------------------- report
# Best time per case over the rounds (first-seen order), max RSS.
summary=$(awk -F '\t' -v OFS='\t' '
  !($1 in seen) { seen[$1] = 1; order[++n] = $1; label[$1] = $2; best[$1] = ""; rss[$1] = 0 }
  {
    if ($3 ~ /^[0-9.]+$/ && (best[$1] == "" || best[$1] !~ /^[0-9.]+$/ || $3 + 0 < best[$1] + 0)) {
      best[$1] = $3; rows[$1] = $5; fp[$1] = $6; note[$1] = $7
    } else if (best[$1] == "") { best[$1] = $3; rows[$1] = $5; fp[$1] = $6; note[$1] = $7 }
    if ($4 ~ /^[0-9]+$/ && $4 + 0 > rss[$1]) rss[$1] = $4
  }
  END { for (i = 1; i <= n; i++) { k = order[i]; print k, label[k], best[k], rss[k], rows[k], fp[k], note[k] } }
' "$RESULTS")

ref_sec=$(awk -F '\t' '$1 == "a" && $3 ~ /^[0-9.]+$/ { print $3 }' <<<"$summary")
ref_fp=$(awk -F '\t' '$1 == "a" { print $6 }' <<<"$summary")

echo "## Warehouse load: $ROWS streams rows ($CSV_MB MB CSV)"
echo
echo "| case | seconds | × (a) | peak client RSS MB | rows in table | same data as (a) | notes |"
echo "|---|---:|---:|---:|---:|:-:|---|"
while IFS=$'\t' read -r key label sec rss rows fp note; do
  [[ -n $key ]] || continue
  if [[ $sec =~ ^[0-9.]+$ && -n $ref_sec ]]; then
    ratio=$(awk -v s="$sec" -v r="$ref_sec" 'BEGIN { if (r > 0) printf "%.1f", s / r; else print "n/a" }')
  else
    ratio=''
  fi
  if [[ $rss =~ ^[0-9]+$ && $rss -gt 0 ]]; then
    rss_mb=$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')
  else
    rss_mb=''
  fi
  if [[ -z $fp || $fp == - || -z $ref_fp || $ref_fp == - ]]; then
    same=''
  else
    same=$(compare_fp "$fp" "$ref_fp")
  fi
  [[ $rows == - ]] && rows=''
  echo "| $label | $sec | $ratio | $rss_mb | $rows | $same | $note |"
done <<<"$summary"
echo
if [[ $REPEAT -gt 1 ]]; then
  echo "Best of $REPEAT runs per case; RSS is the maximum over the runs."
else
  echo "One run per case (BENCH_REPEAT=n for best of n)."
fi
echo "Data: \`scripts/gen-sample warehouse --streams-only --streams $ROWS\` (seed 42), generated in ${GEN_SEC}s."
echo "RSS is the loading client process only (psql, pgloader, python, sluice), not the server."

server_setting() { pgv -c "SHOW $1" 2>/dev/null || echo '?'; }
echo
echo "### Machine"
echo
machine_lines
echo "- PostgreSQL: $(pgv -c 'SHOW server_version'); shared_buffers $(server_setting shared_buffers), fsync $(server_setting fsync), synchronous_commit $(server_setting synchronous_commit), max_wal_size $(server_setting max_wal_size)"
if command -v pgloader >/dev/null; then
  echo "- pgloader: $(pgloader --version 2>/dev/null | head -n 1)"
fi
echo "- pandas: $("$PY" -c 'import pandas, sqlalchemy; print(pandas.__version__, "/ SQLAlchemy", sqlalchemy.__version__)' 2>/dev/null || echo 'not installed')"
if [[ -x $SLUICE ]]; then
  echo "- sluice: $("$SLUICE" --version 2>/dev/null | head -n 1 || echo '?') ($SLUICE)"
fi
echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
