#!/usr/bin/env bash
# Report benchmark: `sluice report run` (PostgreSQL users x MariaDB lesson
# completions -> a CSV on S3) against the pandas script people otherwise
# write, and against the floors the databases' own clients set, on the same
# generated data, in one run.
#
#   bench/report.sh            (from the repo root; `make bench` runs it via bench/run)
#
# Data (bench/gen_report_data, deterministic): BENCH_REPORT_USERS users in
# PostgreSQL (80% active) and, for each size in BENCH_REPORT_COMPLETIONS,
# that many completions over the 60 days before the report date in MariaDB
# (half inside the 30-day window). For each size, cases:
#   a   pandas: active users from PostgreSQL, the window from MariaDB with
#       pd.read_sql(chunksize=...), grouped per chunk and combined, left-merged,
#       to_csv, boto3 upload_file, presign           (bench/report_pandas.py)
#   b   the same with the GROUP BY pushed into MariaDB (--group-in-mysql)
#   c1  floor: MariaDB's GROUP BY alone, its default plan  (mariadb client, to /dev/null)
#   c2  floor: the same GROUP BY with the SQL_BIG_RESULT hint (a sort, no temporary table)
#   c3  floor: a plain read of the window's rows            (mariadb client, to /dev/null)
#   c4  floor: the active users from PostgreSQL, in id order (psql COPY, to /dev/null)
#   d   sluice report run --as-of ... --bucket ... --create-bucket
#   e   the same to a local directory: --output file://<temp dir>/ (no S3 server
#       joining parts, so Sluice's own time shows)
# Every case is one client process, timed with /usr/bin/time: wall seconds and
# peak RSS of that process (not of the servers). The CSVs of a, b, d and e are
# fetched with the link their run printed (presigned, or e's file:// URL) and
# compared, sorted, with a's.
#
# Environment:
#   BENCH_REPORT_USERS        users in PostgreSQL                     (default 1000000)
#   BENCH_REPORT_COMPLETIONS  completion counts to run, in order      (default "1000000 10000000")
#   BENCH_REPORT_CASES        which cases; c = c1,c2,c3,c4            (default a,b,c,d,e)
#   BENCH_REPORT_AS_OF        report date                             (default 2024-07-01)
#   BENCH_REPORT_CHUNKSIZE    pandas read_sql chunksize               (default 100000)
#   BENCH_REPORT_DRIVER       pandas' MySQL driver: mysqldb (python3-mysqldb) or
#                             pymysql (python3-pymysql)               (default mysqldb)
#   BENCH_REPORT_DB           scratch PostgreSQL database, dropped and re-created
#                                                                     (default sluice_bench_report)
#   BENCH_REPORT_MYSQL_TABLE  scratch MariaDB table, in the database of SLUICE_MYSQL_URL,
#                             dropped and re-created   (default sluice_bench_lesson_completion)
#   BENCH_REPORT_BUCKET       scratch S3 bucket, emptied and removed at exit
#                                                      (default sluice-bench-report-<pid>)
#   BENCH_REPEAT              runs per case; the best time is kept    (default 1)
#   BENCH_TIMEOUT             seconds before a case is killed         (default 1800)
#   BENCH_KEEP=1              keep the temp dir, the database, the table and the bucket
#   SLUICE_BIN                sluice binary                           (default build/sluice)
#   SLUICE_PG_URL, SLUICE_MYSQL_URL, AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID,
#   AWS_SECRET_ACCESS_KEY     servers to use; if SLUICE_PG_URL is unset, all are taken
#                             from `scripts/services env`
#
# Progress goes to stderr; the report (markdown) to stdout.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.bash
source bench/lib.bash
ROOT=$PWD

