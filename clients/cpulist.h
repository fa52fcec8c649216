/* cpulist: the CPU lists of --server-cpus and --client-cpus ("0-1,3", as taskset -c
 * and /sys/devices/system/cpu/online write them), parsed into a set and printed back
 * in one canonical form. Pure: text in, bits out. */
#ifndef ACCEPTBENCH_LOAD_CPULIST_H
#define ACCEPTBENCH_LOAD_CPULIST_H

#include <stddef.h>
#include <stdint.h>

/* CPU_SETSIZE: the most CPUs sched_setaffinity (and so taskset) can name. */
#define CPULIST_MAX 1024

struct cpulist {
    uint64_t bits[CPULIST_MAX / 64];
    unsigned n;                        /* CPUs in the set; 0: no list given */
};

/* Parse a comma-separated list of CPUs and ranges ("0", "0-3", "0-1,3") of a
 * machine with CPUs 0..ncpus-1. A CPU named twice counts once. Returns 0, or -1
 * with a one-line message naming the bad item (the caller prefixes the option). */
int cpulist_parse(const char *s, unsigned ncpus, struct cpulist *out, char *err,
                  size_t errlen);

/* Room for any set's text: "0,2,4,...,1022" is under 2,600 bytes. */
#define CPULIST_TEXT_MAX 4096

/* The set as ascending items, runs of two or more CPUs as ranges, as the kernel
 * writes CPU lists: "0-1,3,5-7". */
void cpulist_format(const struct cpulist *l, char *buf, size_t len);

int cpulist_has(const struct cpulist *l, unsigned cpu);

/* The CPUs in both sets, as a set (n 0 when they are disjoint). */
void cpulist_intersect(const struct cpulist *a, const struct cpulist *b,
                       struct cpulist *out);

#endif
