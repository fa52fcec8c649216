#!/usr/bin/env bash
# matrix.sh: the comparison. Every configuration of the axes asked for (strategy,
# io, model, protocol, workers, connections) runs --repeat times, repeats
# interleaved so that drift hits all alike: a fresh server per run, driven by
# acceptbench-load, its rows appended to the results folder; then plot.sh draws
# the charts and report.md. The axes' values come from the server (--list,
# --compared), and what this machine cannot run is skipped with the server's reason.
# Where perf can count the syscall tracepoints, the load counts the kernel's work
# (system calls, context switches, TCP drops) over each window; where it cannot,
# env.txt says why, and the run is otherwise the same.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/build.sh
. "$ROOT/bench/lib/build.sh"
# shellcheck source-path=SCRIPTDIR source=lib/server.sh
. "$ROOT/bench/lib/server.sh"
# shellcheck source-path=SCRIPTDIR source=lib/net.sh
. "$ROOT/bench/lib/net.sh"
# shellcheck source-path=SCRIPTDIR source=lib/kcount.sh
. "$ROOT/bench/lib/kcount.sh"
job_name matrix.sh

usage() {
  cat <<USAGE
Usage: $CMD [options]
Build, run every strategy x io x model x protocol x workers x connections
configuration --repeat times (interleaved, so drift hits all alike), then
aggregate, plot and report. The four axes take a comma list, or all: every value
the server has (acceptbench-server --list AXIS); each defaults to the server's
default comparison (acceptbench-server --compared AXIS).
  --strategies LIST       how connections reach workers
  --io LIST               how workers wait
  --models LIST           what a worker is
  --protocols LIST        what is said on a connection
  --workers LIST          server workers; a list sweeps (default 4)
  --connections LIST      client connections in flight; a list sweeps (default 50)
  --rate R                open loop at R connections/s instead of closed loop
  --duration D            measured time per run (default 4s)
  --warmup D              load before measuring, excluded (default 1s)
  --repeat N              runs per configuration (default 3)
  --requests-per-conn K   requests per connection (default 1)
  --work-us N|S=N,...     server busy CPU per request, microseconds, for every
                          strategy or per strategy (pool=500) (default 0)
  --threads T             client threads (default: the client's CPUs)
  --measure-locality      the server counts accepts on the worker's own CPU (SO_INCOMING_CPU;
                          always on for strategies that pin workers)
  --no-kernel-counters    do not count system calls, context switches and TCP drops
                          (default: count them where perf can: root or
                          kernel.perf_event_paranoid <= -1, and linux-perf)
  --pin / --no-pin        server and client on separate CPU sets (default: pin with >= 2 CPUs)
  --server-cpus LIST      the server's CPUs (e.g. 0-1; default: the first half)
  --client-cpus LIST      the load generator's CPUs (default: the second half); may overlap
  --net loopback|veth     loopback, or two network namespaces joined by a veth pair,
                          each side's receive work steered (RPS) to its own CPUs, as on
                          two hosts (default: veth where it can be set up: root, ip)
  --delay D / --jitter D  veth: tc netem delay on both ends (one way: RTT is 2D), jitter
  --loss P                veth: tc netem loss on both ends, percent (e.g. 0.1%)
  --label L               name of the results folder's suffix (default compare)
  --out DIR               results folder (default results/<UTC time>-<label>)
  --bin DIR               use the programs already built in DIR (skip the build)
  --base-server PATH      A/B: run every configuration with this server too (another
                          revision's), alternating with this tree's, the order swapped
                          every repeat; the same load generator drives both
  --base-out DIR          where the base server's rows go (required with --base-server)
  --no-plot               leave out the charts and report.md (the CSVs are all written)
  -h, --help              this text
Rows are labelled strategy/io, then /model and /protocol when those vary.
USAGE
}

check_numbers() {
  local opt=$1 v
  for v in ${2//,/ }; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || usage_error "$opt: '$v' is not a positive whole number (e.g. 4 or 2,4,8)"
  done
}

# cpu_range LO HI: the CPU list of LO..HI ("1" when they are one).
cpu_range() {
  if [[ $1 == "$2" ]]; then echo "$1"; else echo "$1-$2"; fi
}

check_duration() {
  [[ $2 =~ ^[0-9]+(\.[0-9]+)?(us|ms|s|m)?$ ]] || usage_error "$1: '$2' is not a duration (use e.g. 4s, 500ms)"
}

# axis OPTION VALUE AXIS: the values to run, space-separated: VALUE's comma list
# (each one the server has), every value for "all", the server's compared set for "".
axis() {
  local opt=$1 value=$2 name=$3 have v
  if [[ -z $value ]]; then
    axis_values "$server_bin" compared "$name" ||
      die "$server_bin --compared $name failed (is $BIN built from this tree?)"
    return
  fi
  have=$(axis_values "$server_bin" list "$name") || die "$server_bin --list $name failed"
  [[ $value == all ]] && { echo "$have"; return; }
  for v in ${value//,/ }; do
    [[ " $have " == *" $v "* ]] || usage_error "$opt: unknown '$v' (use $have or all)"
  done
  echo "${value//,/ }"
}

# work_us_for SPEC STRATEGY: the --work-us for that strategy ("50" or "pool=500,...").
work_us_for() {
  local spec=$1 strategy=$2 item
  [[ $spec =~ ^[0-9]+$ ]] && { echo "$spec"; return; }
  for item in ${spec//,/ }; do
    [[ ${item%%=*} == "$strategy" ]] && { echo "${item#*=}"; return; }
  done
  echo 0
}

# kernel_counters_check: what acceptbench-load --kernel-counters can count here,
# decided once per run. Sets kcount to yes (perf's counts and the namespaces' TCP
# counters), tcp (the TCP counters alone: they need no perf) or no, and kcount_env
# to env.txt's kernel_counters line: what is counted, or "off: " why not and what
# would change that. Never fails: without counters the run goes on as before.
kernel_counters_check() {
  local help
  kcount=no
  # Read whole: grep -q quitting early would fail the pipe under pipefail.
  help=$("$load_bin" --help 2>/dev/null || true)
  if [[ $kernel_counters == no ]]; then
    kcount_env="off: --no-kernel-counters was given; run without it to count"
  elif [[ $help != *--kernel-counters* ]]; then
    kcount_env="off: $load_bin has no --kernel-counters; rebuild it from this tree"
  elif ! kcount_check; then
    kcount=tcp
    kcount_env="off: $kcount_why (the TCP drop counters are still read)"
  else
    kcount=yes
    kcount_env="perf $(perf --version 2>/dev/null | awk '{print $NF}'), syscalls:sys_enter_* tracepoints, over the measured window"
  fi
}

write_env() {
  local f=$1; shift
  {
    echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "kernel: $(uname -r)"
    echo "cpu_model: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
    echo "nproc: $(nproc)"
    # Each side's settings as its namespace has them (the same on loopback).
    local k
    for k in net.core.somaxconn net.ipv4.tcp_migrate_req net.ipv4.tcp_max_syn_backlog; do
      echo "$k: $("${server_net[@]}" sysctl -n "$k" 2>/dev/null | tr '\t' ' ' || echo unavailable)"
    done
    for k in net.ipv4.tcp_tw_reuse net.ipv4.ip_local_port_range; do
      echo "$k: $("${client_net[@]}" sysctl -n "$k" 2>/dev/null | tr '\t' ' ' || echo unavailable)"
    done
    echo "compiler: $(cc --version | head -n 1)"
    echo "git_revision: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)$(
      git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (modified)')"
    # What this kernel does with EPOLLEXCLUSIVE, reuseport CBPF, SO_INCOMING_CPU, io_uring.
    "$server_bin" --probe 2>/dev/null || echo "probe: failed"
    echo "server_cpus: ${server_cpus:-any}"
    echo "client_cpus: ${client_cpus:-any}"
    echo "topology: $topology"
    echo "kernel_counters: $kcount_env"
    echo "command: $*"
  } >"$f"
}

strategies="" io="" models="" protocols="" workers=4 connections=50 rate="" duration=4s warmup=1s
repeat=3 rpc=1 work_us=0 threads="" pin_mode=auto label=compare out="" bin=""
net=auto server_cpus="" client_cpus="" delay="" jitter="" loss="" locality=no kernel_counters=yes
base_server="" base_out="" plot=yes
cmdline="$CMD $*"
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --pin) pin_mode=yes; shift; continue ;;
    --no-pin) pin_mode=no; shift; continue ;;
    --measure-locality) locality=yes; shift; continue ;;
    --no-plot) plot=no; shift; continue ;;
    --no-kernel-counters) kernel_counters=no; shift; continue ;;
  esac
  [[ $# -ge 2 ]] || usage_error "$1 needs a value (see $CMD --help)"
  case $1 in
    --strategies) strategies=$2 ;;
    --io) io=$2 ;;
    --models) models=$2 ;;
    --protocols) protocols=$2 ;;
    --workers) check_numbers "$1" "$2"; workers=$2 ;;
    --connections) check_numbers "$1" "$2"; connections=$2 ;;
    --rate) check_numbers "$1" "$2"; rate=$2 ;;
    --duration) check_duration "$1" "$2"; duration=$2 ;;
    --warmup) [[ $2 == 0 ]] || check_duration "$1" "$2"; warmup=$2 ;;
    --repeat) check_numbers "$1" "$2"
              [[ $2 -le 64 ]] || usage_error "--repeat: at most 64 (the exact U test of the ci job takes up to 64 samples)"
              repeat=$2 ;;
    --requests-per-conn) check_numbers "$1" "$2"; rpc=$2 ;;
    --work-us) [[ $2 =~ ^([0-9]+|([a-z-]+=[0-9]+)(,[a-z-]+=[0-9]+)*)$ ]] ||
                 usage_error "--work-us: '$2' is not microseconds (use 50, or pool=500,shared=0)"
               work_us=$2 ;;
    --threads) check_numbers "$1" "$2"; threads=$2 ;;
    --label) [[ $2 =~ ^[A-Za-z0-9._-]+$ ]] || usage_error "--label: use letters, digits, . _ - only"
             label=$2 ;;
    --out) out=$2 ;;
    --bin) bin=$2 ;;
    --base-server) [[ -x $2 ]] || usage_error "--base-server: '$2' is not an executable"
                   base_server=$2 ;;
    --base-out) base_out=$2 ;;
    --server-cpus) net_mask "$2" >/dev/null || usage_error "$1: '$2' is not a CPU list (e.g. 0-1 or 0,2)"
                   server_cpus=$2 ;;
    --client-cpus) net_mask "$2" >/dev/null || usage_error "$1: '$2' is not a CPU list (e.g. 1 or 2-3)"
                   client_cpus=$2 ;;
    --net) net_check_mode "$2"; net=$2 ;;
    --delay|--jitter) [[ $2 =~ ^[0-9]+(\.[0-9]+)?(us|ms|s)$ ]] ||
                        usage_error "$1: '$2' is not a delay (use e.g. 5ms or 500us)"
                      printf -v "${1#--}" '%s' "$2" ;;
    --loss) [[ $2 =~ ^[0-9]+(\.[0-9]+)?%?$ ]] || usage_error "--loss: '$2' is not a percentage (use e.g. 0.1%)"
            loss=${2%\%}% ;;
    *) usage_error "run: unknown option '$1' (see $CMD --help)" ;;
  esac
  shift 2
