#!/usr/bin/env bash
# Checks loopback_guard.sh ($1): a command that connects outside loopback fails, one that stays
# on loopback passes with its own exit status. The connections are UDP: connect() on a UDP
# socket only records the peer, so no packet leaves the machine. Exit 77 (skipped) where
# strace cannot trace.
set -u
guard=$1
if ! command -v strace >/dev/null 2>&1 ||
  ! strace -f --seccomp-bpf -qq -e trace=connect -o /dev/null true >/dev/null 2>&1; then
  echo "strace cannot trace here" >&2
  exit 77
fi
fail() { echo "FAIL: $*" >&2; exit 1; }

# The instance metadata address, from a child process of the watched command.
err=$("$guard" bash -c 'bash -c "exec 3<>/dev/udp/169.254.169.254/80"' 2>&1) &&
  fail "a connection to 169.254.169.254 was not caught"
case "$err" in *"outside loopback, to: 169.254.169.254"*) ;; *) fail "no reason given: $err" ;; esac
err=$("$guard" bash -c 'exec 3<>/dev/udp/2001:db8::1/80' 2>&1) &&
  fail "an IPv6 connection outside loopback was not caught"

"$guard" bash -c 'exec 3<>/dev/udp/127.0.0.1/9; exec 4<>/dev/udp/127.1.2.3/9' ||
  fail "loopback connections were refused"
"$guard" bash -c 'exit 5'
[ $? -eq 5 ] || fail "the command's exit status was not kept"
echo "ok"
