#!/usr/bin/env bash
# The findings' scenarios (bench/scenario.sh, docs/findings.md), each run tiny
# (--quick), asserting only the direction the kernel makes deterministic:
#
#   scenarios.sh BUILD_DIR framework  --help lists every file of bench/scenarios/ by
#                                     name with its "# scenario:" line; an unknown name,
#                                     --findings with --quick and --redraw of a folder
#                                     that is no scenario's exit 2 (needs no root)
#   scenarios.sh BUILD_DIR herd       4 idle workers, one connection at a time: the
#                                     server's context switches per connection with
#                                     shared/epoll exceed both shared/epoll-exclusive's
#                                     and shared/blocking's by at least 1.5 times and
#                                     at least 1 per connection (measured here: 3.1-3.9
#                                     against 1.0-1.3)
#   scenarios.sh BUILD_DIR backlog    an open-loop rate above capacity: with backlog 5
#                                     the server's namespace counts ListenOverflows and
#                                     ListenDrops (> 0); with the default backlog none
#   scenarios.sh BUILD_DIR restart    a worker process leaving: with tcp_migrate_req=0
#                                     the clients see resets (> 0, at least the queued
#                                     count); with 1 none, while connections were queued
#   scenarios.sh BUILD_DIR order      4 workers, one connection at a time (300/s), all
#                                     asleep when it comes: with shared/epoll-exclusive
#                                     one worker takes at least 80% (LIFO; measured
#                                     here: 100%), with shared/blocking none more than
#                                     40% (FIFO; measured here: 25%)
#   scenarios.sh BUILD_DIR stall      4 worker processes under load, worker 0
#                                     SIGSTOPped for 400 ms: reuseport's max latency
#                                     is about the stop (the connections hashed to the
#                                     stopped worker's own listener wait for it; at
#                                     least 350 ms asserted). Shared's is not asserted:
#                                     it is short unless the worker was stopped holding
#                                     a connection, which is chance. Measured here:
#                                     reuseport 505 ms, shared 107 ms
#   scenarios.sh BUILD_DIR source-addresses
#                                     no direction: how reuseport's hash spreads a few
#                                     flows is chance, and 1 against 16 addresses
#                                     differ within it (measured here: Jain 0.53-0.89
#                                     both). Asserts only the accounting the kernel
#                                     makes exact: every flows run's workers accepted
#                                     exactly its 8 connections, with each address count
#   scenarios.sh BUILD_DIR topology   no direction: which topology is faster and how
#                                     fair each is under load are timing, not kernel
#                                     rules, on a shared machine. Asserts only that
#                                     topology.csv has every configuration on both
#                                     topologies, with connections counted on each
#
# Every case also checks what the scenario writes: scenario.txt naming the topology,
# section.md with the run's table, each chart as PNG and SVG, and no network
# namespace of the run left. Skipped (77) with the scenario's own reason where it
# cannot run here (its exit 3: no root, no perf). No speed thresholds: others share
# the machine. Every command is bounded by timeout.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../testlib.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { sed -n '2,53p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
[[ $# -eq 2 ]] || { echo "usage: $0 BUILD_DIR framework|herd|backlog|restart|order|stall|source-addresses|topology" >&2; exit 2; }
bin=$1 case_name=$2
unset ACCEPTBENCH_CMD

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
  echo "FAIL [$case_name]: $*" >&2
  exit 1
}

# scenario ARGS...: bench/scenario.sh ARGS, bounded; its exit status in rc, its output
# in $work/out.log.
scenario() {
  rc=0
  timeout 600 "$ROOT/bench/scenario.sh" "$@" >"$work/out.log" 2>&1 || rc=$?
}

# quick NAME: the scenario's --quick run into $work/NAME; exit 77 with its reason when
# this machine cannot run it; fail on any other failure; then check its files.
quick() {
  local name=$1 dir=$work/$1 chart
  ended_runs_netns >"$work/netns.before"
  scenario "$name" --quick --bin "$bin" --out "$dir"
  if [[ $rc -eq 3 ]]; then
    echo "skip: $(tail -n 1 "$work/out.log")"
    exit 77
  fi
  [[ $rc -eq 0 ]] || fail "exit $rc: $(tail -n 5 "$work/out.log")"
  grep -qE '^topology: (veth|loopback)' "$dir/scenario.txt" || fail "scenario.txt names no topology"
  grep -q '^| quick | ' "$dir/section.md" || fail "section.md has no run table: $(head -n 5 "$dir/section.md")"
  [[ -s $dir/charts.txt ]] || fail "no chart was drawn"
  while IFS='|' read -r chart _; do
    [[ $(head -c 8 "$dir/$chart.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
      fail "$chart.png is not a PNG"
    grep -q '<svg' "$dir/$chart.svg" || fail "$chart.svg is not SVG"
    grep -qF "]($chart.png)" <(sed 's/@IMG@//' "$dir/section.md") || fail "section.md does not show $chart.png"
  done <"$dir/charts.txt"
  local left
  left=$(comm -13 "$work/netns.before" <(ended_runs_netns)) || true
  [[ -z $left ]] || fail "the run left network namespaces: $left"
}

# ended_runs_netns: the namespaces bench/lib/net.sh's way of naming (abench-PID-...)
# whose PID has ended, sorted: those are left behind; a running one's are not.
ended_runs_netns() {
  local ns pid
  ip netns list 2>/dev/null | while read -r ns _; do
    [[ $ns =~ ^abench-([0-9]+)- ]] || continue
    pid=${BASH_REMATCH[1]}
    kill -0 "$pid" 2>/dev/null || echo "$ns"
  done | sort
}

# value FILE KEY_COLUMNS... COLUMN: the COLUMN of FILE's row whose first columns are
# KEY_COLUMNS (by position), or nothing.
value() {
  local file=$1 col=${*: -1}
  local -a key=("${@:2:$#-2}")
  awk -F, -v key="${key[*]}" -v col="$col" '
    NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { n = split(key, k, " "); ok = 1; for (i = 1; i <= n; i++) if ($i != k[i]) ok = 0
      if (ok) { print $h[col]; exit } }' "$file"
}

case $case_name in
framework)
  scenario --help
  [[ $rc -eq 0 ]] || fail "--help exited $rc"
  for f in "$ROOT"/bench/scenarios/*.sh; do
    n=$(basename "$f" .sh)
    line=$(sed -n 's/^# scenario: //p' "$f")
    [[ -n $line ]] || fail "$f has no '# scenario:' line"
    grep -qF "  $n" "$work/out.log" || fail "--help does not list $n"
    grep -qF "${line:0:40}" "$work/out.log" || fail "--help does not show $n's line"
  done
  scenario no-such-scenario --quick
  [[ $rc -eq 2 ]] || fail "an unknown scenario exited $rc, not 2"
  scenario herd --quick --findings
  [[ $rc -eq 2 ]] || fail "--findings with --quick exited $rc, not 2"
  scenario herd --redraw "$work"
  [[ $rc -eq 2 ]] || fail "--redraw of a folder that is no scenario's exited $rc, not 2"
  ;;
herd)
  quick herd
  f=$work/herd/herd.csv
  epoll=$(value "$f" open shared epoll 4 cs_per_conn)
  excl=$(value "$f" open shared epoll-exclusive 4 cs_per_conn)
  block=$(value "$f" open shared blocking 4 cs_per_conn)
  [[ -n $epoll && -n $excl && -n $block ]] || fail "herd.csv lacks a configuration: $(cat "$f")"
  awk -v e="$epoll" -v x="$excl" -v b="$block" 'BEGIN {
        exit !(e >= 1.5 * x && e >= 1.5 * b && e - x >= 1 && e - b >= 1) }' ||
    fail "context switches per connection: epoll $epoll, epoll-exclusive $excl, blocking $block: epoll does not wake more"
  echo "herd: context switches per connection: epoll $epoll, epoll-exclusive $excl, blocking $block"
  ;;
backlog)
  quick backlog
  f=$work/backlog/backlog.csv
  for v in b5 default; do
    [[ -n $(value "$f" "$v" listen_overflows) ]] || fail "backlog.csv has no $v row: $(cat "$f")"
  done
  ((10#$(value "$f" b5 listen_overflows) > 0 && 10#$(value "$f" b5 listen_drops) > 0)) ||
    fail "backlog 5 above capacity counted no drop: $(cat "$f")"
  ((10#$(value "$f" default listen_overflows) == 0 && 10#$(value "$f" default listen_drops) == 0)) ||
    fail "the default backlog counted drops: $(cat "$f")"
  echo "backlog: ListenOverflows with backlog 5: $(value "$f" b5 listen_overflows), default: 0"
  ;;
restart)
  quick restart
  f=$work/restart/migrate/runs.csv
  awk -F, 'NR > 1 && $1 == 0 && $4 > 0 && $4 >= $7 { off = 1 }
           NR > 1 && $1 == 1 && $4 == 0 && $7 > 0 { on = 1 }
           END { exit !(off && on) }' "$f" ||
    fail "want resets (>= queued) with tcp_migrate_req=0 and none with 1, connections queued: $(cat "$f")"
  echo "restart: $(tr '\n' ' ' <"$f")"
  ;;
order)
  quick order
  f=$work/order/order.csv
  excl=$(value "$f" 300 shared epoll-exclusive top_share)
  block=$(value "$f" 300 shared blocking top_share)
  [[ -n $excl && -n $block ]] || fail "order.csv lacks a configuration: $(cat "$f")"
  awk -v x="$excl" -v b="$block" 'BEGIN { exit !(x >= 0.8 && b <= 0.4) }' ||
    fail "busiest worker's share: epoll-exclusive $excl (want >= 0.8, LIFO), blocking $block (want <= 0.4, FIFO)"
  echo "order: busiest worker's share: epoll-exclusive $excl, blocking $block"
  ;;
stall)
  # Under TSan's instrumentation the 400 ms stop left reuseport's max at 32 ms in one
  # CI run (not explained yet: a stopped worker with nothing queued?): the direction
  # holds only for an uninstrumented build.
  if grep -qx 'ACCEPTBENCH_TSAN:BOOL=ON' "$bin/CMakeCache.txt" 2>/dev/null; then
    echo "skip: stall's timing under TSan's instrumentation is not the scenario's"
    exit 77
  fi
  quick stall
  f=$work/stall/stall.csv
  shared=$(value "$f" shared 400 max_us)
  reuse=$(value "$f" reuseport 400 max_us)
  [[ -n $shared && -n $reuse ]] || fail "stall.csv lacks a configuration: $(cat "$f")"
  awk -v r="$reuse" 'BEGIN { exit !(r >= 350000) }' ||
    fail "max latency with worker 0 stopped 400 ms: reuseport $reuse us (want >= 350000), shared $shared us"
  echo "stall: max latency with worker 0 stopped 400 ms: reuseport $reuse us, shared $shared us"
  ;;
source-addresses)
  quick source-addresses
  f=$work/source-addresses/runs.csv
  awk -F, 'NR > 1 && $1 == "flows" { n[$2]++; if ($5 != 8) bad = 1 }
           END { exit !(!bad && n[1] > 0 && n[16] > 0) }' "$f" ||
    fail "want flows runs with 1 and 16 addresses, each of 8 connections accepted: $(cat "$f")"
  echo "source-addresses: $(awk -F, 'NR > 1 { printf "%s/%s: %s (Jain %s); ", $1, $2, $4, $6 }' "$f")"
  ;;
topology)
  quick topology
  f=$work/topology/topology.csv
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
           { n++; if (!($h["loopback_conn_per_s"] > 0 && $h["veth_conn_per_s"] > 0)) bad = 1 }
           END { exit !(n == 2 && !bad) }' "$f" ||
    fail "want shared/epoll and reuseport/epoll with connections on both topologies: $(cat "$f")"
  echo "topology: $(cut -d, -f1,2,11 "$f" | tr '\n' ' ')"
  ;;
*)
  echo "usage: $0 BUILD_DIR framework|herd|backlog|restart|order|stall|source-addresses|topology" >&2
  exit 2
  ;;
esac