done
[[ -z $base_server || -n $base_out ]] || usage_error "--base-server needs --base-out DIR"
[[ -n $base_server || -z $base_out ]] || usage_error "--base-out is for --base-server"
prepare_bin "$bin"
build_programs "$BIN"
strategies=$(axis --strategies "$strategies" strategy)
io=$(axis --io "$io" io)
models=$(axis --models "$models" model)
protocols=$(axis --protocols "$protocols" protocol)

[[ -n $delay || -z $jitter ]] || usage_error "--jitter needs --delay"
[[ $net != loopback || -z $delay$loss ]] || usage_error "--delay, --jitter and --loss shape a veth pair: use --net veth"
[[ -n $delay$loss ]] && net=veth
ncpu=$(nproc)
if [[ -n $server_cpus$client_cpus ]]; then
  [[ $pin_mode != no ]] || usage_error "--no-pin with --server-cpus or --client-cpus: choose one"
  pin_mode=yes
fi
if [[ $pin_mode == yes || ($pin_mode == auto && $ncpu -ge 2) ]]; then
  [[ $ncpu -ge 2 || -n $server_cpus$client_cpus ]] ||
    usage_error "--pin needs at least 2 CPUs (this machine has $ncpu)"
  half=$((ncpu / 2))
  [[ -n $server_cpus ]] || server_cpus=$(cpu_range 0 $((half - 1)))
  [[ -n $client_cpus ]] || client_cpus=$(cpu_range "$half" $((ncpu - 1)))
