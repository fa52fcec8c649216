/* cpulist: parse and print CPU lists ("0-1,3"). */
#include "cpulist.h"

#include <stdio.h>
#include <string.h>

#define EXAMPLE "(e.g. 0-1,3)"

/* Digits [s, s+len) as a CPU number; any value past CPULIST_MAX is CPULIST_MAX, which
 * the machine check then names. Returns -1 when the text is not all digits (signs,
 * spaces and hex are not CPU numbers). */
static long cpu_number(const char *s, size_t len)
{
    long v = 0;
    if (len == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (v < CPULIST_MAX)
            v = v * 10 + (s[i] - '0');
    }
    return v < CPULIST_MAX ? v : CPULIST_MAX;
}

static void add(struct cpulist *l, unsigned cpu)
{
    if (!cpulist_has(l, cpu)) {
        l->bits[cpu / 64] |= 1ULL << (cpu % 64);
        l->n++;
    }
}

/* One item, "N" or "N-M", of len bytes at s. */
static int parse_item(const char *s, size_t len, unsigned ncpus, struct cpulist *out,
                      char *err, size_t errlen)
{
    const char *dash = memchr(s, '-', len);
    size_t first_len = dash ? (size_t)(dash - s) : len;
    long first = cpu_number(s, first_len);
    long last = dash ? cpu_number(dash + 1, len - first_len - 1) : first;
    if (first < 0 || last < 0) {
        snprintf(err, errlen, "'%.*s' is not a CPU number or range " EXAMPLE, (int)len, s);
        return -1;
    }
    if (last < first) {
        snprintf(err, errlen, "range %.*s runs backwards (e.g. %ld-%ld)", (int)len, s, last,
                 first);
        return -1;
    }
    if ((unsigned long)last >= ncpus) {
        const char *big = dash ? dash + 1 : s;
        int big_len = (int)(s + len - big);
        if (ncpus == 1)
            snprintf(err, errlen, "CPU %.*s is beyond this machine's CPU 0", big_len, big);
        else
            snprintf(err, errlen, "CPU %.*s is beyond this machine's CPUs 0-%u", big_len, big,
                     ncpus - 1);
        return -1;
    }
    for (long c = first; c <= last; c++)
        add(out, (unsigned)c);
    return 0;
}

int cpulist_parse(const char *s, unsigned ncpus, struct cpulist *out, char *err,
                  size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (ncpus > CPULIST_MAX)
        ncpus = CPULIST_MAX;
    if (*s == '\0') {
        snprintf(err, errlen, "empty CPU list " EXAMPLE);
        return -1;
    }
    for (const char *p = s;;) {
        size_t len = strcspn(p, ",");
        if (len == 0) {
            snprintf(err, errlen, "empty item in '%s' " EXAMPLE, s);
            memset(out, 0, sizeof *out);
            return -1;
        }
        if (parse_item(p, len, ncpus, out, err, errlen) < 0) {
            memset(out, 0, sizeof *out);
            return -1;
        }
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

int cpulist_has(const struct cpulist *l, unsigned cpu)
{
    return cpu < CPULIST_MAX && (l->bits[cpu / 64] >> (cpu % 64) & 1);
}

void cpulist_format(const struct cpulist *l, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned c = 0; c < CPULIST_MAX && used < len; c++) {
        if (!cpulist_has(l, c))
            continue;
        unsigned end = c;
        while (end + 1 < CPULIST_MAX && cpulist_has(l, end + 1))
            end++;
        int n = end > c ? snprintf(buf + used, len - used, "%s%u-%u", used ? "," : "", c, end)
                        : snprintf(buf + used, len - used, "%s%u", used ? "," : "", c);
        used += n > 0 ? (size_t)n : 0;
        c = end;
    }
}

void cpulist_intersect(const struct cpulist *a, const struct cpulist *b,
                       struct cpulist *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < CPULIST_MAX / 64; i++) {
        out->bits[i] = a->bits[i] & b->bits[i];
        out->n += (unsigned)__builtin_popcountll(out->bits[i]);
    }
}
