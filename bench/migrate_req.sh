#!/usr/bin/env bash
# migrate_req.sh: what becomes of the connections waiting on a SO_REUSEPORT
# listener when its worker process leaves while the others keep serving (a
# rolling restart), with net.ipv4.tcp_migrate_req 0 (the kernel resets them) and
# 1 (Linux 5.14+: it hands them to the rest of the group). Each run gets a network
# namespace of its own, so the setting never touches the machine's: the server and
# the load generator share it on its loopback, or (--net veth) each run gets the two
# namespaces of bench/lib/net.sh, the setting made in the server's.
set -euo pipefail

PROG=migrate_req.sh
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$ROOT/bench/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/server.sh
. "$ROOT/bench/lib/server.sh"
# shellcheck source-path=SCRIPTDIR source=lib/net.sh
. "$ROOT/bench/lib/net.sh"

usage() {
  cat <<USAGE
Usage: bench/$PROG [options]
Per run, in a new network namespace with net.ipv4.tcp_migrate_req set: start
acceptbench-server --model process --strategy reuseport, load it closed-loop with
acceptbench-load, and SIGTERM one worker process (the newest) --leave-after into the
load.
Runs alternate between the settings 0 and 1. Prints, per run, the connections
completed, those reset, those closed unanswered (short), other errors, and the
server's own count of connections queued on the listener as it closed; then the
medians per setting.
Options:
  --bin DIR          build directory holding the programs (default build/)
  --repeat N         runs per setting (default 5)
  --duration SECS    load per run, whole seconds (default 3)
  --leave-after SECS when the worker leaves, seconds into the load (default 1)
  --workers N        worker processes (default 2)
  --connections N    client connections in flight (default 64)
  --work-us US       server CPU per request, microseconds: builds the queues (default 3000)
  --io NAME          server --io (default blocking)
  --net MODE         loopback: per run one new network namespace, the server and the
                     load generator on its 127.0.0.1; veth: per run the two namespaces
                     of bench/lib/net.sh joined by a veth pair (each side's receive
                     work steered by RPS to every CPU), tcp_migrate_req set in the
                     server's, the load generator in the client's. Default loopback,
                     where the README's figures were measured. Nothing here needs the
                     two sides in one namespace: the setting, the listeners and their
                     queue count are the server's, the worker is stopped by PID (one
                     PID namespace), resets are counted by the client
  --out DIR          keep CSVs and server logs there (default: a temporary folder,
                     removed at exit)
  -h, --help         this text
Writes runs.csv and, with gnuplot, migrate_req.png and .svg (plots/bench/migrate_req.gp)
into --out. Needs root (network namespaces) and a kernel with net.ipv4.tcp_migrate_req.
The namespaces are removed on exit, also on Ctrl-C and SIGTERM.
Exit status: 0 done, 1 a run failed, 2 bad usage or a missing prerequisite (also:
--net veth cannot be set up here).
USAGE
}

bin="$ROOT/build" repeat=5 duration=3 leave_after=1 workers=2 connections=64
work_us=3000 io=blocking net=loopback out=""
parse_options "--bin bin --repeat repeat --duration duration --leave-after leave_after
  --workers workers --connections connections --work-us work_us --io io --net net --out out" "$@"
