# shellcheck shell=bash
# bench/lib/server.sh: one way to run acceptbench-server from a script: ask it
# whether a configuration can run here, start it and wait for its ready file, read
# that file, stop it within a bound (with a diagnosis when it hangs), and read the
# values of its axes. Source it; it defines functions only.

# axis_values SERVER list|compared AXIS: the values of AXIS (strategy, io, model,
# protocol) that SERVER is built with (list) or compares by default (compared), on
# one line. The server's tables are the only list: a new value needs no edit here.
axis_values() {
  local -a v
  mapfile -t v < <("$1" "--$2" "$3") || return 1
  [[ ${#v[@]} -gt 0 ]] || return 1
  echo "${v[*]}"
}

# server_check CMD...: can the server command line CMD (a server and its options,
# possibly behind taskset, whose CPUs the server then counts) start on this
# machine? Runs it with --check, which applies every start-up refusal and opens
# nothing. Returns 0 when it would start; otherwise its exit status (3: this kernel
# or machine cannot run it; 2: a usage error) with server_error set to its one-line
# reason.
server_check() {
  local err rc=0
  err=$("$@" --check 2>&1 >/dev/null) || rc=$?
  # shellcheck disable=SC2034  # for the caller
  server_error=${err#acceptbench-server: }
  return "$rc"
}

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
  # Every 10 ms: a matrix starts hundreds of servers, most ready within 20 ms.
  for ((i = 0; i < 1000; i++)); do
    [[ -s $ready ]] && return 0
    if ! kill -0 "$job" 2>/dev/null; then
      # shellcheck disable=SC2034  # for the caller
      server_error="server exited: $(cat "$log")"
      return 1
    fi
    sleep 0.01
  done
  [[ -s $ready ]] && return 0
  # shellcheck disable=SC2034  # for the caller
  server_error="server wrote no ready file within 10 s"
  return 1
}

# stats_fetch ADDR PORT FILE [RUN...]: the CSV body of GET /stats from ADDR:PORT
# (the server's --admin listener, or its http port) into FILE, through bash's
# /dev/tcp so no HTTP client is needed, bounded by 10 s; RUN is a command prefix to
# fetch it with (ip netns exec NS). Fails when the fetch fails or the body is empty.
stats_fetch() {
  local addr=$1 port=$2 out=$3
  shift 3
  # shellcheck disable=SC2016  # $1 and $2 are the inner bash's
  "$@" timeout 10 bash -c 'exec 3<>"/dev/tcp/$1/$2" &&
    printf "GET /stats HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" "$1" >&3 &&
    cat <&3' _ "$addr" "$port" | tr -d '\r' | sed '1,/^$/d' >"$out" && [[ -s $out ]]
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
  for ((i = 0; i < limit * 100; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      # shellcheck disable=SC2034  # for the caller
      wait "$pid" 2>/dev/null || stopped_status=$?
      return 0
    fi
    sleep 0.01
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
