#!/usr/bin/env bash
# Two hosts on one machine (bench/lib/net.sh, run_bench.sh run --net veth).
#
#   net.sh BUILD_DIR setup      the namespaces, the veth pair, addresses, RPS masks;
#                               after teardown no namespace or link of the run is left
#   net.sh BUILD_DIR exact      server in one namespace, load generator in the other:
#                               -n 300 completes 300 and the server's /stats says 300
#   net.sh BUILD_DIR stale      a run SIGKILLed mid-run leaves its namespaces, its
#                               server in one; the next set-up removes both
#   net.sh BUILD_DIR unprivileged   without CAP_SYS_ADMIN and CAP_NET_ADMIN the matrix
#                               says in one line why it runs on loopback; --net veth exits 2
#   net.sh BUILD_DIR matrix     a tiny --net veth matrix: exact counts against /stats,
#                               rows, env.txt and report.md name the topology; nothing
#                               left after it
#   net.sh BUILD_DIR interrupt  SIGTERM mid-run: exit 130, the namespaces gone
#   net.sh BUILD_DIR delay      --delay 5ms raises the connect p50 by at least 10 ms
#
# Needs root and network namespaces; without them each case is skipped (exit 77)
# with the reason. Addresses are 198.18.0.1 and .2 (RFC 2544's benchmarking
# range), only inside the namespaces the case made; every command is bounded.
# shellcheck disable=SC2154  # server_bin and load_bin are set by build_programs
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../testlib.sh"
# shellcheck source-path=SCRIPTDIR source=../../bench/lib/net.sh
. "$ROOT/bench/lib/net.sh"

[[ ${1:-} == -h || ${1:-} == --help ]] && { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
[[ $# -eq 2 ]] || { echo "usage: $0 BUILD_DIR setup|exact|stale|unprivileged|matrix|interrupt|delay" >&2; exit 2; }
bin=$1 case_name=$2
build_programs "$bin"
# The bench scripts name themselves bench/matrix.sh here, also under ./run_bench.sh test.
unset ACCEPTBENCH_CMD

work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -z $server_pid ]] || stop_bounded "$server_pid" || true
  net_teardown
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL [$case_name]: $*" >&2
  exit 1
}

# across WORKERS LOAD_OPTIONS...: a server of WORKERS in the server namespace, and
# acceptbench-load with LOAD_OPTIONS in the client namespace, its results in $work/out.
across() {
  local workers=$1
  shift
  server_start server_pid "$work/ready" "$work/server.err" timeout 60 ip netns exec "$NET_SERVER_NS" \
    "$server_bin" --workers "$workers" --listen "$NET_SERVER_ADDR:0" --ready-file "$work/ready" ||
    fail "$server_error"
  timeout 60 ip netns exec "$NET_CLIENT_NS" "$load_bin" \
    --target "$NET_SERVER_ADDR:$(ready_value "$work/ready" port)" "$@" --out "$work/out" \
    --no-progress >"$work/load.log" 2>&1 || fail "load: $(cat "$work/load.log")"
}

# errors FILE: the errors_* columns of FILE's rows summed, one line per row.
errors() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^errors_/) e[i] = 1; next }
           { s = 0; for (i in e) s += $i; print s }' "$1"
}

# ours: the namespaces and links of this machine whose names this run's pid made.
ours() {
  { ip netns list; ip -o link show; } | grep -E "$NET_PREFIX-$$-|ab$$[sc]" || true
}

# The set-up itself decides whether this machine can: say why not, skip.
net_setup 0 "$(($(nproc) - 1))" "" "" "" || { echo "skip: $net_error"; exit 77; }

