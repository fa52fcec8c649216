#!/usr/bin/env bash
# acceptbench-load --kernel-counters against real servers on 127.0.0.1: what perf
# counts over the window is what the code makes, and the drop counters move.
#
#   kernel_counters.sh BUILD_DIR exact        shared/blocking/http, 2 workers, after a
#                                             warm-up: the server makes exactly accept4,
#                                             read, sendto, close per connection (4 x
#                                             completed, per worker too) and nothing
#                                             else; the generator's per-connection calls
#                                             that the code fixes are exact
#   kernel_counters.sh BUILD_DIR every        every strategy x io this machine runs
#                                             (thread, http): the calls each must make
#                                             are there, the exact ones are exact, no
#                                             other call appears, and the total per
#                                             connection is within bounds from the code
#   kernel_counters.sh BUILD_DIR drops        in a network namespace of its own: a
#                                             one-worker server with a backlog of 1
#                                             under a burst overflows its accept queue
#                                             (ListenOverflows, ListenDrops > 0 in
#                                             summary.csv and kernel.csv); a normal run
#                                             there moves no drop counter at all
#   kernel_counters.sh BUILD_DIR independent  a second perf stat attached from outside
#                                             agrees with the window's count once the
#                                             two /stats fetches at its edges are
#                                             accounted for: 1% blocking, 5% the rest
#   kernel_counters.sh BUILD_DIR no-perf      perf not on PATH: one line on stderr, exit
#                                             0, the run complete, the perf columns
#                                             empty and every other column as without
#                                             --kernel-counters (tcp_* still read)
#
# Skipped (77, with the reason) where perf cannot count syscall tracepoints here
# (exact, every, independent: bench/lib/kcount.sh's kcount_check), and where drops
# cannot have a network namespace of its own. Every command is bounded by `timeout`; servers, perf
# and the tracepoint holder are stopped on any exit.
set -euo pipefail

usage() {
    echo "usage: $0 BUILD_DIR exact|every|drops|independent|no-perf" >&2
    exit 2
}
[[ $# -eq 2 ]] || usage
bin=$1
case_name=$2
case $case_name in
exact|every|drops|drops-netns|independent|no-perf) ;;
*) usage ;;
esac
server_bin=$bin/servers/acceptbench-server
load_bin=$bin/clients/acceptbench-load
# exact and every name each system call the code makes: TSan's runtime makes its
# own (gettimeofday, nanosleep: 6 in 500 connections of pool/blocking), so under
# TSan they are skipped. ASan's makes none in the window (they pass under it).
if [[ $case_name == exact || $case_name == every ]] &&
   grep -qx 'ACCEPTBENCH_TSAN:BOOL=ON' "$bin/CMakeCache.txt" 2>/dev/null; then
    echo "skip: $case_name counts the code's own system calls; TSan's runtime adds its own"
    exit 77
fi

# shellcheck source-path=SCRIPTDIR source=../testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../testlib.sh"
# shellcheck source-path=SCRIPTDIR source=../../bench/lib/kcount.sh
. "$ROOT/bench/lib/kcount.sh"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# drops runs itself again in a network namespace of its own, so that the
# namespace's TCP counters see this test's connections and nothing else's.
if [[ $case_name == drops ]]; then
    err=$(unshare -n true 2>&1) \
        || { echo "skip: drops needs a network namespace of its own (unshare -n): $err"; exit 77; }
    command -v ip >/dev/null || { echo "skip: drops needs ip (iproute2) to bring lo up"; exit 77; }
    exec timeout 300 unshare -n bash "$0" "$bin" drops-netns
fi

# drops reads the namespace's counters, which need no perf; no-perf hides it.
have_perf=1
kcount_check || have_perf=0
if [[ $have_perf == 0 && $case_name != no-perf && $case_name != drops-netns ]]; then
    echo "skip: $kcount_why"
    exit 77
fi

work=$(mktemp -d)
server_pid="" ext_pid=""
kcount_hold_pids=()   # kcount_hold_stop in cleanup reads it before any start
cleanup() {
    [[ -z $server_pid ]] || stop_bounded "$server_pid" || true
    [[ -z $ext_pid ]] || { kill -INT "$ext_pid" 2>/dev/null || true; wait "$ext_pid" 2>/dev/null || true; }
    kcount_hold_stop
    rm -rf "$work"
}
trap cleanup EXIT
# An idle perf holding the syscall tracepoints: each run's own perf then stops in
# milliseconds instead of ~4 s (bench/lib/kcount.sh). Its output goes nowhere: it
# takes seconds to exit once stopped, and must not hold CTest's pipe meanwhile.
[[ $have_perf == 0 || $case_name == no-perf ]] || kcount_hold_start >/dev/null 2>&1

