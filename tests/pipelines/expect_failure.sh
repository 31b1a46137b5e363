#!/bin/sh
# Runs `sluice test` on a test file whose expectations are wrong on purpose and checks that it
# fails as it should: exit status 1 and exactly the expected report (FILE with .yaml replaced by
# .out), so a `sluice test` that passed everything, or reported the differences wrongly, fails.
# Usage: expect_failure.sh SLUICE TEST_FILE
set -u
sluice=$1
dir=$(dirname "$2")
file=$(basename "$2")
cd "$dir" || exit 1
actual=$("$sluice" test "$file" 2>&1)
status=$?
expected=$(cat "${file%.yaml}.out")
if [ "$status" -ne 1 ]; then
  echo "expected exit status 1, got $status:"
  echo "$actual"
  exit 1
fi
if [ "$actual" != "$expected" ]; then
  echo "the report differs from ${file%.yaml}.out:"
  printf '%s\n' "$actual" > "${TMPDIR:-/tmp}/sluice-expect-failure.$$"
  diff -u "${file%.yaml}.out" "${TMPDIR:-/tmp}/sluice-expect-failure.$$"
  rm -f "${TMPDIR:-/tmp}/sluice-expect-failure.$$"
  exit 1
fi
echo "$file fails as expected"
