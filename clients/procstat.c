/* procstat: CPU-set busy time from /proc/stat. */
#include "procstat.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The numbers after "cpuN": at most PROCSTAT_NFIELDS are kept. Returns how many
 * there were, or -1 when something other than a number follows. */
static int line_fields(const char *p, uint64_t *v)
{
    int n = 0;
    for (;;) {
        while (*p == ' ')
            p++;
        if (*p == '\n' || *p == '\0')
            return n;
        if (*p < '0' || *p > '9')
            return -1;
        char *end;
        uint64_t x = strtoull(p, &end, 10);
        if (n < PROCSTAT_NFIELDS)
            v[n] = x;
        n++;
        p = end;
    }
}

int procstat_parse(const char *text, const struct cpulist *set, struct procstat *out,
                   char *err, size_t errlen)
{
    struct cpulist seen = {0};
    memset(out, 0, sizeof *out);
    for (const char *line = text; *line; ) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char *end;
        /* "cpu  ..." is the machine's total; "cpuN ..." one CPU's. */
        if (strncmp(line, "cpu", 3) == 0 && line[3] >= '0' && line[3] <= '9') {
            unsigned long cpu = strtoul(line + 3, &end, 10);
            if (cpu < CPULIST_MAX && cpulist_has(set, (unsigned)cpu)) {
                uint64_t v[PROCSTAT_NFIELDS];
                if (line_fields(end, v) < PROCSTAT_NFIELDS) {
                    snprintf(err, errlen, "/proc/stat: line '%.*s' is not cpuN and %d numbers",
                             (int)(len > 60 ? 60 : len), line, PROCSTAT_NFIELDS);
                    return -1;
                }
                for (int f = 0; f < PROCSTAT_NFIELDS; f++)
                    out->ticks[f] += v[f];
                seen.bits[cpu / 64] |= 1ULL << (cpu % 64);
            }
        }
        line += nl ? len + 1 : len;
    }
    for (unsigned c = 0; c < CPULIST_MAX; c++)
        if (cpulist_has(set, c) && !cpulist_has(&seen, c)) {
            snprintf(err, errlen, "/proc/stat has no cpu%u line: CPU %u is offline", c, c);
            return -1;
        }
    return 0;
}

int procstat_read(const struct cpulist *set, struct procstat *out, char *err,
                  size_t errlen)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f) {
        snprintf(err, errlen, "/proc/stat: %s", strerror(errno));
        return -1;
    }
    /* The whole file: its intr line alone can be tens of kilobytes. */
    size_t cap = 16384, len = 0;
    char *text = malloc(cap);
    while (text) {
        len += fread(text + len, 1, cap - len - 1, f);
        if (len < cap - 1)
            break;
        char *bigger = realloc(text, cap * 2);
        if (!bigger) {
            free(text);
            text = NULL;
            break;
        }
        text = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!text || bad) {
        snprintf(err, errlen, "/proc/stat: %s", text ? "read error" : "out of memory");
        free(text);
        return -1;
    }
    text[len] = '\0';
    int rc = procstat_parse(text, set, out, err, errlen);
    free(text);
    return rc;
}

/* A counter's growth, in seconds; 0 when it went down: idle and iowait are taken
 * together because iowait may decrease (proc(5)) while idle grows. */
static double grew_s(uint64_t before, uint64_t after, double ticks_per_s)
{
    return after > before ? (double)(after - before) / ticks_per_s : 0.0;
}

void procstat_window(const struct procstat *before, const struct procstat *after,
                     double ticks_per_s, struct procstat_window *out)
{
    const uint64_t *b = before->ticks, *a = after->ticks;
    out->user_s = grew_s(b[PROCSTAT_USER] + b[PROCSTAT_NICE],
                         a[PROCSTAT_USER] + a[PROCSTAT_NICE], ticks_per_s);
    out->sys_s = grew_s(b[PROCSTAT_SYSTEM], a[PROCSTAT_SYSTEM], ticks_per_s);
    out->softirq_s = grew_s(b[PROCSTAT_SOFTIRQ], a[PROCSTAT_SOFTIRQ], ticks_per_s);
    out->irq_s = grew_s(b[PROCSTAT_IRQ], a[PROCSTAT_IRQ], ticks_per_s);
    out->steal_s = grew_s(b[PROCSTAT_STEAL], a[PROCSTAT_STEAL], ticks_per_s);
    out->idle_s = grew_s(b[PROCSTAT_IDLE] + b[PROCSTAT_IOWAIT],
                         a[PROCSTAT_IDLE] + a[PROCSTAT_IOWAIT], ticks_per_s);
    double busy = out->user_s + out->sys_s + out->softirq_s + out->irq_s + out->steal_s;
    double all = busy + out->idle_s;
    out->busy_pct = all > 0 ? 100.0 * busy / all : NAN;
}
