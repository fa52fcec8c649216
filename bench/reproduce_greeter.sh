#!/usr/bin/env bash
# reproduce_greeter.sh: the first classic experiment, run again with acceptbench.
#
# The experiment: a greeter server with 4 threads, each blocking in accept(), either on
# one shared listening socket or on its own SO_REUSEPORT socket, both with a listen
# backlog of 5. A client connects, sends a name, closes its write side; the server reads
# to EOF, appends "Hello, <name>" to its thread's log file and closes without a reply.
# The original client was a shell script running 4 loops of 10,000 client processes;
# its `time` figures and the log files' line counts were the published results.
#
# This script runs that configuration on 127.0.0.1 (or, with --net veth, the server on
# 198.18.0.1 in a network namespace and the clients in another: bench/lib/net.sh)
# with acceptbench-server
# (--protocol greeter --io blocking --workers 4 --backlog 5 --log-dir), driven by
#   --client load   acceptbench-load, closed loop, as many connections in flight as
#                   the original had loops (no process per connection), or
#   --client fork   bench/greet_once run from shell loops: a process per connection,
#                   as in the original, to show where its sys time went,
# and prints a table beside the published figures, also written to report.md in the
# results folder with the raw rows (greeter.csv), the load generator's CSVs, the
# logs and env.txt.
set -euo pipefail

PROG=reproduce_greeter.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$here/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/server.sh
. "$here/lib/server.sh"
# shellcheck source-path=SCRIPTDIR source=lib/net.sh
. "$here/lib/net.sh"

# The published figures (issue 8 lists them; described here in our words):
# - The original write-up: a C++ greeter with 4 threads, blocking accept(), backlog 5;
#   a client script of 4 shell loops x 10,000 client processes (40,000 connections),
#   timed with `time` around that script, so its "sys" is the client side: mostly
#   process creation, not the server. Shared socket: 43.6 s wall, 38.7 s sys, per-thread
#   log lines 9,932-10,114. SO_REUSEPORT: 31.8 s wall, 20.7 s sys, 9,928-10,184.
# - A later re-measurement with the original programs on a 2-core machine at 10,000
#   connections: 9.6 s (shared) vs 9.3 s (reuseport) wall, client sys 4.8 s vs 4.7 s,
#   about 1,050 connections/s: the fork-per-connection client was the bottleneck.
# Fields: source|client|strategy|connections|wall_s|sys_s|log_min|log_max
PUBLISHED=(
  "published|4 loops x 10,000 processes|shared|40000|43.6|38.7|9932|10114"
  "published|4 loops x 10,000 processes|reuseport|40000|31.8|20.7|9928|10184"
  "re-measured, 2 cores|original client script|shared|10000|9.6|4.8||"
  "re-measured, 2 cores|original client script|reuseport|10000|9.3|4.7||"
)

bin=${BUILD_DIR:-$root/build}
connections=40000
client=both
loops=4
workers=4
backlog=5
name=Alice
strategies=shared,reuseport
net=loopback
out=""

