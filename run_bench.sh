#!/usr/bin/env bash
# run_bench.sh: build acceptbench, run its tests, and (later subcommands) its
# benchmark matrix. Subcommands each have --help.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=run_bench.sh
# Debian package → something it provides that we can test for cheaply.
DEPS=(cmake:cmake gcc:gcc make:make pkg-config:pkg-config libuv1-dev:pc:libuv
      check:pc:check gnuplot-nox:gnuplot liburing-dev:pc:liburing)

die() { echo "$PROG: $*" >&2; exit 1; }
usage_error() { echo "$PROG: $*" >&2; exit 2; }

usage() {
  cat <<USAGE
Usage: ./$PROG [COMMAND] [options]

Commands:
  run       (default) build, run the comparison matrix, draw the charts, write report.md
  test      install missing packages (as root), build, run the whole CTest suite
  plot DIR  redraw the charts and report.md of an existing results folder
  ci        the regression job: a short fixed matrix compared with bench/baseline/
  help      this text

Run './$PROG COMMAND --help' for a command's options.
USAGE
}

usage_test() {
  cat <<USAGE
Usage: ./$PROG test [options]
Build acceptbench and run every CTest test.
  --sanitize asan|tsan  build with ASan+UBSan or TSan in build-asan/ or build-tsan/
  --label L             run only tests with CTest label L (unit, integration)
  --werror              treat compiler warnings as errors (CI does)
  --fuzz SECS           instead: build the libFuzzer targets with clang in build-fuzz/
                        and fuzz each for SECS seconds from tests/fuzz/corpus/; fails
                        on any crash or broken contract (input kept in build-fuzz/fuzz-crashes/)
  -h, --help            this text
USAGE
}

