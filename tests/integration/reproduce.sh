#!/usr/bin/env bash
# Integration test of the classic experiments' scripts, tiny runs:
#
#   reproduce.sh BUILD_DIR greeter   bench/reproduce_greeter.sh, 200 connections, both
#                                    client modes: its table's rows exist, with sane values
#   reproduce.sh BUILD_DIR echo      bench/reproduce_echo.sh, threads model, 300 connections
#   reproduce.sh BUILD_DIR migrate   bench/migrate_req.sh, one run per setting: a row each,
#                                    no client reset with tcp_migrate_req=1, and with 0 at
#                                    least the server's queued-at-close count reset (exit
#                                    77, a skip, unless root)
#   reproduce.sh BUILD_DIR greeter_veth, echo_veth, migrate_veth   the same with --net
#                                    veth (server and clients in two network namespaces
#                                    joined by a veth pair): the same assertions, plus the
#                                    topology in what they print and in the CSV rows, and
#                                    no namespace of the run left after it (exit 77, a
#                                    skip, with the reason where veth cannot be set up:
#                                    not root, no ip)
#
# No speed thresholds: others share the machine.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 BUILD_DIR greeter|echo|migrate|greeter_veth|echo_veth|migrate_veth" >&2
    exit 2
fi
build=$1
case_name=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../../bench/lib/common.sh
. "$root/bench/lib/common.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL [$case_name]: $*" >&2
    exit 1
}

# The _veth cases: whether this machine can set up the two namespaces decides, as the
# scripts' own set-up does (bench/lib/net.sh); if not, skip with its reason.
base=${case_name%_veth}
net_args=()
if [[ $case_name == *_veth ]]; then
    # shellcheck source-path=SCRIPTDIR source=../../bench/lib/net.sh
    . "$root/bench/lib/net.sh"
    net_setup 0 0 "" "" "" >/dev/null || { echo "SKIP: --net veth: $net_error"; exit 77; }
    net_teardown
    net_args=(--net veth)
fi

# experiment SCRIPT ARGS...: run bench/SCRIPT bounded by timeout, stdout and stderr
# into $work; its pid (that of the shell running it, which names its namespaces
# abench-<pid>-s and -c) into $work/pid.
experiment() {
    local limit=$1 script=$2
    shift 2
    # shellcheck disable=SC2016  # the inner bash's
    timeout "$limit" bash -c 'echo "$$" >"$1"; shift; exec "$@"' _ "$work/pid" \
        "$root/bench/$script" "$@" "${net_args[@]}" >"$work/stdout" 2>"$work/stderr"
}