usage() {
  cat <<USAGE
Usage: bench/$PROG [options]
Run the first classic experiment (greeter, 4 workers, backlog 5, blocking accept,
shared socket vs SO_REUSEPORT) on 127.0.0.1 (or, with --net veth, between two
network namespaces) and compare with the published figures.

  --connections N   connections per run (default $connections, as published)
  --client MODE     load: acceptbench-load, closed loop, --loops connections in flight;
                    fork: bench/greet_once, one process per connection, from --loops
                    shell loops (the original's client); both (default $client)
  --loops N         shell loops / connections in flight (default $loops, as published)
  --strategies L    comma list of server strategies (default $strategies)
  --name NAME       the name each client sends (default $name)
  --net MODE        loopback (127.0.0.1), or veth: the server in one network namespace,
                    the clients (either kind) in another, joined by a veth pair with
                    each side's receive work steered (RPS) to every CPU, as on two
                    hosts (needs root and ip; bench/lib/net.sh). Default loopback:
                    this machine's figures in the README were measured there
  --out DIR         results folder (default results/<UTC time>-reproduce-greeter/)
  --bin DIR         build tree with the programs (default \$BUILD_DIR or build/)
  -h, --help        this text

Per run: wall time around the client (as \`time\` did), connections/s, the server's
user/sys CPU (from /stats on its --admin listener), the client's user/sys CPU (the
rusage of the client processes, as \`time\` reports it), per-worker counts from the
log files (\`wc -l\`) and from /stats, their max/min, errors. Each run is bounded by
timeout; servers and clients are stopped, and the namespaces of --net veth
removed, on exit, also on Ctrl-C and SIGTERM.
Exit status: 0 done, 1 a run failed, 2 bad usage (also: --net veth cannot be set up
here).
USAGE
}

parse_options "--connections connections --client client --loops loops
  --strategies strategies --name name --net net --out out --bin bin" "$@"
net_check_mode "$net"

[[ $connections =~ ^[1-9][0-9]*$ ]] || usage_error "--connections: a positive integer, not '$connections'"
[[ $loops =~ ^[1-9][0-9]*$ && $loops -le 64 ]] || usage_error "--loops: 1..64, not '$loops'"
((connections >= loops)) || usage_error "--connections must be at least --loops"
case $client in
  load) modes=(load) ;;
  fork) modes=(fork) ;;
  both) modes=(load fork) ;;
  *) usage_error "--client: load, fork or both, not '$client'" ;;
esac
IFS=, read -r -a strategy_list <<<"$strategies"
for s in "${strategy_list[@]}"; do
  [[ $s == pool || $s == shared || $s == reuseport ]] ||
    usage_error "--strategies: pool, shared, reuseport, not '$s'"
done
[[ -n $name && ${#name} -le 256 && $name != *[[:cntrl:]]* ]] ||
  usage_error "--name: 1..256 bytes without control characters"

build_programs "$bin"
greet_bin=$bin/bench/greet_once
for b in "$server_bin" "$load_bin" "$greet_bin"; do
  [[ -x $b ]] || die "$b is missing: build first (cmake -S . -B build && cmake --build build) or give --bin"
done

# Every run is bounded: generous for a fork-per-connection client on a slow machine.
limit=$((120 + connections / 20))

server_job=""
client_job=""
cleanup() {
  local j
  for j in "$client_job" "$server_job"; do
    if [[ -n $j ]] && kill -0 "$j" 2>/dev/null; then
      kill -TERM "$j" 2>/dev/null || true
      wait "$j" 2>/dev/null || true
    fi
  done
  client_job=""
  server_job=""
}
trap 'cleanup; net_teardown' EXIT
trap 'cleanup; net_teardown; echo "$PROG: interrupted; what was measured is in ${out:-no folder yet}" >&2; exit 130' INT TERM

# The topology: loopback, or the server and the clients on two hosts (veth).
net_choose "$net" "" ""

if [[ -z $out ]]; then
  out=$root/results/$(date -u +%Y%m%dT%H%M%SZ)-reproduce-greeter
fi
mkdir -p "$out/logs" || die "cannot create $out"
out=$(cd "$out" && pwd)

# start_server STRATEGY LOGDIR TAG: sets port, admin.
start_server() {
  local ready=$out/logs/ready log=$out/logs/server-$3.log
  mkdir -p "$2"
  server_start --stdout "$log" server_job "$ready" "$log" "${NET_SERVER_RUN[@]}" \
    timeout --kill-after=5 "$limit" \
    "$server_bin" --protocol greeter --strategy "$1" --io blocking --workers "$workers" \
    --backlog "$backlog" --listen "$NET_ADDR:0" --admin "$NET_ADDR:0" --log-dir "$2" \
    --ready-file "$ready" || die "$server_error"
  port=$(ready_value "$ready" port)
  admin=$(ready_value "$ready" admin_port)
  [[ -n $port && -n $admin ]] || die "ready file lacks port= or admin_port="
}

stop_server() {
  kill -TERM "$server_job" 2>/dev/null || true
  wait "$server_job" 2>/dev/null || true
  server_job=""
}

# stats_get FILE: the server's /stats CSV body from its --admin listener, fetched
# from the clients' side.
stats_get() {
  stats_fetch "$NET_ADDR" "$admin" "$1" "${NET_CLIENT_RUN[@]}" ||
    die "GET /stats from $NET_ADDR:$admin failed or was empty"
}

# stats_delta BEFORE AFTER: "a0 a1 ...|user_s|sys_s": per-worker accepted deltas and
# the server process's CPU over the run.
stats_delta() {
  awk -F, '
    FNR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    FILENAME == ARGV[1] { a0[$h["worker"]] = $h["accepted"]; u0 = $h["process_user_us"]
                          s0 = $h["process_sys_us"]; next }
    { a1[$h["worker"]] = $h["accepted"]; u1 = $h["process_user_us"]; s1 = $h["process_sys_us"]
      if ($h["worker"] + 1 > n) n = $h["worker"] + 1 }
    END { for (w = 0; w < n; w++) printf "%s%d", (w ? " " : ""), a1[w] - a0[w]
          printf "|%.2f|%.2f\n", (u1 - u0) / 1e6, (s1 - s0) / 1e6 }' "$1" "$2"
}

# children_cpu FILE: record in FILE the CPU of every child this shell has waited for.
# `times` must run in this shell itself: in a $(...) subshell it would see none.
children_cpu() {
  times >"$1"
}

# cpu_seconds FILE: "user sys" in seconds from what children_cpu recorded.
cpu_seconds() {
  awk 'NR == 2 { n = split($0, t, " ")
         for (i = 1; i <= 2; i++) { split(t[i], p, "m"); sub("s", "", p[2]); v[i] = p[1] * 60 + p[2] }
         printf "%.3f %.3f\n", v[1], v[2] }' "$1"
}

now_ns() { date +%s%N; }

# The fork client: LOOPS shell loops, each running greet_once sequentially; each loop
# writes its failure count. Run by `bash -c` under timeout, so one kill stops it all.
# shellcheck disable=SC2016  # expanded by the inner bash
fork_client='
greet=$1 target=$2 name=$3 loops=$4 n=$5 dir=$6
for ((l = 0; l < loops; l++)); do
  (
    cnt=$((n / loops + (l < n % loops ? 1 : 0)))
    f=0
    for ((i = 0; i < cnt; i++)); do
      "$greet" "$target" "$name" 2>>"$dir/greet-$l.err" || f=$((f + 1))
    done
    echo "$f" >"$dir/fails-$l"
  ) &
done
wait
'

rows=$out/greeter.csv
echo "source,client,strategy,connections,completed,errors,wall_s,conn_per_s,server_user_s,server_sys_s,client_user_s,client_sys_s,log_counts,stats_counts,log_max_min,bad_log_lines" >"$rows"

# run_one MODE STRATEGY: one measured run; appends a row to greeter.csv.
run_one() {
  local mode=$1 s=$2 tag="$1-$2"
  local logdir=$out/logs/greetings-$tag
  start_server "$s" "$logdir" "$tag"
  stats_get "$out/logs/stats-$tag-before.csv"
  local cpu0 cpu1 t0 t1 rc=0
  children_cpu "$out/logs/times-$tag-before"
  t0=$(now_ns)
  if [[ $mode == load ]]; then
    "${NET_CLIENT_RUN[@]}" timeout --kill-after=5 "$limit" "$load_bin" --protocol greeter \
      --payload "$name" --target "$NET_ADDR:$port" --stats "$NET_ADDR:$admin" \
      --count "$connections" --connections "$loops" --threads 1 --timeout 30s --no-progress \
      --topology "$NET_TOPOLOGY" \
      --out "$out/load" --label "$tag" >"$out/logs/client-$tag.log" 2>&1 &
  else
    local fdir=$out/logs/fork-$tag
    mkdir -p "$fdir"
    "${NET_CLIENT_RUN[@]}" timeout --kill-after=5 "$limit" bash -c "$fork_client" _ "$greet_bin" \
      "$NET_ADDR:$port" "$name" "$loops" "$connections" "$fdir" >"$out/logs/client-$tag.log" 2>&1 &
  fi
  client_job=$!
  wait "$client_job" || rc=$?
  client_job=""
  t1=$(now_ns)
  children_cpu "$out/logs/times-$tag-after"
  cpu0=$(cpu_seconds "$out/logs/times-$tag-before")
  cpu1=$(cpu_seconds "$out/logs/times-$tag-after")
  [[ $rc == 0 ]] || die "$tag: the client exited $rc (see $out/logs/client-$tag.log)"
  stats_get "$out/logs/stats-$tag-after.csv"
  stop_server

  local completed errors
  if [[ $mode == load ]]; then
    read -r completed errors < <(awk -F, -v lab="$tag" '
      NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
      $h["label"] == lab { e = 0; for (k in h) if (k ~ /^errors_/) e += $h[k]
                           c = $h["completed"] }
      END { print c, e }' "$out/load/summary.csv")
  else
    errors=$(cat "$out/logs/fork-$tag"/fails-* | awk '{ e += $1 } END { print e + 0 }')
    completed=$((connections - errors))
  fi
  local delta counts user sys log_counts bad w
  delta=$(stats_delta "$out/logs/stats-$tag-before.csv" "$out/logs/stats-$tag-after.csv")
  IFS='|' read -r counts user sys <<<"$delta"
  log_counts=""
  for ((w = 0; w < workers; w++)); do
    log_counts+="${log_counts:+ }$(wc -l <"$logdir/worker-$w.log" 2>/dev/null || echo 0)"
  done
  bad=$(cat "$logdir"/worker-*.log | grep -cvxF "Hello, $name" || true)
  awk -v src=ours -v mode="$mode" -v s="$s" -v n="$connections" -v c="$completed" \
    -v e="$errors" -v t0="$t0" -v t1="$t1" -v u="$user" -v sy="$sys" -v cpu0="$cpu0" \
    -v cpu1="$cpu1" -v lc="$log_counts" -v sc="$counts" -v bad="$bad" 'BEGIN {
      wall = (t1 - t0) / 1e9; split(cpu0, a, " "); split(cpu1, b, " ")
      k = split(lc, x, " "); mx = 0; mn = -1
      for (i = 1; i <= k; i++) { if (x[i] + 0 > mx) mx = x[i] + 0; if (mn < 0 || x[i] + 0 < mn) mn = x[i] + 0 }
      printf "%s,%s,%s,%d,%d,%d,%.2f,%.0f,%s,%s,%.2f,%.2f,%s,%s,%s,%d\n", src, mode, s, n, c, e,
        wall, c / wall, u, sy, b[1] - a[1], b[2] - a[2], lc, sc,
        (mn > 0 ? sprintf("%.3f", mx / mn) : ""), bad }' >>"$rows"
  echo "$PROG: $tag done: $(tail -n 1 "$rows")" >&2
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "command: bench/$PROG --connections $connections --client $client --loops $loops --strategies $strategies --net $net"
  echo "kernel: $(uname -r)"
  echo "nproc: $(nproc)"
  echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "loadavg_before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "topology: $NET_DESCRIPTION"
  # Each side's settings as its namespace has them (the same on loopback).
  echo "somaxconn: $("${NET_SERVER_RUN[@]}" cat /proc/sys/net/core/somaxconn)"
  echo "tcp_tw_reuse: $("${NET_CLIENT_RUN[@]}" cat /proc/sys/net/ipv4/tcp_tw_reuse)"
  echo "ip_local_port_range: $("${NET_CLIENT_RUN[@]}" cat /proc/sys/net/ipv4/ip_local_port_range | tr '\t' ' ')"
  echo "git: $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
} >"$out/env.txt"

echo "$PROG: ${#modes[@]} client mode(s) x ${#strategy_list[@]} strategies, $connections connections each, into $out" >&2
for mode in "${modes[@]}"; do
  for s in "${strategy_list[@]}"; do
    run_one "$mode" "$s"
  done
done
echo "loadavg_after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/env.txt"
net_teardown

# The report: our rows beside the published ones, then the direction of each change.
report() {
  echo "# The first classic experiment, reproduced"
  echo
  echo "greeter, $workers workers, backlog $backlog, blocking accept(), $connections connections per run,"
  echo "$loops shell loops (fork) or $loops connections in flight (load); $(nproc) CPUs, Linux $(uname -r)."
  echo "Wall and client CPU are measured around the client, as \`time\` did in the original;"
  echo "server CPU comes from /stats on the server's --admin listener."
  echo "Topology: $NET_DESCRIPTION."
  echo
  echo "| source | client | strategy | connections | wall s | conn/s | server user s | server sys s | client user s | client sys s | per-worker (log wc -l) | per-worker (/stats) | max/min | errors |"
  echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|"
  local p src cl st n wall sys lmin lmax
  for p in "${PUBLISHED[@]}"; do
    IFS='|' read -r src cl st n wall sys lmin lmax <<<"$p"
    awk -v src="$src" -v cl="$cl" -v st="$st" -v n="$n" -v wall="$wall" -v sys="$sys" \
      -v lmin="$lmin" -v lmax="$lmax" 'BEGIN {
        range = lmin != "" ? lmin "-" lmax : "-"
        mm = lmin != "" ? sprintf("%.3f", lmax / lmin) : "-"
        printf "| %s | %s | %s | %d | %.1f | %.0f | - | - | - | %.1f | %s | - | %s | - |\n",
          src, cl, st, n, wall, n / wall, sys, range, mm }'
  done
  awk -F, 'NR > 1 {
      cl = $2 == "fork" ? "greet_once, fork per connection" : "acceptbench-load"
      printf "| this machine | %s | %s | %d | %.2f | %.0f | %.2f | %.2f | %.2f | %.2f | %s | %s | %s | %d |\n",
        cl, $3, $4, $7, $8, $9, $10, $11, $12, $13, $14, ($15 == "" ? "-" : $15), $6 }' "$rows"
  echo
  echo "Published: reuseport/shared = wall 0.73, client sys 0.53 (40,000 connections);"
  echo "re-measured on 2 cores: wall 0.97, client sys 0.98."
  echo
  echo "Here, reuseport/shared (ratios of the two strategies' rows):"
  echo
  awk -F, 'NR > 1 { k = $2; if ($3 == "shared") { sw[k] = $7; ss[k] = $12; sv[k] = $10; sm[k] = $15 }
                    if ($3 == "reuseport") { rw[k] = $7; rs[k] = $12; rv[k] = $10; rm[k] = $15 } }
    END { split("load fork", order, " "); for (o = 1; o <= 2; o++) if ((k = order[o]) in sw && k in rw)
            printf "- %s client: wall %.2f, client sys %.2f, server sys %.2f; max/min per worker %s (shared) vs %s (reuseport)\n",
              k, rw[k] / sw[k], (ss[k] > 0 ? rs[k] / ss[k] : 0), (sv[k] > 0 ? rv[k] / sv[k] : 0),
              (sm[k] == "" ? "-" : sm[k]), (rm[k] == "" ? "-" : rm[k]) }' "$rows"
  echo
  echo "Raw rows: greeter.csv; the load generator's CSVs: load/; logs and /stats snapshots: logs/."
}
report >"$out/report.md"
cat "$out/report.md"
bad=$(awk -F, 'NR > 1 && ($6 != 0 || $16 != 0 || $5 != $4) { n++ } END { print n + 0 }' "$rows")
if [[ $bad != 0 ]]; then
  echo "$PROG: $bad run(s) had errors or log lines that are not 'Hello, $name' (see greeter.csv)" >&2
  exit 1
fi
