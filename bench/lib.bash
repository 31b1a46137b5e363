# Helpers shared by the bench/*.sh scripts (sourced, not run: bench/run only runs *.sh).

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# The URL of database $2 on the server of PostgreSQL URL $1, its query string kept.
database_url() {
  local base=${1%%\?*}
  local query=${1#"$base"}
  if [[ $base =~ ^[a-z]+://[^/]*$ ]]; then
    echo "$base/$2$query"
  else
    echo "${base%/*}/$2$query"
  fi
}

# psql on the admin database ($ADMIN_URL) and on the bench's scratch database ($URL).
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d "$ADMIN_URL" "$@"; }
pg() { psql -X -q -v ON_ERROR_STOP=1 -d "$URL" "$@"; }
pgv() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$URL" "$@"; }

fail_note() {  # last meaningful line of case $1's log in $TMP, fit for a table cell
  local line
  line=$(grep -v '^[[:space:]]*$' "$TMP/$1.log" 2>/dev/null | tail -n 1 | tr '|\t' '/ ' | cut -c1-160 || true)
  echo "${line:-no output}"
}

# The machine lines every report ends with (the date, cores, memory, OS).
machine_lines() {
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- CPU: $(nproc) cores available, $(awk -F ': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "- memory: $(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)"
  echo "- OS: $(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-?}"), kernel $(uname -r)"
}

# Runs case_$1 with errexit active inside it (a function called from `if` or `||` would
# silently ignore failing commands), so one broken case is reported and the others still run.
# A failed case gets its table row from the bench's own `record_failed_case NAME EXIT_CODE`.
run_case() {
  local rc=0
  log "${CASE_INDENT:-}case $1 ..."
  set +e
  ( set -e; "case_$1" )
  rc=$?
  set -e
  if [[ $rc -ne 0 ]]; then
    log "${CASE_INDENT:-}case $1 failed (exit $rc); continuing"
    record_failed_case "$1" "$rc"
  fi
}
