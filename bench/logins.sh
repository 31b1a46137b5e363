#!/usr/bin/env bash
# Logins benchmark: consumer CPU time per message of `sluice logins run` against
# the Python consumers people otherwise write, on the same generated login
# events at the same queue depth, in one run.
#
#   bench/logins.sh            (from the repo root; `make bench` runs it via bench/run)
#
# Wall-clock rates against the local SQS server (moto_server) mostly measure
# that server: its sends and receives cost time in proportion to the queue's
# depth. So the figure compared is the consumer process's own CPU time
# (user + sys) per message, with every case draining the same number of
# messages from the same starting depth. Cases, each into its own schema of a
# scratch database and from its own fresh queue:
#   1  typical Python: boto3 one message per receive, INSERT + commit per row
#      (bench/logins_python_typical.py)
#   2  well-written Python: 8 threads, batches of 10, a ledger, execute_values
#      (bench/logins_python_batched.py)
#   3  bare boto3 loop: receive 10 + delete_message_batch, no parsing, no
#      database (bench/logins_python_bare.py); the ratio columns divide by it
#   4  sluice logins run --until-empty, SQS into PostgreSQL
#   5  sluice logins run --file, an NDJSON file into PostgreSQL (no SQS), with
#      BENCH_LOGIN_FILE_MESSAGES messages: the end-to-end rate of Sluice itself
# Each case also runs once on an empty queue (an empty file for 5): startup,
# connections and the drain check. Its time is subtracted, so the figures are
# per message, not per process start.
#
# Environment:
#   BENCH_LOGIN_MESSAGES       messages per SQS case = queue depth at start (default 500)
#   BENCH_LOGIN_FILE_MESSAGES  messages in case 5's file           (default 200000)
#   BENCH_LOGIN_CASES          which cases, e.g. "3,4"             (default 1,2,3,4,5)
#   BENCH_LOGIN_THREADS        threads of case 2                   (default 8)
#   BENCH_LOGIN_SLUICE_ARGS    extra flags for case 4, e.g. "--receivers 2" (default none)
#   BENCH_LOGIN_DB             scratch database, dropped and re-created (default sluice_bench_logins)
#   BENCH_REPEAT               runs per case; the lowest CPU per message is kept (default 1)
#   BENCH_TIMEOUT              seconds before a run is killed      (default 1800)
#   BENCH_KEEP=1               keep the temp dir, the database and the queues
#   SLUICE_BIN                 sluice binary                       (default build/sluice)
#   SLUICE_PG_URL, AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
#                              servers to use; if SLUICE_PG_URL is unset, all are
#                              taken from `scripts/services env`
#
# Keep BENCH_LOGIN_MESSAGES to a few hundred: moto_server's cost per call grows
# with the queue's depth (a receive of 10 takes ~1 s at depth 1,000).
#
# Progress goes to stderr; the report (markdown) to stdout.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.bash
source bench/lib.bash
ROOT=$PWD

MESSAGES=${BENCH_LOGIN_MESSAGES:-500}
FILE_MESSAGES=${BENCH_LOGIN_FILE_MESSAGES:-200000}
CASES=${BENCH_LOGIN_CASES:-1,2,3,4,5}
THREADS=${BENCH_LOGIN_THREADS:-8}
read -r -a SLUICE_ARGS <<<"${BENCH_LOGIN_SLUICE_ARGS:-}"
BENCH_DB=${BENCH_LOGIN_DB:-sluice_bench_logins}
REPEAT=${BENCH_REPEAT:-1}
CASE_TIMEOUT=${BENCH_TIMEOUT:-1800}
SLUICE=${SLUICE_BIN:-build/sluice}
PY=/usr/bin/python3
TIME=/usr/bin/time


positive() { [[ $2 =~ ^[0-9]+$ && $2 -gt 0 ]] || die "$1 must be a positive number, got '$2'"; }
positive BENCH_LOGIN_MESSAGES "$MESSAGES"
positive BENCH_LOGIN_FILE_MESSAGES "$FILE_MESSAGES"
positive BENCH_LOGIN_THREADS "$THREADS"
positive BENCH_REPEAT "$REPEAT"
positive BENCH_TIMEOUT "$CASE_TIMEOUT"
[[ $CASES =~ ^[1-5](,[1-5])*$ ]] || die "BENCH_LOGIN_CASES must list cases 1-5, e.g. '3,4', got '$CASES'"
[[ $BENCH_DB =~ ^[a-z_][a-z0-9_]*$ ]] || die "BENCH_LOGIN_DB must be a plain lower-case identifier, got '$BENCH_DB'"
[[ -x $TIME ]] || die "$TIME not found (Debian package 'time'; run scripts/deps)"
command -v psql >/dev/null || die "psql not found (run scripts/deps)"
[[ $MESSAGES -le 2000 ]] ||
  log "warning: BENCH_LOGIN_MESSAGES=$MESSAGES; moto_server slows down a lot past a few hundred"

