#!/usr/bin/env bash
# reproduce_echo.sh: the second classic experiment, run again with acceptbench.
#
# The experiment: an echo server that writes back what it reads, upper-cased, with one
# worker per CPU, each on its own SO_REUSEPORT socket (SO_REUSEADDR and SO_REUSEPORT
# set before bind); `ss -tlpn` shows one listener per worker process. This script
# starts acceptbench-server that way on 127.0.0.1, or with --net veth on 198.18.0.1
# in a network namespace of its own (bench/lib/net.sh), (--protocol echo --strategy
# reuseport, --model process when the server has it), checks the listeners with
# `ss -tlpn` (one per worker; one per PID with processes), drives it with
# acceptbench-load (echo payload, every reply checked byte for byte; with --net veth
# from the other namespace) and prints a table, also written to report.md in the
# results folder.
set -euo pipefail

PROG=reproduce_echo.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$here/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/server.sh
. "$here/lib/server.sh"
# shellcheck source-path=SCRIPTDIR source=lib/net.sh
. "$here/lib/net.sh"

bin=${BUILD_DIR:-$root/build}
workers=$(nproc)
model=""
count=20000
connections=16
threads=2
payload=64
requests=1
net=loopback
out=""

usage() {
  cat <<USAGE
Usage: bench/$PROG [options]
Run the second classic experiment (echo, one SO_REUSEPORT worker per CPU) on
127.0.0.1 (or, with --net veth, between two network namespaces): check the
listeners with ss -tlpn, load it, print a table.

  --model thread|process  worker threads or forked worker processes (default: process
                          when acceptbench-server --help lists --model, else thread)
  --workers N             workers (default: CPUs online, $workers)
  --count N               connections to measure (default $count)
  --connections C         connections in flight (default $connections)
  --threads T             load generator threads (default $threads)
  --payload P             what each request sends: a size (64, 1k: that many bytes of
                          a..z) or text (default $payload)
  --requests-per-conn K   echo exchanges per connection (default $requests)
  --net loopback|veth     loopback (127.0.0.1), or two network namespaces joined by a
                          veth pair, each side's receive work steered (RPS) to every
                          CPU, as on two hosts (needs root and ip; bench/lib/net.sh).
                          Default loopback: the published figures (README) were
                          measured there
  --out DIR               results folder (default results/<UTC time>-reproduce-echo/)
  --bin DIR               build tree with the programs (default \$BUILD_DIR or build/)
  -h, --help              this text

Every command is bounded by timeout; the server is stopped, and the namespaces of
--net veth removed, on exit, also on Ctrl-C and SIGTERM.
Exit status: 0 done, 1 a check or the run failed, 2 bad usage (also: --net veth
cannot be set up here).
USAGE
}

parse_options "--model model --workers workers --count count --connections connections
  --threads threads --payload payload --requests-per-conn requests --net net --out out
  --bin bin" "$@"
net_check_mode "$net"

for v in workers count connections threads requests; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || usage_error "--${v//_/-}: a positive integer, not '${!v}'"
done
build_programs "$bin"
for b in "$server_bin" "$load_bin"; do
  [[ -x $b ]] || die "$b is missing: build first (cmake -S . -B build && cmake --build build) or give --bin"
done
command -v ss >/dev/null || die "ss (iproute2) is needed to check the listeners"

has_model=0
"$server_bin" --help | grep -q -- '--model' && has_model=1
if [[ -z $model ]]; then
  model=thread
  ((has_model)) && model=process
fi
case $model in
  thread|process) ;;
  *) usage_error "--model: thread or process, not '$model'" ;;
esac
model_args=()
if ((has_model)); then
  model_args=(--model "$model")
elif [[ $model != thread ]]; then
  die "--model $model: this acceptbench-server has no --model option yet (threads only)"
fi

server_job=""
load_job=""
cleanup() {
  local j
  for j in "$load_job" "$server_job"; do
    if [[ -n $j ]] && kill -0 "$j" 2>/dev/null; then
      kill -TERM "$j" 2>/dev/null || true
      wait "$j" 2>/dev/null || true
    fi
  done
  load_job=""
  server_job=""
}
trap 'cleanup; net_teardown' EXIT
trap 'cleanup; net_teardown; echo "$PROG: interrupted; what was measured is in ${out:-no folder yet}" >&2; exit 130' INT TERM

# The topology: loopback, or the server and the load generator on two hosts (veth).
net_choose "$net" "" ""

if [[ -z $out ]]; then
  out=$root/results/$(date -u +%Y%m%dT%H%M%SZ)-reproduce-echo
fi
mkdir -p "$out/logs" || die "cannot create $out"
out=$(cd "$out" && pwd)

