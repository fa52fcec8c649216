/* procstat: the busy time of a set of CPUs from /proc/stat's cpuN lines, whatever
 * ran there: processes of any kind, and the kernel's softirq and irq work, which
 * lands on the CPU that handles the packet rather than in any process's rusage (on
 * loopback or a veth pair, the sending side's CPU mostly). /proc/stat is not
 * namespaced, so this reads the machine from inside a network namespace too.
 *
 * A pure parser and a pure window computation, and a thin reader of the file. */
#ifndef ACCEPTBENCH_LOAD_PROCSTAT_H
#define ACCEPTBENCH_LOAD_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "cpulist.h"

/* The fields of a cpuN line, in USER_HZ ticks, summed over a set of CPUs. guest and
 * guest_nice are left out: the kernel already counts them in user and nice. */
enum procstat_field {
    PROCSTAT_USER, PROCSTAT_NICE, PROCSTAT_SYSTEM, PROCSTAT_IDLE, PROCSTAT_IOWAIT,
    PROCSTAT_IRQ, PROCSTAT_SOFTIRQ, PROCSTAT_STEAL, PROCSTAT_NFIELDS
};

struct procstat {
    uint64_t ticks[PROCSTAT_NFIELDS];
};

/* A CPU set's time over a window, in seconds, and its busy share. */
struct procstat_window {
    double user_s;       /* user + nice */
    double sys_s;
    double softirq_s;
    double irq_s;
    double steal_s;      /* taken by the hypervisor: busy for us, run by no one here */
    double idle_s;       /* idle + iowait */
    double busy_pct;     /* 100 * everything but idle / all of it */
};

/* Sum the cpuN lines of /proc/stat text for the CPUs in set. Returns 0, or -1 with a
 * message: a CPU of the set has no line (offline), or its line is not the eight
 * numbers (or more) every kernel since 2.6.11 writes. */
int procstat_parse(const char *text, const struct cpulist *set, struct procstat *out,
                   char *err, size_t errlen);

/* Read /proc/stat and procstat_parse it. */
int procstat_read(const struct cpulist *set, struct procstat *out, char *err,
                  size_t errlen);

/* after - before in seconds, at ticks_per_s (sysconf(_SC_CLK_TCK)). busy_pct is
 * over the set's whole time as the same counters measure it (their sum, which is
 * the CPUs times the window, give or take a tick per field), so it stays within
 * 0..100; NAN when no time passed. */
void procstat_window(const struct procstat *before, const struct procstat *after,
                     double ticks_per_s, struct procstat_window *out);

#endif