# start_server OPTIONS...: a server on 127.0.0.1 port 0 with OPTIONS; sets port,
# admin (its admin_port=, if any) and spid, the server's own pid (server_pid is the
# `timeout` wrapping it).
start_server() {
    server_start --stdout "$work/server.out" server_pid "$work/ready" "$work/server.err" \
        timeout 300 "$server_bin" --listen 127.0.0.1:0 \
        --ready-file "$work/ready" "$@" || fail "$server_error"
    port=$(ready_value "$work/ready" port)
    spid=$(ready_value "$work/ready" pid)
    admin=$(ready_value "$work/ready" admin_port)
    [[ -n $port && -n $spid ]] || fail "ready file lacks port= or pid="
}

stop_server() {
    local pid=$server_pid
    server_pid=""
    stop_bounded "$pid" || fail "the server did not exit within 15 s of SIGTERM: $(cat "$work/server.err")"
}

# load ARGS...: acceptbench-load against the server, stdout and stderr kept in
# $work/load.out and load.err; fails unless it exits 0 within 60 s.
load() {
    local rc=0
    timeout 60 "$load_bin" --target "127.0.0.1:$port" --no-progress "$@" \
        >"$work/load.out" 2>"$work/load.err" || rc=$?
    [[ $rc -ne 124 ]] || fail "acceptbench-load did not finish within 60 s: $*"
    [[ $rc -eq 0 ]] || fail "acceptbench-load exited $rc: $* ($(cat "$work/load.err"))"
}

errors_total() {
    local e sum=0
    for e in refused reset timeout addrnotavail status short malformed other; do
        sum=$((sum + $(last "$1/summary.csv" "errors_$e")))
    done
    echo "$sum"
}

# check_complete DIR N: the last run completed N connections, the server accepted
# as many, without an error.
check_complete() {
    local c a
    c=$(last "$1/summary.csv" completed)
    a=$(last "$1/summary.csv" server_accepted)
    [[ $c == "$2" ]] || fail "completed $c, expected $2"
    [[ $a == "$2" ]] || fail "server accepted $a, client completed $c"
    [[ $(errors_total "$1") == 0 ]] || fail "$(errors_total "$1") errors in a run that should have none"
}

# kv DIR SIDE WHICH COUNTER: the last run's COUNTER (syscalls, syscall:NAME, ...) of
# SIDE from DIR/kernel.csv, 0 when there is no row (only non-zero syscall:NAME rows
# are written, and perf leaves out a thread that counted nothing). WHICH: all (perf's
# sum over the side's threads), workers (the server workers' threads), others (the
# side's threads that are not workers: the server's main thread, a hand-off's
# acceptor; every generator thread), worker=I, thread=COMM-TID, netns.
kv() {
    awk -F, -v run="$(last "$1/summary.csv" run_id)" -v side="$2" -v which="$3" \
        -v counter="$4" '
        NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        $h["run_id"] != run || $h["side"] != side || $h["counter"] != counter { next }
        {
            t = $h["thread"]; w = $h["worker"]
            if (which == "all" || which == "netns") ok = t == which
            else if (t == "all" || t == "netns") ok = 0
            else if (which == "workers") ok = w != ""
            else if (which == "others") ok = w == ""
            else if (which ~ /^worker=/) ok = w != "" && "worker=" w == which
            else ok = "thread=" t == which
            if (ok) v += $h["value"]
        }
        END { printf "%d\n", v }' "$1/kernel.csv"
}

# names DIR SIDE WHICH: the system calls (NAME of syscall:NAME) that WHICH (as for
# kv) made in the last run, sorted, on one line.
names() {
    awk -F, -v run="$(last "$1/summary.csv" run_id)" -v side="$2" -v which="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        $h["run_id"] != run || $h["side"] != side || $h["counter"] !~ /^syscall:/ { next }
        {
            t = $h["thread"]; w = $h["worker"]
            if (which == "all") ok = t == "all"
            else if (t == "all" || t == "netns") ok = 0
            else if (which == "workers") ok = w != ""
            else if (which == "others") ok = w == ""
            else ok = "thread=" t == which
            if (ok && $h["value"] > 0) print substr($h["counter"], 9)
        }' "$1/kernel.csv" | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# threads DIR SIDE: the side's perf threads (comm-tid) in the last run, one a line.
threads() {
    awk -F, -v run="$(last "$1/summary.csv" run_id)" -v side="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        $h["run_id"] == run && $h["side"] == side && $h["thread"] != "all" &&
            $h["thread"] != "netns" { print $h["thread"] }' "$1/kernel.csv" | sort -u
}

# rows DIR netns|perf: the last run's kernel.csv rows of the namespace's counters
# (thread netns) or of perf (every other), as "side thread counter value per_conn".
rows() {
    awk -F, -v run="$(last "$1/summary.csv" run_id)" -v kind="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        $h["run_id"] == run && ($h["thread"] == "netns") == (kind == "netns") {
            print $h["side"], $h["thread"], $h["counter"], $h["value"], $h["per_conn"] }' \
        "$1/kernel.csv"
}

