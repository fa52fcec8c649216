# shellcheck shell=bash
# tests/testlib.sh: shell helpers shared by the integration and fault scripts and the
# bench/ scripts: starting a server and reading its ready file, stopping it within a
# bound, CSV columns by name, the programs of a build tree, the arguments of a script
# CTest runs with a build directory, a bench script's option loop. Source it; it
# defines functions only.

# server_start [--stdout FILE] VAR READY LOG CMD...: run CMD, a server command line
# that includes --ready-file READY, in the background, its stderr into LOG and its
# stdout into FILE (LOG itself: both into one file) or, without --stdout, where this
# shell's goes; then wait at most 10 s for READY to have content (READY is removed
# first). VAR is set to the job's pid before the wait, so an EXIT trap can stop it
# whatever happens next. Returns 0 once READY is written; otherwise sets server_error
# to why ("server exited: " and LOG's content, or "server wrote no ready file within
# 10 s") and returns 1.
server_start() {
  local out=""
  if [[ $1 == --stdout ]]; then
    out=$2
    shift 2
  fi
  local var=$1 ready=$2 log=$3 job i
  shift 3
  rm -f "$ready"
  if [[ -z $out ]]; then
    "$@" 2>"$log" &
  elif [[ $out == "$log" ]]; then
    "$@" >"$log" 2>&1 &
  else
    "$@" >"$out" 2>"$log" &
  fi
  job=$!
  printf -v "$var" '%s' "$job"
  for ((i = 0; i < 100; i++)); do
    [[ -s $ready ]] && return 0
    if ! kill -0 "$job" 2>/dev/null; then
      # shellcheck disable=SC2034  # for the caller
      server_error="server exited: $(cat "$log")"
      return 1
    fi
    sleep 0.1
  done
  [[ -s $ready ]] && return 0
  # shellcheck disable=SC2034  # for the caller
  server_error="server wrote no ready file within 10 s"
  return 1
}

# ready_value FILE KEY: the value of the KEY= line of a server's ready file (port,
# pid, admin_port); nothing when it has none.
ready_value() {
  sed -n "s/^$2=//p" "$1"
}

# descendants PID: PID and every process below it, parents first.
descendants() {
  local c
  echo "$1"
  for c in $(pgrep -P "$1"); do
    descendants "$c"
  done
}

# stop_bounded PID [SECONDS]: SIGTERM the process (a server, or the `timeout`
# wrapping one), wait at most SECONDS (default 15) for it to end, and set
# stopped_status to its exit status (it must be a job of this shell, or this is
# 127). If it does not end,
# print the state, kernel wait channel and current system call of every thread of
# it and of every process below it, and (where gdb is installed) each one's stack
# traces, so that a hang is diagnosable from the CI log; then SIGKILL them all and
# return 1.
stop_bounded() {
  local pid=$1 limit=${2:-15} i p t
  # shellcheck disable=SC2034  # for the caller
  stopped_status=0
  if ! kill -TERM "$pid" 2>/dev/null; then
    # Gone already: its status, if it was a job of this shell, still counts.
    # shellcheck disable=SC2034  # for the caller
    wait "$pid" 2>/dev/null || stopped_status=$?
    return 0
  fi
  for ((i = 0; i < limit * 10; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      # shellcheck disable=SC2034  # for the caller
      wait "$pid" 2>/dev/null || stopped_status=$?
      return 0
    fi
    sleep 0.1
  done
  local -a tree
  mapfile -t tree < <(descendants "$pid")
  echo "process $pid still running $limit s after SIGTERM; its threads and those below it (pid/tid comm state wchan syscall):" >&2
  for p in "${tree[@]}"; do
    for t in /proc/"$p"/task/*; do
      # comm may hold spaces: the state is the first field after its ')'.
      echo "  $p/${t##*/} $(cat "$t/comm" 2>/dev/null) $(sed 's/.*) \(.\).*/\1/' "$t/stat" 2>/dev/null) $(cat "$t/wchan" 2>/dev/null) $(cut -d' ' -f1 "$t/syscall" 2>/dev/null)" >&2
    done
    if command -v gdb >/dev/null; then
      timeout 30 gdb -p "$p" -batch -ex 'thread apply all bt' 2>/dev/null |
        grep -E '^(Thread|#)' | head -n 40 | sed 's/^/    /' >&2 || true
    fi
  done
  for p in "${tree[@]}"; do
    kill -KILL "$p" 2>/dev/null || true
  done
  wait "$pid" 2>/dev/null || true
  return 1
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

# build_programs BUILD_DIR: set server_bin and load_bin to acceptbench-server and
# acceptbench-load in that build tree (not checked: the caller says what to do when
# they are missing).
# shellcheck disable=SC2034  # for the caller
build_programs() {
  server_bin=$1/servers/acceptbench-server
  load_bin=$1/clients/acceptbench-load
}

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
