#!/usr/bin/env bash
# Instructions per message of the logins transform, the general one beside the old hand-written
# one (the tests' oracle), counted by callgrind: unlike timings, the counts repeat on a busy
# machine. Prints markdown like the other benches.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bin=${SLUICE_BUILD_DIR:-build}/bench/micro/logins_transform_instructions
if [[ ! -x $bin ]]; then
  echo "bench/micro_instructions.sh: $bin is missing; run make build" >&2
  exit 1
fi
messages=${MESSAGES:-10000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "## Logins transform, instructions per message (callgrind, $messages messages)"
echo
echo "| transform | masking | instructions per message |"
echo "|---|---|---:|"
for which in general oracle; do
  for mode in siv hmac; do
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" \
      '--toggle-collect=*MeasuredRun*' "$bin" "$which" "$mode" "$messages" >/dev/null 2>"$out/log"
    ir=$(awk '/Collected :/ {print $4}' "$out/log")
    echo "| $which | $mode | $((ir / messages)) |"
  done
done
