#!/usr/bin/env bash
# test.sh: build acceptbench and run its CTest suite (plain, ASan+UBSan or TSan),
# or build the libFuzzer targets with clang and fuzz each for a while.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/build.sh
. "$ROOT/bench/lib/build.sh"
job_name test.sh

usage() {
  cat <<USAGE
Usage: $CMD [options]
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

# run_fuzz SECS WERROR: build build-fuzz/ with clang and run every libFuzzer target
# for SECS seconds from its committed corpus (tests/fuzz/corpus/NAME, read only); new
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

sanitize="" label="" werror=OFF fuzz=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --sanitize) [[ $# -ge 2 ]] || usage_error "--sanitize needs asan or tsan"
                sanitize=$2; shift 2 ;;
    --label) [[ $# -ge 2 ]] || usage_error "--label needs a CTest label (unit, integration)"
             label=$2; shift 2 ;;
    --werror) werror=ON; shift ;;
    --fuzz) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || usage_error "--fuzz needs whole seconds (e.g. --fuzz 60)"
            fuzz=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage_error "test: unknown option '$1' (see $CMD --help)" ;;
  esac
done
if [[ -n $fuzz ]]; then
  [[ -z $sanitize && -z $label ]] || usage_error "--fuzz runs the fuzzers only; drop --sanitize and --label"
  run_fuzz "$fuzz" "$werror"
  exit
fi
dir="$ROOT/build" flags=(-DACCEPTBENCH_WERROR="$werror")
case $sanitize in
  "") ;;
  asan) dir="$ROOT/build-asan"; flags+=(-DACCEPTBENCH_ASAN=ON) ;;
  tsan) dir="$ROOT/build-tsan"; flags+=(-DACCEPTBENCH_TSAN=ON) ;;
  *) usage_error "--sanitize: unknown '$sanitize' (use asan or tsan)" ;;
esac
ensure_packages
build "$dir" "${flags[@]}"
ctest_args=(--test-dir "$dir" --output-on-failure -j 2)
[[ -n $label ]] && ctest_args+=(-L "$label")
ctest "${ctest_args[@]}"