case $case_name in
setup)
  [[ $(ip netns list | grep -cE "^$NET_PREFIX-$$-[sc]( |$)") == 2 ]] || fail "not two namespaces: $(ip netns list)"
  [[ $(net_in "$NET_SERVER_NS" ip -o -4 addr show dev "ab$$s" | awk '{print $4}') == 198.18.0.1/30 ]] ||
    fail "server address"
  [[ $(net_in "$NET_CLIENT_NS" ip -o -4 addr show dev "ab$$c" | awk '{print $4}') == 198.18.0.2/30 ]] ||
    fail "client address"
  smask=$(net_mask 0) cmask=$(net_mask "$(($(nproc) - 1))")
  [[ $(net_in "$NET_SERVER_NS" cat "/sys/class/net/ab$$s/queues/rx-0/rps_cpus" | sed 's/^[0,]*//') == "$smask" ]] ||
    fail "server rps_cpus"
  [[ $(net_in "$NET_CLIENT_NS" cat "/sys/class/net/ab$$c/queues/rx-0/rps_cpus" | sed 's/^[0,]*//') == "$cmask" ]] ||
    fail "client rps_cpus"
  [[ $(net_in "$NET_CLIENT_NS" sysctl -n net.ipv4.tcp_tw_reuse) == 1 ]] || fail "client tcp_tw_reuse"
  [[ $(sysctl -n net.ipv4.tcp_tw_reuse) == "$(net_in "$NET_SERVER_NS" sysctl -n net.ipv4.tcp_tw_reuse)" ]] ||
    fail "the server namespace's tcp_tw_reuse changed"
  [[ -z $(ip -o link show | grep -E "ab$$[sc]" || true) ]] || fail "a veth end in the machine's own namespace"
  [[ $(net_mask 0-1,3) == b && $(net_mask 2) == 4 ]] || fail "net_mask"
  net_mask 3-1 >/dev/null && fail "net_mask took 3-1"
  net_teardown
  net_teardown   # a second call is harmless
  [[ -z $(ours) ]] || fail "left behind: $(ours)"
  ;;
exact)
  across 2 -c 4 -n 300
  [[ $(last "$work/out/summary.csv" completed) == 300 ]] || fail "completed $(last "$work/out/summary.csv" completed)"
  [[ $(errors "$work/out/summary.csv") == 0 ]] || fail "errors: $(errors "$work/out/summary.csv")"
  accepted=$(col "$work/out/workers.csv" server_accepted | awk '{ s += $1 } END { print s }')
  [[ $accepted == 300 ]] || fail "the server's /stats: $accepted accepted"
  stop_bounded "$server_pid" || fail "server did not stop"
  server_pid=""
  ;;
stale)
  # A run killed with its server still in its namespace: a child shell that sets up,
  # starts a server, and is SIGKILLed with the server left running.
  net_teardown
  bash -c '. "$1/bench/lib/net.sh"; net_setup 0 0 "" "" "" || exit 1
           ip netns exec "$NET_SERVER_NS" "$2" --workers 1 --listen "$NET_SERVER_ADDR:0" \
             --ready-file "$3" >/dev/null 2>&1 &
           echo "$$" >"$4"; wait' _ "$ROOT" "$server_bin" "$work/ready" "$work/pid" &
  for ((i = 0; i < 100; i++)); do [[ -s $work/ready ]] && break; sleep 0.1; done
  [[ -s $work/ready ]] || fail "the killed run never started"
  dead=$(cat "$work/pid")
  server=$(ready_value "$work/ready" pid)
  kill -KILL "$dead"
  wait 2>/dev/null || true
  [[ $(ip netns list | grep -cE "^$NET_PREFIX-$dead-[sc]( |$)") == 2 ]] || fail "no namespaces left to find"
  kill -0 "$server" || fail "its server is gone already"
  net_setup 0 0 "" "" "" >"$work/setup.log" || fail "$net_error"
  grep -qx "removed namespace $NET_PREFIX-$dead-s, left by an earlier run (pid $dead)" "$work/setup.log" ||
    fail "no line for the server's namespace: $(cat "$work/setup.log")"
  grep -qx "removed namespace $NET_PREFIX-$dead-c, left by an earlier run (pid $dead)" "$work/setup.log" ||
    fail "no line for the client's namespace"
  [[ -z $(ip netns list | grep -E "^$NET_PREFIX-$dead-" || true) ]] || fail "still there: $(ip netns list)"
  for ((i = 0; i < 50; i++)); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$server" 2>/dev/null && fail "the dead run's server still runs"
  [[ -z $(ip -o link show | grep -E "ab${dead}[sc]" || true) ]] || fail "its veth pair is left"
  ;;
