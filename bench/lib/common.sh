# shellcheck shell=bash
# bench/lib/common.sh: what every acceptbench script shares: the tree's root, how
# the user called the script, one-line errors, the programs of a build tree, CSV
# columns by name, a bench script's option loop. Source it; it defines functions
# (and ROOT) only.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# job_name SCRIPT: set CMD, how the user called this job, for usage lines and
# "see ... --help" hints ("./run_bench.sh test" when run_bench.sh exported
# ACCEPTBENCH_CMD, else bench/SCRIPT), and PROG, the prefix of its messages.
# shellcheck disable=SC2034  # for the caller
job_name() {
  CMD=${ACCEPTBENCH_CMD:-bench/$1}
  PROG=${CMD%% *}
  PROG=${PROG#./}
}

# die MESSAGE: a failure (exit 1); usage_error MESSAGE: bad usage (exit 2). Both
# say one line on stderr after "$PROG: ".
die() { echo "$PROG: $*" >&2; exit 1; }
usage_error() { echo "$PROG: $*" >&2; exit 2; }

# build_programs BUILD_DIR: set server_bin and load_bin to acceptbench-server and
# acceptbench-load in that build tree (not checked: the caller says what to do when
# they are missing).
# shellcheck disable=SC2034  # for the caller
build_programs() {
  server_bin=$1/servers/acceptbench-server
  load_bin=$1/clients/acceptbench-load
}

# results_dir LABEL: the default results folder of a run, results/<UTC time>-LABEL.
results_dir() {
  echo "$ROOT/results/$(date -u +%Y%m%dT%H%M%SZ)-$1"
}

# col FILE NAME: the values of CSV column NAME, one per data row. A missing column
# is said on stderr and fails.
col() {
  awk -F, -v name="$2" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i
              if (!c) { print "no column " name > "/dev/stderr"; exit 1 }; next }
    { print $c }' "$1"
}

# last FILE NAME: the column's value in the last row.
last() {
  col "$1" "$2" | tail -n 1
}

# parse_options "OPTION VAR ..." ARGS...: the option loop of a bench script whose
# options all take a value. -h or --help runs the script's usage function and exits 0;
# OPTION VALUE sets the variable VAR to VALUE; an option without a value, or one not
# in the list, is said on stderr after "$PROG: " and exits 2 (bad usage).
parse_options() {
  local -a _spec
  local _k
  read -r -d "" -a _spec <<<"$1" || true   # the list may span lines
  shift
  while [[ $# -gt 0 ]]; do
    [[ $1 == -h || $1 == --help ]] && { usage; exit 0; }
    [[ $# -ge 2 ]] || { echo "$PROG: $1 needs a value (see --help)" >&2; exit 2; }
    for ((_k = 0; _k < ${#_spec[@]}; _k += 2)); do
      [[ ${_spec[_k]} == "$1" ]] && break
    done
    [[ $_k -lt ${#_spec[@]} ]] || { echo "$PROG: unknown option $1 (see --help)" >&2; exit 2; }
    printf -v "${_spec[_k + 1]}" '%s' "$2"
    shift 2
  done
}