want() { [[ ",$CASES," == *",$1,"* ]]; }

# ---------------------------------------------------------------- servers
if [[ -z ${SLUICE_PG_URL:-} && -x scripts/services ]]; then
  eval "$(scripts/services env 2>/dev/null)" || true
fi
[[ -n ${SLUICE_PG_URL:-} ]] || die "no PostgreSQL: run scripts/services up (or set SLUICE_PG_URL)"
[[ -n ${AWS_ENDPOINT_URL:-} ]] ||
  log "note: AWS_ENDPOINT_URL is not set: the SQS cases would run against real AWS"
ADMIN_URL=$SLUICE_PG_URL
URL=$(database_url "$ADMIN_URL" "$BENCH_DB")
export PGTZ=UTC PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

# The URL of one case's schema: every consumer gets its tables there through
# search_path, so all of them run the same unqualified SQL.
schema_url() {
  local sep='?'
  [[ $URL == *\?* ]] && sep='&'
  echo "$URL${sep}options=-csearch_path%3D$1"
}


psql_admin -Atc 'select 1' >/dev/null 2>&1 ||
  die "cannot connect to $ADMIN_URL (is scripts/services up running?)"

HAVE_SLUICE=0
[[ -x $SLUICE ]] && HAVE_SLUICE=1
HAVE_BOTO=0
PYTHONPATH="$ROOT/bench${PYTHONPATH:+:$PYTHONPATH}" "$PY" -c 'import boto3, psycopg2' 2>/dev/null && HAVE_BOTO=1
[[ $HAVE_SLUICE == 1 ]] || log "note: $SLUICE not found; build it to bench Sluice. Running the Python cases only."
[[ $HAVE_BOTO == 1 ]] || log "note: $PY lacks boto3/psycopg2 (Debian python3-boto3, python3-psycopg2): Python cases skipped"
[[ $HAVE_SLUICE == 1 || $HAVE_BOTO == 1 ]] || die "nothing to run: neither $SLUICE nor boto3"

# ---------------------------------------------------------------- temp dir, queues
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-logins.XXXXXX")
QUEUE_PREFIX="sluice-bench-logins-$$"
QUEUES=$TMP/queues   # names of the queues this run created, deleted at exit
: >"$QUEUES"

