#!/usr/bin/env bash
# Integration tests of the echo, greeter and http protocols end to end: a real
# acceptbench-server (threads or processes) with an --admin listener, driven by
# acceptbench-load, with exact counts.
#
#   protocols.sh SERVER LOAD PROTOCOL STRATEGY IO [MODEL]
#
# For N connections: client completions = the server's accepted delta (read from the
# --admin listener with --stats) = the sum of the per-worker counts in workers.csv, and
# no errors of any class. greeter runs with --log-dir: the log lines sum to N and every
# one is exactly "Hello, <name>". echo replies are checked byte for byte by the client
# (a mismatch counts as errors_malformed, which must stay 0), with a text payload and
# a pattern payload over several requests per connection. Bounded by timeout; the
# server is stopped on any exit. A configuration this kernel or machine cannot run
# (SERVER --check exits 3) is skipped: "skip: <the server's reason>", exit 77.
set -euo pipefail

if [[ $# -ne 5 && $# -ne 6 ]]; then
    echo "usage: $0 SERVER_BIN LOAD_BIN PROTOCOL STRATEGY IO [MODEL]   (values: SERVER_BIN --list AXIS)" >&2
    exit 2
fi
server_bin=$1
load_bin=$2
protocol=$3
strategy=$4
io=$5
model=${6:-thread}
# Three workers where there are three CPUs; a strategy that pins worker i to
# CPU i runs no more workers than CPUs, and a two-CPU machine must run it too.
workers=$(nproc)
((workers <= 3)) || workers=3
n=600

# shellcheck source-path=SCRIPTDIR source=../testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../testlib.sh"

work=$(mktemp -d)
server_pid=""
cleanup() {
    [[ -z $server_pid ]] || stop_bounded "$server_pid" ||
        echo "FAIL [$protocol $strategy $io $model]: the server ignored SIGTERM" >&2
    rm -rf "$work"
}
trap cleanup EXIT

server_opts=(--protocol "$protocol" --strategy "$strategy" --io "$io" --model "$model"
    --workers "$workers" --listen 127.0.0.1:0 --admin 127.0.0.1:0)
[[ $protocol == greeter ]] && server_opts+=(--log-dir "$work/logs")
mkdir -p "$work/logs"
# What this kernel or machine cannot run is a skip, with the server's reason.
skip_unless_runnable "$server_bin" "${server_opts[@]}"

fail() {
    echo "FAIL [$protocol $strategy $io $model]: $*" >&2
    exit 1
}

start_server() {
    server_start server_pid "$work/ready" "$work/server.err" timeout 120 "$server_bin" \
        "${server_opts[@]}" --ready-file "$work/ready" || fail "$server_error"
    port=$(ready_value "$work/ready" port)
    admin=$(ready_value "$work/ready" admin_port)
    [[ -n $port && -n $admin ]] || fail "ready file lacks port= or admin_port=: $(cat "$work/ready")"
}

# check_run DIR N: the last run completed N connections, the server accepted N, the
# workers' rows sum to N, no errors, and the protocol column says what was run.
check_run() {
    local dir=$1 want=$2 run e sums
    run=$(last "$dir/summary.csv" run_id)
    [[ $(last "$dir/summary.csv" protocol) == "$protocol" ]] || fail "protocol column"
    [[ $(last "$dir/summary.csv" completed) == "$want" ]] \
        || fail "completed $(last "$dir/summary.csv" completed), expected $want"
    [[ $(last "$dir/summary.csv" server_accepted) == "$want" ]] \
        || fail "server accepted $(last "$dir/summary.csv" server_accepted), expected $want"
    [[ $(last "$dir/summary.csv" strategy) == "$strategy" ]] || fail "strategy not from /stats"
    for e in refused reset timeout addrnotavail status short malformed other; do
        [[ $(last "$dir/summary.csv" "errors_$e") == 0 ]] \
            || fail "errors_$e is $(last "$dir/summary.csv" "errors_$e")"
    done
    sums=$(awk -F, -v run="$run" '
        NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        $h["run_id"] == run { s += $h["server_accepted"]; c = c $h["client_completed"] "|"
                              if ($h["client_completed"] != "") cs += $h["client_completed"]
                              rows++ }
        END { print s, rows, (c ~ /^\|+$/ ? "empty" : cs) }' "$dir/workers.csv")
    if [[ $protocol == http ]]; then
        [[ $sums == "$want $workers $want" ]] || fail "workers.csv server/rows/client: $sums"
    else
        # No X-Worker in echo or greeter: the client's per-worker column stays empty.
        [[ $sums == "$want $workers empty" ]] || fail "workers.csv server/rows/client: $sums"
    fi
}

load() {
    timeout 60 "$load_bin" --target "127.0.0.1:$port" --stats "127.0.0.1:$admin" \
        --protocol "$protocol" --no-progress --out "$work/out" "$@" >"$work/load.out" \
        || fail "acceptbench-load exited $?: $(cat "$work/load.out")"
}

start_server
case $protocol in
http)
    load --count "$n" --connections 8 --threads 2
    check_run "$work/out" "$n"
    ;;
echo)
    load --count "$n" --connections 8 --threads 2 --payload 'Hello, echo 123!'
    check_run "$work/out" "$n"
    [[ $(last "$work/out/summary.csv" bytes_in) == $((n * 16)) ]] || fail "bytes_in"
    load --count "$n" --connections 8 --threads 2 --requests-per-conn 3 --payload 3k
    check_run "$work/out" "$n"
    [[ $(last "$work/out/summary.csv" requests) == $((n * 3)) ]] || fail "3 requests each"
    [[ $(last "$work/out/summary.csv" bytes_in) == $((n * 3 * 3072)) ]] || fail "bytes_in 3k"
    # Without --stats there are no server figures and no error: a wrk-style target.
    timeout 60 "$load_bin" --target "127.0.0.1:$port" --protocol echo --no-progress \
        --count 50 >"$work/nostats.out" || fail "echo without --stats"
    grep -q "no per-worker counts" "$work/nostats.out" || fail "no hint without --stats"
    ;;
greeter)
    name="Bob O'Neil #7"
    load --count "$n" --connections 8 --threads 2 --payload "$name"
    check_run "$work/out" "$n"
    lines=$(cat "$work/logs"/worker-*.log | wc -l)
    [[ $lines == "$n" ]] || fail "log lines $lines, expected $n"
    bad=$(cat "$work/logs"/worker-*.log | grep -cvxF "Hello, $name" || true)
    [[ $bad == 0 ]] || fail "$bad log lines are not 'Hello, $name'"
    # Per-worker: each log file's lines = that worker's accepted count from /stats.
    run=$(last "$work/out/summary.csv" run_id)
    for ((w = 0; w < workers; w++)); do
        got=$(wc -l <"$work/logs/worker-$w.log")
        want=$(awk -F, -v run="$run" -v w="$w" '
            NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
            $h["run_id"] == run && $h["worker"] == w { print $h["server_accepted"] }' \
            "$work/out/workers.csv")
        [[ $got == "$want" ]] || fail "worker $w: $got log lines, /stats accepted $want"
    done
    # The original greeter has no /stats: --no-stats counts a success from the close alone.
    timeout 60 "$load_bin" --target "127.0.0.1:$port" --protocol greeter --no-stats \
        --no-progress --count 100 >"$work/nostats.out" || fail "greeter --no-stats"
    grep -q "^  100 connections" "$work/nostats.out" || fail "--no-stats: not 100 completed"
    ;;
*)
    fail "unknown protocol"
    ;;
esac
echo "ok: $protocol $strategy $io"
