# shellcheck shell=bash
# bench/lib/kcount.sh: what a script needs around acceptbench-load --kernel-counters:
# whether perf can count here (and if not, the one line that says why and what to
# do), and a holder that keeps the syscall tracepoints registered across runs.
# Source it; it defines functions only.
#
# Why a holder: when the last perf event on a tracepoint closes, the kernel
# unregisters the tracepoint and waits for an RCU grace period, about 10 ms each on
# this VM: ~4 s for the ~350 syscalls:sys_enter_* at the end of every run. One idle
# perf holding them all (counting off, on a sleeping process) makes a run's own perf
# start and stop in a fraction of a second instead.

# The events acceptbench-load counts (clients/kcount.c), for scripts that count
# another tool the same way.
KCOUNT_EVENTS='raw_syscalls:sys_enter,context-switches,cpu-migrations,syscalls:sys_enter_*'

# kcount_check: 0 when perf can count syscall tracepoints here; otherwise 1 with
# kcount_why set to one line: the reason and the fix.
kcount_check() {
  kcount_why=""
  if ! command -v perf >/dev/null; then
    kcount_why="perf is not installed: apt-get install linux-perf"
  elif [[ $EUID -ne 0 && $(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 2) -gt -1 ]]; then
    kcount_why="tracepoints need root or kernel.perf_event_paranoid=-1 (sysctl -w kernel.perf_event_paranoid=-1)"
  elif ! perf stat -x, -e raw_syscalls:sys_enter -o /dev/null -- true 2>/dev/null; then
    kcount_why="perf stat cannot count raw_syscalls:sys_enter here ($(perf stat -e raw_syscalls:sys_enter -- true 2>&1 >/dev/null | head -n 1))"
  fi
  [[ -z $kcount_why ]]
}

# kcount_hold_start: start the holder (a sleeping process and an idle perf on it),
# bounded to an hour; kcount_hold_stop ends both. Best effort: without the holder the
# runs are slower, not wrong.
kcount_hold_start() {
  kcount_hold_pids=()
  sleep 3600 &
  local sleeper=$!
  timeout 3600 perf stat -x, -e "$KCOUNT_EVENTS" -D -1 -p "$sleeper" -o /dev/null 2>/dev/null &
  kcount_hold_pids=("$!" "$sleeper")
}

kcount_hold_stop() {
  local p
  for p in "${kcount_hold_pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  kcount_hold_pids=()
}