ready=$out/logs/ready
log=$out/logs/server.log
server_start --stdout "$log" server_job "$ready" "$log" "${NET_SERVER_RUN[@]}" \
  timeout --kill-after=5 600 "$server_bin" \
  --protocol echo --strategy reuseport --io blocking "${model_args[@]}" --workers "$workers" \
  --listen "$NET_ADDR:0" --admin "$NET_ADDR:0" --ready-file "$ready" || die "$server_error"
port=$(ready_value "$ready" port)
admin=$(ready_value "$ready" admin_port)
[[ -n $port && -n $admin ]] || die "ready file lacks port= or admin_port="

# One listener per worker on the port; with processes, each owned by its own PID.
# (In the server's namespace, where its listeners are.)
"${NET_SERVER_RUN[@]}" ss -Htlpn "sport = :$port" >"$out/logs/ss.txt" || die "ss -tlpn failed"
listeners=$(wc -l <"$out/logs/ss.txt")
pids=$(grep -o 'pid=[0-9]*' "$out/logs/ss.txt" | sort -u | wc -l)
[[ $listeners == "$workers" ]] ||
  die "ss -tlpn shows $listeners listeners on port $port, expected $workers (see logs/ss.txt)"
if [[ $model == process ]]; then
  [[ $pids == "$workers" ]] ||
    die "ss -tlpn shows $pids PIDs owning port $port, expected one per worker process ($workers)"
fi

# A job waited for, so that a SIGTERM to this script is handled at once (bash runs
# traps only after a foreground command ends).
"${NET_CLIENT_RUN[@]}" timeout --kill-after=5 600 "$load_bin" --protocol echo --payload "$payload" \
  --requests-per-conn "$requests" --target "$NET_ADDR:$port" --stats "$NET_ADDR:$admin" \
  --count "$count" --connections "$connections" --threads "$threads" --no-progress \
  --topology "$NET_TOPOLOGY" \
  --out "$out/load" --label "echo-$model" >"$out/logs/client.log" 2>&1 &
load_job=$!
rc=0
wait "$load_job" || rc=$?
load_job=""
((rc == 0)) || die "acceptbench-load failed: $(tail -n 3 "$out/logs/client.log")"
cleanup
net_teardown

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "kernel: $(uname -r)"
  echo "nproc: $(nproc)"
  echo "loadavg: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "topology: $NET_DESCRIPTION"
  echo "git: $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
} >"$out/env.txt"

report() {
  echo "# The second classic experiment, reproduced"
  echo
  echo "echo server, $workers workers ($model model), one SO_REUSEPORT socket each, blocking io;"
  echo "payload $payload, $requests exchange(s) per connection, every reply checked byte for byte;"
  echo "$(nproc) CPUs, Linux $(uname -r)."
  echo "Topology: $NET_DESCRIPTION."
  echo
  echo "\`ss -tlpn\` on port $port: $listeners listeners, $pids distinct PIDs:"
  echo
  echo '```'
  awk '{ print $4, $6 }' "$out/logs/ss.txt"
  echo '```'
  echo
  echo "| model | workers | connections | conn/s | total p50 us | total p99 us | server user s | server sys s | client user s | client sys s | per-worker (/stats) | max/min | errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"
  local sum wk
  sum=$out/load/summary.csv
  wk=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
         { c[$h["worker"]] = $h["server_accepted"]; if ($h["worker"] + 1 > n) n = $h["worker"] + 1 }
         END { for (w = 0; w < n; w++) printf "%s%s", (w ? " " : ""), c[w] }' "$out/load/workers.csv")
  awk -F, -v model="$model" -v wk="$wk" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { e = 0; for (k in h) if (k ~ /^errors_/) e += $h[k]
      printf "| %s | %s | %s | %.0f | %s | %s | %.2f | %.2f | %.2f | %.2f | %s | %s | %d |\n",
        model, $h["workers"], $h["completed"], $h["conn_per_s"], $h["total_p50_us"],
        $h["total_p99_us"], $h["server_user_s"], $h["server_sys_s"], $h["client_user_s"],
        $h["client_sys_s"], wk, ($h["max_min"] == "" ? "-" : $h["max_min"]), e }' "$sum"
  echo
  echo "The load generator's CSVs: load/; the server's and client's output and ss: logs/."
}
report >"$out/report.md"
cat "$out/report.md"
errors=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
  { for (k in h) if (k ~ /^errors_/) e += $h[k] } END { print e + 0 }' "$out/load/summary.csv")
[[ $errors == 0 ]] || die "$errors connections failed (see $out/logs/client.log)"