# wait_idle PID: wait (at most 5 s) until every thread of the process sleeps (state
# S: blocked in accept4, epoll_wait, io_uring_enter, futex or sigwait), so that the
# calls its last connection still makes after the client has its reply (close, the
# next wait) have been made.
wait_idle() {
    local i t busy
    for ((i = 0; i < 500; i++)); do
        busy=0
        for t in /proc/"$1"/task/*; do
            [[ $(sed 's/.*) \(.\).*/\1/' "$t/stat" 2>/dev/null) == S ]] || { busy=1; break; }
        done
        [[ $busy == 1 ]] || return 0
        sleep 0.01
    done
    fail "server $1 still busy 5 s after its last connection"
}

# ---- exact ----

# The server's system calls in the window, name by name, are the sequence the code
# makes for each connection of shared/blocking/http, and nothing else:
#   accept4  listener_accept (servers/listener.c), called by srv_take from
#            blocking_run (servers/io_blocking.c): one per connection. The accept4
#            that returns the window's first connection was entered before the window
#            and the one each worker enters after its last connection is inside it,
#            so the count is still one per connection.
#   read     conn_read (servers/conn.c) from serve (io_blocking.c): the one request
#            arrives as one segment, and its "Connection: close" makes
#            http_on_input (servers/proto_http.c) close after the reply, so no
#            second read waits for EOF.
#   sendto   conn_flush (servers/conn.c; send() is sendto in the kernel): the whole
#            reply in one call.
#   close    conn_release (servers/conn.c), after serve returns.
# No setsockopt: SO_RCVTIMEO/SO_SNDTIMEO and TCP_NODELAY are set once on the listener
# (listener_open) and inherited by every accepted socket. The main thread sits in
# sigwait (servers/main.c) and makes none. The warm-up matters: a worker's first
# reply allocates its buffer (conn_reply's realloc), and a thread's first malloc
# creates its arena (mmap, munmap, mprotect: seen as 3 extra calls in a run without
# warm-up); the warm-up makes those before the window.
#
# The window's edges are the client's: it opens right after the /stats reply
# reached the generator and closes right after the last reply did, while a server
# thread may still be between its sendto and its next accept4. The generator waits
# at each edge until every server thread sleeps (clients/kcount.c, wait_quiet), so
# those calls fall on one side of it: without that wait 3 of 90 runs of 300
# connections counted 2 calls too many (raw 1202 against 4 x 300), and 1 of 3 runs
# of 1000 on reuseport counted accept4 and close 1001 each; with it, 0 of 30 runs.
#
# The generator (clients/conn.c with libuv 1.44; -t 1, so one load thread makes
# every connection): socket and connect (uv_tcp_connect), getsockopt (SO_ERROR, when
# the connect completes), write (the request, in one uv_try_write), close (uv_close):
# one each per connection; epoll_ctl 3 per connection (ADD with the connect, POLLIN
# and POLLOUT at once; MOD dropping POLLOUT once connected; DEL at close) plus one
# per loop thread (the drain's uv_poll_stop of its unused timerfd: a DEL that fails
# with ENOENT); read 1 per connection (the reply, complete by Content-Length) plus 2
# per loop thread (its wake-up eventfd, for the measure and the drain commands).
exact_case() {
    local n=2000 out=$work/out w acc c v t load_thread
    skip_unless_runnable "$server_bin" --strategy shared --io blocking --workers 2 --protocol http
    start_server --strategy shared --io blocking --workers 2 --protocol http
    load --count "$n" --warmup 200ms --connections 8 --threads 1 --kernel-counters \
        --server-pid "$spid" --out "$out"
    [[ ! -s $work/load.err ]] || fail "acceptbench-load said: $(cat "$work/load.err")"
    check_complete "$out" "$n"

    [[ $(names "$out" server all) == "accept4 close read sendto" ]] \
        || fail "server calls $(names "$out" server all), expected accept4 close read sendto"
    for c in accept4 read sendto close; do
        v=$(kv "$out" server all "syscall:$c")
        [[ $v == "$n" ]] || fail "server $c: $v for $n connections"
    done
    v=$(kv "$out" server all syscalls)
    [[ $v == $((4 * n)) ]] || fail "server syscalls: $v, expected 4 x $n = $((4 * n))"
    [[ $(last "$out/summary.csv" server_syscalls_per_conn) == 4.0000 ]] \
        || fail "server_syscalls_per_conn $(last "$out/summary.csv" server_syscalls_per_conn), expected 4.0000"
    # Per worker: exactly its own connections (workers.csv server_accepted) four times.
    for w in 0 1; do
        acc=$(awk -F, -v run="$(last "$out/summary.csv" run_id)" -v w="$w" '
            NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
            $h["run_id"] == run && $h["worker"] == w { print $h["server_accepted"] }' \
            "$out/workers.csv")
        for c in accept4 read sendto close; do
            v=$(kv "$out" server "worker=$w" "syscall:$c")
            [[ $v == "$acc" ]] || fail "worker $w: $c $v, its accepted $acc"
        done
        v=$(kv "$out" server "worker=$w" syscalls)
        [[ $v == $((4 * acc)) ]] || fail "worker $w: $v syscalls, expected 4 x $acc"
    done
    v=$(kv "$out" server others syscalls)
    [[ $v == 0 ]] || fail "the server's main thread made $v calls in the window ($(names "$out" server others))"

    # The generator: the one thread that opened sockets is the load thread.
    load_thread=""
    for t in $(threads "$out" client); do
        [[ $(kv "$out" client "thread=$t" syscall:socket) == 0 ]] || load_thread=$t
    done
    [[ -n $load_thread ]] || fail "no client thread made socket calls"
    for c in socket connect getsockopt write close; do
        v=$(kv "$out" client "thread=$load_thread" "syscall:$c")
        [[ $v == "$n" ]] || fail "client load thread $c: $v for $n connections"
    done
    v=$(kv "$out" client "thread=$load_thread" syscall:epoll_ctl)
    [[ $v == $((3 * n + 1)) ]] || fail "client epoll_ctl: $v, expected 3 x $n + 1"
    v=$(kv "$out" client "thread=$load_thread" syscall:read)
    [[ $v == $((n + 2)) ]] || fail "client read: $v, expected $n + 2"
    for c in socket connect getsockopt close; do
        v=$(kv "$out" client all "syscall:$c")
        [[ $v == "$n" ]] || fail "client $c over all threads: $v for $n connections"
    done
    stop_server
    echo "ok: exact: server accept4 read sendto close = $n each, 4 x $n in all; client socket" \
        "connect getsockopt write close = $n, epoll_ctl 3 x $n + 1, read $n + 2"
}

# ---- every ----

# check_bounds WHAT VALUE LO HI: LO <= VALUE <= HI, else fail naming WHAT.
check_bounds() {
    awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v >= lo && v <= hi) }' \
        || fail "$1: $2 outside [$3, $4]"
}

