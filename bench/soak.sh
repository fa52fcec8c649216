#!/usr/bin/env bash
# soak.sh: run acceptbench-server at full load for a while and fail if it leaks:
# resident memory that keeps growing after a warm-up, descriptors left open after
# the load, or any error the load generator reports. Builds nothing.
set -euo pipefail

PROG=soak.sh
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$ROOT/bench/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/server.sh
. "$ROOT/bench/lib/server.sh"

usage() {
  cat <<USAGE
Usage: bench/$PROG [options]
Start acceptbench-server (CPU 0) and drive it at full load with acceptbench-load
(CPU 1; no pinning on one CPU) for --duration per configuration, sampling the
server's VmRSS and open descriptors every second. Fails (exit 1) when:
  - RSS at the end exceeds RSS after the warm-up by more than --rss-pct % + 1 MiB,
  - descriptors after the load exceed those before it by more than --fd-slack,
  - the load generator counted any error (summary.csv errors_* columns),
  - the server died or did not exit 0 on SIGTERM.
Options:
  --bin DIR          build directory holding the programs (default build/)
  --duration SECS    load per configuration, whole seconds (default 60; 60s works too)
  --strategy NAME    a server --strategy (acceptbench-server --list strategy;
                     default reuseport)
  --io NAME          a server --io (acceptbench-server --list io; default epoll)
  --all              every strategy x io the server has (--list strategy, --list
                     io), one after another, each for --duration; what the server
                     refuses on this machine (--check) is skipped with its reason
  --workers N        server workers (default 2)
  --connections N    client connections in flight (default 64)
  --warmup SECS      RSS baseline taken this many seconds into the load (default 5)
  --rss-pct P        allowed RSS growth after the warm-up, percent (default 10)
  --fd-slack N       allowed extra descriptors after the load (default 4)
  --out DIR          keep the CSVs, samples and logs there (default: a temporary
                     folder, removed at exit)
  -h, --help         this text
Exit status: 0 pass, 1 a leak or an error, 2 bad usage or missing programs.
USAGE
}

bin="$ROOT/build" duration=60 strategy=reuseport io=epoll all=no workers=2
connections=64 warmup=5 rss_pct=10 fd_slack=4 out=""
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --all) all=yes; shift; continue ;;
  esac
  [[ $# -ge 2 ]] || usage_error "$1 needs a value (see bench/$PROG --help)"
  case $1 in
    --bin) bin=$2 ;;
    --duration) [[ $2 =~ ^[1-9][0-9]*s?$ ]] || usage_error "--duration: '$2' is not whole seconds (e.g. 60 or 60s)"
                duration=${2%s} ;;
    # The server checks the names.
    --strategy) [[ $2 =~ ^[a-z][a-z0-9_-]*$ ]] || usage_error "--strategy: '$2' is not a strategy name (e.g. pool)"
                strategy=$2 ;;
    --io) [[ $2 =~ ^[a-z][a-z0-9_-]*$ ]] || usage_error "--io: '$2' is not an io name (e.g. epoll)"
          io=$2 ;;
    --workers|--connections|--fd-slack|--rss-pct|--warmup)
      [[ $2 =~ ^[0-9]+$ ]] || usage_error "$1: '$2' is not a whole number"
      case $1 in
        --workers) workers=$2 ;; --connections) connections=$2 ;; --fd-slack) fd_slack=$2 ;;
        --rss-pct) rss_pct=$2 ;; --warmup) warmup=$2 ;;
      esac ;;
    --out) out=$2 ;;
    *) usage_error "unknown option '$1' (see bench/$PROG --help)" ;;
  esac
  shift 2
done
[[ $workers -ge 1 && $connections -ge 1 ]] || usage_error "--workers and --connections must be at least 1"
[[ $warmup -lt $duration ]] || usage_error "--warmup ($warmup s) must be shorter than --duration ($duration s)"
build_programs "$bin"
[[ -x $server_bin && -x $load_bin ]] ||
  usage_error "no built acceptbench in '$bin' (build it first, or give --bin BUILD_DIR)"