# SQS helpers in Python (the sluice binary has no queue delete or depth).
pyq() {  # left|delete QUEUE
  PYTHONPATH="$ROOT/bench${PYTHONPATH:+:$PYTHONPATH}" "$PY" - "$@" <<'EOF'
import sys
import logins_py_common as common
cmd, name = sys.argv[1], sys.argv[2]
sqs = common.sqs_client()
url = common.queue_url(sqs, name)
if cmd == "left":
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    print(int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"]))
elif cmd == "delete":
    sqs.delete_queue(QueueUrl=url)
EOF
}

drop_queue() {  # best effort; the sluice binary can only purge
  if [[ $HAVE_BOTO == 1 ]]; then
    pyq delete "$1" >/dev/null 2>&1 || true
  elif [[ $HAVE_SLUICE == 1 ]]; then
    "$SLUICE" queue purge "$1" >/dev/null 2>&1 || true
  fi
}

cleanup() {
  local rc=$? q
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then
    log "kept $TMP, database $BENCH_DB and queues $(tr '\n' ' ' <"$QUEUES")"
  else
    while read -r q; do
      drop_queue "$q"
    done <"$QUEUES"
    psql_admin -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

RESULTS=$TMP/results.tsv
: >"$RESULTS"

# ---------------------------------------------------------------- helpers
# timed NAME CMD... : runs CMD, output to $TMP/NAME.log; sets T_WALL, T_CPU
# (user + sys of CMD and its children, in seconds, to the millisecond: bash's
# `time` reads the children's rusage) and T_RSS (peak KB, from /usr/bin/time).
# Returns CMD's status. A run longer than BENCH_TIMEOUT seconds is killed.
timed() {
  local name=$1 rc=0 times
  shift
  times=$( {
    TIMEFORMAT='%3R %3U %3S'
    time "$TIME" -f '%M' -o "$TMP/$name.rss" \
      timeout --kill-after=15 "$CASE_TIMEOUT" "$@" </dev/null >"$TMP/$name.log" 2>&1 || rc=$?
    echo "rc $rc" >&2
  } 2>&1)
  rc=$(awk '$1 == "rc" { print $2 }' <<<"$times")
  read -r T_WALL u s < <(grep -v '^rc ' <<<"$times" | tail -n 1)
  T_CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }')
  T_RSS=$(tail -n 1 "$TMP/$name.rss" 2>/dev/null || echo 0)
  [[ $T_RSS =~ ^[0-9]+$ ]] || T_RSS=0
  if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    echo "timed out after ${CASE_TIMEOUT}s (BENCH_TIMEOUT)" >>"$TMP/$name.log"
  fi
  return "$rc"
}

fresh_schema() { pg -c "DROP SCHEMA IF EXISTS $1 CASCADE; CREATE SCHEMA $1"; }

new_queue() {  # case -> queue name, created empty
  local q="$QUEUE_PREFIX-$1-$RANDOM"
  echo "$q" >>"$QUEUES"
  if [[ $HAVE_SLUICE == 1 ]]; then
    "$SLUICE" queue create --visibility-timeout 60 "$q" >/dev/null
  else
    PYTHONPATH="$ROOT/bench" "$PY" -c '
import sys, logins_py_common as c
c.sqs_client().create_queue(QueueName=sys.argv[1], Attributes={"VisibilityTimeout": "60"})' "$q"
  fi
  echo "$q"
}

fill() {  # queue file
  if [[ $HAVE_SLUICE == 1 ]]; then
    "$SLUICE" queue send "$1" "$2" >/dev/null
  else
    PYTHONPATH="$ROOT/bench" "$PY" - "$1" "$2" <<'EOF'
import sys, logins_py_common as c
sqs = c.sqs_client(); url = c.queue_url(sqs, sys.argv[1])
lines = [l.rstrip("\n") for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
for i in range(0, len(lines), 10):
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(j), "MessageBody": b} for j, b in enumerate(lines[i:i + 10])])
EOF
  fi
}

left_in_queue() {
  if [[ $HAVE_BOTO == 1 ]]; then pyq left "$1" 2>/dev/null || echo '?'; else echo '?'; fi
}

# "rows rejects duplicates" of a schema's user_logins / user_logins_rejects.
table_counts() {
  pgv -F ' ' -c "SELECT (SELECT count(*) FROM $1.user_logins),
                        (SELECT count(*) FROM $1.user_logins_rejects),
                        (SELECT count(*) - count(DISTINCT user_id) FROM $1.user_logins)"
}

record() {  # key label messages wall cpu idle_wall idle_cpu rss rows rejects dups left note
  local IFS=$'\t'
  echo "$*" >>"$RESULTS"
}