unprivileged)
  net_teardown
  command -v capsh >/dev/null || { echo "skip: no capsh (Debian libcap2-bin)"; exit 77; }
  tiny=(--bin "$bin" --strategies reuseport --io epoll --workers 1 --connections 2 --duration 1s
        --warmup 0 --repeat 1)
  drop=(capsh "--drop=cap_sys_admin,cap_net_admin" --)
  rc=0
  timeout 120 "${drop[@]}" -c "$(printf '%q ' "$ROOT/bench/matrix.sh" "${tiny[@]}" --out "$work/lo")" \
    >"$work/lo.log" 2>&1 || rc=$?
  [[ $rc == 0 ]] || fail "the loopback fallback exited $rc: $(cat "$work/lo.log")"
  grep -qE "^bench/matrix.sh: on loopback, where the server's receive work runs on the client's CPUs; for two hosts on veth: 'ip netns add $NET_PREFIX-[0-9]+-s' failed: .+" \
    "$work/lo.log" || fail "no line saying why: $(head -n 3 "$work/lo.log")"
  [[ $(grep -c "on loopback" "$work/lo.log") == 1 ]] || fail "said more than once"
  grep -qx "topology: loopback" "$work/lo/env.txt" || fail "env.txt: $(grep topology "$work/lo/env.txt")"
  rc=0
  timeout 60 "${drop[@]}" -c "$(printf '%q ' "$ROOT/bench/matrix.sh" "${tiny[@]}" --net veth --out "$work/veth")" \
    >"$work/veth.log" 2>&1 || rc=$?
  [[ $rc == 2 ]] || fail "--net veth without the capabilities exited $rc"
  [[ $(wc -l <"$work/veth.log") == 1 ]] || fail "not one line: $(cat "$work/veth.log")"
  grep -qE "^bench/matrix.sh: --net veth: 'ip netns add $NET_PREFIX-[0-9]+-s' failed: .+ \(or use --net loopback\)$" \
    "$work/veth.log" || fail "$(cat "$work/veth.log")"
  [[ ! -e $work/veth ]] || fail "created the results folder"
  ;;