net_check_mode "$net"
for pair in repeat:"$repeat" duration:"${duration%s}" leave-after:"${leave_after%s}" \
            workers:"$workers" connections:"$connections"; do
  [[ ${pair#*:} =~ ^[1-9][0-9]*$ ]] || usage_error "--${pair%%:*}: '${pair#*:}' is not a whole number above 0"
done
[[ $work_us =~ ^[0-9]+$ ]] || usage_error "--work-us: '$work_us' is not a whole number of microseconds"
duration=${duration%s} leave_after=${leave_after%s}
((leave_after < duration)) || usage_error "--leave-after ($leave_after) must be less than --duration ($duration)"
((workers >= 2)) || usage_error "--workers: one worker leaving needs others to stay: use 2 or more"
build_programs "$bin"
[[ -x $server_bin && -x $load_bin ]] || usage_error "no programs in $bin: build first (./run_bench.sh test), or give --bin"
[[ $(id -u) == 0 ]] || usage_error "network namespaces need root: run as root (sudo)"
[[ -e /proc/sys/net/ipv4/tcp_migrate_req ]] || usage_error "this kernel has no net.ipv4.tcp_migrate_req (Linux 5.14+)"

if [[ -n $out ]]; then
  mkdir -p "$out"
  work=$out
else
  work=$(mktemp -d)
fi
netns="" server_job="" load_job=""
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  if [[ -n $load_job ]]; then
    kill -TERM "$load_job" 2>/dev/null
    wait "$load_job" 2>/dev/null
  fi
  [[ -n $server_job ]] && stop_bounded "$server_job" 10
  [[ -n $netns ]] && ip netns delete "$netns" 2>/dev/null
  net_teardown
  [[ -n $out ]] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM   # so that the EXIT trap runs: no namespace left behind

# --net veth: set up once now, so that a machine that cannot says so before any run
# (exit 2); the first run uses this pair, each later run a new one.
if [[ $net == veth ]]; then
  net_choose veth "" ""
  topology="$NET_DESCRIPTION, a new pair per run"
else
  NET_TOPOLOGY=loopback
  topology="loopback 127.0.0.1, in a new network namespace per run"
fi

# run MIGRATE N: one run; appends its row to $work/runs.csv.
run() {
  local migrate=$1 n=$2 dir="$work/m$1-r$2" ready pid port victim line queued
  local addr=127.0.0.1
  local -a server_run client_run
  mkdir -p "$dir"
  if [[ $net == veth ]]; then
    [[ -n ${NET_SERVER_NS:-} ]] || net_choose veth "" ""
    addr=$NET_ADDR server_run=("${NET_SERVER_RUN[@]}") client_run=("${NET_CLIENT_RUN[@]}")
  else
    netns=abmig-$$-$migrate-$n
    ip netns add "$netns"
    ip -n "$netns" link set lo up
    server_run=(ip netns exec "$netns") client_run=(ip netns exec "$netns")
  fi
  "${server_run[@]}" sysctl -qw net.ipv4.tcp_migrate_req="$migrate"
  ready="$dir/ready"
  server_start --stdout "$dir/server.out" server_job "$ready" "$dir/server.err" \
    "${server_run[@]}" timeout 120 "$server_bin" --model process --strategy reuseport \
    --io "$io" --workers "$workers" --work-us "$work_us" --listen "$addr:0" \
    --ready-file "$ready" || die "$server_error"
  port=$(ready_value "$ready" port)
  pid=$(ready_value "$ready" pid)
  "${client_run[@]}" timeout $((duration + 30)) "$load_bin" --no-progress \
    --target "$addr:$port" -c "$connections" -t 1 -d "${duration}s" -T 10s \
    --topology "$NET_TOPOLOGY" \
    --label "migrate$migrate" --out "$dir" >"$dir/load.out" 2>"$dir/load.err" &
  load_job=$!
  sleep "$leave_after"
  victim=$(pgrep -P "$pid" | tail -n 1) || true
  [[ -n $victim ]] || die "run $n: the server (pid $pid) has no worker process to stop"
  kill -TERM "$victim" || die "run $n: worker process $victim ended before its SIGTERM"
  local rc=0
  wait "$load_job" || rc=$?
  load_job=""
  ((rc == 0)) || die "run $n: acceptbench-load exited $rc: $(tail -n 3 "$dir/load.err")"
  stop_bounded "$server_job" 30 || die "run $n: the server did not stop within 30 s of SIGTERM; its stderr: $(tail -n 5 "$dir/server.err")"
  server_job=""
  ((stopped_status == 0)) || die "run $n: the server exited $stopped_status: $(tail -n 5 "$dir/server.err")"
  if [[ $net == veth ]]; then
    net_teardown
  else
    ip netns delete "$netns"
    netns=""
  fi
  line=$(grep "(pid $victim) exited with status 0" "$dir/server.err") ||
    die "run $n: the server did not report worker pid $victim leaving: $(cat "$dir/server.err")"
  if [[ $line =~ closed\ with\ ([0-9]+)\ queued ]]; then
    queued=${BASH_REMATCH[1]}
  elif [[ $line == *"no connection was queued"* ]]; then
    queued=0
  else
    die "run $n: cannot read the queue count from: $line"
  fi
  local s=$dir/summary.csv completed reset short errors
  completed=$(last "$s" completed)
  reset=$(last "$s" errors_reset)
  # Short: a connection the leaving worker had accepted but whose request had
  # not arrived yet is closed unanswered, as at any stop (docs/protocol.md).
  short=$(last "$s" errors_short)
  errors=$(($(last "$s" errors_refused) + $(last "$s" errors_timeout) +
            $(last "$s" errors_malformed) + $(last "$s" errors_status) + $(last "$s" errors_other)))
  echo "$migrate,$n,$completed,$reset,$short,$errors,$queued" >>"$work/runs.csv"
  printf '%-8s %4s %10s %7s %7s %7s %16s\n' "$migrate" "$n" "$completed" "$reset" "$short" "$errors" "$queued"
}

echo "tcp_migrate_req,run,completed,errors_reset,errors_short,errors_other,queued_at_close" >"$work/runs.csv"
echo "$PROG: $io, $workers worker processes, -c $connections, ${duration}s per run, one worker SIGTERMed at ${leave_after}s; kernel $(uname -r)"
echo "topology: $topology"
printf '%-8s %4s %10s %7s %7s %7s %16s\n' migrate run completed reset short other queued_at_close
for ((n = 1; n <= repeat; n++)); do
  run 0 "$n"
  run 1 "$n"
done

echo
echo "medians per setting (reset: connections the client saw reset; queued_at_close: the server's count)"
awk -F, 'NR > 1 { k = $1; n[k]++; c[k, n[k]] = $3; r[k, n[k]] = $4; q[k, n[k]] = $7 }
  function median(a, k, m,    i, j, t, v) {
    for (i = 1; i <= m; i++) v[i] = a[k, i]
    for (i = 2; i <= m; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
  }
  END { for (k = 0; k <= 1; k++) if (n[k])
          printf "tcp_migrate_req=%d: completed %s, reset %s, queued at close %s (%d runs)\n",
                 k, median(c, k, n[k]), median(r, k, n[k]), median(q, k, n[k]), n[k] }' "$work/runs.csv"
if [[ -n $out ]]; then
  echo "rows: $work/runs.csv"
  if command -v gnuplot >/dev/null; then
    echo "subtitle = \"Linux $(uname -r), $(nproc) CPUs, $io, $workers worker processes, -c $connections, $repeat runs per setting\"" >"$work/plotvars.gp"
    for term in "pngcairo size 1100,650 font 'sans,11'" "svg size 1100,650 font 'sans,11' dynamic"; do
      ext=png
      [[ $term == svg* ]] && ext=svg
      gnuplot -e "dir='$work'; load '$ROOT/plots/common.gp'; set terminal $term; set output '$work/migrate_req.$ext'" \
        "$ROOT/plots/bench/migrate_req.gp" || die "drawing $work/migrate_req.$ext failed"
    done
    echo "chart: $work/migrate_req.png, .svg"
  fi
fi
exit 0
