#!/usr/bin/env bash
# syscalls.sh: what each strategy x io asks of the kernel per connection. For every
# configuration the server runs here, a fresh server (threads) takes --count
# connections from acceptbench-load --kernel-counters, which counts both sides'
# system calls (in all and by name), context switches and migrations over exactly
# the measured window (perf stat, switched on and off at the window's edges). With
# --tools, wrk and ab load the first configuration too, and perf stat counts them
# over their whole life: the load generators side by side. Counts, unlike times,
# are the same on any machine with this kernel and build.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/server.sh
. "$ROOT/bench/lib/server.sh"
# shellcheck source-path=SCRIPTDIR source=lib/kcount.sh
. "$ROOT/bench/lib/kcount.sh"
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
  --tools yes|no       also count wrk and ab against the first configuration (default no)
  --out FILE           also write the figures as CSV to FILE (atomically)
  -h, --help           this text
acceptbench-load's figures cover its measured window; wrk's and ab's their whole
life, start-up included (a few hundred calls: under 0.1 per connection at the
default count).
USAGE
}

bin=$ROOT/build strategies=all ios=all workers=2 count=4000 inflight=8 tools=no out=""
parse_options "--bin bin --strategies strategies --io ios --workers workers --count count
  --connections inflight --tools tools --out out" "$@"
for n in workers count inflight; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || usage_error "--$n: '${!n}' is not a positive whole number"
done
[[ $tools == yes || $tools == no ]] || usage_error "--tools: '$tools' is not yes or no"
build_programs "$bin"
[[ -x $server_bin && -x $load_bin ]] || usage_error "--bin: no acceptbench programs in '$bin' (build first: ./run_bench.sh build)"
kcount_check || die "$kcount_why"

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
server_pid="" outside_pid=""
cleanup() {
  [[ -z $outside_pid ]] || kill -INT "$outside_pid" 2>/dev/null || true
  [[ -z $server_pid ]] || stop_bounded "$server_pid" || true
  kcount_hold_stop
  rm -rf "$work"
}
trap cleanup EXIT
kcount_hold_start

# figures FILE SIDE: "total cs migrations name=per_conn ..." for SIDE from the
# generator's kernel.csv (names at 0.05 per connection or more).
figures() {
  awk -F, -v side="$2" '
    NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $c["side"] != side || $c["thread"] != "all" { next }
    $c["counter"] == "syscalls" { t = $c["per_conn"] }
    $c["counter"] == "context_switches" { cs = $c["per_conn"] }
    $c["counter"] == "migrations" { m = $c["per_conn"] }
    $c["counter"] ~ /^syscall:/ && $c["per_conn"] >= 0.05 {
      by = by sprintf(" %s=%.2f", substr($c["counter"], 9), $c["per_conn"]) }
    END { printf "%.2f %.2f %.3f%s\n", t, cs, m, by }' "$1"
}

# perf_figures FILE N: the same from perf stat's own CSV (-x,), per N connections.
perf_figures() {
  awk -F, -v n="$2" '
    $3 == "raw_syscalls:sys_enter" { t = $1 }
    $3 == "context-switches" { cs = $1 }
    $3 == "cpu-migrations" { m = $1 }
    $3 ~ /^syscalls:sys_enter_/ && $1 + 0 >= n / 20 {
      by = by sprintf(" %s=%.2f", substr($3, 20), $1 / n) }
    END { printf "%.2f %.2f %.3f%s\n", t / n, cs / n, m / n, by }' "$1"
}

csv="configuration,side,syscalls_per_conn,context_switches_per_conn,migrations_per_conn,by_name"
echo "| configuration | server syscalls / conn | server context switches / conn | by name (>= 0.05 / conn) | client syscalls / conn | client context switches / conn |"
echo "|---|---:|---:|---|---:|---:|"
row() {
  local name=$1 st sc sm sby ct cc cm cby
  read -r st sc sm sby <<<"$2"
  read -r ct cc cm cby <<<"$3"
  echo "| $name | $st | $sc | $sby | $ct | $cc |"
  csv+=$'\n'"$name,server,$st,$sc,$sm,$sby"$'\n'"$name,client,$ct,$cc,$cm,$cby"
}

