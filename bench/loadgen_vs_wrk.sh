#!/usr/bin/env bash
# loadgen_vs_wrk.sh: is acceptbench-load fast enough never to be the bottleneck?
# One acceptbench-server pinned to one CPU; acceptbench-load, wrk (with
# "Connection: close", so a new connection per request) and ab (HTTP/1.0, no
# keep-alive) pinned to another CPU, take turns for several rounds at the same
# connection and thread counts. Prints each round and the median ratio of
# connections per second (ours / theirs): >= 1.0 means we are at least as fast.
set -euo pipefail

PROG=loadgen_vs_wrk.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$here/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/server.sh
. "$here/lib/server.sh"
build=${BUILD_DIR:-$here/../build}
build_programs "$build"
rounds=5
duration=5
connections=32
threads=1
workers=1
strategy=reuseport
io=epoll
server_cpu=0
client_cpu=1

usage() {
    cat <<USAGE
Usage: $0 [options]
Compare acceptbench-load with wrk and ab, connection-per-request, on 127.0.0.1.
  --rounds N        rounds, each running every tool once, order rotating (default $rounds)
  --duration S      seconds per tool per round (default $duration)
  --connections C   connections in flight, all tools (default $connections)
  --threads T       client threads, ours and wrk (ab has one; default $threads)
  --workers W       server workers (default $workers)
  --strategy NAME   server strategy (default $strategy)
  --io NAME         server io (default $io)
  --server-cpu N    CPU for the server (default $server_cpu)
  --client-cpu LIST CPUs for the clients, taskset syntax (default $client_cpu)
  --server PATH     acceptbench-server (default \$BUILD_DIR/servers/..., BUILD_DIR=$build)
  --load PATH       acceptbench-load (default \$BUILD_DIR/clients/...)
  -h, --help        this text
Needs wrk, ab, taskset and GNU time (/usr/bin/time). Targets 127.0.0.1 only; every run is bounded by timeout.
USAGE
}

die() {
    echo "$PROG: $*" >&2
    exit 2
}

parse_options "--rounds rounds --duration duration --connections connections --threads threads
    --workers workers --strategy strategy --io io --server-cpu server_cpu
    --client-cpu client_cpu --server server_bin --load load_bin" "$@"