fi
if [[ -z $threads ]]; then
  threads=1
  [[ -z $client_cpus ]] || threads=$(taskset -c "$client_cpus" nproc) ||
    usage_error "--client-cpus: '$client_cpus' are not CPUs of this machine"
fi
# taskset execs the program, so a background job's $! is the program itself.
server_pin=() client_pin=()
[[ -z $server_cpus ]] || server_pin=(taskset -c "$server_cpus")
[[ -z $client_cpus ]] || client_pin=(taskset -c "$client_cpus")

# The topology: two hosts on veth where this machine allows it (explicit: or say why
# not and stop), else loopback. Whatever way the run ends, the namespaces go.
trap net_teardown EXIT
trap 'net_teardown; exit 130' INT TERM
net_choose "$net" "$server_cpus" "$client_cpus" "$delay" "$jitter" "$loss"
listen_addr=$NET_ADDR topology=$NET_DESCRIPTION topology_tag=$NET_TOPOLOGY
server_net=("${NET_SERVER_RUN[@]}") client_net=("${NET_CLIENT_RUN[@]}")

dir=${out:-$(results_dir "$label")}
mkdir -p "$dir/logs" || die "cannot create $dir"
kernel_counters_check
[[ $kcount == yes ]] || echo "$PROG: kernel counters $kcount_env"
write_env "$dir/env.txt" "$cmdline"

