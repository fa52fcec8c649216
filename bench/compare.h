/* compare: the regression job's two verdicts (issue 16), each under the rows of
 * one thresholds table that belong to it.
 *
 * counts: what the code does per connection, which does not depend on the
 * machine's speed, against a stored baseline folder: per configuration and side,
 * system calls in all and by name and context switches per connection (the median
 * over the folder's runs, kagg.c), and errors, which must stay 0. Thresholds are
 * absolute, in calls per connection, so that one extra call per connection of any
 * name fails while scheduling's noise in the timing-dependent calls does not.
 *
 * ab: what takes time, which only compares within one machine and one job: two
 * folders written by the same job, the base revision's and the head's, runs
 * interleaved. Per configuration and metric the head/base ratio as a
 * Hodges–Lehmann estimate with a distribution-free confidence interval, and an
 * exact one-sided Mann–Whitney U test; a regression needs the ratio beyond the
 * threshold in the bad direction, p below alpha, AND the whole interval beyond
 * half the threshold.
 *
 * Pure: aggregates in, results out. */
#ifndef ACCEPTBENCH_COMPARE_H
#define ACCEPTBENCH_COMPARE_H

#include <stddef.h>

#include "agg.h"
#include "kagg.h"
#include "table.h"

/* Which comparison a thresholds row belongs to: its "compare" column. */
enum cmp_kind {
    CMP_COUNTS,
    CMP_AB,
};

enum cmp_direction {
    CMP_HIGHER_IS_BETTER,
    CMP_LOWER_IS_BETTER,
    CMP_MUST_BE_ZERO,        /* any non-zero current value is a regression */
};

/* The ab metric that agg has no column for: the server process's user + sys CPU,
 * ms per 1,000 connections. */
#define CMP_SERVER_CPU "server_cpu_ms_per_1k"

struct cmp_rule {
    enum cmp_kind kind;
    /* counts: "errors", or a side's counter "server_syscalls",
     * "client_context_switches", "server_syscall:epoll_wait", where fnmatch(3)
     * patterns match many ("server_syscall:*"); a name's own row wins over
     * patterns, and of these the first in the file.
     * ab: a metric of agg.h (conn_per_s, total_p99_us, ...) or CMP_SERVER_CPU. */
    char metric[64];
    int agg_metric;          /* ab: its enum agg_metric, or -1 for CMP_SERVER_CPU */
    enum cmp_direction direction;
    /* counts: tolerated change of the median, calls per connection (absolute).
     * ab: tolerated relative change, symmetric on a log scale: 0.10 lets a
     * lower-is-better metric's ratio go up to 1.10 and a higher-is-better one's
     * down to 1/1.10. */
    double max_change;
    double alpha;            /* ab: the U test's level; NAN for counts */
};

enum cmp_verdict {
    CMP_OK,                  /* within the threshold */
    CMP_NOISE,               /* beyond the threshold but not significant (ab) */
    CMP_IMPROVED,
    CMP_REGRESSION,
    CMP_MISSING,             /* what one folder has and the other lacks: broken */
    CMP_NEW,                 /* a configuration only the current (head) folder has,
                                where that is no fault: counts, one the baseline
                                does not have; ab, one the base server refuses */
};

/* Read the rules from a thresholds table with columns compare (counts|ab), metric,
 * direction (higher|lower|zero), max_change, alpha (empty on counts rows), and any
 * others (why). Returns the count or -1 with a message naming the line and what is
 * wrong. */
long cmp_rules_from_table(const struct table *t, struct cmp_rule *rules, size_t max,
                          char *err, size_t errlen);

/* Exact one-sided p-value that sample x tends to be smaller than sample y:
 * P(U >= u) under the null, with u counting pairs x < y (ties count half,
 * rounded down, which errs towards "not significant"). Non-finite values are
 * dropped. Samples of up to 64 values each; NAN beyond or when either is empty. */
double cmp_mann_whitney_less(const double *x, size_t nx, const double *y, size_t ny);

