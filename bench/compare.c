#include "compare.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MWU_MAX 64

long cmp_rules_from_table(const struct table *t, struct cmp_rule *rules, size_t max,
                          char *err, size_t errlen)
{
    int c_metric = table_col(t, "metric"), c_dir = table_col(t, "direction"),
        c_change = table_col(t, "max_change"), c_alpha = table_col(t, "alpha");
    if (c_metric < 0 || c_dir < 0 || c_change < 0 || c_alpha < 0) {
        snprintf(err, errlen, "thresholds need the columns metric, direction, max_change, alpha");
        return -1;
    }
    if (t->rows > max) {
        snprintf(err, errlen, "more than %zu thresholds", max);
        return -1;
    }
    for (size_t r = 0; r < t->rows; r++) {
        struct cmp_rule *rule = &rules[r];
        const char *name = table_get(t, r, c_metric), *dir = table_get(t, r, c_dir);
        int m = agg_metric_by_name(name);
        size_t line = r + 2;
        if (m < 0) {
            snprintf(err, errlen, "line %zu: unknown metric '%s'", line, name);
            return -1;
        }
        rule->metric = (enum agg_metric)m;
        if (strcmp(dir, "higher") == 0)
            rule->direction = CMP_HIGHER_IS_BETTER;
        else if (strcmp(dir, "lower") == 0)
            rule->direction = CMP_LOWER_IS_BETTER;
        else if (strcmp(dir, "zero") == 0)
            rule->direction = CMP_MUST_BE_ZERO;
        else {
            snprintf(err, errlen, "line %zu: direction '%s' (use higher, lower or zero)", line, dir);
            return -1;
        }
        rule->max_change = table_num(t, r, c_change);
        rule->alpha = table_num(t, r, c_alpha);
        if (!(rule->max_change >= 0) || !(rule->alpha > 0 && rule->alpha < 1)) {
            snprintf(err, errlen, "line %zu: max_change must be >= 0 and alpha in (0, 1)", line);
            return -1;
        }
    }
    return (long)t->rows;
}

static size_t finite_only(const double *v, size_t n, double *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]) && k < MWU_MAX)
            out[k++] = v[i];
    return k;
}

double cmp_mann_whitney_less(const double *x, size_t nx, const double *y, size_t ny)
{
    double a[MWU_MAX], b[MWU_MAX];
    if (nx > MWU_MAX || ny > MWU_MAX)
        return NAN;
    size_t n1 = finite_only(x, nx, a), n2 = finite_only(y, ny, b);
    if (!n1 || !n2)
        return NAN;
    /* u2 = 2U, so a tie's half counts exactly. */
    size_t u2 = 0;
    for (size_t i = 0; i < n1; i++)
        for (size_t j = 0; j < n2; j++)
            u2 += a[i] < b[j] ? 2 : a[i] == b[j] ? 1 : 0;
    size_t u = u2 / 2, umax = n1 * n2;
    /* Under the null every interleaving of the two samples is equally likely.
     * Count the interleavings with s pairs x < y by the smallest element: an x
     * there is below all j y-values, a y there is below no x-value, so
     * f(i, j, s) = f(i-1, j, s-j) + f(i, j-1, s). Two rows of i suffice; the
     * counts (up to C(128, 64)) are kept in doubles, exact enough for a p-value. */
    double *f = calloc((n2 + 1) * (umax + 1), sizeof *f), *g = calloc((n2 + 1) * (umax + 1), sizeof *g);
    if (!f || !g) {
        free(f);
        free(g);
        return NAN;
    }
#define AT(t, j, s) (t)[(j) * (umax + 1) + (s)]
    for (size_t j = 0; j <= n2; j++)
        AT(f, j, 0) = 1;                      /* i = 0: one interleaving, no pairs */
    for (size_t i = 1; i <= n1; i++) {
        memset(g, 0, (n2 + 1) * (umax + 1) * sizeof *g);
        for (size_t j = 0; j <= n2; j++)
            for (size_t s = 0; s <= i * j; s++)
                AT(g, j, s) = (s >= j ? AT(f, j, s - j) : 0) + (j ? AT(g, j - 1, s) : 0);
        double *tmp = f;
        f = g;
        g = tmp;
    }
    double total = 0, tail = 0;
    for (size_t s = 0; s <= umax; s++) {
        total += AT(f, n2, s);
        if (s >= u)
            tail += AT(f, n2, s);
    }
#undef AT
    free(f);
    free(g);
    return tail / total;
}

const char *cmp_verdict_name(enum cmp_verdict v)
{
    static const char *const names[] = {"ok", "noise", "improved", "REGRESSION", "MISSING"};
    return names[v];
}

static void compare_one(const struct agg_group *b, const struct agg_group *c,
                        const struct cmp_rule *rule, struct cmp_result *r)
{
    const double *bv = b->v[rule->metric], *cv = c ? c->v[rule->metric] : NULL;
    r->base_median = agg_median(bv, b->n);
    r->cur_median = c ? agg_median(cv, c->n) : NAN;
    r->change = r->base_median != 0 ? (r->cur_median - r->base_median) / fabs(r->base_median) : NAN;
    r->p = NAN;
    r->verdict = CMP_OK;
    if (!c || isnan(r->cur_median)) {
        r->verdict = isnan(r->base_median) ? CMP_OK : CMP_MISSING;
        return;
    }
    if (rule->direction == CMP_MUST_BE_ZERO) {
        r->verdict = agg_max(cv, c->n) > 0 ? CMP_REGRESSION : CMP_OK;
        return;
    }
    int higher_better = rule->direction == CMP_HIGHER_IS_BETTER;
    /* Bad direction: current lower when higher is better, and vice versa. */
    double p_worse = higher_better ? cmp_mann_whitney_less(cv, c->n, bv, b->n)
                                   : cmp_mann_whitney_less(bv, b->n, cv, c->n);
    double p_better = higher_better ? cmp_mann_whitney_less(bv, b->n, cv, c->n)
                                    : cmp_mann_whitney_less(cv, c->n, bv, b->n);
    double worse_by = higher_better ? -r->change : r->change;
    r->p = p_worse;
    if (isnan(worse_by))
        return;
    if (worse_by > rule->max_change)
        r->verdict = p_worse < rule->alpha ? CMP_REGRESSION : CMP_NOISE;
    else if (-worse_by > rule->max_change && p_better < rule->alpha)
        r->verdict = CMP_IMPROVED;
}

int cmp_run(const struct agg *base, const struct agg *cur, const struct cmp_rule *rules,
            size_t nrules, struct cmp_result *out)
{
    int status = 0;
    for (size_t g = 0; g < base->n; g++) {
        const struct agg_group *c = agg_find(cur, &base->g[g]);
        for (size_t k = 0; k < nrules; k++) {
            struct cmp_result *r = &out[g * nrules + k];
            r->base_group = g;
            r->rule = &rules[k];
            compare_one(&base->g[g], c, &rules[k], r);
            if (r->verdict == CMP_MISSING)
                status = 2;
            else if (r->verdict == CMP_REGRESSION && status == 0)
                status = 1;
        }
    }
    return status;
}