USERS=${BENCH_REPORT_USERS:-1000000}
SIZES=${BENCH_REPORT_COMPLETIONS:-1000000 10000000}
CASES=${BENCH_REPORT_CASES:-a,b,c,d,e}
AS_OF=${BENCH_REPORT_AS_OF:-2024-07-01}
CHUNKSIZE=${BENCH_REPORT_CHUNKSIZE:-100000}
DRIVER=${BENCH_REPORT_DRIVER:-mysqldb}
BENCH_DB=${BENCH_REPORT_DB:-sluice_bench_report}
MY_TABLE=${BENCH_REPORT_MYSQL_TABLE:-sluice_bench_lesson_completion}
BUCKET=${BENCH_REPORT_BUCKET:-sluice-bench-report-$$}
REPEAT=${BENCH_REPEAT:-1}
CASE_TIMEOUT=${BENCH_TIMEOUT:-1800}
SLUICE=${SLUICE_BIN:-build/sluice}
PY=/usr/bin/python3
TIME=/usr/bin/time
DAYS=30


positive() { [[ $2 =~ ^[0-9]+$ && $2 -gt 0 ]] || die "$1 must be a positive number, got '$2'"; }
positive BENCH_REPORT_USERS "$USERS"
positive BENCH_REPORT_CHUNKSIZE "$CHUNKSIZE"
positive BENCH_REPEAT "$REPEAT"
positive BENCH_TIMEOUT "$CASE_TIMEOUT"
read -r -a SIZE_LIST <<<"${SIZES//,/ }"
[[ ${#SIZE_LIST[@]} -gt 0 ]] || die "BENCH_REPORT_COMPLETIONS lists no size"
for s in "${SIZE_LIST[@]}"; do positive BENCH_REPORT_COMPLETIONS "$s"; done
CASES=${CASES//c1/C1}; CASES=${CASES//c2/C2}; CASES=${CASES//c3/C3}; CASES=${CASES//c4/C4}
CASES=${CASES//c/C1,C2,C3,C4}; CASES=${CASES//C/c}
[[ $CASES =~ ^(a|b|c[1-4]|d|e)(,(a|b|c[1-4]|d|e))*$ ]] ||
  die "BENCH_REPORT_CASES lists cases a, b, c (or c1-c4), d, e, e.g. 'a,d', got '${BENCH_REPORT_CASES:-}'"
if [[ ! $AS_OF =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || ! date -u -d "$AS_OF" >/dev/null 2>&1; then
  die "BENCH_REPORT_AS_OF must be a date YYYY-MM-DD, got '$AS_OF'"
fi
[[ $DRIVER == mysqldb || $DRIVER == pymysql ]] || die "BENCH_REPORT_DRIVER is mysqldb or pymysql, got '$DRIVER'"
[[ $BENCH_DB =~ ^[a-z_][a-z0-9_]*$ ]] || die "BENCH_REPORT_DB must be a plain lower-case identifier, got '$BENCH_DB'"
[[ $MY_TABLE =~ ^[a-z_][a-z0-9_]*$ ]] || die "BENCH_REPORT_MYSQL_TABLE must be a plain lower-case identifier"
[[ $BUCKET =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || die "BENCH_REPORT_BUCKET is not a valid bucket name: '$BUCKET'"
[[ -x $TIME ]] || die "$TIME not found (Debian package 'time'; run scripts/deps)"
command -v psql >/dev/null || die "psql not found (run scripts/deps)"
command -v mariadb >/dev/null || die "the mariadb client is not installed (run scripts/deps)"
command -v curl >/dev/null || die "curl not found"

want() { [[ ",$CASES," == *",$1,"* ]]; }
START=$(date -u -d "@$(($(date -u -d "$AS_OF" +%s) - DAYS * 86400))" +%F)

# ---------------------------------------------------------------- servers
if [[ -z ${SLUICE_PG_URL:-} && -x scripts/services ]]; then
  eval "$(scripts/services env 2>/dev/null)" || true
fi
[[ -n ${SLUICE_PG_URL:-} ]] || die "no PostgreSQL: run scripts/services up (or set SLUICE_PG_URL)"
[[ -n ${SLUICE_MYSQL_URL:-} ]] || die "no MariaDB: run scripts/services up (or set SLUICE_MYSQL_URL)"
[[ -n ${AWS_ENDPOINT_URL:-} ]] || die "AWS_ENDPOINT_URL is not set: this bench writes to a local S3 (moto) only"
ADMIN_URL=$SLUICE_PG_URL
URL=$(database_url "$ADMIN_URL" "$BENCH_DB")
export PGTZ=UTC PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"


psql_admin -Atc 'select 1' >/dev/null 2>&1 ||
  die "cannot connect to $ADMIN_URL (is scripts/services up running?)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-report.XXXXXX")

# The MariaDB URL as a client option file (the password on no command line).
MYCNF=$TMP/my.cnf
(
  url=${SLUICE_MYSQL_URL#*://}
  db=${url#*/}; db=${db%%\?*}; url=${url%%/*}
  user='' pass=''
  if [[ $url == *@* ]]; then
    userinfo=${url%@*}; url=${url##*@}
    user=${userinfo%%:*}
    [[ $userinfo == *:* ]] && pass=${userinfo#*:}
  fi
  host=${url%:*}; port=3306
  [[ $url == *:* ]] && port=${url##*:}
  unpct() { printf '%b' "${1//%/\\x}"; }
  umask 077
  {
    echo '[client]'
    echo "host=${host:-127.0.0.1}"
    echo "port=$port"
    [[ -n $user ]] && echo "user=$(unpct "$user")"
    [[ -n $pass ]] && echo "password=$(unpct "$pass")"
    echo "database=$(unpct "$db")"
  } >"$MYCNF"
)
my() { mariadb --defaults-extra-file="$MYCNF" --protocol=TCP "$@"; }
my -e 'SELECT 1' >/dev/null 2>&1 || { rm -rf "$TMP"; die "cannot connect to MariaDB at ${SLUICE_MYSQL_URL%%@*}@… (is scripts/services up running?)"; }

# S3 through curl's SigV4 (the sluice binary has no delete; boto3 may be missing).
s3() { curl -sS -f --aws-sigv4 "aws:amz:${AWS_REGION:-us-east-1}:s3" \
         --user "${AWS_ACCESS_KEY_ID:-}:${AWS_SECRET_ACCESS_KEY:-}" "$@"; }
KEYS=$TMP/keys   # objects this run wrote, deleted after use and at exit
: >"$KEYS"
drop_object() { s3 -o /dev/null -X DELETE "$AWS_ENDPOINT_URL/$BUCKET/$1" 2>/dev/null || true; }

cleanup() {
  local rc=$? k
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then
    log "kept $TMP, database $BENCH_DB, MariaDB table $MY_TABLE and bucket $BUCKET"
  else
    while read -r k; do drop_object "$k"; done <"$KEYS"
    s3 -o /dev/null -X DELETE "$AWS_ENDPOINT_URL/$BUCKET" 2>/dev/null || true
    my -e "DROP TABLE IF EXISTS \`$MY_TABLE\`" >/dev/null 2>&1 || true
    psql_admin -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

RESULTS=$TMP/results.tsv   # size key label seconds rss_kb rows fingerprint note
: >"$RESULTS"

HAVE_SLUICE=0
[[ -x $SLUICE ]] && HAVE_SLUICE=1
HAVE_PANDAS=0
PANDAS_MISSING=''
if ! "$PY" -c 'import pandas, sqlalchemy, psycopg2, boto3' 2>/dev/null; then
  PANDAS_MISSING="$PY lacks pandas/sqlalchemy/psycopg2/boto3 (scripts/deps)"
elif ! "$PY" -c "import $( [[ $DRIVER == mysqldb ]] && echo MySQLdb || echo pymysql )" 2>/dev/null; then
  PANDAS_MISSING="$PY lacks the $DRIVER driver (Debian python3-$DRIVER)"
else
  HAVE_PANDAS=1
fi
[[ $HAVE_SLUICE == 1 ]] || log "note: $SLUICE not found; build it to bench Sluice. Running the others only."
[[ $HAVE_PANDAS == 1 ]] || log "note: $PANDAS_MISSING: pandas cases skipped"

# ---------------------------------------------------------------- helpers
# timed NAME CMD... : runs CMD under /usr/bin/time; sets T_SEC and T_RSS (KB).
# CMD's stderr goes to $TMP/NAME.log, its stdout there too unless T_OUT names
# another file (/dev/null for the floors). Returns CMD's status. A case
# running longer than BENCH_TIMEOUT seconds is killed.
timed() {
  local name=$1 rc=0 out=${T_OUT:-$TMP/$1.out}
  shift
  "$TIME" -f '%e %M' -o "$TMP/$name.time" \
    timeout --kill-after=15 "$CASE_TIMEOUT" "$@" </dev/null >"$out" 2>"$TMP/$name.log" || rc=$?
  read -r T_SEC T_RSS < <(tail -n 1 "$TMP/$name.time")
  [[ $T_SEC =~ ^[0-9.]+$ ]] || T_SEC=''
  [[ $T_RSS =~ ^[0-9]+$ ]] || T_RSS=0
  if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    echo "timed out after ${CASE_TIMEOUT}s (BENCH_TIMEOUT)" >>"$TMP/$name.log"
  fi
  return "$rc"
}

record() {  # size key label seconds rss_kb rows fingerprint note
  local IFS=$'\t'
  echo "$*" >>"$RESULTS"
}

# "rows:sha256" of a report CSV, independent of row order: the header, then the
# other lines sorted bytewise.
fingerprint() {
  local rows sum
  rows=$(($(wc -l <"$1") - 1))
  sum=$( { head -n 1 "$1"; tail -n +2 "$1" | LC_ALL=C sort -S 256M -T "$TMP"; } | sha256sum | cut -c1-64)
  echo "$rows:$sum"
}

# Downloads a report with the presigned URL its run printed (last line of
# stdout) to $TMP/NAME.csv, then deletes the object.
fetch() {  # name key
  local url
  url=$(tail -n 1 "$TMP/$1.out")
  [[ $url == http* || $url == file://* ]] || { echo "no link in the output"; return 1; }
  curl -sS -f -o "$TMP/$1.csv" "$url" 2>&1 || { echo "download with the presigned URL failed"; return 1; }
  [[ ${BENCH_KEEP:-0} == 1 || -z $2 ]] || drop_object "$2"
}

# ---------------------------------------------------------------- cases
WHERE="completion_date >= '$START' AND completion_date < '$AS_OF'"

pandas_case() {  # key label extra-flag...
  local key=$1 label=$2 n=$SIZE
  shift 2
  if [[ $HAVE_PANDAS == 0 ]]; then
    record "$n" "$key" "$label" skipped - - - "$PANDAS_MISSING"
    return 0
  fi
  local obj="pandas-$key/$n/daily-lessons/$AS_OF.csv" name="$key-$n" err
  echo "$obj" >>"$KEYS"
  if ! timed "$name" "$PY" "$ROOT/bench/report_pandas.py" --pg "$URL" --mysql "$SLUICE_MYSQL_URL" \
      --completions-table "$MY_TABLE" --as-of "$AS_OF" --days "$DAYS" --bucket "$BUCKET" \
      --key "$obj" --out "$TMP/$name.local.csv" --chunksize "$CHUNKSIZE" --driver "$DRIVER" \
      --endpoint-url "$AWS_ENDPOINT_URL" "$@"; then
    record "$n" "$key" "$label" failed "$T_RSS" - - "$(fail_note "$name")"
    return 0
  fi
  rm -f "$TMP/$name.local.csv"
  if ! err=$(fetch "$name" "$obj"); then
    record "$n" "$key" "$label" "$T_SEC" "$T_RSS" - - "$err"
    return 0
  fi
  local fp
  fp=$(fingerprint "$TMP/$name.csv")
  rm -f "$TMP/$name.csv"
  record "$n" "$key" "$label" "$T_SEC" "$T_RSS" "${fp%%:*}" "$fp" ''
}

case_a() {
  pandas_case a "(a) pandas: read_sql(chunksize=$CHUNKSIZE), groupby per chunk, merge, to_csv, boto3"
}

case_b() {
  pandas_case b '(b) pandas, GROUP BY in MariaDB' --group-in-mysql
}

floor_case() {  # key label CMD...
  local key=$1 label=$2 n=$SIZE
  shift 2
  if T_OUT=/dev/null timed "$key-$n" "$@"; then
    record "$n" "$key" "$label" "$T_SEC" "$T_RSS" - - ''
  else
    record "$n" "$key" "$label" failed "$T_RSS" - - "$(fail_note "$key-$n")"
  fi
}

MYQ=(mariadb --defaults-extra-file="$MYCNF" --protocol=TCP --quick --batch --skip-column-names)

case_c1() {
  floor_case c1 '(c1) MariaDB GROUP BY, default plan (mariadb --quick > /dev/null)' \
    "${MYQ[@]}" -e "SELECT user_id, completion_date, COUNT(*) FROM \`$MY_TABLE\`
                    WHERE $WHERE GROUP BY user_id, completion_date"
}

case_c2() {
  floor_case c2 '(c2) MariaDB GROUP BY with SQL_BIG_RESULT (mariadb --quick > /dev/null)' \
    "${MYQ[@]}" -e "SELECT SQL_BIG_RESULT user_id, completion_date, COUNT(*) FROM \`$MY_TABLE\`
                    WHERE $WHERE GROUP BY user_id, completion_date"
}

case_c3() {
  floor_case c3 "(c3) MariaDB plain read of the window's rows (mariadb --quick > /dev/null)" \
    "${MYQ[@]}" -e "SELECT user_id, completion_date FROM \`$MY_TABLE\` WHERE $WHERE"
}

case_c4() {
  floor_case c4 '(c4) PostgreSQL active users in id order (psql COPY > /dev/null)' \
    psql -X -q -v ON_ERROR_STOP=1 -d "$URL" \
    -c "COPY (SELECT user_id, user_name FROM mindtickle_users WHERE active_status = 'active'
              ORDER BY user_id) TO STDOUT"
}

# sluice_case KEY LABEL OUTPUT-FLAGS... : one `sluice report run` writing where the flags say;
# its CSV is fetched with the link it printed and checked against its reports_generated row.
sluice_case() {
  local key=$1 label=$2 n=$SIZE
  shift 2
  if [[ $HAVE_SLUICE == 0 ]]; then
    record "$n" "$key" "$label" skipped - - - "$SLUICE not built (run make)"
    return 0
  fi
  local name="$key-$n" err info note='' url
  if ! timed "$name" "$SLUICE" report run --as-of "$AS_OF" --days "$DAYS" --create-bucket \
      --pg "$URL" --mysql "$SLUICE_MYSQL_URL" --completions-table "$MY_TABLE" "$@"; then
    record "$n" "$key" "$label" failed "$T_RSS" - - "$(fail_note "$name")"
    return 0
  fi
  # "report <id>: R rows, B bytes in P part(s), A active users, C completions;
  #  left out: I of inactive users, U of user ids unknown to PostgreSQL (S s)"
  info=$(grep -o 'in [0-9]* part(s).*unknown to PostgreSQL' "$TMP/$name.log" | tail -n 1 || true)
  if [[ -n $info ]]; then
    note=$(sed -E 's/^in ([0-9]+) part\(s\), ([0-9]+) active users, ([0-9]+) completions; left out: ([0-9]+) of inactive users, ([0-9]+) of user ids unknown to PostgreSQL$/upload parts: \1; \3 completions counted, \4 of inactive users and \5 of unknown ids left out/' <<<"$info")
  fi
  # The object's URL, the first line of stdout, is what reports_generated records.
  url=$(head -n 1 "$TMP/$name.out")
  if [[ $url == s3://* ]]; then
    echo "${url#s3://*/}" >>"$KEYS"
    err=$(fetch "$name" "${url#s3://*/}") || { record "$n" "$key" "$label" "$T_SEC" "$T_RSS" - - "$err"; return 0; }
  else
    err=$(fetch "$name" '') || { record "$n" "$key" "$label" "$T_SEC" "$T_RSS" - - "$err"; return 0; }
    rm -f "${url#file://}"
  fi
  # Its reports_generated row must describe the object fetched.
  local status rows bytes sha fp
  IFS='|' read -r status rows bytes sha < <(pgv -c "SELECT status, row_count, byte_size, sha256
      FROM reports_generated WHERE location = '$url' ORDER BY started_at DESC LIMIT 1")
  fp=$(fingerprint "$TMP/$name.csv")
  if [[ $status == succeeded && $rows == "${fp%%:*}" && $bytes == "$(stat -c %s "$TMP/$name.csv")" &&
        $sha == "$(sha256sum "$TMP/$name.csv" | cut -c1-64)" ]]; then
    note+="${note:+; }reports_generated: succeeded, rows, size and SHA-256 match the object"
  else
    note+="${note:+; }**reports_generated: '$status', $rows rows, $bytes bytes, SHA-256 ${sha:0:12}…: not the object's**"
  fi
  rm -f "$TMP/$name.csv"
  record "$n" "$key" "$label" "$T_SEC" "$T_RSS" "${fp%%:*}" "$fp" "$note"
}

case_d() {
  sluice_case d '(d) sluice report run, to S3' --bucket "$BUCKET" --prefix "sluice/$SIZE/" \
    --s3-endpoint "$AWS_ENDPOINT_URL"
}

case_e() {
  mkdir -p "$TMP/reports"
  sluice_case e '(e) sluice report run, to a local directory' --output "file://$TMP/reports/$SIZE/"
}

# Case progress lines sit under the size they belong to.
CASE_INDENT='  '

# The table row of a case that failed before it could record one (see run_case in lib.bash).
record_failed_case() {
  record "$SIZE" "$1" "($1) setup failed" failed - - - "exit $2, see stderr above"
}

# ---------------------------------------------------------------- run
log "scratch database $BENCH_DB on ${URL%%@*}@…, MariaDB table $MY_TABLE, bucket $BUCKET at $AWS_ENDPOINT_URL; temp dir $TMP"
psql_admin -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB" >/dev/null

# The bucket exists before the first case (pandas does not create it; sluice's
# --create-bucket then finds it there).
region=${AWS_REGION:-us-east-1}
if [[ $region == us-east-1 ]]; then
  s3 -o /dev/null -X PUT "$AWS_ENDPOINT_URL/$BUCKET" || die "cannot create bucket $BUCKET at $AWS_ENDPOINT_URL"
else
  s3 -o /dev/null -X PUT "$AWS_ENDPOINT_URL/$BUCKET" --data-binary \
    "<CreateBucketConfiguration><LocationConstraint>$region</LocationConstraint></CreateBucketConfiguration>" ||
    die "cannot create bucket $BUCKET at $AWS_ENDPOINT_URL"
fi

GEN=$TMP/gen.log
log "generating $USERS users ..."
"$ROOT/bench/gen_report_data" --only users --users "$USERS" --pg "$URL" 2>>"$GEN" ||
  die "bench/gen_report_data failed: $(tail -n 1 "$GEN")"

for SIZE in "${SIZE_LIST[@]}"; do
  log "generating $SIZE completions ..."
  "$ROOT/bench/gen_report_data" --only completions --users "$USERS" --completions "$SIZE" \
    --as-of "$AS_OF" --mysql "$SLUICE_MYSQL_URL" --completions-table "$MY_TABLE" 2>>"$GEN" ||
    die "bench/gen_report_data failed: $(tail -n 1 "$GEN")"
  # One untimed pass over both tables, so that every case finds the same caches.
  my -e "SELECT COUNT(*) FROM \`$MY_TABLE\` WHERE $WHERE" >/dev/null
  pg -c 'SELECT count(*) FROM mindtickle_users' >/dev/null
  for ((rep = 1; rep <= REPEAT; rep++)); do
    log "$SIZE completions$([[ $REPEAT -gt 1 ]] && echo ", round $rep of $REPEAT")"
    for c in a b c1 c2 c3 c4 d e; do
      want "$c" && run_case "$c"
    done
  done
done

# ---------------------------------------------------------------- report
# Per (size, case): the best time over the rounds, the maximum RSS, and the
# rows and fingerprint of the best round.
summary=$(awk -F '\t' -v OFS='\t' '
  { k = $1 SUBSEP $2 }
  !(k in seen) { seen[k] = 1; order[++n] = k; size[k] = $1; key[k] = $2; label[k] = $3; best[k] = ""; rss[k] = 0 }
  {
    if ($4 ~ /^[0-9.]+$/ && (best[k] == "" || best[k] !~ /^[0-9.]+$/ || $4 + 0 < best[k] + 0)) {
      best[k] = $4; rows[k] = $6; fp[k] = $7; note[k] = $8
    } else if (best[k] == "") { best[k] = $4; rows[k] = $6; fp[k] = $7; note[k] = $8 }
    if ($5 ~ /^[0-9]+$/ && $5 + 0 > rss[k]) rss[k] = $5
  }
  END { for (i = 1; i <= n; i++) { k = order[i]; print size[k], key[k], label[k], best[k], rss[k], rows[k], fp[k], note[k] } }
' "$RESULTS")

field() {  # size key column -> value from the summary
  awk -F '\t' -v s="$1" -v k="$2" -v c="$3" '$1 == s && $2 == k { print $c }' <<<"$summary"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.1f", a / b }'; }
mb() { awk -v k="$1" 'BEGIN { if (k ~ /^[0-9]+$/ && k > 0) printf "%.0f", k / 1024 }'; }
millions() { awk -v n="$1" 'BEGIN { if (n >= 1000000 && n % 100000 == 0) printf "%gM", n / 1e6; else printf "%d", n }'; }

echo "## Report: $(millions "$USERS") users (80% active) × completions over 60 days, 30-day window, as of $AS_OF"
echo
echo "| completions | case | wall s | peak client RSS MB | time × (d) | RSS × (d) | CSV rows | same rows as (a) | notes |"
echo "|---:|---|---:|---:|---:|---:|---:|:-:|---|"
while IFS=$'\t' read -r size key label sec rss rows fp note; do
  [[ -n $key ]] || continue
  d_sec=$(field "$size" d 4)
  d_rss=$(field "$size" d 5)
  ref_fp=$(field "$size" a 7)
  same=''
  if [[ $key != a && -n $fp && $fp != - && -n $ref_fp && $ref_fp != - ]]; then
    if [[ $fp == "$ref_fp" ]]; then same=yes; else same="**no**"; fi
  fi
  [[ $key == a && -n $fp && $fp != - ]] && same='(reference)'
  tx='' rx=''
  if [[ $key != d ]]; then
    tx=$(ratio "$sec" "$d_sec")
    [[ $rss =~ ^[0-9]+$ && $rss -gt 0 ]] && rx=$(ratio "$rss" "$d_rss")
  fi
  [[ $rows == - ]] && rows=''
  echo "| $(millions "$size") | $label | $sec | $(mb "$rss") | $tx | $rx | $rows | $same | $note |"
done <<<"$summary"
echo
if [[ $REPEAT -gt 1 ]]; then
  echo "Best of $REPEAT runs per case; RSS is the maximum over the runs."
else
  echo "One run per case (BENCH_REPEAT=n for best of n)."
fi
echo "Wall seconds and peak RSS are the client process's (python, mariadb, psql, sluice) from"
echo "\`/usr/bin/time\`, start to exit, not the servers'. \"× (d)\" divides by sluice's figure at the same size."
echo "CSV rows exclude the header. \"same rows as (a)\": the header and the sorted rows of each CSV,"
echo "downloaded with the run's presigned URL, hash the same as pandas' (a)."
echo "Data: \`bench/gen_report_data\`, $(millions "$USERS") users, completions as of $AS_OF; about 0.1% of"
echo "the completions carry user ids unknown to PostgreSQL. Generation times: $(sed -n 's/^gen_report_data: //p' "$GEN" | paste -sd ';' | sed 's/;/; /g')."
echo "pandas reads MariaDB through SQLAlchemy and $DRIVER (chunksize $CHUNKSIZE)."

# Goals (issue 4), at the largest size measured and at every size for memory.
goal_lines=()
largest=${SIZE_LIST[-1]}
for s in "${SIZE_LIST[@]}"; do [[ $s -gt $largest ]] && largest=$s; done
a_sec=$(field "$largest" a 4)
d_sec=$(field "$largest" d 4)
if [[ -n $(ratio "$a_sec" "$d_sec") ]]; then
  x=$(ratio "$a_sec" "$d_sec")
  at_10m=''
  [[ $largest -ge 10000000 ]] || at_10m=' (the goal is set at 10M)'
  goal_lines+=("- at least 10× faster than pandas (a) at $(millions "$largest") completions: ${x}×, $(awk -v x="$x" 'BEGIN { print (x >= 10) ? "met" : "**not met**" }')$at_10m")
fi
for s in "${SIZE_LIST[@]}"; do
  r=$(field "$s" d 5)
  if [[ $r =~ ^[0-9]+$ && $r -gt 0 ]]; then
    goal_lines+=("- peak memory under 64 MB at $(millions "$s") completions: $(mb "$r") MB, $(awk -v k="$r" 'BEGIN { print (k < 65536) ? "met" : "**not met**" }')")
  fi
done
if [[ ${#goal_lines[@]} -gt 0 ]]; then
  echo
  echo "Goals (issue 4):"
  printf '%s\n' "${goal_lines[@]}"
fi

server_setting() { pgv -c "SHOW $1" 2>/dev/null || echo '?'; }
my_setting() { my -N -e "SELECT @@$1" 2>/dev/null | awk '{ if ($1 ~ /^[0-9]+$/ && $1 >= 1048576) printf "%dMB", $1 / 1048576; else print $1 }' || echo '?'; }
echo
echo "### Machine"
echo
machine_lines
echo "- PostgreSQL: $(pgv -c 'SHOW server_version'); shared_buffers $(server_setting shared_buffers), work_mem $(server_setting work_mem), fsync $(server_setting fsync)"
echo "- MariaDB: $(my -N -e 'SELECT VERSION()' 2>/dev/null || echo '?'); innodb_buffer_pool_size $(my_setting innodb_buffer_pool_size), sort_buffer_size $(my_setting sort_buffer_size), tmp_table_size $(my_setting tmp_table_size), innodb_flush_log_at_trx_commit $(my_setting innodb_flush_log_at_trx_commit)"
echo "- S3: $AWS_ENDPOINT_URL (moto_server when local)"
echo "- local directory (e): $TMP, on $(df -T "$TMP" 2>/dev/null | awk 'NR == 2 { print $2 " (" $1 ")" }')"
echo "- Python: $("$PY" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo '?'); $("$PY" -c '
import importlib
out = []
for mod, name in [("pandas", "pandas"), ("sqlalchemy", "SQLAlchemy"), ("psycopg2", "psycopg2"),
                  ("MySQLdb", "mysqlclient"), ("pymysql", "PyMySQL"), ("boto3", "boto3")]:
    try:
        out.append(name + " " + importlib.import_module(mod).__version__.split()[0])
    except Exception:
        pass
print(", ".join(out) or "no pandas stack")' 2>/dev/null || echo '?')"
if [[ $HAVE_SLUICE == 1 ]]; then
  echo "- sluice: $("$SLUICE" --version 2>/dev/null | head -n 1 || echo '?') ($SLUICE)"
fi
echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