work=$(mktemp -d)
server_pid="" load_pid=""
# Stop whatever still runs, on any exit.
# shellcheck disable=SC2317  # reached through the EXIT trap
cleanup() {
  local pid
  for pid in $load_pid $server_pid; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $load_pid $server_pid; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [[ -n $out ]]; then
  mkdir -p "$out" || die "cannot create $out"
else
  out=$work
fi

server_cpu="" load_cpu=""
if [[ $(nproc) -ge 2 ]]; then
  server_cpu=0 load_cpu=1
fi
# pinned CPU CMD...: run CMD on that CPU (taskset execs, so $! is CMD itself).
pinned() {
  local cpu=$1; shift
  if [[ -n $cpu ]]; then
    exec taskset -c "$cpu" "$@"
  fi
  exec "$@"
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# errors_total FILE: the last row's errors_* columns added up.
errors_total() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^errors_/) e[i] = 1; next }
           { s = 0; for (i in e) s += $i } END { print s + 0 }' "$1"
}

# soak STRATEGY IO: one configuration; returns 1 on a failed check.
soak() {
  local s=$1 i=$2 tag="$1-$2" dir="$out/$1-$2" failed=0
  mkdir -p "$dir"
  rm -f "$dir/summary.csv"
  server_start --stdout "$dir/server.log" server_pid "$work/ready" "$dir/server.log" \
    pinned "$server_cpu" "$server_bin" --strategy "$s" --io "$i" --workers "$workers" \
    --listen 127.0.0.1:0 --ready-file "$work/ready" || die "$tag: $server_error"
  local port fd_start n
  port=$(ready_value "$work/ready" port)
  fd_start=$(fd_count "$server_pid")

  (pinned "$load_cpu" "$load_bin" --target "127.0.0.1:$port" --connections "$connections" \
     --threads 1 --duration "${duration}s" --label "soak/$tag" --out "$dir" --no-progress) \
     >"$dir/load.log" 2>&1 &
  load_pid=$!
  echo "second,rss_kb,fds" >"$dir/samples.csv"
  local t=0 rss fds
  while kill -0 "$load_pid" 2>/dev/null; do
    sleep 1
    t=$((t + 1))
    rss=$(rss_kb "$server_pid") || true
    [[ -n $rss ]] || die "$tag: server died ${t} s into the load (last lines of $dir/server.log: $(tail -n 3 "$dir/server.log"))"
    fds=$(fd_count "$server_pid")
    echo "$t,$rss,$fds" >>"$dir/samples.csv"
  done
  local load_rc=0
  wait "$load_pid" || load_rc=$?
  load_pid=""

  # After the load every connection is closed; give the server a moment to see it.
  local fd_end
  for ((n = 0; n < 30; n++)); do
    fd_end=$(fd_count "$server_pid")
    [[ $fd_end -le $((fd_start + fd_slack)) ]] && break
    sleep 0.2
  done

  # Samples: the first, the one at the end of the warm-up, the last, and the max.
  local first base last max
  first=$(awk -F, 'NR == 2 { print $2 }' "$dir/samples.csv")
  base=$(awk -F, -v w="$warmup" 'NR > 1 && $1 >= w { print $2; exit }' "$dir/samples.csv")
  last=$(awk -F, 'NR > 1 { v = $2 } END { print v }' "$dir/samples.csv")
  max=$(awk -F, 'NR > 1 && $2 > m { m = $2 } END { print m + 0 }' "$dir/samples.csv")
  local fd_max
  fd_max=$(awk -F, 'NR > 1 && $3 > m { m = $3 } END { print m + 0 }' "$dir/samples.csv")
  [[ -n $first && -n $base ]] || die "$tag: the load ended after ${t} s, before the ${warmup} s warm-up (log: $dir/load.log)"
  local bound=$((base + base * rss_pct / 100 + 1024))
  printf '%-30s %3d samples  RSS KiB: first %d, after %d s %d, last %d, max %d (bound %d)  fds: before %d, max %d, after %d\n' \
    "$s/$i" "$t" "$first" "$warmup" "$base" "$last" "$max" "$bound" "$fd_start" "$fd_max" "$fd_end"

  if [[ $last -gt $bound ]]; then
    echo "$PROG: $tag: FAIL: RSS grew from $base KiB (after $warmup s) to $last KiB, over $bound KiB ($rss_pct% + 1 MiB): a leak? (samples: $dir/samples.csv)" >&2
    failed=1
  fi
  if [[ $fd_end -gt $((fd_start + fd_slack)) ]]; then
    echo "$PROG: $tag: FAIL: $fd_end descriptors open after the load, $fd_start before it (slack $fd_slack): connections leaked?" >&2
    failed=1
  fi
  if [[ $load_rc -ne 0 || ! -s $dir/summary.csv ]]; then
    echo "$PROG: $tag: FAIL: acceptbench-load exited $load_rc: $(tail -n 3 "$dir/load.log")" >&2
    failed=1
  else
    local errors completed
    errors=$(errors_total "$dir/summary.csv")
    completed=$(last "$dir/summary.csv" completed)
    echo "$(printf '%-30s' "$s/$i")        load: $completed connections, $(last "$dir/summary.csv" conn_per_s) conn/s, $errors errors"
    if [[ $errors -ne 0 || $completed -eq 0 ]]; then
      echo "$PROG: $tag: FAIL: the load generator counted $errors errors and $completed completed connections (errors_* columns of $dir/summary.csv)" >&2
      failed=1
    fi
  fi

  # The server must still be alive and stop cleanly.
  if ! kill -TERM "$server_pid" 2>/dev/null; then
    echo "$PROG: $tag: FAIL: the server died during the soak: $(tail -n 3 "$dir/server.log")" >&2
    failed=1
  fi
  local server_rc=0
  wait "$server_pid" || server_rc=$?
  server_pid=""
  if [[ $server_rc -ne 0 ]]; then
    echo "$PROG: $tag: FAIL: the server exited $server_rc on SIGTERM: $(tail -n 3 "$dir/server.log")" >&2
    failed=1
  fi
  return "$failed"
}

