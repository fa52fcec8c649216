#!/usr/bin/env bash
# What measuring locality costs in system calls, counted by strace: the default
# configuration (reuseport/epoll, workers not pinned) makes no getsockopt
# SO_INCOMING_CPU at all; with --measure-locality it makes exactly one per
# connection (sched_getcpu is answered without a system call).
#
#   locality_syscalls.sh SERVER_BIN
#
# Skipped (77) without strace, or where it may not trace (no ptrace in the sandbox).
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 SERVER_BIN" >&2; exit 2; }
server_bin=$1
conns=20

# shellcheck source-path=SCRIPTDIR source=../testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../testlib.sh"
command -v strace >/dev/null || { echo "skip: strace is not installed"; exit 77; }
strace -f -qq -e trace=getsockopt -o /dev/null true 2>/dev/null \
    || { echo "skip: strace cannot trace here (ptrace not permitted)"; exit 77; }

work=$(mktemp -d)
strace_pid=""
cleanup() {
    [[ -z $strace_pid ]] || stop_bounded "$strace_pid" || true
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# traced_calls OPTIONS...: start the server under strace with OPTIONS, make $conns
# connections with one request each, stop it, and set calls to how many getsockopt
# calls asked for SO_INCOMING_CPU.
traced_calls() {
    local port pid i reply
    server_start --stdout "$work/server.out" strace_pid "$work/ready" "$work/server.err" \
        strace -f -qq \
        -e trace=getsockopt -o "$work/trace" "$server_bin" --workers 2 \
        --listen 127.0.0.1:0 --ready-file "$work/ready" "$@" || fail "$server_error"
    port=$(ready_value "$work/ready" port)
    pid=$(ready_value "$work/ready" pid)
    for ((i = 0; i < conns; i++)); do
        exec 3<>"/dev/tcp/127.0.0.1/$port"
        printf 'GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' >&3
        reply=$(timeout 5 cat <&3)
        exec 3<&-
        [[ $reply == "HTTP/1.1 200 "* ]] || fail "request $i: no 200 reply: $reply"
    done
    # Stop the server itself: strace then ends with it.
    kill -TERM "$pid"
    local s=$strace_pid
    strace_pid=""
    stop_bounded "$s" || fail "the server did not exit: $(cat "$work/server.err")"
    calls=$(grep -c 'SO_INCOMING_CPU' "$work/trace" || true)
}

traced_calls
[[ $calls -eq 0 ]] || fail "default configuration: $calls getsockopt(SO_INCOMING_CPU) calls, want 0"
traced_calls --measure-locality
[[ $calls -eq $conns ]] \
    || fail "--measure-locality: $calls getsockopt(SO_INCOMING_CPU) calls, want $conns"
echo "ok: getsockopt(SO_INCOMING_CPU): 0 by default, $conns for $conns connections measured"
