# shellcheck shell=bash
# tests/testlib.sh: shell helpers shared by the integration and fault scripts.
# Source it; it defines functions only.

# stop_bounded PID [SECONDS]: SIGTERM the process (a server, or the `timeout`
# wrapping one), wait at most SECONDS (default 15) for it to end. If it does not,
# print the state and kernel wait channel of every thread of it and its children
# (so a hang is diagnosable from the CI log), SIGKILL them and return 1.
stop_bounded() {
  local pid=$1 limit=${2:-15} i p t
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < limit * 10; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      return 0
    fi
    sleep 0.1
  done
  echo "process $pid still running $limit s after SIGTERM; its threads (pid/tid comm state wchan):" >&2
  for p in "$pid" $(pgrep -P "$pid"); do
    for t in /proc/"$p"/task/*; do
      echo "  $p/${t##*/} $(cut -d' ' -f2,3 "$t/stat" 2>/dev/null) $(cat "$t/wchan" 2>/dev/null)" >&2
    done
  done
  pkill -KILL -P "$pid" 2>/dev/null || true
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return 1
}