/* The Hodges–Lehmann estimate of the ratio head/base: the median of all n·m
 * pairwise ratios head_i/base_j (on logs: for an even count the geometric mean of
 * the middle two), and the confidence interval [r_(k), r_(nm+1-k)] of the sorted
 * ratios whose coverage 1 - 2·P(U <= k-1) (U's exact null distribution) is the
 * smallest at least `level`, or with few values the widest there is, k = 1, whose
 * coverage 1 - 2/C(n+m, n) is what `confidence` then says. Values that are not
 * finite and positive are dropped. Returns 0, or -1 when either sample is empty
 * or has more than 64 values. */
struct cmp_hl {
    double ratio, lo, hi;
    double confidence;       /* the interval's exact coverage (without ties) */
};
int cmp_hodges_lehmann(const double *head, size_t nh, const double *base, size_t nb,
                       double level, struct cmp_hl *out);

/* One row of the counts comparison. */
struct cmp_count {
    const struct agg *a;             /* the folder that has the configuration ... */
    const struct agg_group *g;       /* ... and the configuration (for its name) */
    int side;                        /* KAGG_SERVER or KAGG_CLIENT; -1 for errors and
                                        for a whole configuration MISSING or NEW */
    char counter[64];                /* "errors", "syscalls", "context_switches",
                                        "syscall:NAME"; "" for a whole configuration */
    const struct cmp_rule *rule;     /* NULL for a whole configuration */
    double base, cur;                /* medians per connection (errors: the baseline's
                                        median, the most of any current run); NAN when
                                        that folder did not count the side */
    double change;                   /* cur - base */
    enum cmp_verdict verdict;
};

struct cmp_counts {
    struct cmp_count *r;
    size_t n;
};

/* Compare every configuration of the baseline (base, kbase: kagg_build's) with the
 * same configuration in the current folder (cur, kcur): errors; per side its
 * syscalls, context_switches and every syscall:NAME either folder has (a name the
 * other lacks counted 0). A configuration cur lacks is one MISSING row; a side one
 * folder did not count, one MISSING row for its syscalls; a configuration only cur
 * has, one NEW row. Returns the exit status (0 pass, 1 regression, 2 something
 * missing), or -1 with a message when a counter has no rule or out of memory.
 * Free out with cmp_counts_free either way. */
int cmp_counts(const struct agg *base, const struct kagg *kbase, const struct agg *cur,
               const struct kagg *kcur, const struct cmp_rule *rules, size_t nrules,
               struct cmp_counts *out, char *err, size_t errlen);
void cmp_counts_free(struct cmp_counts *c);

/* One row of the A/B comparison. */
struct cmp_ab {
    const struct agg *a;             /* the folder that has the configuration ... */
    const struct agg_group *g;       /* ... and the configuration */
    const struct cmp_rule *rule;     /* NULL for a configuration one folder lacks */
    const char *missing_in;          /* "base" or "head" when MISSING or NEW, else NULL */
    size_t nbase, nhead;             /* rounds with a value */
    double base_median, head_median;
    struct cmp_hl hl;                /* NAN when either side has no value */
    double p;                        /* one-sided p-value for the bad direction */
    enum cmp_verdict verdict;
};

struct cmp_abs {
    struct cmp_ab *r;
    size_t n;
};

/* Compare head with base per configuration (every one either folder has) and per
 * ab rule, the confidence intervals at `level`. A configuration one folder lacks is
 * one MISSING row, except one the base server refused: matrix.sh's lines in the
 * base folder's skipped.txt ("pool/epoll w2: the base server refuses it: ..."),
 * whose text is base_skipped (NULL for none), make it NEW. A metric neither folder
 * has for a configuration (server_host_ms_per_1k without pinned CPUs) is left
 * out; one that only one has is MISSING. Returns the exit status (0, 1, 2), or -1
 * with a message (out of memory). Free out with cmp_abs_free either way. */
int cmp_ab(const struct agg *base, const struct agg *head, const char *base_skipped,
           const struct cmp_rule *rules, size_t nrules, double level, struct cmp_abs *out,
           char *err, size_t errlen);
void cmp_abs_free(struct cmp_abs *c);

const char *cmp_verdict_name(enum cmp_verdict v);

#endif