matrix)
  net_teardown
  timeout 300 "$ROOT/bench/matrix.sh" --bin "$bin" --net veth --server-cpus 0 --client-cpus "$(($(nproc) - 1))" \
    --strategies shared,reuseport --io epoll --workers 2 --connections 4 --duration 500ms --warmup 0 \
    --repeat 1 --out "$work/m" >"$work/m.log" 2>&1 || fail "matrix: $(tail -n 5 "$work/m.log")"
  [[ $(col "$work/m/summary.csv" label | sort | tr '\n' ' ') == "reuseport/epoll shared/epoll " ]] ||
    fail "rows: $(col "$work/m/summary.csv" label)"
  for e in $(errors "$work/m/summary.csv"); do [[ $e == 0 ]] || fail "errors: $e"; done
  # Exact counts: each run's completions are the server's accepted delta from /stats
  # over the window, and each worker's row sums to them on both sides.
  paste -d, <(col "$work/m/summary.csv" run_id) <(col "$work/m/summary.csv" completed) \
    <(col "$work/m/summary.csv" server_accepted) >"$work/runs"
  while IFS=, read -r run c a; do
    ((c > 0)) || fail "run $run completed $c"
    [[ $a == "$c" ]] || fail "run $run: completed $c, the server accepted $a"
    sums=$(awk -F, -v run="$run" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
      $h["run_id"] == run { c += $h["client_completed"]; s += $h["server_accepted"]; n++ }
      END { print c, s, n }' "$work/m/workers.csv")
    [[ $sums == "$c $c 2" ]] || fail "run $run: workers.csv client/server/rows $sums, expected $c $c 2"
  done <"$work/runs"
  tag="veth server-rps=1 client-rps=$(net_mask "$(($(nproc) - 1))")"
  for f in summary workers latency timeseries; do
    [[ $(col "$work/m/$f.csv" topology | sort -u) == "$tag" ]] ||
      fail "$f.csv topology: $(col "$work/m/$f.csv" topology | sort -u | head -n 3)"
  done
  want="veth 198.18.0.1 (server, rps_cpus 1) <-> 198.18.0.2 (client, rps_cpus $(net_mask "$(($(nproc) - 1))"))"
  grep -qxF "topology: $want" "$work/m/env.txt" || fail "env.txt: $(grep topology "$work/m/env.txt")"
  grep -qxF "Topology: $want; server CPUs 0, client CPUs $(($(nproc) - 1))." "$work/m/report.md" ||
    fail "report.md: $(sed -n 3p "$work/m/report.md")"
  # Other tests of this suite may have namespaces of their own right now; a finished
  # run's are those whose run is no longer alive.
  while read -r ns _; do
    [[ $ns =~ ^$NET_PREFIX-([0-9]+)-[sc]$ ]] || continue
    kill -0 "${BASH_REMATCH[1]}" 2>/dev/null || fail "a finished run left $ns"
  done < <(ip netns list)
  ;;
interrupt)
  # SIGTERM mid-run: exit 130, what was measured kept, the namespaces gone.
  net_teardown
  timeout 120 "$ROOT/bench/matrix.sh" --bin "$bin" --net veth --strategies reuseport --io epoll \
    --workers 1 --connections 2 --duration 30s --warmup 0 --repeat 1 --out "$work/m" >"$work/m.log" 2>&1 &
  job=$!
  for ((i = 0; i < 200; i++)); do
    [[ -n $(ls "$work/m/logs"/load-* 2>/dev/null) ]] && break
    sleep 0.1
  done
  run=$(pgrep -P "$job" || true)   # the matrix, below timeout
  [[ -n $run ]] || fail "the matrix never started"
  [[ $(ip netns list | grep -cE "^$NET_PREFIX-$run-[sc]( |$)") == 2 ]] || fail "no namespaces of run $run"
  kill -TERM "$run"
  rc=0
  wait "$job" || rc=$?
  [[ $rc == 130 ]] || fail "exit $rc after SIGTERM: $(tail -n 3 "$work/m.log")"
  grep -q "interrupted; what was measured is in $work/m" "$work/m.log" || fail "$(tail -n 3 "$work/m.log")"
  [[ -z $(ip netns list | grep -E "^$NET_PREFIX-$run-" || true) ]] || fail "left: $(ip netns list)"
  [[ -z $(ip -o link show | grep -E "ab${run}[sc]" || true) ]] || fail "a veth end left"
  ;;
delay)
  net_teardown
  net_setup 0 0 5ms "" "" || {
    [[ $net_error == *CONFIG_NET_SCH_NETEM* ]] && { echo "skip: $net_error"; exit 77; }
    fail "$net_error"
  }
  across 1 -c 1 -n 50
  p50=$(last "$work/out/summary.csv" connect_p50_us)
  # connect() returns after one round trip: SYN out, SYN-ACK back, 5 ms each way.
  ((p50 >= 10000)) || fail "connect p50 $p50 us with 5 ms each way"
  ;;
*) echo "usage: $0 BUILD_DIR setup|exact|stale|unprivileged|matrix|interrupt|delay" >&2; exit 2 ;;
esac
echo "ok: $case_name"
