/* compare: did a change make things worse beyond noise? Each metric of each
 * configuration is compared as whole samples (one value per repeat) between a
 * baseline and the current run: the medians' relative change must exceed the
 * metric's threshold in the bad direction AND an exact one-sided Mann–Whitney U
 * test must reject "same distribution" at the metric's alpha. Pure. */
#ifndef ACCEPTBENCH_COMPARE_H
#define ACCEPTBENCH_COMPARE_H

#include <stddef.h>

#include "agg.h"
#include "table.h"

enum cmp_direction {
    CMP_HIGHER_IS_BETTER,
    CMP_LOWER_IS_BETTER,
    CMP_MUST_BE_ZERO,        /* any non-zero current value is a regression */
};

struct cmp_rule {
    enum agg_metric metric;
    enum cmp_direction direction;
    double max_change;       /* tolerated relative change of the median, e.g. 0.10 */
    double alpha;            /* significance level of the U test */
};

enum cmp_verdict {
    CMP_OK,                  /* within the threshold, or not significant */
    CMP_NOISE,               /* beyond the threshold but not significant */
    CMP_IMPROVED,
    CMP_REGRESSION,
    CMP_MISSING,             /* the configuration or metric has no current samples */
};

struct cmp_result {
    size_t base_group;       /* index into the baseline's groups */
    const struct cmp_rule *rule;
    double base_median, cur_median;
    double change;           /* (cur - base) / base; NAN when base is 0 */
    double p;                /* one-sided p-value for the bad direction; NAN if untested */
    enum cmp_verdict verdict;
};

/* Read rules from a thresholds table with columns metric, direction
 * (higher|lower|zero), max_change, alpha. Returns the count or -1 with a
 * message naming the line and what is wrong. */
long cmp_rules_from_table(const struct table *t, struct cmp_rule *rules, size_t max,
                          char *err, size_t errlen);

/* Exact one-sided p-value that sample x tends to be smaller than sample y:
 * P(U >= u) under the null, with u counting pairs x < y (ties count half,
 * rounded down, which errs towards "not significant"). Non-finite values are
 * dropped. Samples of up to 64 values each; NAN beyond or when either is empty. */
double cmp_mann_whitney_less(const double *x, size_t nx, const double *y, size_t ny);

/* Compare every (baseline group, rule) pair; out must hold base->n * nrules
 * results, in that order. Returns the worst exit status: 0 pass, 1 a regression,
 * 2 something missing (the run is broken or does not match the baseline). */
int cmp_run(const struct agg *base, const struct agg *cur, const struct cmp_rule *rules,
            size_t nrules, struct cmp_result *out);

const char *cmp_verdict_name(enum cmp_verdict v);

#endif