# per_conn_is NAME K [WHICH]: in every_one's run, NAME's count (WHICH: as for kv,
# default all) is K per connection, give or take the edges' slack.
per_conn_is() {
    local v
    v=$(kv "$out" server "${3:-all}" "syscall:$1")
    check_bounds "$s/$io: $1 (${3:-all})" "$v" $(($2 * n - slack)) $(($2 * n + slack))
}

# every_one STRATEGY IO N: one count-mode run (2 workers, thread, http, after a
# warm-up) and its checks; prints one line.
#
# What each connection costs, from the code (W = 2 workers, n = completed). Exact
# per connection, every io: close (conn_release / connlist_put). Where the workers
# accept (no acceptor thread), blocking and epoll call accept4 from srv_take; uring
# accepts inside the ring (a multishot accept: no accept4 at all). Where a hand-off
# accepts (an acceptor thread: the pool), the acceptor's blocking accept4 is exactly
# one per connection and the workers make none. With locality measured (workers
# pinned: workers.csv has server_accepted_local), one getsockopt(SO_INCOMING_CPU)
# per connection (srv_counted_local).
#   blocking   read and sendto exactly 1 (see exact_case). A hand-off's queue
#              (servers/queue.c) costs futex calls: glibc makes none for an
#              uncontended mutex or a signal nobody waits for, so per connection at
#              most the worker's wait on the empty queue (1), the acceptor's signal
#              (1), and a contended q->mu on the push and on the pop (a FUTEX_WAIT
#              and a FUTEX_WAKE each: 4): futex <= 6. Total: 4 [+1] accepting
#              (exact); 4..10 hand-off.
#   epoll      epoll_ctl exactly 2 (ADD in add_conn, DEL in conn_close), read and
#              sendto 1 (for a hand-off, read also drains the queue's eventfd, at
#              most once per wake-up, and the acceptor writes it at most once per
#              connection: only on the empty -> non-empty edge). epoll_wait: each
#              call returns at least one event and no timer expires in the window
#              (idle timeout 5 s), so at most one per event: the connection's
#              request (1) and, per waiter, the listener's readiness (W: level-
#              triggered, a worker is told once per arrival, then finds it taken)
#              or the eventfd's (1). Accepting: accept4 = n plus one empty accept
#              per source wake-up (on_source stops at EAGAIN), at most W per
#              connection and never more than the epoll_wait calls. Total: 6 [+1]
#              + (W + 1) epoll_wait + W empty accept4 = 6..11 accepting; hand-off:
#              6 + 2 epoll_wait + 1 eventfd write + 1 eventfd read + 6 futex = 6..16.
#   uring      recv and send go through the ring: no read or sendto on a
#              connection. io_uring_enter (io_uring_submit_and_wait_timeout) waits
#              for at least one completion, and a connection brings three: its
#              accept (or the hand-off poll's), recv and send, so io_uring_enter <=
#              3 per connection. A hand-off adds the eventfd (write, read at most 1
#              each) and the queue's futex (<= 4 without a condition variable; 6 is
#              kept as for blocking). Total: 1 [+1] + <= 3 = 1..4 accepting; 2 + 3
#              + 2 + 6 = 2..13 hand-off.
# Measured (7 runs each: 3 of 1000 connections, 4 of 500; -c 8 -t 1 after a
# warm-up; server syscalls per connection): blocking 4.000-4.004 accepting
# (5.000-5.004 with locality), pool 4.78-5.13 (futex 0.78-1.13); epoll 7.08-7.92
# accepting (8.17-8.50 with locality), pool 7.68-8.50; uring 1.85-2.53 accepting
# (3.06-3.37 with locality), pool 4.10-4.77. Every one sits inside its bounds by
# more than its spread: the bounds are the code's worst cases, the per-name checks
# above are what is exact.
# Calls outside these sets fail the test: a new one is either a regression or a
# cost to explain here. Except memory management (mmap, munmap, mprotect, brk,
# madvise): a thread's first malloc creates its arena (mmap, munmap, mprotect) and
# a connection list that grows past its largest size takes more memory. The
# warm-up pays for that only where it sent connections, and reuseport-cpu sends
# each to the worker pinned to the CPU that took its SYN, which over loopback is
# wherever the client ran: a worker idle in the warm-up can serve its first
# connection in the window (seen once in 2 runs: 1 mmap, reuseport-cpu/epoll).
# Allowed as one-time costs: at most 4 per worker in all, never per connection.
# Edges: the server's calls after its last reply, or after the /stats reply that
# opens the window, may land on the other side of an edge (see exact_case); a
# worker makes at most 3 such calls (epoll: DEL, close, epoll_wait), so every exact
# count and every bound allows 3 x W x 2 edges = 12 calls either way.
every_one() {
    local s=$1 io=$2 n=$3 out=$work/every-$1-$2 W=2 slack=12
    local handoff=0 local_cpu=0 total acceptor_accepts worker_accepts v fixed vmax
    local -a must=(close) allowed=(close)
    start_server --strategy "$s" --io "$io" --workers "$W" --model thread --protocol http
    load --count "$n" --warmup 100ms --connections 8 --threads 1 --kernel-counters \
        --server-pid "$spid" --out "$out"
    stop_server
    check_complete "$out" "$n"
    acceptor_accepts=$(kv "$out" server others syscall:accept4)
    worker_accepts=$(kv "$out" server workers syscall:accept4)
    [[ $acceptor_accepts -gt 0 ]] && handoff=1
    [[ -n $(col "$out/workers.csv" server_accepted_local | tail -n 1) ]] && local_cpu=1

    per_conn_is close 1
    if [[ $handoff == 1 ]]; then
        per_conn_is accept4 1 others
        [[ $worker_accepts == 0 ]] || fail "$s/$io: workers called accept4 $worker_accepts times beside an acceptor"
        must+=(accept4)
        allowed+=(accept4 futex)
    fi
    if [[ $local_cpu == 1 ]]; then
        per_conn_is getsockopt 1
        must+=(getsockopt)
        allowed+=(getsockopt)
    fi
    case $io in
    blocking)
        per_conn_is read 1
        per_conn_is sendto 1
        must+=(read sendto)
        allowed+=(read sendto accept4)
        if [[ $handoff == 1 ]]; then
            must+=(futex)   # the queue's condition variable: the hand-off's wake-ups
            fixed=4 vmax=6
        else
            per_conn_is accept4 1
            must+=(accept4)
            fixed=4 vmax=0
        fi
        ;;
    epoll|epoll-*)
        per_conn_is epoll_ctl 2
        per_conn_is sendto 1
        must+=(epoll_ctl epoll_wait read sendto)
        allowed+=(epoll_ctl epoll_wait read sendto accept4)
        v=$(kv "$out" server all syscall:epoll_wait)
        check_bounds "$s/$io: epoll_wait" "$v" 1 $(((W + 1) * n + slack))
        if [[ $handoff == 1 ]]; then
            # The hand-off's eventfd: written by the acceptor, drained by the worker.
            local writes reads
            writes=$(kv "$out" server others syscall:write)
            reads=$(($(kv "$out" server workers syscall:read) - n))
            check_bounds "$s/$io: acceptor eventfd writes" "$writes" 1 $((n + slack))
            check_bounds "$s/$io: worker eventfd reads" "$reads" 1 $((writes + slack))
            must+=(write)
            allowed+=(write)
            fixed=6 vmax=10
        else
            per_conn_is read 1
            check_bounds "$s/$io: accept4" "$worker_accepts" $((n - slack)) \
                $((n + W * n + slack))
            check_bounds "$s/$io: empty accept4 <= epoll_wait" $((worker_accepts - n)) \
                -"$slack" $(($(kv "$out" server all syscall:epoll_wait) + slack))
            fixed=6 vmax=$((2 * W + 1))
        fi
        ;;
    uring)
        must+=(io_uring_enter)
        allowed+=(io_uring_enter)
        v=$(kv "$out" server all syscall:io_uring_enter)
        check_bounds "$s/$io: io_uring_enter" "$v" 1 $((3 * n + slack))
        if [[ $handoff == 1 ]]; then
            local writes reads
            writes=$(kv "$out" server others syscall:write)
            reads=$(kv "$out" server workers syscall:read)
            check_bounds "$s/$io: acceptor eventfd writes" "$writes" 1 $((n + slack))
            check_bounds "$s/$io: worker eventfd reads" "$reads" 1 $((writes + slack))
            must+=(write read)
            allowed+=(write read)
            fixed=2 vmax=11
        else
            [[ $worker_accepts == 0 ]] || fail "$s/$io: $worker_accepts accept4 beside the ring's multishot accept"
            fixed=1 vmax=3
        fi
        ;;
    *)
        fail "$s/$io: no expectations for io '$io' in kernel_counters.sh every: add them"
        ;;
    esac
    [[ $local_cpu == 0 ]] || fixed=$((fixed + 1))
    local name got
    got=" $(names "$out" server all) "
    for name in "${must[@]}"; do
        [[ $got == *" $name "* ]] || fail "$s/$io: no $name call (calls: $got)"
    done
    local once=0 mm=" mmap munmap mprotect brk madvise "
    for name in $got; do
        if [[ $mm == *" $name "* ]]; then
            once=$((once + $(kv "$out" server all "syscall:$name")))
            continue
        fi
        [[ " ${allowed[*]} " == *" $name "* ]] \
            || fail "$s/$io: unexpected $name: $(kv "$out" server all "syscall:$name") calls for $n connections"
    done
    [[ $once -le $((4 * W)) ]] || fail "$s/$io: $once memory-management calls (one-time costs: at most $((4 * W)))"
    total=$(kv "$out" server all syscalls)
    check_bounds "$s/$io: server syscalls" "$total" $((fixed * n - slack)) \
        $(((fixed + vmax) * n + slack + once))
    printf 'ok: %-30s %s syscalls/conn, bounds [%d, %d]:%s\n' "$s/$io" \
        "$(last "$out/summary.csv" server_syscalls_per_conn)" "$fixed" $((fixed + vmax)) \
        "${got% }"
}