# Cases 1-4: one consumer command (given after the case's key and label)
# draining a fresh queue filled with $EVENTS; $1 db=yes|no says whether it
# writes a schema.
sqs_case() {
  local key=$1 label=$2 db=$3
  shift 3
  local schema="bench_logins_$key" q rows='' rejects='' dups='' left
  local -a cmd
  [[ $db == yes ]] && fresh_schema "$schema"
  q=$(new_queue "$key")
  # The consumer's command, with QUEUE and PGURL filled in.
  cmd=()
  local a
  for a in "$@"; do
    a=${a//@QUEUE@/$q}
    a=${a//@PGURL@/$(schema_url "$schema")}
    cmd+=("$a")
  done
  if ! timed "idle$key" "${cmd[@]}"; then
    record "$key" "$label" "$MESSAGES" failed - - - - - - - - "idle run: $(fail_note "idle$key")"
    return 0
  fi
  local idle_wall=$T_WALL idle_cpu=$T_CPU
  log "  filling $q with $MESSAGES messages ..."
  fill "$q" "$EVENTS"
  if ! timed "run$key" "${cmd[@]}"; then
    record "$key" "$label" "$MESSAGES" failed - "$idle_wall" "$idle_cpu" "$T_RSS" - - - - "$(fail_note "run$key")"
    return 0
  fi
  local wall=$T_WALL cpu=$T_CPU rss=$T_RSS
  left=$(left_in_queue "$q")
  if [[ $db == yes ]]; then
    read -r rows rejects dups < <(table_counts "$schema")
  fi
  record "$key" "$label" "$MESSAGES" "$wall" "$cpu" "$idle_wall" "$idle_cpu" "$rss" \
    "${rows:--}" "${rejects:--}" "${dups:--}" "$left" "$(fail_note "run$key")"
  [[ ${BENCH_KEEP:-0} == 1 ]] || drop_queue "$q"
}

# ---------------------------------------------------------------- cases
KEY_FILE=$TMP/mask.key
case_1() {
  [[ $HAVE_BOTO == 1 ]] || { record 1 '(1) Python typical' "$MESSAGES" skipped - - - - - - - - 'no python3-boto3'; return 0; }
  sqs_case 1 '(1) Python typical: 1 per receive, INSERT + commit per row' yes \
    "$PY" "$ROOT/bench/logins_python_typical.py" --queue @QUEUE@ --pg @PGURL@ --key-file "$KEY_FILE"
}

case_2() {
  [[ $HAVE_BOTO == 1 ]] || { record 2 '(2) Python batched' "$MESSAGES" skipped - - - - - - - - 'no python3-boto3'; return 0; }
  sqs_case 2 "(2) Python well-written: $THREADS threads, batches of 10, ledger, execute_values" yes \
    "$PY" "$ROOT/bench/logins_python_batched.py" --queue @QUEUE@ --pg @PGURL@ \
    --key-file "$KEY_FILE" --threads "$THREADS"
}

case_3() {
  [[ $HAVE_BOTO == 1 ]] || { record 3 '(3) bare boto3' "$MESSAGES" skipped - - - - - - - - 'no python3-boto3'; return 0; }
  sqs_case 3 '(3) bare boto3: receive 10 + delete batch, no database' no \
    "$PY" "$ROOT/bench/logins_python_bare.py" --queue @QUEUE@
}

case_4() {
  [[ $HAVE_SLUICE == 1 ]] || { record 4 '(4) sluice logins run' "$MESSAGES" skipped - - - - - - - - "no $SLUICE"; return 0; }
  sqs_case 4 "(4) sluice logins run --until-empty${SLUICE_ARGS[*]:+ ${SLUICE_ARGS[*]}} (SQS)" yes \
    "$SLUICE" logins run --queue @QUEUE@ --pg @PGURL@ --key-file "$KEY_FILE" --until-empty \
    ${SLUICE_ARGS[@]+"${SLUICE_ARGS[@]}"}
}

case_5() {
  local label="(5) sluice logins run --file (NDJSON, no SQS)" schema=bench_logins_5
  [[ $HAVE_SLUICE == 1 ]] || { record 5 "$label" "$FILE_MESSAGES" skipped - - - - - - - - "no $SLUICE"; return 0; }
  fresh_schema "$schema"
  # Sluice remembers a file source by its path (a second run of the same path
  # adds nothing), hence a fresh schema, whose tables remember nothing yet.
  : >"$TMP/empty.ndjson"
  if ! timed idle5 "$SLUICE" logins run --file "$TMP/empty.ndjson" --pg "$(schema_url "$schema")" --key-file "$KEY_FILE"; then
    record 5 "$label" "$FILE_MESSAGES" failed - - - - - - - - "idle run: $(fail_note idle5)"
    return 0
  fi
  local idle_wall=$T_WALL idle_cpu=$T_CPU rows rejects dups
  if ! timed run5 "$SLUICE" logins run --file "$FILE_EVENTS" --pg "$(schema_url "$schema")" --key-file "$KEY_FILE"; then
    record 5 "$label" "$FILE_MESSAGES" failed - "$idle_wall" "$idle_cpu" "$T_RSS" - - - - "$(fail_note run5)"
    return 0
  fi
  read -r rows rejects dups < <(table_counts "$schema")
  record 5 "$label" "$FILE_MESSAGES" "$T_WALL" "$T_CPU" "$idle_wall" "$idle_cpu" "$T_RSS" \
    "$rows" "$rejects" "$dups" - "$(fail_note run5)"
}

# The table row of a case that failed before it could record one (see run_case in lib.bash).
record_failed_case() {
  record "$1" "($1) setup failed" - failed - - - - - - - - "exit $2, see stderr above"
}

# ---------------------------------------------------------------- run
log "scratch database $BENCH_DB on ${URL%%@*}@…; SQS at ${AWS_ENDPOINT_URL:-AWS}; temp dir $TMP"
psql_admin -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB" >/dev/null

# A random masking key in Sluice's key file format; the Python consumers use
# its material as their HMAC key.
( umask 077; printf '# bench key\nbench:%s\n' "$(head -c 64 /dev/urandom | base64 -w 0)" >"$KEY_FILE" )

EVENTS=$TMP/events.ndjson
FILE_EVENTS=$TMP/events-file.ndjson
log "generating $MESSAGES events (and $FILE_MESSAGES for case 5) ..."
"$PY" "$ROOT/bench/gen_login_events.py" --count "$MESSAGES" --out "$EVENTS"
if want 5 && [[ $HAVE_SLUICE == 1 ]]; then
  "$PY" "$ROOT/bench/gen_login_events.py" --count "$FILE_MESSAGES" --out "$FILE_EVENTS"
fi

for ((rep = 1; rep <= REPEAT; rep++)); do
  [[ $REPEAT -gt 1 ]] && log "round $rep of $REPEAT"
  for c in 1 2 3 4 5; do
    want "$c" && run_case "$c"
  done
done

# ---------------------------------------------------------------- report
# Per case, the round with the lowest CPU per message (net of the idle run).
summary=$(awk -F '\t' -v OFS='\t' '
  function per(line,   f) { split(line, f, "\t"); if (f[4] !~ /^[0-9.]+$/ || f[7] !~ /^[0-9.]+$/) return ""; return (f[5] - f[7]) / f[3] }
  !($1 in seen) { seen[$1] = 1; order[++n] = $1; best[$1] = $0; next }
  { p = per($0); q = per(best[$1]); if (p != "" && (q == "" || p < q)) best[$1] = $0 }
  END { for (i = 1; i <= n; i++) print best[order[i]] }
' "$RESULTS")

# Net wall seconds, net CPU seconds, CPU ms per message and messages/s of a summary line.
figures() {  # messages wall cpu idle_wall idle_cpu
  awk -v n="$1" -v w="$2" -v c="$3" -v iw="$4" -v ic="$5" 'BEGIN {
    nw = w - iw; nc = c - ic; if (nw <= 0) nw = w; if (nc < 0) nc = 0
    printf "%.2f %.3f %.3f %.0f\n", nw, nc, nc * 1000 / n, n / nw }'
}

ref_ms='' ref_rate=''
while IFS=$'\t' read -r key _ n wall cpu iwall icpu _; do
  if [[ $key == 3 && $wall =~ ^[0-9.]+$ && $iwall =~ ^[0-9.]+$ ]]; then
    read -r _ _ ref_ms ref_rate < <(figures "$n" "$wall" "$cpu" "$iwall" "$icpu")
  fi
done <<<"$summary"

row() {  # the cells of a table row
  local out='|' c
  for c in "$@"; do out+=" $c |"; done
  echo "$out"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "" }'; }

echo "## Logins: consumer CPU per message, $MESSAGES messages from a queue $MESSAGES deep; $FILE_MESSAGES from a file"
echo
echo "| case | messages | wall s | msg/s | CPU s (user+sys) | CPU ms/msg | CPU × (3) | msg/s × (3) | CPU ms/msg with start | peak RSS MB | rows + rejects | duplicate rows | left in queue | idle run: wall s, CPU s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
S4_MS='' S4_RATE='' S5_RATE=''
while IFS=$'\t' read -r key label n wall cpu iwall icpu rss rows rejects dups left note; do
  [[ -n $key ]] || continue
  if [[ ! $wall =~ ^[0-9.]+$ || ! $iwall =~ ^[0-9.]+$ ]]; then
    row "$label" "$n" "$wall" '' '' '' '' '' '' '' '' '' '' "$note"
    continue
  fi
  read -r nwall ncpu ms rate < <(figures "$n" "$wall" "$cpu" "$iwall" "$icpu")
  cpu_x='' rate_x=''
  if [[ -n $ref_ms ]]; then
    cpu_x=$(ratio "$ms" "$ref_ms")
    [[ $key != 5 ]] && rate_x=$(ratio "$rate" "$ref_rate")
  fi
  gross_ms=$(awk -v c="$cpu" -v n="$n" 'BEGIN { printf "%.3f", c * 1000 / n }')
  rss_mb=$(awk -v k="$rss" 'BEGIN { if (k > 0) printf "%.0f", k / 1024 }')
  total=''
  if [[ $rows =~ ^[0-9]+$ && $rejects =~ ^[0-9]+$ ]]; then
    total="$((rows + rejects)) ($rows + $rejects)"
    [[ $((rows + rejects)) -eq $n ]] || total="**$total**"
  fi
  [[ $dups =~ ^[0-9]+$ && $dups -gt 0 ]] && dups="**$dups**"
  [[ $dups == - ]] && dups=''
  [[ $left == - ]] && left=''
  [[ $left =~ ^[1-9] ]] && left="**$left**"
  row "$label" "$n" "$nwall" "$rate" "$ncpu" "$ms" "$cpu_x" "$rate_x" "$gross_ms" "$rss_mb" "$total" "$dups" "$left" "$iwall, $icpu"
  [[ $key == 4 ]] && { S4_MS=$ms; S4_RATE=$rate; }
  [[ $key == 5 ]] && S5_RATE=$rate
done <<<"$summary"
echo
echo "Wall s and CPU s are net of each consumer's idle run (the same command on an empty queue or"
echo "file: interpreter start, imports, connections, table checks and the final empty polls), so"
echo "CPU ms/msg is the cost of a message, not of a process start. CPU is user + sys of the consumer"
echo "process and its threads (bash \`time\`, to the millisecond); the servers' CPU is not counted."
echo "msg/s = messages / net wall s. \"× (3)\" divides by the bare boto3 loop. \"CPU ms/msg with start\""
echo "is the whole process's CPU over the messages, idle run not subtracted (Python's start-up alone"
echo "is about 0.3 s of CPU)."
if [[ $REPEAT -gt 1 ]]; then
  echo "Best of $REPEAT rounds per case (lowest CPU per message)."
else
  echo "One round per case (BENCH_REPEAT=n for best of n)."
fi
echo "Data: \`bench/gen_login_events.py --count N\` (seed 7, about 1% invalid messages, which become rejects)."
echo "The Python consumers mask with HMAC-SHA256 (stdlib \`hmac\`); Sluice with AES-256-SIV."
if [[ -n $S4_MS || -n $S5_RATE ]]; then
  echo
  echo "Goals (issue 3):"
  if [[ -n $S4_MS ]]; then
    echo "- (4) at most 0.1 ms CPU per message: $S4_MS ms, $(awk -v m="$S4_MS" 'BEGIN { print (m <= 0.1) ? "met" : "**not met**" }')"
    if [[ -n $ref_rate ]]; then
      echo "- (4) wall rate at least 0.9× the bare loop's: $(ratio "$S4_RATE" "$ref_rate")×, $(awk -v a="$S4_RATE" -v b="$ref_rate" 'BEGIN { print (a >= 0.9 * b) ? "met" : "**not met**" }')"
    fi
  fi
  if [[ -n $S5_RATE ]]; then
    echo "- (5) NDJSON file into PostgreSQL at least 200,000 msg/s: $S5_RATE msg/s, $(awk -v r="$S5_RATE" 'BEGIN { print (r >= 200000) ? "met" : "**not met**" }')"
  fi
fi

server_setting() { pgv -c "SHOW $1" 2>/dev/null || echo '?'; }
echo
echo "### Machine"
echo
machine_lines
echo "- PostgreSQL: $(pgv -c 'SHOW server_version'); shared_buffers $(server_setting shared_buffers), fsync $(server_setting fsync), synchronous_commit $(server_setting synchronous_commit)"
echo "- SQS: ${AWS_ENDPOINT_URL:-AWS} (moto_server when local)"
echo "- Python: $("$PY" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo '?'); $("$PY" -c 'import boto3, botocore, psycopg2; print("boto3", boto3.__version__, "/ botocore", botocore.__version__, "/ psycopg2", psycopg2.__version__.split()[0])' 2>/dev/null || echo 'boto3 or psycopg2 not installed')"
if [[ $HAVE_SLUICE == 1 ]]; then
  echo "- sluice: $("$SLUICE" --version 2>/dev/null | head -n 1 || echo '?') ($SLUICE)"
fi
echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