# name S I M P: the configuration's label: strategy/io, then each other axis that
# has more than one value in this run.
name() {
  local n="$1/$2"
  [[ $models == *" "* ]] && n+="/$3"
  [[ $protocols == *" "* ]] && n+="/$4"
  echo "$n"
}

# server_args S I M P W: the server's options for a configuration (--listen and
# --admin on port 0; /stats is read from the admin listener, whatever the protocol).
server_args() {
  local w_us
  srv=(--strategy "$1" --io "$2" --model "$3" --protocol "$4" --workers "$5"
       --listen "$listen_addr:0" --admin "$listen_addr:0")
  w_us=$(work_us_for "$work_us" "$1")
  [[ $w_us == 0 ]] || srv+=(--work-us "$w_us")
  [[ $locality == no ]] || srv+=(--measure-locality)
}

# skip DIR NAME W REASON: record in DIR a configuration that cannot run, once.
skip() {
  grep -qxF "$2 w$3: $4" "$1/skipped.txt" 2>/dev/null || echo "$2 w$3: $4" >>"$1/skipped.txt"
}

# runnable S I M P W: can this machine run that server configuration? The server,
# pinned as it will run, says so (--check) once per configuration; what it refuses
# is said, with its reason, and kept in skipped.txt for the report. With
# --base-server, the base server is asked too: what it refuses (a strategy it
# lacks, an option it does not know) runs without its A/B twin, said in the base
# folder's skipped.txt.
declare -A verdict=() base_verdict=()
runnable() {
  local key="$*" rc=0
  if [[ ! -v verdict[$key] ]]; then
    server_args "$@"
    server_check "${server_pin[@]}" "$server_bin" "${srv[@]}" || rc=$?
    case $rc in
      0) verdict[$key]=yes ;;
      3) verdict[$key]=no
         echo "$PROG: skipped $(name "$@") w$5: $server_error"
         skip "$dir" "$(name "$@")" "$5" "$server_error" ;;
      *) usage_error "the server refuses $(name "$@") w$5: $server_error" ;;
    esac
    if [[ -n $base_server && ${verdict[$key]} == yes ]]; then
      base_verdict[$key]=yes
      if ! server_check "${server_pin[@]}" "$base_server" "${srv[@]}"; then
        base_verdict[$key]=no
        echo "$PROG: no A/B for $(name "$@") w$5: the base server refuses it: $server_error"
        skip "$base_out" "$(name "$@")" "$5" "the base server refuses it: $server_error"
      fi
    fi
  fi
  [[ ${verdict[$key]} == yes ]]
}

# Every combination, in run order: "workers connections protocol model strategy io".
combos=("")
for values in "${workers//,/ }" "${connections//,/ }" "$protocols" "$models" "$strategies" "$io"; do
  next=()
  for cfg in "${combos[@]}"; do
    for v in $values; do
      next+=("${cfg:+$cfg }$v")
    done
  done
  combos=("${next[@]}")
done
configs=()
for cfg in "${combos[@]}"; do
  read -r w c p m s i <<<"$cfg"
  if runnable "$s" "$i" "$m" "$p" "$w"; then configs+=("$cfg"); fi