every_case() {
    local s io rc ran=0
    for s in $(axis_values "$server_bin" list strategy); do
        for io in $(axis_values "$server_bin" list io); do
            rc=0
            server_check "$server_bin" --strategy "$s" --io "$io" --workers 2 \
                --model thread --protocol http || rc=$?
            case $rc in
            0) every_one "$s" "$io" 500; ran=$((ran + 1)) ;;
            3) echo "skip: $s/$io: $server_error" ;;
            *) fail "$s/$io: --check exited $rc: $server_error" ;;
            esac
        done
    done
    [[ $ran -gt 0 ]] || { echo "skip: no strategy x io runs here"; exit 77; }
}

# ---- drops (in a network namespace of its own) ----

# A blocking server with one worker that spins 20 ms per request and a listen()
# backlog of 1 holds at most 2 connections in its accept queue; 32 connects at once
# find it full, and the kernel drops their SYNs (tcp_conn_request: ListenOverflows,
# and ListenDrops for every drop, so drops >= overflows). Their SYN would be
# retransmitted after 1 s; the client gives up at 300 ms (errors_timeout), while
# the connections that got in are served within 3 x 20 ms. /stats comes from the
# --admin listener, whose thread answers while the worker spins. Count mode ends
# after 64 connections whatever their fate. Before that, a normal run (one
# connection at a time) moves no counter at all: nothing else uses this namespace.
drops_case() {
    local out=$work/out e v col name
    ip link set lo up || fail "ip link set lo up failed in the test's namespace"
    skip_unless_runnable "$server_bin" --strategy shared --io blocking --workers 1 --backlog 1
    start_server --strategy shared --io blocking --workers 1 --backlog 1 --work-us 20000 \
        --admin 127.0.0.1:0
    [[ -n $admin ]] || fail "ready file lacks admin_port="
    local -a kc=(--kernel-counters --server-pid "$spid" --stats "127.0.0.1:$admin" --out "$out")

    load --count 50 --connections 1 --threads 1 "${kc[@]}"
    check_complete "$out" 50
    for col in $(head -n 1 "$out/summary.csv" | tr , '\n' | grep '^tcp_'); do
        [[ $(last "$out/summary.csv" "$col") == 0 ]] \
            || fail "normal run: $col is '$(last "$out/summary.csv" "$col")', expected 0"
    done
    v=$(rows "$out" netns | awk '$4 != 0')
    [[ -z $v ]] || fail "normal run: kernel.csv netns rows not 0: $v"
    [[ $(rows "$out" netns | wc -l) == 15 ]] || fail "normal run: not 15 netns rows in kernel.csv"

    load --count 64 --connections 32 --threads 1 --timeout 300ms "${kc[@]}"
    local completed overflows drops timeouts
    completed=$(last "$out/summary.csv" completed)
    overflows=$(last "$out/summary.csv" tcp_listen_overflows)
    drops=$(last "$out/summary.csv" tcp_listen_drops)
    timeouts=$(last "$out/summary.csv" errors_timeout)
    [[ $completed -gt 0 ]] || fail "burst: nothing completed"
    [[ $timeouts -gt 0 ]] || fail "burst: no connection timed out"
    [[ $((completed + $(errors_total "$out"))) == 64 ]] \
        || fail "burst: completed $completed + errors $(errors_total "$out") is not 64"
    [[ $overflows -gt 0 ]] || fail "burst: tcp_listen_overflows is $overflows"
    [[ $drops -ge $overflows ]] || fail "burst: tcp_listen_drops $drops < tcp_listen_overflows $overflows"
    for e in "TcpExtListenOverflows $overflows" "TcpExtListenDrops $drops"; do
        name=${e% *}
        v=$(kv "$out" server netns "$name")
        [[ $v == "${e#* }" ]] || fail "burst: kernel.csv $name $v, summary.csv ${e#* }"
        v=$(rows "$out" netns | awk -v name="$name" '$3 == name { print $5 }')
        awk -v p="$v" -v x="${e#* }" -v c="$completed" \
            'BEGIN { d = p - x / c; exit !(d < 1e-6 && d > -1e-6) }' \
            || fail "burst: $name per_conn $v, not ${e#* } / $completed"
    done
    stop_server
    echo "ok: drops: burst of 32 on a backlog of 1: $completed completed, $timeouts timed out," \
        "ListenOverflows $overflows, ListenDrops $drops; a normal run: every counter 0"
}

