#!/usr/bin/env bash
# Runs one test command and fails it when the command, or any process it starts (the sluice
# binary the tests spawn), opened a network connection outside loopback (127.0.0.0/8, ::1):
# tests must never reach the internet or a cloud metadata address (169.254.169.254), whatever
# machine they run on. The integration tests run through it (CROSSCOMPILING_EMULATOR in
# tests/CMakeLists.txt). Only connect() is traced, through seccomp-bpf, so every other system
# call runs at full speed. Without a usable strace (not installed, ptrace refused in a
# container) the command runs unwatched, with a note on stderr.
set -u
if ! command -v strace >/dev/null 2>&1 ||
  ! strace -f --seccomp-bpf -qq -e trace=connect -o /dev/null true >/dev/null 2>&1; then
  echo "loopback_guard: strace cannot trace here; running without the loopback check" >&2
  exec "$@"
fi
trace=$(mktemp "${TMPDIR:-/tmp}/sluice-connects-XXXXXX")
strace -f --seccomp-bpf -qq -e trace=connect -e signal=none -o "$trace" "$@"
rc=$?
# strace prints IPv4 peers as inet_addr("a.b.c.d") and IPv6 ones as inet_pton(AF_INET6, "x").
outside=$(grep -oE 'inet_addr\("[^"]*"\)|inet_pton\(AF_INET6, "[^"]*"' "$trace" |
  sed -E 's/.*"([^"]*)".*/\1/' |
  grep -vE '^(127\.[0-9.]+|::1|::ffff:127\.[0-9.]+|0\.0\.0\.0|::)$' | sort -u | tr '\n' ' ')
rm -f "$trace"
if [ -n "$outside" ]; then
  echo "loopback_guard: the test connected outside loopback, to: $outside" >&2
  [ "$rc" -eq 0 ] && rc=1
fi
exit "$rc"
