#include "cpu.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int stat_file(const char *path, uint64_t *user_us, uint64_t *sys_us);

int cpu_thread(int pid, int tid, uint64_t *user_us, uint64_t *sys_us)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, tid);
    return stat_file(path, user_us, sys_us);
}

int cpu_pid(int pid, uint64_t *user_us, uint64_t *sys_us)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    return stat_file(path, user_us, sys_us);
}

static int stat_file(const char *path, uint64_t *user_us, uint64_t *sys_us)
{
    char buf[1024];
    *user_us = *sys_us = 0;
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name (field 2) may hold spaces and parentheses: skip to the
     * last ')'. Then state is field 3, utime field 14, stime field 15. */
    char *p = strrchr(buf, ')');
    unsigned long long ut, st;
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                     &ut, &st) != 2)
        return -1;
    long tck = sysconf(_SC_CLK_TCK);
    *user_us = ut * 1000000ULL / (unsigned long long)tck;
    *sys_us = st * 1000000ULL / (unsigned long long)tck;
    return 0;
}

static void from_rusage(int who, uint64_t *user_us, uint64_t *sys_us)
{
    struct rusage ru;
    getrusage(who, &ru);
    *user_us = (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec;
    *sys_us = (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
}

void cpu_self_thread(uint64_t *user_us, uint64_t *sys_us)
{
    from_rusage(RUSAGE_THREAD, user_us, sys_us);
}

int cpu_thread_wakeups(int pid, int tid, uint64_t *wakeups)
{
    char path[64], line[128];
    unsigned long long v;
    int found = 0;
    *wakeups = 0;
    snprintf(path, sizeof path, "/proc/%d/task/%d/status", pid, tid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    while (!found && fgets(line, sizeof line, f))
        if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1)
            found = 1;
    fclose(f);
    if (found)
        *wakeups = v;
    return found ? 0 : -1;
}

void cpu_pin_self(int cpu)
{
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) < 0)
        fprintf(stderr, "acceptbench-server: pinning to CPU %d: sched_setaffinity: %s\n", cpu,
                strerror(errno));
}

void cpu_spin_us(unsigned us)
{
    if (!us)
        return;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t ns = (uint64_t)us * 1000u;
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((uint64_t)((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec)) < ns);
}