# ---- independent ----

# ext_start PID: an outside perf stat counting raw_syscalls:sys_enter of PID,
# switched on through its control FIFO, acknowledged. ext_stop: switch it off
# (acknowledged), end it, and set ext_count.
ext_start() {
    rm -f "$work/ctl" "$work/ack"
    mkfifo "$work/ctl" "$work/ack"
    timeout 120 perf stat -x, -e raw_syscalls:sys_enter -p "$1" -D -1 \
        --control "fifo:$work/ctl,$work/ack" -o "$work/ext.perf" 2>"$work/ext.log" &
    ext_pid=$!
    # Read-write opens of a FIFO never block, so a perf that failed cannot hang us.
    exec 5<>"$work/ctl" 6<>"$work/ack"
    ext_command enable
}

ext_command() {
    local a=""
    echo "$1" >&5
    read -r -t 20 a <&6 || true
    [[ $a == ack ]] || fail "outside perf did not acknowledge $1: $(cat "$work/ext.log")"
}

ext_stop() {
    ext_command disable
    kill -INT "$ext_pid"
    wait "$ext_pid" || true
    ext_pid=""
    exec 5>&- 6<&-
    ext_count=$(awk -F, '$3 == "raw_syscalls:sys_enter" { print $1 }' "$work/ext.perf")
    [[ $ext_count =~ ^[0-9]+$ ]] || fail "outside perf wrote no count: $(cat "$work/ext.perf")"
}