done
[[ ${#configs[@]} -gt 0 ]] || die "this machine can run none of the configurations asked for (see $dir/skipped.txt)"

SERVER_PID=""
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  stop_bounded "$SERVER_PID" || true
  SERVER_PID=""
}
kcount_hold_pids=()
trap 'stop_server; kcount_hold_stop; net_teardown' EXIT
trap 'stop_server; kcount_hold_stop; net_teardown; echo "$PROG: interrupted; what was measured is in $dir" >&2; exit 130' INT TERM
# An idle perf keeps the syscall tracepoints registered between runs, so that each
# run's own perf stops in milliseconds rather than seconds (kcount.sh).
[[ $kcount != yes ]] || kcount_hold_start

# run_one SIDE: the current configuration (w c p m s i, cname, rep) once, with this
# tree's server (head) or the base server (base), its rows into that side's folder.
run_one() {
  local side=$1 sbin=$server_bin odir=$dir tag="${cname//\//-}-w$w-c$c-r$rep" rc=0 why mark=""
  n=$((n + 1))
  if [[ $side == base ]]; then
    sbin=$base_server odir=$base_out tag+=-base mark=" (base)"
  fi
  server_args "$s" "$i" "$m" "$p" "$w"
  if ! server_start --stdout "$dir/logs/server-$tag.log" SERVER_PID "$dir/logs/ready" \
       "$dir/logs/server-$tag.log" "${server_net[@]}" "${server_pin[@]}" "$sbin" "${srv[@]}" \
       --ready-file "$dir/logs/ready"; then
    stop_server
    # Refused at start-up after --check said yes (the machine changed): skip it.
    [[ $stopped_status -eq 3 ]] ||
      die "step start server $tag failed (log: $dir/logs/server-$tag.log); results so far are in $dir"
    why=$(tail -n 1 "$dir/logs/server-$tag.log")
    printf '[%d/%d] %-32s w%-3s c%-4s repeat %d: skipped: %s\n' "$n" "$total" "$cname" \
      "$w" "$c" "$rep" "${why#acceptbench-server: }"
    skip "$odir" "$cname" "$w" "${why#acceptbench-server: }"
    return
  fi
  load_args=(--target "$listen_addr:$(ready_value "$dir/logs/ready" port)"
             --stats "$listen_addr:$(ready_value "$dir/logs/ready" admin_port)" --protocol "$p"
             --connections "$c" --threads "$threads" --duration "$duration" --warmup "$warmup"
             --requests-per-conn "$rpc" --label "$cname" --topology "$topology_tag"
             --out "$odir" --no-progress)
  # Each side's CPU set: the host's busy time over the window, and who saturated.
  [[ -z $server_cpus ]] || load_args+=(--server-cpus "$server_cpus" --client-cpus "$client_cpus")
  [[ -n $rate ]] && load_args+=(--rate "$rate")
  # The server's processes are counted by pid: the main one from its ready file,
  # worker processes (--model process) from /stats.
  [[ $kcount == no ]] ||
    load_args+=(--kernel-counters --server-pid "$(ready_value "$dir/logs/ready" pid)")
  "${client_net[@]}" "${client_pin[@]}" "$load_bin" "${load_args[@]}" >"$dir/logs/load-$tag.log" 2>&1 || rc=$?
  stop_server
  [[ $rc -eq 130 ]] && { echo "$PROG: interrupted; what was measured is in $dir" >&2; exit 130; }
  [[ $rc -eq 0 ]] ||
    die "step load $tag failed (exit $rc, log: $dir/logs/load-$tag.log); results so far are in $dir"
  printf '[%d/%d] %-32s w%-3s c%-4s repeat %d%s: %s\n' "$n" "$total" "$cname" "$w" "$c" "$rep" \
    "$mark" "$(grep -oE '[0-9.]+k? conn/s' "$dir/logs/load-$tag.log" | head -n 1)"
}

total=$((repeat * ${#configs[@]})) n=0
if [[ -n $base_server ]]; then
  for cfg in "${configs[@]}"; do
    read -r w c p m s i <<<"$cfg"
    [[ ${base_verdict["$s $i $m $p $w"]} == no ]] || total=$((total + repeat))
  done
fi
echo "$PROG: $total runs of $duration (+$warmup warm-up) into $dir${base_server:+ and $base_out}"
for ((rep = 1; rep <= repeat; rep++)); do
  for cfg in "${configs[@]}"; do
    read -r w c p m s i <<<"$cfg"
    cname=$(name "$s" "$i" "$m" "$p")
    # A/B: head then base in odd repeats, base then head in even ones, so that
    # neither always runs on a machine the other has just warmed or loaded.
    if [[ -z $base_server || ${base_verdict["$s $i $m $p $w"]} == no ]]; then
      run_one head
    elif ((rep % 2)); then
      run_one head
      run_one base
    else
      run_one base
      run_one head
    fi
  done
done
rm -f "$dir/logs/ready"
kcount_hold_stop
net_teardown
trap - EXIT INT TERM

echo
[[ $plot == no ]] || ACCEPTBENCH_CMD="$CMD" "$ROOT/bench/plot.sh" --bin "$BIN" "$dir"
kfiles=""
[[ ! -f $dir/kernel.csv ]] || kfiles=" kernel.csv"
[[ ! -f $dir/syscalls.csv ]] || kfiles+=" syscalls.csv"
echo "results: $dir (CSV: summary.csv workers.csv latency.csv timeseries.csv$kfiles aggregate.csv)"
echo "report:  $dir/report.md   charts: $dir/*.png, *.svg"