# Print the packages that are missing, one per line.
missing_packages() {
  local dep pkg kind what
  for dep in "${DEPS[@]}"; do
    pkg=${dep%%:*}
    kind=${dep#*:}
    if [[ $kind == pc:* ]]; then
      what=${kind#pc:}
      command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$what" && continue
    else
      command -v "$kind" >/dev/null 2>&1 && continue
    fi
    echo "$pkg"
  done
}

ensure_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  install_packages "${missing[@]}"
}

# install_packages PKG...: apt-get install them as root, else name the command.
install_packages() {
  local missing=("$@")
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    die "missing packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}"
  fi
  echo "$PROG: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed; check the package sources"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
}

# Does clang link a libFuzzer target? Debian 12 ships the runtime apart from clang
# (libclang-rt-14-dev, which clang only recommends).
libfuzzer_links() {
  local t rc=0
  t=$(mktemp -d)
  echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' >"$t/f.c"
  clang -fsanitize=fuzzer "$t/f.c" -o "$t/f" >/dev/null 2>&1 || rc=1
  rm -rf "$t"
  return "$rc"
}

ensure_fuzz_packages() {
  command -v clang >/dev/null 2>&1 || install_packages clang
  libfuzzer_links && return 0
  install_packages "libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev"
  libfuzzer_links || die "clang still cannot link -fsanitize=fuzzer; install libFuzzer's runtime for $(clang --version | head -n 1)"
}

# fuzz SECS WERROR: build build-fuzz/ with clang and run every libFuzzer target for
# SECS seconds from its committed corpus (tests/fuzz/corpus/NAME, read only); new
# inputs go to build-fuzz/fuzz-corpus/NAME, a crashing one to build-fuzz/fuzz-crashes/.
run_fuzz() {
  local secs=$1 werror=$2 dir="$ROOT/build-fuzz" corpus name log
  ensure_packages
  ensure_fuzz_packages
  cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DACCEPTBENCH_FUZZ=ON -DACCEPTBENCH_WERROR="$werror" >/dev/null ||
    die "cmake configure failed in $dir"
  cmake --build "$dir" -j "$(nproc)" --target acceptbench_fuzzers -- --no-print-directory >/dev/null ||
    { cmake --build "$dir" --target acceptbench_fuzzers -- --no-print-directory 2>&1 |
        grep -E 'error|warning' | head -20 >&2
      die "fuzz build failed in $dir (errors above)"; }
  mkdir -p "$dir/fuzz-crashes"
  for corpus in "$ROOT"/tests/fuzz/corpus/*/; do
    name=$(basename "$corpus")
    log="$dir/fuzz-$name.log"
    mkdir -p "$dir/fuzz-corpus/$name"
    echo "$PROG: fuzzing fuzz_$name for $secs s (log: $log)"
    # -max_len a little over HTTP_MAX_HEAD, so that oversized heads are explored.
    local opts=(-max_total_time="$secs" -max_len=9000 -timeout=10 -print_final_stats=1
                -artifact_prefix="$dir/fuzz-crashes/fuzz_$name-")
    [[ -f $ROOT/tests/fuzz/$name.dict ]] && opts+=(-dict="$ROOT/tests/fuzz/$name.dict")
    "$dir/tests/fuzz/fuzz_$name" "${opts[@]}" "$dir/fuzz-corpus/$name" "$corpus" >"$log" 2>&1 ||
      { grep -m 1 -A 6 -E 'contract broken|ERROR: |runtime error' "$log" >&2
        grep -E 'Test unit written' "$log" >&2
        die "fuzz_$name failed (full report: $log; replay: $dir/tests/fuzz/fuzz_$name FILE)"; }
    grep -E '^Done [0-9]+ runs' "$log" || true
  done
}

# build DIR [cmake args...]: configure and build into DIR.
build() {
  local dir=$1
  shift
  cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null ||
    die "cmake configure failed in $dir"
  cmake --build "$dir" -j "$(nproc)" -- --no-print-directory >/dev/null ||
    { cmake --build "$dir" -- --no-print-directory 2>&1 | grep -E 'error|warning' | head -20 >&2
      die "build failed in $dir (errors above)"; }
}

cmd_test() {
  local sanitize="" label="" werror=OFF fuzz=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      --sanitize) [[ $# -ge 2 ]] || usage_error "--sanitize needs asan or tsan"
                  sanitize=$2; shift 2 ;;
      --label) [[ $# -ge 2 ]] || usage_error "--label needs a CTest label (unit, integration)"
               label=$2; shift 2 ;;
      --werror) werror=ON; shift ;;
      --fuzz) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || usage_error "--fuzz needs whole seconds (e.g. --fuzz 60)"
              fuzz=$2; shift 2 ;;
      -h|--help) usage_test; return 0 ;;
      *) usage_error "test: unknown option '$1' (see ./$PROG test --help)" ;;
    esac
  done
  if [[ -n $fuzz ]]; then
    [[ -z $sanitize && -z $label ]] || usage_error "--fuzz runs the fuzzers only; drop --sanitize and --label"
    run_fuzz "$fuzz" "$werror"
    return
  fi
  local dir="$ROOT/build" flags=(-DACCEPTBENCH_WERROR="$werror")
  case $sanitize in
    "") ;;
    asan) dir="$ROOT/build-asan"; flags+=(-DACCEPTBENCH_ASAN=ON) ;;
    tsan) dir="$ROOT/build-tsan"; flags+=(-DACCEPTBENCH_TSAN=ON) ;;
    *) usage_error "--sanitize: unknown '$sanitize' (use asan or tsan)" ;;
  esac
  ensure_packages
  build "$dir" "${flags[@]}"
  local ctest_args=(--test-dir "$dir" --output-on-failure -j 2)
  [[ -n $label ]] && ctest_args+=(-L "$label")
  ctest "${ctest_args[@]}"
}

usage_run() {
  cat <<USAGE
Usage: ./$PROG [run] [options]
Build, run every strategy x io x workers x connections configuration --repeat
times (interleaved, so drift hits all alike), then aggregate, plot and report.
  --strategies LIST       comma list, or all: every strategy the server has
                          (default pool,shared,reuseport; see acceptbench-server --help)
  --io LIST               comma list, or all (default blocking,epoll)
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
  --pin / --no-pin        server and client on separate CPU sets (default: pin with >= 2 CPUs)
  --label L               name of the results folder's suffix (default compare)
  --out DIR               results folder (default results/<UTC time>-<label>)
  --bin DIR               use the programs already built in DIR (skip the build)
  -h, --help              this text
USAGE
}

usage_plot() {
  cat <<USAGE
Usage: ./$PROG plot [--bin BUILD_DIR] DIR
Redraw DIR's charts (PNG and SVG) and report.md from its CSVs.
USAGE
}

# Every value in a comma list must be one of the allowed words; "all" means all.
expand_list() {
  local opt=$1 value=$2 allowed=$3 v
  [[ $value == all ]] && { echo "$allowed"; return; }
  for v in ${value//,/ }; do
    [[ " $allowed " == *" $v "* ]] || usage_error "$opt: unknown '$v' (use $allowed or all)"
  done
  echo "${value//,/ }"
}

check_numbers() {
  local opt=$1 v
  for v in ${2//,/ }; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || usage_error "$opt: '$v' is not a positive whole number (e.g. 4 or 2,4,8)"
  done
}

check_duration() {
  [[ $2 =~ ^[0-9]+(\.[0-9]+)?(us|ms|s|m)?$ ]] || usage_error "$1: '$2' is not a duration (use e.g. 4s, 500ms)"
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

write_env() {
  local f=$1; shift
  {
    echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "kernel: $(uname -r)"
    echo "cpu_model: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
    echo "nproc: $(nproc)"
    local k
    for k in net.core.somaxconn net.ipv4.tcp_tw_reuse net.ipv4.ip_local_port_range \
             net.ipv4.tcp_migrate_req net.ipv4.tcp_max_syn_backlog; do
      echo "$k: $(sysctl -n "$k" 2>/dev/null | tr '\t' ' ' || echo unavailable)"
    done
    echo "compiler: $(cc --version | head -n 1)"
    echo "git_revision: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)$(
      git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (modified)')"
    # What this kernel does with EPOLLEXCLUSIVE, reuseport CBPF, SO_INCOMING_CPU.
    "$BIN/servers/acceptbench-server" --probe 2>/dev/null || echo "probe: failed"
    echo "server_cpus: ${SERVER_CPUS:-any}"
    echo "client_cpus: ${CLIENT_CPUS:-any}"
    echo "command: $*"
  } >"$f"
}

BIN="$ROOT/build"
# Build into $BIN unless --bin named a build that already exists.
prepare_bin() {
  local given=$1
  if [[ -n $given ]]; then
    BIN=$(cd "$given" 2>/dev/null && pwd) || usage_error "--bin: no such directory '$given'"
    [[ -x $BIN/servers/acceptbench-server && -x $BIN/clients/acceptbench-load ]] ||
      usage_error "--bin: $given holds no built acceptbench (run cmake --build there first)"
    command -v gnuplot >/dev/null 2>&1 || ensure_packages
    return 0
  fi
  ensure_packages
  build "$BIN"
}

SERVER_PID=""
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# pin_prefix CPUS: the command words that run a program on those CPUs (none when
# CPUS is empty). taskset execs the program, so $! of a background job is the
# program itself, which the EXIT trap can then stop.
pin_prefix() {
  [[ -z $1 ]] || echo "taskset -c $1"
}

# start_server LOG READY args...: start the server, wait for its ready file.
start_server() {
  local log=$1 ready=$2; shift 2
  rm -f "$ready"
  local pin_cmd
  read -r -a pin_cmd <<<"$(pin_prefix "$SERVER_CPUS")"
  "${pin_cmd[@]}" "$BIN/servers/acceptbench-server" --listen 127.0.0.1:0 \
    --ready-file "$ready" "$@" >"$log" 2>&1 &
  SERVER_PID=$!
  local i
  for ((i = 0; i < 200; i++)); do
    [[ -f $ready ]] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  return 1
}

plot_dir() {
  local dir=$1 gp name
  "$BIN/bench/acceptbench-report" aggregate "$dir" || die "step aggregate failed for $dir"
  for gp in "$ROOT"/plots/*.gp; do
    name=$(basename "$gp" .gp)
    [[ $name == common ]] && continue
    gnuplot -e "dir='$dir'; load '$ROOT/plots/common.gp'; set terminal pngcairo size 1100,650 font 'sans,11'; set output '$dir/$name.png'" "$gp" ||
      die "step plot $name failed (script $gp)"
    gnuplot -e "dir='$dir'; load '$ROOT/plots/common.gp'; set terminal svg size 1100,650 font 'sans,11' dynamic; set output '$dir/$name.svg'" "$gp" ||
      die "step plot $name (SVG) failed (script $gp)"
  done
}

cmd_plot() {
  local bin="" dir=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h|--help) usage_plot; return 0 ;;
      --bin) [[ $# -ge 2 ]] || usage_error "--bin needs a build directory"; bin=$2; shift 2 ;;
      -*) usage_error "plot: unknown option '$1' (see ./$PROG plot --help)" ;;
      *) [[ -z $dir ]] || usage_error "plot: one results folder only"; dir=$1; shift ;;
    esac
  done
  [[ -n $dir ]] || usage_error "plot: which results folder? (see ./$PROG plot --help)"
  [[ -f $dir/summary.csv ]] || usage_error "plot: $dir has no summary.csv; give a folder that run wrote"
  prepare_bin "$bin"
  plot_dir "$dir"
  "$BIN/bench/acceptbench-report" markdown "$dir" >/dev/null || die "step report failed for $dir"
  echo "charts and report: $dir"
}

cmd_run() {
  run_matrix "$@"
  [[ -n $RESULT_DIR ]] || return 0
  echo
  "$BIN/bench/acceptbench-report" markdown "$RESULT_DIR" || die "step report failed for $RESULT_DIR"
  echo
  echo "results: $RESULT_DIR (CSV: summary.csv workers.csv latency.csv timeseries.csv aggregate.csv)"
  echo "report:  $RESULT_DIR/report.md   charts: $RESULT_DIR/*.png, *.svg"
}

RESULT_DIR=""
# run_matrix [run options]: measure, aggregate, plot; sets RESULT_DIR.
run_matrix() {
  local strategies=pool,shared,reuseport io=blocking,epoll workers=4 connections=50 rate="" duration=4s warmup=1s
  local repeat=3 rpc=1 work_us=0 threads="" pin_mode=auto label=compare out="" bin=""
  local cmdline="$0 run $*"
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h|--help) usage_run; RESULT_DIR=""; return 0 ;;
      --pin) pin_mode=yes; shift; continue ;;
      --no-pin) pin_mode=no; shift; continue ;;
    esac
    [[ $# -ge 2 ]] || usage_error "$1 needs a value (see ./$PROG run --help)"
    case $1 in
      --strategies) strategies=$2 ;;
      --io) io=$2 ;;
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
      *) usage_error "run: unknown option '$1' (see ./$PROG run --help)" ;;
    esac
    shift 2
  done
  prepare_bin "$bin"
  # The server says which values it has: a new strategy or io backend needs no
  # edit here.
  local strategy_list io_list
  strategy_list=$(expand_list --strategies "$strategies" \
    "$("$BIN/servers/acceptbench-server" --list strategy | tr '\n' ' ' | sed 's/ $//')")
  io_list=$(expand_list --io "$io" \
    "$("$BIN/servers/acceptbench-server" --list io | tr '\n' ' ' | sed 's/ $//')")

  local ncpu
  ncpu=$(nproc)
  SERVER_CPUS="" CLIENT_CPUS=""
  if [[ $pin_mode == yes || ($pin_mode == auto && $ncpu -ge 2) ]]; then
    [[ $ncpu -ge 2 ]] || usage_error "--pin needs at least 2 CPUs (this machine has $ncpu)"
    local half=$((ncpu / 2))
    SERVER_CPUS="0-$((half - 1))"
    CLIENT_CPUS="$half-$((ncpu - 1))"
    [[ -n $threads ]] || threads=$((ncpu - half))
  fi
  [[ -n $threads ]] || threads=1

  local dir=${out:-$ROOT/results/$(date -u +%Y%m%dT%H%M%SZ)-$label}
  mkdir -p "$dir/logs" || die "cannot create $dir"
  write_env "$dir/env.txt" "$cmdline"
  trap stop_server EXIT
  trap 'stop_server; echo "$PROG: interrupted; what was measured is in $dir" >&2; exit 130' INT TERM

  local total n=0 rep w c s i
  total=$((repeat * $(wc -w <<<"${workers//,/ }") * $(wc -w <<<"${connections//,/ }") *
           $(wc -w <<<"$strategy_list") * $(wc -w <<<"$io_list")))
  echo "$PROG: $total runs of $duration (+$warmup warm-up) into $dir"
  for ((rep = 1; rep <= repeat; rep++)); do
    for w in ${workers//,/ }; do
      for c in ${connections//,/ }; do
        for s in $strategy_list; do
          for i in $io_list; do
            n=$((n + 1))
            local tag="$s-$i-w$w-c$c-r$rep"
            if ! start_server "$dir/logs/server-$tag.log" "$dir/logs/ready" --strategy "$s" --io "$i" \
              --workers "$w" --work-us "$(work_us_for "$work_us" "$s")"; then
              # A combination this machine cannot run (e.g. more pinned workers
              # than CPUs) is refused by the server at start-up: skip it, say why.
              local why
              why=$(tail -n 1 "$dir/logs/server-$tag.log")
              stop_server
              [[ $why == acceptbench-server:* ]] ||
                die "step start server $tag failed (log: $dir/logs/server-$tag.log); results so far are in $dir"
              printf '[%d/%d] %-20s w%-3s c%-4s repeat %d: skipped: %s\n' "$n" "$total" "$s/$i" \
                "$w" "$c" "$rep" "${why#acceptbench-server: }"
              grep -qxF "$s/$i w$w: ${why#acceptbench-server: }" "$dir/skipped.txt" 2>/dev/null ||
                echo "$s/$i w$w: ${why#acceptbench-server: }" >>"$dir/skipped.txt"
              continue
            fi
            local port load_args
            port=$(sed -n 's/^port=//p' "$dir/logs/ready")
            load_args=(--target "127.0.0.1:$port" --connections "$c" --threads "$threads"
                       --duration "$duration" --warmup "$warmup" --requests-per-conn "$rpc"
                       --label "$s/$i" --out "$dir" --no-progress)
            [[ -n $rate ]] && load_args+=(--rate "$rate")
            local rc=0 pin_cmd
            read -r -a pin_cmd <<<"$(pin_prefix "$CLIENT_CPUS")"
            "${pin_cmd[@]}" "$BIN/clients/acceptbench-load" "${load_args[@]}" \
              >"$dir/logs/load-$tag.log" 2>&1 || rc=$?
            stop_server
            [[ $rc -eq 130 ]] && { echo "$PROG: interrupted; what was measured is in $dir" >&2; exit 130; }
            [[ $rc -eq 0 ]] ||
              die "step load $tag failed (exit $rc, log: $dir/logs/load-$tag.log); results so far are in $dir"
            printf '[%d/%d] %-20s w%-3s c%-4s repeat %d: %s\n' "$n" "$total" "$s/$i" "$w" "$c" "$rep" \
              "$(grep -oE '[0-9.]+k? conn/s' "$dir/logs/load-$tag.log" | head -n 1)"
          done
        done
      done
    done
  done
  rm -f "$dir/logs/ready"
  plot_dir "$dir"
  RESULT_DIR=$dir
}

usage_ci() {
  cat <<USAGE
Usage: ./$PROG ci [options] [run options]
The regression job: every strategy x io, 2 workers, 32 connections, 5 interleaved
repeats of 1 s, compared with the baseline by acceptbench-report compare using
the thresholds in bench/thresholds.csv. Writes compare.md in the results folder.
Exit status: 0 pass, 1 regression, 2 broken run or no matching baseline.
  --update-baseline   after comparing (when a baseline exists), make this run the baseline
  --baseline DIR      baseline folder (default bench/baseline)
  --thresholds FILE   per-metric thresholds (default bench/thresholds.csv)
  run options         as for './$PROG run' (e.g. --repeat 7, --bin DIR), overriding the defaults
USAGE
}

cmd_ci() {
  local update=no baseline="$ROOT/bench/baseline" thresholds="$ROOT/bench/thresholds.csv"
  local pass=()
  while [[ $# -gt 0 ]]; do
    case $1 in
      -h|--help) usage_ci; return 0 ;;
      --update-baseline) update=yes; shift ;;
      --baseline|--thresholds)
        [[ $# -ge 2 ]] || usage_error "$1 needs a value (see ./$PROG ci --help)"
        if [[ $1 == --baseline ]]; then baseline=$2; else thresholds=$2; fi
        shift 2 ;;
      *) pass+=("$1"); shift ;;
    esac
  done
  [[ -f $thresholds ]] || usage_error "--thresholds: no file '$thresholds'"
  if [[ $update == no && ! -f $baseline/summary.csv ]]; then
    echo "$PROG: no baseline in $baseline; record one with ./$PROG ci --update-baseline" >&2
    exit 2
  fi
  run_matrix --strategies pool,shared,reuseport --io blocking,epoll --workers 2 \
    --connections 32 --duration 1s --warmup 500ms --repeat 5 --label ci "${pass[@]}"
  local dir=$RESULT_DIR status=0
  if [[ -f $baseline/summary.csv ]]; then
    "$BIN/bench/acceptbench-report" compare "$baseline" "$dir" "$thresholds" || status=$?
    echo "comparison: $dir/compare.md"
  fi
  if [[ $update == yes ]]; then
    mkdir -p "$baseline" || die "cannot create $baseline"
    local f
    for f in summary.csv env.txt; do
      cp "$dir/$f" "$baseline/$f.tmp.$$" || die "cannot write $baseline/$f.tmp.$$"
      mv "$baseline/$f.tmp.$$" "$baseline/$f" || die "cannot replace $baseline/$f"
    done
    echo "baseline updated from $dir (the table above shows what changed)"
    return 0
  fi
  return "$status"
}

main() {
  local cmd=run
  if [[ $# -gt 0 && $1 != -* ]]; then
    cmd=$1
    shift
  fi
  case $cmd in
    run) cmd_run "$@" ;;
    test) cmd_test "$@" ;;
    plot) cmd_plot "$@" ;;
    ci) cmd_ci "$@" ;;
    help) usage ;;
    *) usage_error "unknown command '$cmd' (see ./$PROG --help)" ;;
  esac
}

main "$@"