# stats_once: one GET /stats to the server, its request in one write() as the
# generator's (clients/statsfetch.c); bench/lib/server.sh's stats_fetch writes it
# from bash, whose stdout is line-buffered: 4 writes, which a blocking server reads
# in 1 to 4 read() calls, depending on timing. Bounded by 10 s.
stats_once() {
    # shellcheck disable=SC2016  # $1 is the inner bash's
    timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" &&
        printf "GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" |
        dd iflag=fullblock bs=4k status=none >&3 && cat <&3' _ "$port" >"$work/stats.out" \
        && grep -q "^HTTP/1.1 200 " "$work/stats.out"
}

# independent_one STRATEGY IO TOLERANCE_PCT: a count-mode run without warm-up under
# an outside perf; the generator's window count plus the two /stats fetches it
# makes outside its window (one before, one after) must be the outside count
# within TOLERANCE_PCT. What a fetch costs the server is counted first, the same
# way: 3 fetches (stats_once: one connection, GET /stats, as the generator's)
# under the outside perf. A fetch is not cheap: besides accept4, read, sendto and
# close, /stats reads each worker thread's /proc/PID/task/TID/status and stat and
# the process's /proc/PID/stat (openat, newfstatat, 2 read, close: 5 calls each):
# 29 calls with 2 workers on blocking. A first run warms the server up, so that no
# one-time call (a worker's first malloc arena: mmap, munmap, mprotect) lands in
# the fetches counted; wait_idle before each count stops lets the server finish
# what follows its last reply.
independent_one() {
    local s=$1 io=$2 tol=$3 n=1000 out=$work/ind-$1-$2 i fetch window expected diff
    start_server --strategy "$s" --io "$io" --workers 2 --protocol http
    load --count 200 --connections 8 --threads 1
    wait_idle "$spid"
    ext_start "$spid"
    for i in 1 2 3; do
        stats_once || fail "GET /stats failed: $(cat "$work/stats.out")"
    done
    wait_idle "$spid"
    ext_stop
    fetch=$ext_count
    ext_start "$spid"
    load --count "$n" --connections 8 --threads 1 --kernel-counters --server-pid "$spid" \
        --out "$out"
    wait_idle "$spid"
    ext_stop
    stop_server
    check_complete "$out" "$n"
    window=$(kv "$out" server all syscalls)
    # 2 fetches, from the 3 counted: their cost x 2/3.
    expected=$(awk -v w="$window" -v f="$fetch" 'BEGIN { printf "%.1f", w + 2 * f / 3 }')
    diff=$(awk -v e="$expected" -v x="$ext_count" -v w="$window" \
        'BEGIN { printf "%.3f", 100 * (x - e) / w }')
    awk -v d="$diff" -v t="$tol" 'BEGIN { exit !(d <= t && d >= -t) }' \
        || fail "$s/$io: outside perf $ext_count, window $window + 2 fetches ($fetch for 3) = $expected: $diff% apart, more than $tol%"
    printf 'ok: independent: %-16s outside %d, window %d + 2 x %s (/stats: %d for 3) = %s: %s%% apart (tolerance %d%%)\n' \
        "$s/$io" "$ext_count" "$window" "$(awk -v f="$fetch" 'BEGIN { printf "%.1f", f / 3 }')" \
        "$fetch" "$expected" "$diff" "$tol"
}

