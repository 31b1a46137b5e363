#!/usr/bin/env bash
# In-process micro-benchmarks (Google Benchmark, bench/micro/): the logins hot path, validate +
# convert + mask, per core. Prints markdown like the other benches.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bin=${SLUICE_BUILD_DIR:-build}/bench/micro/logins_transform_bench
if [[ ! -x $bin ]]; then
  echo "bench/micro.sh: $bin is missing; run make build" >&2
  exit 1
fi

echo "## Logins hot path in process (Google Benchmark, one core)"
echo
echo "| benchmark | ns per message | messages/s |"
echo "|---|---:|---:|"
"$bin" --benchmark_format=csv --benchmark_min_time=1 2>/dev/null |
  awk -F, 'NR > 1 && $1 ~ /^"BM_/ {
    gsub(/"/, "", $1)
    printf "| %s | %.0f | %.2fM |\n", $1, $4, $7 / 1e6
  }'
echo
echo "Goal (issue 3): at least 1,000,000 messages/s per core for validate + convert + mask."
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%F)"