for n in rounds duration connections threads workers; do
    [[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "--$n must be a positive integer"
done
for tool in wrk ab taskset /usr/bin/time; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
[[ -x $server_bin ]] || die "no server at $server_bin (build first, or --server)"
[[ -x $load_bin ]] || die "no load generator at $load_bin (build first, or --load)"

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

limit=$((duration + 30))
server_start server_pid "$work/ready" "$work/server.err" \
    timeout $((rounds * duration * 3 + 120)) taskset -c "$server_cpu" "$server_bin" \
    --strategy "$strategy" --io "$io" --workers "$workers" --listen 127.0.0.1:0 \
    --ready-file "$work/ready" || die "$server_error"
port=$(ready_value "$work/ready" port)
url=http://127.0.0.1:$port/hello

# Each run_* prints "rate errors count cpu_s": connections (requests) per second as the
# tool reports it, failed ones, how many completed, and the tool's user+sys CPU time
# (from GNU time). CPU per connection is the steadier figure on a shared machine:
# other load lowers a tool's rate but hardly its cost per connection.
timed() {
    timeout "$limit" /usr/bin/time -f '%U %S' -o "$work/time" taskset -c "$client_cpu" "$@"
}

cpu_s() {
    awk '{ print $1 + $2 }' "$work/time"
}

run_ours() {
    rm -rf "$work/out"
    timed "$load_bin" --target "127.0.0.1:$port" --connections "$connections" \
        --threads "$threads" --duration "${duration}s" --no-progress --out "$work/out" \
        >"$work/ours.txt"
    awk -F, -v cpu="$(cpu_s)" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        { e = 0; for (k in h) if (k ~ /^errors_/) e += $h[k]
          printf "%s %d %d %s\n", $h["conn_per_s"], e, $h["completed"], cpu }' \
        "$work/out/summary.csv"
}

run_wrk() {
    timed wrk -t "$threads" -c "$connections" -d "${duration}s" -H 'Connection: close' \
        "$url" >"$work/wrk.txt"
    awk -v cpu="$(cpu_s)" '/^Requests\/sec:/ { r = $2 } / requests in / { n = $1 }
        /Socket errors:/ { gsub(",", ""); e = $4 + $6 + $8 + $10 }
        /Non-2xx/ { e += $NF }
        END { printf "%s %d %d %s\n", r, e, n, cpu }' "$work/wrk.txt"
}

run_ab() {
    timed ab -q -r -c "$connections" -t "$duration" -n 100000000 "$url" >"$work/ab.txt" 2>&1
    awk -v cpu="$(cpu_s)" '/^Requests per second:/ { r = $4 } /^Failed requests:/ { e = $3 }
        /^Complete requests:/ { n = $3 }
        END { printf "%s %d %d %s\n", r, e, n, cpu }' "$work/ab.txt"
}

median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
        else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "server: $strategy/$io, $workers worker(s) on CPU $server_cpu; clients on CPU $client_cpu"
echo "each run: $connections connections, $threads thread(s), ${duration}s, new connection per request"
[[ $threads == 1 ]] || echo "note: ab is single-threaded whatever --threads says"
printf '%-6s %11s %10s %10s %9s %9s %8s %8s %8s  %s\n' round ours_conn/s wrk_req/s \
    ab_req/s ours/wrk ours/ab ours_us wrk_us ab_us errors
tools=(ours wrk ab)
for f in r_wrk r_ab ours wrk ab c_ours c_wrk c_ab; do
    : >"$work/$f"
done
for ((r = 1; r <= rounds; r++)); do
    declare -A rate=() errs=() cpu=()
    for ((k = 0; k < 3; k++)); do
        tool=${tools[$(((r + k) % 3))]}       # rotate the order every round
        read -r v e n c < <("run_$tool")
        rate[$tool]=$v
        errs[$tool]=$e
        # client CPU microseconds per completed connection
        cpu[$tool]=$(awk -v c="$c" -v n="$n" 'BEGIN { printf "%.1f", (n > 0 ? c * 1e6 / n : 0) }')
        sleep 1                               # let TIME_WAIT and the CPU settle
    done
    rw=$(awk -v a="${rate[ours]}" -v b="${rate[wrk]}" 'BEGIN { printf "%.3f", a / b }')
    ra=$(awk -v a="${rate[ours]}" -v b="${rate[ab]}" 'BEGIN { printf "%.3f", a / b }')
    echo "$rw" >>"$work/r_wrk"
    echo "$ra" >>"$work/r_ab"
    for t in ours wrk ab; do
        echo "${rate[$t]}" >>"$work/$t"
        echo "${cpu[$t]}" >>"$work/c_$t"
    done
    printf '%-6s %11.0f %10.0f %10.0f %9s %9s %8s %8s %8s  ours %s wrk %s ab %s\n' "$r" \
        "${rate[ours]}" "${rate[wrk]}" "${rate[ab]}" "$rw" "$ra" "${cpu[ours]}" \
        "${cpu[wrk]}" "${cpu[ab]}" "${errs[ours]}" "${errs[wrk]}" "${errs[ab]}"
    unset rate errs cpu
done
printf '%-6s %11.0f %10.0f %10.0f %9s %9s %8s %8s %8s\n' median "$(median <"$work/ours")" \
    "$(median <"$work/wrk")" "$(median <"$work/ab")" "$(median <"$work/r_wrk")" \
    "$(median <"$work/r_ab")" "$(median <"$work/c_ours")" "$(median <"$work/c_wrk")" \
    "$(median <"$work/c_ab")"
echo "median ratio of connections/s, ours/wrk: $(median <"$work/r_wrk")   ours/ab: $(median <"$work/r_ab")"
echo "(*_us: client CPU time per connection, user+sys, microseconds: lower is cheaper)"