independent_case() {
    local c s io tol rc ran=0
    # shared/blocking (1%), an epoll (5%) and a hand-off with the ring (5%).
    for c in shared/blocking/1 shared/epoll/5 pool/uring/5; do
        IFS=/ read -r s io tol <<<"$c"
        rc=0
        server_check "$server_bin" --strategy "$s" --io "$io" --workers 2 || rc=$?
        case $rc in
        0) independent_one "$s" "$io" "$tol"; ran=$((ran + 1)) ;;
        3) [[ $s/$io != shared/blocking ]] || { echo "skip: $server_error"; exit 77; }
           echo "skip: $s/$io: $server_error" ;;
        *) fail "$s/$io: --check exited $rc: $server_error" ;;
        esac
    done
    [[ $ran -ge 2 ]] || fail "independent compared only $ran configuration(s)"
}

# ---- no-perf ----

# The columns perf fills (per connection, each side); empty without perf. tcp_*
# come from /proc/PID/net, not perf, and are read all the same.
perf_columns=(server_syscalls_per_conn server_context_switches_per_conn
              server_migrations_per_conn client_syscalls_per_conn
              client_context_switches_per_conn client_migrations_per_conn)

# filled DIR: the names of the last summary row's non-empty columns, one a line.
filled() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i; next }
             { row = $0 } END { n = split(row, v, ",")
                                for (i = 1; i <= n; i++) if (v[i] != "") print h[i] }' \
        "$1/summary.csv" | sort
}

no_perf_case() {
    local n=300 base=$work/base out=$work/out rc=0 c
    start_server --strategy shared --io blocking --workers 2
    # The same run without --kernel-counters: the columns a run fills anyway.
    load --count "$n" --connections 4 --threads 1 --out "$base"
    check_complete "$base" "$n"
    timeout 60 env PATH=/nonexistent "$load_bin" --target "127.0.0.1:$port" --no-progress \
        --count "$n" --connections 4 --threads 1 --kernel-counters --server-pid "$spid" \
        --out "$out" >"$work/load.out" 2>"$work/load.err" || rc=$?
    stop_server
    [[ $rc == 0 ]] || fail "without perf: exit status $rc, expected 0 ($(cat "$work/load.err"))"
    [[ $(cat "$work/load.err") == "acceptbench-load: kernel counters: perf is not installed; apt-get install linux-perf" ]] \
        || fail "without perf, stderr was: $(cat "$work/load.err")"
    [[ $(wc -l <"$work/load.err") == 1 ]] || fail "without perf: not exactly one line on stderr"
    check_complete "$out" "$n"
    for c in "${perf_columns[@]}"; do
        [[ -z $(last "$out/summary.csv" "$c") ]] || fail "without perf: $c is '$(last "$out/summary.csv" "$c")'"
        [[ -z $(last "$base/summary.csv" "$c") ]] || fail "without --kernel-counters: $c is filled"
    done
    for c in $(head -n 1 "$out/summary.csv" | tr , '\n' | grep '^tcp_'); do
        [[ $(last "$out/summary.csv" "$c") =~ ^[0-9]+$ ]] \
            || fail "without perf: $c is '$(last "$out/summary.csv" "$c")', not a count (it needs no perf)"
        [[ -z $(last "$base/summary.csv" "$c") ]] || fail "without --kernel-counters: $c is filled"
    done
    # Every other column: filled exactly as in the run without --kernel-counters.
    diff <(filled "$base") <(filled "$out" | grep -v '^tcp_') >"$work/diff" \
        || fail "without perf, filled columns differ from a plain run's: $(tr '\n' ' ' <"$work/diff")"
    # kernel.csv: the namespace's rows only, no perf row.
    c=$(rows "$out" perf | wc -l)
    [[ $c == 0 ]] || fail "without perf: $c perf rows in kernel.csv"
    c=$(rows "$out" netns | wc -l)
    [[ $c == 15 ]] || fail "without perf: $c netns rows in kernel.csv, expected 15"
    echo "ok: no-perf: one line, exit 0, $n completed, perf columns empty, tcp_* and every" \
        "other column filled as without --kernel-counters"
}

case $case_name in
exact) exact_case ;;
every) every_case ;;
drops-netns) drops_case ;;
independent) independent_case ;;
no-perf) no_perf_case ;;
esac