# all_configs: set configs to every strategy x io of the server that this machine
# can run; what the server refuses here (--check, exit 3) is said with its reason.
all_configs() {
  local strategies ios s i rc
  strategies=$(axis_values "$server_bin" list strategy) || die "$server_bin --list strategy failed"
  ios=$(axis_values "$server_bin" list io) || die "$server_bin --list io failed"
  configs=()
  for s in $strategies; do
    for i in $ios; do
      rc=0
      server_check pinned "$server_cpu" "$server_bin" --strategy "$s" --io "$i" \
        --workers "$workers" --listen 127.0.0.1:0 || rc=$?
      case $rc in
        0) configs+=("$s $i") ;;
        3) echo "$PROG: skipped $s/$i: $server_error" ;;
        *) usage_error "the server refuses $s/$i: $server_error" ;;
      esac
    done
  done
  [[ ${#configs[@]} -gt 0 ]] || die "this machine can run none of the server's strategy x io"
}

configs=("$strategy $io")
[[ $all == no ]] || all_configs
echo "$PROG: ${#configs[@]} x ${duration} s at full load (${connections} connections, ${workers} workers; server CPU ${server_cpu:-any}, load CPU ${load_cpu:-any})"
status=0
for c in "${configs[@]}"; do
  read -r s i <<<"$c"
  soak "$s" "$i" || status=1
done
if [[ $status -eq 0 ]]; then
  echo "$PROG: pass"
else
  echo "$PROG: FAIL (details above)" >&2
fi
exit "$status"
