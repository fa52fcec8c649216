#!/usr/bin/env bash
# build.sh: install the packages acceptbench needs (as root; otherwise name the
# apt-get line) and build it with CMake.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/build.sh
. "$ROOT/bench/lib/build.sh"
job_name build.sh

usage() {
  cat <<USAGE
Usage: $CMD [--dir DIR] [-DNAME=VALUE...]
Install missing packages (as root), then configure and build acceptbench.
  --dir DIR       build tree (default build/)
  -DNAME=VALUE    passed to cmake (e.g. -DACCEPTBENCH_WERROR=ON)
  -h, --help      this text
USAGE
}

dir=$ROOT/build
flags=()
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --dir) [[ $# -ge 2 ]] || usage_error "--dir needs a build directory"; dir=$2; shift 2 ;;
    -D?*) flags+=("$1"); shift ;;
    *) usage_error "build: unknown option '$1' (see $CMD --help)" ;;
  esac
done
ensure_packages
build "$dir" "${flags[@]}"
echo "built: $dir"
