# shellcheck shell=bash
# tests/testlib.sh: the shell helpers of the integration and fault scripts: those
# bench/ scripts share too (server start and stop, ready file, CSV columns by name,
# build paths: bench/lib/), plus what only a test needs. Source it; it defines
# functions only.

# shellcheck source-path=SCRIPTDIR source=../bench/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../bench/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=../bench/lib/server.sh
. "$(dirname "${BASH_SOURCE[0]}")/../bench/lib/server.sh"

# build_dir_arg ARGS...: the arguments of a script CTest runs as `SCRIPT BUILD_DIR`.
# -h or --help prints the usage line and exits 0; anything but one argument prints it
# on stderr and exits 2. Sets bin to BUILD_DIR.
# shellcheck disable=SC2034  # for the caller
build_dir_arg() {
  local usage="Usage: $0 BUILD_DIR   (run by CTest)"
  [[ ${1:-} == -h || ${1:-} == --help ]] && { echo "$usage"; exit 0; }
  [[ $# -eq 1 ]] || { echo "$usage" >&2; exit 2; }
  bin=$1
}

# skip_unless_runnable SERVER OPTIONS...: before a test starts anything, ask the
# server whether it can run with OPTIONS here. When this kernel or machine cannot
# (--check exits 3), print "skip: " and the server's reason and exit 77, CTest's
# SKIP_RETURN_CODE; any other refusal is a broken test: say it, exit 1.
skip_unless_runnable() {
  local rc=0
  server_check "$@" || rc=$?
  case $rc in
    0) ;;
    3) echo "skip: $server_error"; exit 77 ;;
    *) echo "FAIL: $1 --check exited $rc: $server_error" >&2; exit 1 ;;
  esac
}
