#!/usr/bin/env bash
# syscalls.sh: what each strategy x io asks of the kernel per connection. For every
# configuration the server runs here, a fresh server (threads) takes --count
# connections from acceptbench-load; perf stat counts the server's system calls
# (in total and by name), context switches and CPU migrations over exactly the
# load (counting is switched on and off through perf's control FIFO, with its
# acknowledgement), and the client's over its whole life. Counts, unlike times,
# are the same on any machine with this kernel and build.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/server.sh
. "$ROOT/bench/lib/server.sh"
job_name syscalls.sh

usage() {
  cat <<USAGE
Usage: $CMD [options]
Count system calls, context switches and migrations per connection for every
strategy x io (perf stat, tracepoints; needs root and linux-perf), on 127.0.0.1.
  --bin DIR            build tree (default build/)
  --strategies LIST    comma list or all (default all)
  --io LIST            comma list or all (default all)
  --workers N          server workers (default 2)
  --count N            connections per configuration (default 4000)
  --connections C      connections in flight (default 8)
  --out FILE           also write the figures as CSV to FILE (atomically)
  -h, --help           this text
The client's figures include its start and exit (a few hundred calls, under 0.1
per connection at the default count). The server's include nothing but the load.
USAGE
}

bin=$ROOT/build strategies=all ios=all workers=2 count=4000 inflight=8 out=""
parse_options "--bin bin --strategies strategies --io ios --workers workers --count count
  --connections inflight --out out" "$@"
for n in workers count inflight; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || usage_error "--$n: '${!n}' is not a positive whole number"
done
build_programs "$bin"
[[ -x $server_bin && -x $load_bin ]] || usage_error "--bin: no acceptbench programs in '$bin' (build first: ./run_bench.sh build)"
command -v perf >/dev/null || { echo "$PROG: perf is not installed: apt-get install linux-perf" >&2; exit 1; }
[[ $EUID -eq 0 ]] || { echo "$PROG: tracepoints need root (or kernel.perf_event_paranoid=-1)" >&2; exit 1; }

# values AXIS LIST: the axis's values to run, checked against the server's list.
values() {
  local have v
  have=$(axis_values "$server_bin" list "$1") || die "$server_bin --list $1 failed"
  [[ $2 == all ]] && { echo "$have"; return; }
  for v in ${2//,/ }; do
    [[ " $have " == *" $v "* ]] || usage_error "unknown $1 '$v' (use $have or all)"
  done
  echo "${2//,/ }"
}
strategies=$(values strategy "$strategies")
ios=$(values io "$ios")

work=$(mktemp -d)
server_pid="" perf_pid=""
cleanup() {
  [[ -z $perf_pid ]] || kill -INT "$perf_pid" 2>/dev/null || true
  [[ -z $server_pid ]] || stop_bounded "$server_pid" || true
  rm -rf "$work"
}
trap cleanup EXIT

events='raw_syscalls:sys_enter,context-switches,cpu-migrations,syscalls:sys_enter_*'

# per_conn FILE: "total cs migrations name=count ..." from perf's CSV, per connection.
per_conn() {
  awk -F, -v n="$count" '
    $3 == "raw_syscalls:sys_enter" { total = $1 }
    $3 == "context-switches" { cs = $1 }
    $3 == "cpu-migrations" { mig = $1 }
    $3 ~ /^syscalls:sys_enter_/ && $1 + 0 >= n / 20 {
      name = substr($3, 20); by = by sprintf(" %s=%.2f", name, $1 / n) }
    END { printf "%.2f %.2f %.3f%s\n", total / n, cs / n, mig / n, by }' "$1"
}

csv="configuration,side,syscalls_per_conn,context_switches_per_conn,migrations_per_conn,by_name"
echo "| configuration | server syscalls / conn | server context switches / conn | by name (>= 0.05 / conn) | client syscalls / conn | client context switches / conn |"
echo "|---|---:|---:|---|---:|---:|"
for s in $strategies; do
  for i in $ios; do
    opts=(--strategy "$s" --io "$i" --workers "$workers" --listen 127.0.0.1:0)
    if ! server_check "$server_bin" "${opts[@]}"; then
      echo "| $s/$i | skipped: $server_error | | | | |"
      continue
    fi
    server_start --stdout "$work/server.log" server_pid "$work/ready" "$work/server.log" \
      timeout 300 "$server_bin" "${opts[@]}" \
      --ready-file "$work/ready" || die "$s/$i: $server_error"
    pid=$(ready_value "$work/ready" pid) port=$(ready_value "$work/ready" port)
    rm -f "$work/ctl" "$work/ack"
    mkfifo "$work/ctl" "$work/ack"
    timeout 300 perf stat -x, -e "$events" -p "$pid" -D -1 --control "fifo:$work/ctl,$work/ack" \
      -o "$work/server.perf" 2>"$work/perf.log" &
    perf_pid=$!
    exec 3>"$work/ctl" 4<"$work/ack"
    echo enable >&3
    read -r -t 60 _ <&4 || die "$s/$i: perf did not acknowledge enable"
    timeout 300 perf stat -x, -e "$events" -o "$work/client.perf" -- "$load_bin" \
      --target "127.0.0.1:$port" -c "$inflight" -n "$count" --no-stats --no-progress \
      --out "$work/load" >"$work/load.log" 2>&1 || die "$s/$i: load failed: $(tail -n 2 "$work/load.log")"
    echo disable >&3
    read -r -t 60 _ <&4 || die "$s/$i: perf did not acknowledge disable"
    exec 3>&- 4<&-
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
    perf_pid=""
    stop_bounded "$server_pid" || die "$s/$i: the server ignored SIGTERM"
    server_pid=""
    [[ $(last "$work/load/summary.csv" completed) == "$count" ]] ||
      die "$s/$i: completed $(last "$work/load/summary.csv" completed) of $count"
    read -r st sc sm sby <<<"$(per_conn "$work/server.perf")"
    read -r ct cc cm cby <<<"$(per_conn "$work/client.perf")"
    echo "| $s/$i | $st | $sc | $sby | $ct | $cc |"
    csv+=$'\n'"$s/$i,server,$st,$sc,$sm,$sby"$'\n'"$s/$i,client,$ct,$cc,$cm,$cby"
  done
done
if [[ -n $out ]]; then
  { printf '%s\n' "$csv" >"$out.tmp.$$" && mv "$out.tmp.$$" "$out"; } || die "cannot write $out"
fi
