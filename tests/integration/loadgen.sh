#!/usr/bin/env bash
# Integration tests of acceptbench-load against a real acceptbench-server on 127.0.0.1.
#
#   loadgen.sh SERVER LOAD exact STRATEGY IO [MODEL]   counts match exactly (closed, warm-up,
#                                                      open loop, keep-alive, one connection)
#   loadgen.sh SERVER LOAD closed-port    target down: clear message, exit 1
#   loadgen.sh SERVER LOAD sigint         SIGINT mid-run: exit 130, rows marked partial=1
#   loadgen.sh SERVER LOAD host-cpus      --server-cpus 0 --client-cpus 1 (server and
#                                         client pinned there): the host columns in range
#                                         and the terminal's host lines; without the
#                                         options the columns are empty; bad lists refused
#
# closed-port and sigint run the server's default configuration. A configuration this
# kernel or machine cannot run (SERVER --check exits 3) is skipped: "skip: <the
# server's reason>", exit 77. Every command is bounded by `timeout`; the server is
# stopped on any exit.
set -euo pipefail

usage() {
    echo "usage: $0 SERVER_BIN LOAD_BIN exact STRATEGY IO [MODEL] | closed-port | sigint |" \
        "host-cpus" >&2
    exit 2
}
[[ $# -ge 3 ]] || usage
server_bin=$1
load_bin=$2
case_name=$3
shift 3
case $case_name in
exact) [[ $# -eq 2 || $# -eq 3 ]] || usage
       server_opts=(--strategy "$1" --io "$2" ${3:+--model "$3"}) ;;
closed-port|sigint|host-cpus) [[ $# -eq 0 ]] || usage
       server_opts=() ;;
*) usage ;;
esac
server_opts+=(--workers 2 --listen 127.0.0.1:0)

# shellcheck source-path=SCRIPTDIR source=../testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../testlib.sh"
skip_unless_runnable "$server_bin" "${server_opts[@]}"

work=$(mktemp -d)
server_pid=""
server_pin=() load_pin=()     # taskset -c LIST, for the host-cpus case
cleanup() {
    [[ -z $server_pid ]] || stop_bounded "$server_pid" || true
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# start_server: start it on port 0 and set $port from its ready file.
start_server() {
    server_start server_pid "$work/ready" "$work/server.err" timeout 120 "${server_pin[@]}" \
        "$server_bin" \
        "${server_opts[@]}" --ready-file "$work/ready" || fail "$server_error"
    port=$(ready_value "$work/ready" port)
    [[ -n $port ]] || fail "ready file has no port= line"
}

stop_server() {
    local pid=$server_pid
    server_pid=""
    stop_bounded "$pid" || fail "the server did not exit within 15 s of SIGTERM: $(cat "$work/server.err")"
}

# Every row of every CSV file has as many fields as its header.
check_shapes() {
    local f
    for f in summary workers latency timeseries; do
        [[ -s $1/$f.csv ]] || fail "$f.csv missing or empty"
        awk -F, 'NR == 1 { n = NF; next } NF != n { print FILENAME ": row " NR " has " NF \
            " fields, header " n; bad = 1 } END { exit bad }' "$1/$f.csv" \
            || fail "$f.csv is ragged"
    done
}

# check_exact DIR N: the last run in DIR completed N (or, with N empty, any number of)
# connections, the server accepted exactly as many, per-worker counts sum to it, and
# there were no errors.
check_exact() {
    local dir=$1 want=$2 run completed accepted e
    check_shapes "$dir"
    run=$(last "$dir/summary.csv" run_id)
    completed=$(last "$dir/summary.csv" completed)
    accepted=$(last "$dir/summary.csv" server_accepted)
    [[ -z $want || $completed == "$want" ]] || fail "completed $completed, expected $want"
    [[ $completed -gt 0 ]] || fail "nothing completed"
    [[ $accepted == "$completed" ]] || fail "server accepted $accepted, client completed $completed"
    for e in refused reset timeout addrnotavail status short malformed other; do
        [[ $(last "$dir/summary.csv" "errors_$e") == 0 ]] || fail "errors_$e is not 0"
    done
    [[ $(last "$dir/summary.csv" partial) == 0 ]] || fail "run marked partial"
    check_no_host "$dir"
    local sums
    sums=$(awk -F, -v run="$run" '
        NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        $h["run_id"] == run { c += $h["client_completed"]; s += $h["server_accepted"]; n++ }
        END { print c, s, n }' "$dir/workers.csv")
    [[ $sums == "$completed $completed 2" ]] \
        || fail "workers.csv client/server sums and rows: $sums, expected $completed $completed 2"
    local ts
    ts=$(awk -F, -v run="$run" '
        NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        $h["run_id"] == run { c += $h["completed"] } END { print c }' "$dir/timeseries.csv")
    [[ $ts == "$completed" ]] || fail "timeseries.csv completed sums to $ts, not $completed"
}

# The host columns of summary.csv, each side's, and the run-wide ones.
host_parts=(cpu_list host_user_s host_sys_s host_softirq_s host_irq_s host_steal_s
            host_idle_s host_busy_pct)

# check_no_host DIR: the last run had neither --server-cpus nor --client-cpus: every
# host column is empty, server_saturated too, and client_saturated is the process
# rule (client_user_s + client_sys_s >= 0.9 * client_cpus * duration_s).
check_no_host() {
    local f=$1/summary.csv side part
    for side in server client; do
        for part in "${host_parts[@]}"; do
            [[ -z $(last "$f" "${side}_$part") ]] || fail "${side}_$part is not empty without the CPU lists"
        done
    done
    [[ -z $(last "$f" cpus_overlap) ]] || fail "cpus_overlap is not empty without the CPU lists"
    [[ -z $(last "$f" server_saturated) ]] || fail "server_saturated is not empty without --server-cpus"
    awk -v u="$(last "$f" client_user_s)" -v s="$(last "$f" client_sys_s)" \
        -v c="$(last "$f" client_cpus)" -v d="$(last "$f" duration_s)" \
        -v flag="$(last "$f" client_saturated)" \
        'BEGIN { exit !(flag == (u + s >= 0.9 * c * d ? 1 : 0)) }' \
        || fail "client_saturated $(last "$f" client_saturated) is not the process rule"
}

# check_host DIR SIDE LIST: the last run's host columns of SIDE over its CPU list
# (one CPU): every time is a number, busy + idle is the window (within the ticks'
# rounding), busy_pct is their ratio within 0..100, and SIDE_saturated says
# busy_pct >= 90.
check_host() {
    local f=$1/summary.csv side=$2 v part
    [[ $(last "$f" "${side}_cpu_list") == "$3" ]] || fail "${side}_cpu_list is not $3"
    for part in "${host_parts[@]:1}"; do
        v=$(last "$f" "${side}_$part")
        [[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail "${side}_$part is '$v', not a number"
    done
    awk -v u="$(last "$f" "${side}_host_user_s")" -v s="$(last "$f" "${side}_host_sys_s")" \
        -v si="$(last "$f" "${side}_host_softirq_s")" -v i="$(last "$f" "${side}_host_irq_s")" \
        -v st="$(last "$f" "${side}_host_steal_s")" -v idle="$(last "$f" "${side}_host_idle_s")" \
        -v pct="$(last "$f" "${side}_host_busy_pct")" -v d="$(last "$f" duration_s)" \
        -v flag="$(last "$f" "${side}_saturated")" '
        function abs(x) { return x < 0 ? -x : x }
        BEGIN {
            busy = u + s + si + i + st; tol = 0.1 + 0.05 * d
            if (u + s + si + i > d + tol) { print "user+sys+softirq+irq " u + s + si + i " > window " d; exit 1 }
            if (abs(busy + idle - d) > tol) { print "busy+idle " busy + idle " is not the window " d; exit 1 }
            if (pct < 0 || pct > 100) { print "busy_pct " pct " outside 0..100"; exit 1 }
            if (abs(pct - 100 * busy / (busy + idle)) > 0.01) { print "busy_pct " pct " is not busy/(busy+idle)"; exit 1 }
            if (flag != (pct >= 90 ? 1 : 0)) { print "saturated " flag " with busy_pct " pct; exit 1 }
        }' >"$work/why" || fail "$side host columns: $(cat "$work/why")"
}

# one_connection: -c 1 without -t runs on one thread (by default one per CPU, at most
# one per connection), exits 0 and completes exactly its --count.
one_connection() {
    local out=$work/one
    load --count 10 --connections 1 --out "$out" --label "one" >/dev/null \
        || fail "--connections 1 without --threads did not exit 0"
    check_exact "$out" 10
    [[ $(last "$out/summary.csv" threads) == 1 ]] \
        || fail "--connections 1: $(last "$out/summary.csv" threads) threads, expected 1"
}

load() {
    local rc=0
    timeout 60 "${load_pin[@]}" "$load_bin" --target "127.0.0.1:$port" --no-progress "$@" \
        || rc=$?
    [[ $rc -ne 124 ]] || fail "acceptbench-load did not finish within 60 s: $*"
    return "$rc"
}

case $case_name in
exact)
    start_server
    out=$work/out
    load --count 3000 --connections 16 --threads 2 --out "$out" --label "closed" >/dev/null
    check_exact "$out" 3000
    load --duration 1s --warmup 300ms --connections 8 --threads 2 --out "$out" \
        --label "warmup" >/dev/null
    check_exact "$out" ""
    load --rate 2000 --count 1000 --threads 2 --out "$out" --label "open" >/dev/null
    check_exact "$out" 1000
    load --count 500 --connections 4 --threads 1 --requests-per-conn 3 --out "$out" \
        --label "keepalive" >/dev/null
    check_exact "$out" 500
    [[ $(last "$out/summary.csv" requests) == 1500 ]] || fail "3 requests per connection"
    [[ $(last "$out/summary.csv" strategy) == "$1" ]] || fail "strategy not from /stats"
    one_connection
    stop_server
    ;;
closed-port)
    # A port that was just listening and is now closed: nothing answers there.
    start_server
    stop_server
    rc=0
    load --duration 1s 2>"$work/err" >/dev/null || rc=$?
    [[ $rc == 1 ]] || fail "exit status $rc against a closed port, expected 1"
    grep -q "refused" "$work/err" || fail "no clear message: $(cat "$work/err")"
    [[ $(wc -l <"$work/err") == 1 ]] || fail "message is not one line"
    rc=0
    load --duration 500ms --no-stats 2>"$work/err" >/dev/null || rc=$?
    [[ $rc == 1 ]] || fail "--no-stats: exit status $rc against a closed port, expected 1"
    grep -q "refused" "$work/err" || fail "--no-stats: no clear message"
    ;;
sigint)
    start_server
    out=$work/out
    # timeout delivers the SIGINT (a background job of a script ignores SIGINT, so
    # `kill -INT` from here would not reach it) and passes on the exit status.
    rc=0
    timeout --preserve-status --signal=INT 1.5 "$load_bin" --target "127.0.0.1:$port" \
        --no-progress --duration 30s --connections 8 --threads 2 --out "$out" \
        --label "interrupted" >/dev/null || rc=$?
    [[ $rc == 130 ]] || fail "exit status $rc after SIGINT, expected 130"
    check_shapes "$out"
    [[ $(last "$out/summary.csv" partial) == 1 ]] || fail "summary row not marked partial"
    dur=$(last "$out/summary.csv" duration_s)
    awk -v d="$dur" 'BEGIN { exit !(d > 1 && d < 10) }' || fail "duration_s $dur not cut short"
    completed=$(last "$out/summary.csv" completed)
    [[ $completed -gt 0 ]] || fail "no partial counts"
    [[ $(last "$out/summary.csv" server_accepted) == "$completed" ]] \
        || fail "partial run: server accepted $(last "$out/summary.csv" server_accepted), completed $completed"
    [[ $(col "$out/workers.csv" partial | sort -u) == 1 ]] || fail "workers rows not partial"
    [[ $(col "$out/timeseries.csv" partial | sort -u) == 1 ]] || fail "timeseries not partial"
    stop_server
    ;;
host-cpus)
    [[ $(nproc) -ge 2 ]] || { echo "skip: --server-cpus 0 --client-cpus 1 needs 2 CPUs"; exit 77; }
    # Bad lists: usage errors (exit 2), one line naming the option, before any run.
    last_cpu=$(($(getconf _NPROCESSORS_CONF) - 1))
    for bad in "3-1|range 3-1 runs backwards (e.g. 1-3)" \
               "a|'a' is not a CPU number or range (e.g. 0-1,3)" \
               "|empty CPU list (e.g. 0-1,3)" \
               "$((last_cpu + 1))|CPU $((last_cpu + 1)) is beyond this machine's CPUs 0-$last_cpu"; do
        rc=0
        "$load_bin" --target 127.0.0.1:9 --server-cpus "${bad%%|*}" 2>"$work/err" >/dev/null || rc=$?
        [[ $rc == 2 ]] || fail "--server-cpus '${bad%%|*}': exit $rc, expected 2"
        [[ $(cat "$work/err") == "acceptbench-load: --server-cpus: ${bad#*|} (see --help)" ]] \
            || fail "--server-cpus '${bad%%|*}': message $(cat "$work/err")"
    done
    server_pin=(taskset -c 0)
    load_pin=(taskset -c 1)
    start_server
    out=$work/out
    load --duration 1s --connections 8 --threads 1 --out "$out" --label plain >"$work/plain.txt"
    check_no_host "$out"
    ! grep -q "host CPU\|Limited by" "$work/plain.txt" || fail "host lines without the CPU lists"
    load --duration 1s --connections 8 --threads 1 --server-cpus 0 --client-cpus 1 \
        --out "$out" --label host >"$work/host.txt"
    check_shapes "$out"
    check_host "$out" server 0
    check_host "$out" client 1
    [[ $(last "$out/summary.csv" cpus_overlap) == 0 ]] || fail "cpus 0 and 1 overlap?"
    for side in "server 0" "client 1"; do
        grep -Eq "^  ${side% *} host CPU ${side#* }: [0-9]+% busy \(user [0-9]+%, sys [0-9]+%, softirq [0-9]+%, irq [0-9]+%\)( saturated)?$" \
            "$work/host.txt" || fail "no ${side% *} host line: $(cat "$work/host.txt")"
    done
    grep -Eq '^  Limited by: (neither|server|client|both)$' "$work/host.txt" || fail "no Limited by line"
    ! grep -q "share CPU" "$work/host.txt" || fail "an overlap note for disjoint sets"
    # Overlapping sets: said, and each side still has its own figures.
    load --duration 500ms --connections 8 --threads 1 --server-cpus 0-1 --client-cpus 1 \
        --out "$out" --label overlap >"$work/overlap.txt"
    [[ $(last "$out/summary.csv" cpus_overlap) == 1 ]] || fail "cpus_overlap is not 1 for 0-1 and 1"
    [[ $(last "$out/summary.csv" server_cpu_list) == 0-1 ]] || fail "server_cpu_list is not 0-1"
    grep -q "^  Note: the server and client CPU sets share CPU 1:" "$work/overlap.txt" \
        || fail "no overlap note: $(cat "$work/overlap.txt")"
    stop_server
    ;;
esac
echo "ok: $case_name $*"