# veth_checks TOPOLOGY_FILE CSV...: after a --net veth run, TOPOLOGY_FILE names the
# topology in its "Topology: " or "topology: " line, each CSV's rows say veth, and
# none of the run's namespaces is left.
veth_checks() {
    [[ ${#net_args[@]} -gt 0 ]] || return 0
    local pid left f
    pid=$(cat "$work/pid")
    grep -qE '^[Tt]opology: veth 198\.18\.0\.1 \(server, rps_cpus [0-9a-f]+\) <-> 198\.18\.0\.2 \(client, rps_cpus [0-9a-f]+\)[.,]' \
        "$1" || fail "${1#"$work"/}: $(grep -i topology "$1")"
    shift
    for f in "$@"; do
        [[ $(col "$f" topology | sort -u) =~ ^veth\ server-rps=[0-9a-f]+\ client-rps=[0-9a-f]+$ ]] ||
            fail "${f#"$work"/} topology: $(col "$f" topology | sort -u)"
    done
    left=$(ip netns list | grep -E "^$NET_PREFIX-$pid-" || true)
    [[ -z $left ]] || fail "the run (pid $pid) left namespaces: $left"
}

case $base in
greeter)
    n=200
    experiment 300 reproduce_greeter.sh --bin "$build" --connections "$n" \
        --client both --out "$work/out" --name "Carol" \
        || fail "exit $?: $(tail -n 5 "$work/stderr")"
    for f in report.md greeter.csv env.txt load/summary.csv; do
        [[ -s $work/out/$f ]] || fail "$f missing"
    done
    cmp -s "$work/stdout" "$work/out/report.md" || fail "stdout is not report.md"
    # The published rows and our four rows.
    [[ $(grep -c '^| published |' "$work/out/report.md") == 2 ]] || fail "published rows"
    [[ $(grep -c '^| re-measured, 2 cores |' "$work/out/report.md") == 2 ]] || fail "re-measured rows"
    [[ $(grep -c '^| this machine |' "$work/out/report.md") == 4 ]] || fail "our rows"
    for mode in load fork; do
        for s in shared reuseport; do
            row=$(awk -F, -v m="$mode" -v s="$s" '$2 == m && $3 == s' "$work/out/greeter.csv")
            [[ -n $row ]] || fail "no $mode/$s row"
            awk -F, -v n="$n" '{
                ok = $4 == n && $5 == n && $6 == 0 && $7 > 0 && $8 > 0 && $9 >= 0 && $10 >= 0 &&
                     $11 >= 0 && $12 >= 0 && $16 == 0
                k = split($13, lc, " "); split($14, sc, " "); sum = 0
                for (i = 1; i <= k; i++) { sum += lc[i]; if (lc[i] != sc[i]) ok = 0 }
                if (k != 4 || sum != n) ok = 0
                if ($15 != "" && $15 < 1) ok = 0
                exit !ok }' <<<"$row" || fail "$mode/$s row not sane: $row"
        done
    done
    # A process per connection costs the client CPU: the fork rows must show some.
    awk -F, '$2 == "fork" && $11 + $12 <= 0 { exit 1 }' "$work/out/greeter.csv" \
        || fail "fork rows show no client CPU"
    [[ $(cat "$work/out"/logs/greetings-*/worker-*.log | wc -l) == $((4 * n)) ]] \
        || fail "log lines over the four runs"
    ! grep -qvxF "Hello, Carol" "$work/out"/logs/greetings-*/worker-*.log \
        || fail "a log line is not 'Hello, Carol'"
    # Bad usage: exit 2 with one line.
    rc=0
    "$root/bench/reproduce_greeter.sh" --client nope 2>"$work/err" || rc=$?
    [[ $rc == 2 && $(wc -l <"$work/err") == 1 ]] || fail "--client nope: exit $rc"
    "$root/bench/reproduce_greeter.sh" --help | grep -q -- '--connections' || fail "--help"
    veth_checks "$work/out/report.md" "$work/out/load/summary.csv" "$work/out/load/workers.csv"
    ;;
echo)
    experiment 120 reproduce_echo.sh --bin "$build" --model thread --workers 2 \
        --count 300 --payload 1k --out "$work/out" \
        || fail "exit $?: $(tail -n 5 "$work/stderr")"
    grep -q '2 listeners' "$work/out/report.md" || fail "listeners line"
    row=$(grep '^| thread |' "$work/out/report.md") || fail "no table row"
    awk -F'|' '{ gsub(/ /, ""); ok = $3 == 2 && $4 == 300 && $5 > 0 && $14 == 0
                 split($0, a, "|") } END { exit !ok }' <<<"$row" || fail "row not sane: $row"
    if [[ ${#net_args[@]} -gt 0 ]]; then
        # The listeners are the server namespace's, on its veth address.
        [[ $(grep -c '^198\.18\.0\.1:[0-9]* users:' "$work/out/report.md") == 2 ]] ||
            fail "ss lines: $(grep users: "$work/out/report.md")"
    fi
    veth_checks "$work/out/report.md" "$work/out/load/summary.csv" "$work/out/load/workers.csv"
    ;;
migrate)
    if [[ $(id -u) != 0 ]]; then
        echo "SKIP: network namespaces need root" >&2
        exit 77
    fi
    experiment 120 migrate_req.sh --bin "$build" --repeat 1 --duration 2 --out "$work/out" \
        || fail "exit $?: $(tail -n 5 "$work/stderr")"
    runs=$work/out/runs.csv
    [[ $(head -n 1 "$runs") == tcp_migrate_req,run,completed,errors_reset,errors_short,errors_other,queued_at_close ]] \
        || fail "header of runs.csv"
    [[ $(wc -l <"$runs") == 3 ]] || fail "want 2 rows: $(cat "$runs")"
    # Every connection counted queued is reset; one still mid-handshake as the
    # listener closed is reset too, uncounted (rare on loopback, where connect()
    # usually completes the handshake before it returns). Short replies are not
    # asserted (a worker leaving closes a connection it has just accepted whose
    # request has not arrived yet); any other error is.
    awk -F, '$1 == 0 && $3 > 0 && $4 >= $7 && $6 == 0 { ok0 = 1 }
             $1 == 1 && $3 > 0 && $4 == 0 && $6 == 0 { ok1 = 1 }
             END { exit !(ok0 && ok1) }' "$runs" || fail "rows: $(cat "$runs")"
    grep -q '^tcp_migrate_req=1: completed [0-9]*, reset 0,' "$work/stdout" || fail "summary line"
    if command -v gnuplot >/dev/null; then
        [[ $(head -c 8 "$work/out/migrate_req.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] \
            || fail "migrate_req.png is not a PNG"
        grep -q '<svg' "$work/out/migrate_req.svg" || fail "migrate_req.svg is not SVG"
    fi
    veth_checks "$work/stdout" "$work/out"/m*-r1/summary.csv
    ;;
*)
    fail "unknown case"
    ;;
esac
echo "ok: reproduce $case_name"