first=""
for s in $strategies; do
  for i in $ios; do
    opts=(--strategy "$s" --io "$i" --workers "$workers" --listen 127.0.0.1:0)
    if ! server_check "$server_bin" "${opts[@]}"; then
      echo "| $s/$i | skipped: $server_error | | | | |"
      continue
    fi
    [[ -n $first ]] || first="$s $i"
    server_start --stdout "$work/server.log" server_pid "$work/ready" "$work/server.log" \
      timeout 300 "$server_bin" "${opts[@]}" --ready-file "$work/ready" || die "$s/$i: $server_error"
    rm -rf "$work/load"
    timeout 300 "$load_bin" --target "127.0.0.1:$(ready_value "$work/ready" port)" \
      -c "$inflight" -n "$count" --no-progress --kernel-counters \
      --server-pid "$(ready_value "$work/ready" pid)" --out "$work/load" >"$work/load.log" 2>&1 ||
      die "$s/$i: load failed: $(tail -n 2 "$work/load.log")"
    stop_bounded "$server_pid" || die "$s/$i: the server ignored SIGTERM"
    server_pid=""
    [[ $(last "$work/load/summary.csv" completed) == "$count" ]] ||
      die "$s/$i: completed $(last "$work/load/summary.csv" completed) of $count"
    [[ -n $(last "$work/load/summary.csv" server_syscalls_per_conn) ]] ||
      die "$s/$i: no kernel counts: $(grep 'kernel counters' "$work/load.log")"
    row "$s/$i" "$(figures "$work/load/kernel.csv" server)" "$(figures "$work/load/kernel.csv" client)"
  done
done

# tool NAME CMD...: run a load generator under perf stat (its whole life) while a
# second perf stat counts the server over the same span; per completed connection,
# which tool_done reads from the tool's output.
tool() {
  local name=$1 pid; shift
  read -r s i <<<"$first"
  server_start --stdout "$work/server.log" server_pid "$work/ready" "$work/server.log" \
    timeout 300 "$server_bin" --strategy "$s" --io "$i" --workers "$workers" \
    --listen 127.0.0.1:0 --ready-file "$work/ready" || die "$name: $server_error"
  port=$(ready_value "$work/ready" port) pid=$(ready_value "$work/ready" pid)
  rm -f "$work/ctl" "$work/ack"
  mkfifo "$work/ctl" "$work/ack"
  # Counting off until perf acknowledges "enable": it has opened its events by then.
  timeout 300 perf stat -x, -e "$KCOUNT_EVENTS" -p "$pid" -D -1 --control "fifo:$work/ctl,$work/ack" \
    -o "$work/server.perf" 2>/dev/null &
  outside_pid=$!
  exec 3>"$work/ctl" 4<"$work/ack"
  echo enable >&3
  read -r -t 60 _ <&4 || die "$name: perf did not acknowledge enable"
  timeout 300 perf stat -x, -e "$KCOUNT_EVENTS" -o "$work/client.perf" -- "${@//PORT/$port}" \
    >"$work/$name.out" 2>&1 || die "$name failed: $(tail -n 2 "$work/$name.out")"
  exec 3>&- 4<&-
  kill -INT "$outside_pid"
  wait "$outside_pid" || true
  outside_pid=""
  stop_bounded "$server_pid" || die "$name: the server ignored SIGTERM"
  server_pid=""
}

if [[ $tools == yes && -n $first ]]; then
  for t in wrk ab; do
    command -v "$t" >/dev/null || die "--tools: $t is not installed: apt-get install ${t/ab/apache2-utils}"
  done
  # ab: HTTP/1.0 without keep-alive, exactly --count connections.
  tool ab ab -q -c "$inflight" -n "$count" "http://127.0.0.1:PORT/hello"
  done_n=$(awk '/^Complete requests:/ { print $3 }' "$work/ab.out")
  row "${first/ /\/} (ab)" "$(perf_figures "$work/server.perf" "$done_n")" "$(perf_figures "$work/client.perf" "$done_n")"
  # wrk has no count mode: 2 s, a new connection per request (Connection: close).
  tool wrk wrk -t 1 -c "$inflight" -d 2s -H "Connection: close" "http://127.0.0.1:PORT/hello"
  done_n=$(awk '/requests in/ { print $1 }' "$work/wrk.out")
  row "${first/ /\/} (wrk)" "$(perf_figures "$work/server.perf" "$done_n")" "$(perf_figures "$work/client.perf" "$done_n")"
fi
if [[ -n $out ]]; then
  { printf '%s\n' "$csv" >"$out.tmp.$$" && mv "$out.tmp.$$" "$out"; } || die "cannot write $out"
fi
