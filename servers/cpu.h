/* cpu: where the CPU time went, per thread and per process; and spending it. */
#ifndef ACCEPTBENCH_CPU_H
#define ACCEPTBENCH_CPU_H

#include <stdint.h>

/* User and system time of one thread, read from /proc/<pid>/task/<tid>/stat so any
 * thread can ask about any other (getrusage(RUSAGE_THREAD) only sees the caller).
 * The kernel reports clock ticks, so the granularity is 1/CLK_TCK (10 ms).
 * Returns 0, or -1 when the thread is gone (both set to 0). */
int cpu_thread(int pid, int tid, uint64_t *user_us, uint64_t *sys_us);
/* Voluntary context switches of one thread (/proc/<pid>/task/<tid>/status):
 * how often it blocked and was woken again. Returns 0 or -1. */
int cpu_thread_wakeups(int pid, int tid, uint64_t *wakeups);
/* User and system time of a whole process (all its threads), from
 * /proc/<pid>/stat, in the same ticks as cpu_thread. Returns 0 or -1. */
int cpu_pid(int pid, uint64_t *user_us, uint64_t *sys_us);
/* User and system time of the calling thread (getrusage(RUSAGE_THREAD)). */
void cpu_self_thread(uint64_t *user_us, uint64_t *sys_us);
/* Run the calling thread on that CPU only; a failure (the CPU went offline) is
 * reported on stderr and the thread runs unpinned. */
void cpu_pin_self(int cpu);
/* Burn us microseconds of CPU, modelling an application's per-request cost. */
void cpu_spin_us(unsigned us);

#endif
