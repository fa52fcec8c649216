#!/usr/bin/env bash
# run_bench.sh: build acceptbench, run its tests, and (later subcommands) its
# benchmark matrix. Subcommands each have --help.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=run_bench.sh
# Debian package → something it provides that we can test for cheaply.
DEPS=(cmake:cmake gcc:gcc make:make pkg-config:pkg-config libuv1-dev:pc:libuv
      check:pc:check gnuplot-nox:gnuplot)

die() { echo "$PROG: $*" >&2; exit 1; }
usage_error() { echo "$PROG: $*" >&2; exit 2; }

usage() {
  cat <<USAGE
Usage: ./$PROG [COMMAND] [options]

Commands:
  test      install missing packages (as root), build, run the whole CTest suite
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

# build DIR [cmake args...]: configure and build into DIR.
build() {
  local dir=$1
  shift
  cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null ||
    die "cmake configure failed in $dir"
  cmake --build "$dir" -j "$(nproc)" -- --no-print-directory >/dev/null ||
    { cmake --build "$dir" -- --no-print-directory 2>&1 | grep -E 'error|warning' | head -20 >&2
      die "build failed in $dir (errors above)"; }
}

cmd_test() {
  local sanitize="" label="" werror=OFF
  while [[ $# -gt 0 ]]; do
    case $1 in
      --sanitize) [[ $# -ge 2 ]] || usage_error "--sanitize needs asan or tsan"
                  sanitize=$2; shift 2 ;;
      --label) [[ $# -ge 2 ]] || usage_error "--label needs a CTest label (unit, integration)"
               label=$2; shift 2 ;;
      --werror) werror=ON; shift ;;
      -h|--help) usage_test; return 0 ;;
      *) usage_error "test: unknown option '$1' (see ./$PROG test --help)" ;;
    esac
  done
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

main() {
  local cmd=${1:-help}
  [[ $# -gt 0 ]] && shift
  case $cmd in
    test) cmd_test "$@" ;;
    help|-h|--help) usage ;;
    *) usage_error "unknown command '$cmd' (see ./$PROG --help)" ;;
  esac
}

main "$@"
