#include "compare.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MWU_MAX 64

/* ---- thresholds ---- */

/* Whether a counts metric names a side's counter: "server_..." or "client_...". */
static int side_metric(const char *metric)
{
    for (int s = 0; s < KAGG_SIDES; s++) {
        size_t len = strlen(kagg_side_name(s));
        if (strncmp(metric, kagg_side_name(s), len) == 0 && metric[len] == '_')
            return 1;
    }
    return 0;
}

/* One row into rule; 0, or -1 with the message (without the line). */
static int rule_from_row(const struct table *t, size_t r, const int *col, struct cmp_rule *rule,
                         char *err, size_t errlen)
{
    const char *kind = table_get(t, r, col[0]), *metric = table_get(t, r, col[1]),
               *dir = table_get(t, r, col[2]);
    memset(rule, 0, sizeof *rule);
    if (strcmp(kind, "counts") == 0)
        rule->kind = CMP_COUNTS;
    else if (strcmp(kind, "ab") == 0)
        rule->kind = CMP_AB;
    else
        return snprintf(err, errlen, "compare '%s' (use counts or ab)", kind), -1;
    if (strlen(metric) >= sizeof rule->metric)
        return snprintf(err, errlen, "metric '%s' is too long", metric), -1;
    snprintf(rule->metric, sizeof rule->metric, "%s", metric);
    if (strcmp(dir, "higher") == 0)
        rule->direction = CMP_HIGHER_IS_BETTER;
    else if (strcmp(dir, "lower") == 0)
        rule->direction = CMP_LOWER_IS_BETTER;
    else if (strcmp(dir, "zero") == 0 && rule->kind == CMP_COUNTS)
        rule->direction = CMP_MUST_BE_ZERO;
    else
        return snprintf(err, errlen, "direction '%s' (use higher, lower%s)", dir,
                        rule->kind == CMP_COUNTS ? " or zero" : ""), -1;
    rule->max_change = table_num(t, r, col[3]);
    rule->alpha = table_num(t, r, col[4]);
    if (!(rule->max_change >= 0))
        return snprintf(err, errlen, "max_change must be a number >= 0"), -1;
    if (rule->kind == CMP_COUNTS) {
        rule->agg_metric = -1;
        if (strcmp(metric, "errors") != 0 && !side_metric(metric))
            return snprintf(err, errlen, "counts metric '%s' (use errors, or server_ or "
                            "client_ and syscalls, context_switches or syscall:NAME)",
                            metric), -1;
        if (table_get(t, r, col[4])[0])
            return snprintf(err, errlen, "alpha is for ab rows (counts have no test): "
                            "leave it empty"), -1;
        return 0;
    }
    if (strcmp(metric, CMP_SERVER_CPU) == 0)
        rule->agg_metric = -1;
    else if ((rule->agg_metric = agg_metric_by_name(metric)) < 0)
        return snprintf(err, errlen, "unknown metric '%s'", metric), -1;
    if (!(rule->alpha > 0 && rule->alpha < 1))
        return snprintf(err, errlen, "alpha must be in (0, 1)"), -1;
    return 0;
}

long cmp_rules_from_table(const struct table *t, struct cmp_rule *rules, size_t max,
                          char *err, size_t errlen)
{
    static const char *const names[] = {"compare", "metric", "direction", "max_change", "alpha"};
    int col[5];
    char why[256];
    for (int c = 0; c < 5; c++)
        if ((col[c] = table_col(t, names[c])) < 0) {
            snprintf(err, errlen, "thresholds need the columns compare, metric, direction, "
                                  "max_change, alpha");
            return -1;
        }
    if (t->rows > max) {
        snprintf(err, errlen, "more than %zu thresholds", max);
        return -1;
    }
    for (size_t r = 0; r < t->rows; r++)
        if (rule_from_row(t, r, col, &rules[r], why, sizeof why) < 0) {
            snprintf(err, errlen, "line %zu: %s", r + 2, why);
            return -1;
        }
    return (long)t->rows;
}

/* ---- the exact Mann–Whitney U distribution ---- */

/* The number of interleavings of n1 x-values and n2 y-values with s pairs x < y,
 * for s = 0 .. n1·n2, in a new array (NULL when out of memory). Counted by the
 * smallest element: an x there is below all j y-values, a y there is below no
 * x-value, so f(i, j, s) = f(i-1, j, s-j) + f(i, j-1, s). Two rows of i suffice;
 * the counts (up to C(128, 64)) are kept in doubles, exact enough for a p-value. */
static double *mwu_null(size_t n1, size_t n2)
{
    size_t umax = n1 * n2;
    double *f = calloc((n2 + 1) * (umax + 1), sizeof *f), *g = calloc((n2 + 1) * (umax + 1), sizeof *g);
    double *out = malloc((umax + 1) * sizeof *out);
    if (!f || !g || !out) {
        free(f);
        free(g);
        free(out);
        return NULL;
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
    for (size_t s = 0; s <= umax; s++)
        out[s] = AT(f, n2, s);
#undef AT
    free(f);
    free(g);
    return out;
}

/* Copy the finite values (only the positive ones when positive), at most MWU_MAX;
 * returns how many. */
static size_t keep_only(const double *v, size_t n, double *out, int positive)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]) && (!positive || v[i] > 0) && k < MWU_MAX)
            out[k++] = v[i];
    return k;
}

double cmp_mann_whitney_less(const double *x, size_t nx, const double *y, size_t ny)
{
    double a[MWU_MAX], b[MWU_MAX];
    if (nx > MWU_MAX || ny > MWU_MAX)
        return NAN;
    size_t n1 = keep_only(x, nx, a, 0), n2 = keep_only(y, ny, b, 0);
    if (!n1 || !n2)
        return NAN;
    /* u2 = 2U, so a tie's half counts exactly. */
    size_t u2 = 0;
    for (size_t i = 0; i < n1; i++)
        for (size_t j = 0; j < n2; j++)
            u2 += a[i] < b[j] ? 2 : a[i] == b[j] ? 1 : 0;
    size_t u = u2 / 2, umax = n1 * n2;
    double *f = mwu_null(n1, n2), total = 0, tail = 0;
    if (!f)
        return NAN;
    for (size_t s = 0; s <= umax; s++) {
        total += f[s];
        if (s >= u)
            tail += f[s];
    }
    free(f);
    return tail / total;
}

/* ---- Hodges–Lehmann ---- */

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

int cmp_hodges_lehmann(const double *head, size_t nh, const double *base, size_t nb,
                       double level, struct cmp_hl *out)
{
    double h[MWU_MAX], b[MWU_MAX];
    *out = (struct cmp_hl){NAN, NAN, NAN, NAN};
    if (nh > MWU_MAX || nb > MWU_MAX)
        return -1;
    size_t n1 = keep_only(head, nh, h, 1), n2 = keep_only(base, nb, b, 1), n = n1 * n2;
    if (!n)
        return -1;
    /* Sorting the ratios sorts their logs: the median of the logs is a ratio, or
     * for an even count the mean of the two middle logs, their geometric mean. */
    double *r = malloc(n * sizeof *r), *f = mwu_null(n1, n2);
    if (!r || !f) {
        free(r);
        free(f);
        return -1;
    }
    for (size_t i = 0; i < n1; i++)
        for (size_t j = 0; j < n2; j++)
            r[i * n2 + j] = h[i] / b[j];
    qsort(r, n, sizeof *r, cmp_double);
    out->ratio = n % 2 ? r[n / 2] : sqrt(r[n / 2 - 1] * r[n / 2]);

    /* [r_(k), r_(n+1-k)] misses the true ratio with probability 2·P(U <= k-1):
     * take k as large as the level allows (the tolerance keeps 1 - 4/20 >= 0.8
     * true in binary), at least 1, at most the middle. */
    double total = 0, below = f[0];
    for (size_t s = 0; s <= n; s++)
        total += f[s];
    size_t k = 1;
    out->confidence = 1 - 2 * below / total;
    while (2 * (k + 1) <= n + 1) {
        double conf = 1 - 2 * (below + f[k]) / total;
        if (conf < level - 1e-12)
            break;
        below += f[k++];
        out->confidence = conf;
    }
    out->lo = r[k - 1];
    out->hi = r[n - k];
    free(r);
    free(f);
    return 0;
}

/* ---- verdicts ---- */

const char *cmp_verdict_name(enum cmp_verdict v)
{
    static const char *const names[] = {"ok", "noise", "improved", "REGRESSION", "MISSING",
                                        "new"};
    return names[v];
}

/* The worst exit status so far, after a row with verdict v. */
static int worse_status(int status, enum cmp_verdict v)
{
    if (v == CMP_MISSING)
        return 2;
    if (v == CMP_REGRESSION && status == 0)
        return 1;
    return status;
}

/* A new row at the end, zeroed; NULL when out of memory. */
static struct cmp_count *count_push(struct cmp_counts *c)
{
    struct cmp_count *grown = realloc(c->r, (c->n + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    c->r = grown;
    memset(&grown[c->n], 0, sizeof *grown);
    return &grown[c->n++];
}

static struct cmp_ab *ab_push(struct cmp_abs *c)
{
    struct cmp_ab *grown = realloc(c->r, (c->n + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    c->r = grown;
    memset(&grown[c->n], 0, sizeof *grown);
    return &grown[c->n++];
}

/* ---- counts ---- */

/* The counts rule for a name: its own row, else the first pattern matching it. */
static const struct cmp_rule *count_rule(const struct cmp_rule *rules, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (rules[i].kind == CMP_COUNTS && strcmp(rules[i].metric, name) == 0)
            return &rules[i];
    for (size_t i = 0; i < n; i++)
        if (rules[i].kind == CMP_COUNTS && fnmatch(rules[i].metric, name, 0) == 0)
            return &rules[i];
    return NULL;
}

static enum cmp_verdict count_verdict(const struct cmp_rule *rule, double base, double cur)
{
    if (isnan(base) || isnan(cur))
        return CMP_MISSING;
    if (rule->direction == CMP_MUST_BE_ZERO)
        return cur > 0 ? CMP_REGRESSION : CMP_OK;
    double worse = rule->direction == CMP_LOWER_IS_BETTER ? cur - base : base - cur;
    if (worse > rule->max_change)
        return CMP_REGRESSION;
    return -worse > rule->max_change ? CMP_IMPROVED : CMP_OK;
}

/* Adds a row to out; 0, or -1 with a message. */
static int count_row(struct cmp_counts *out, const struct agg *a, const struct agg_group *g,
                     int side, const char *counter, const struct cmp_rule *rules, size_t nrules,
                     double base, double cur, char *err, size_t errlen)
{
    char metric[96];
    const struct cmp_rule *rule = NULL;
    struct cmp_count *row;
    if (counter[0]) {
        snprintf(metric, sizeof metric, "%s%s%s", side < 0 ? "" : kagg_side_name(side),
                 side < 0 ? "" : "_", counter);
        if (!(rule = count_rule(rules, nrules, metric))) {
            snprintf(err, errlen, "no counts threshold for %s (add a row whose metric "
                                  "is or matches it)", metric);
            return -1;
        }
    }
    if (!(row = count_push(out))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    row->a = a;
    row->g = g;
    row->side = side;
    snprintf(row->counter, sizeof row->counter, "%s", counter);
    row->rule = rule;
    row->base = base;
    row->cur = cur;
    row->change = cur - base;
    row->verdict = rule ? count_verdict(rule, base, cur) : CMP_MISSING;
    return 0;
}

/* Whether name is in the first n counters of s. */
static int listed(const struct kagg_side *s, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s->c[i].name, name) == 0)
            return 1;
    return 0;
}

/* One side of a configuration present in both folders. */
static int count_side(struct cmp_counts *out, const struct agg *base, size_t bg,
                      const struct kagg *kbase, size_t cg, const struct kagg *kcur, int side,
                      const struct cmp_rule *rules, size_t nrules, char *err, size_t errlen)
{
    static const char *const totals[] = {"syscalls", "context_switches"};
    const struct kagg_side *bs = bg < kbase->n ? &kbase->g[bg][side] : NULL,
                           *cs = cg < kcur->n ? &kcur->g[cg][side] : NULL;
    const struct agg_group *g = &base->g[bg];
    if (!bs || !bs->runs || !cs || !cs->runs)
        return count_row(out, base, g, side, totals[0], rules, nrules,
                         kagg_median(kbase, bg, side, totals[0]),
                         kagg_median(kcur, cg, side, totals[0]), err, errlen);
    for (int t = 0; t < 2; t++)
        if (count_row(out, base, g, side, totals[t], rules, nrules,
                      kagg_median(kbase, bg, side, totals[t]),
                      kagg_median(kcur, cg, side, totals[t]), err, errlen) < 0)
            return -1;
    /* Every name either folder has: the baseline's in its order, then the new ones. */
    for (int pass = 0; pass < 2; pass++) {
        const struct kagg_side *s = pass ? cs : bs;
        for (size_t i = 0; i < s->n; i++) {
            const char *name = s->c[i].name;
            if (strncmp(name, KAGG_SYSCALL, strlen(KAGG_SYSCALL)) != 0 ||
                (pass && listed(bs, bs->n, name)))
                continue;
            if (count_row(out, base, g, side, name, rules, nrules,
                          kagg_median(kbase, bg, side, name), kagg_median(kcur, cg, side, name),
                          err, errlen) < 0)
                return -1;
        }
    }
    return 0;
}

int cmp_counts(const struct agg *base, const struct kagg *kbase, const struct agg *cur,
               const struct kagg *kcur, const struct cmp_rule *rules, size_t nrules,
               struct cmp_counts *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    for (size_t bg = 0; bg < base->n; bg++) {
        const struct agg_group *g = &base->g[bg], *c = agg_find(cur, g);
        if (!c) {
            if (count_row(out, base, g, -1, "", rules, nrules, NAN, NAN, err, errlen) < 0)
                return -1;
            continue;
        }
        size_t cg = (size_t)(c - cur->g);
        if (count_row(out, base, g, -1, "errors", rules, nrules, agg_median(g->v[AGG_ERRORS], g->n),
                      agg_max(c->v[AGG_ERRORS], c->n), err, errlen) < 0)
            return -1;
        for (int side = 0; side < KAGG_SIDES; side++)
            if (count_side(out, base, bg, kbase, cg, kcur, side, rules, nrules, err, errlen) < 0)
                return -1;
    }
    for (size_t cg = 0; cg < cur->n; cg++) {
        if (agg_find(base, &cur->g[cg]))
            continue;
        if (count_row(out, cur, &cur->g[cg], -1, "", rules, nrules, NAN, NAN, err, errlen) < 0)
            return -1;
        out->r[out->n - 1].verdict = CMP_NEW;
    }
    int status = 0;
    for (size_t i = 0; i < out->n; i++)
        status = worse_status(status, out->r[i].verdict);
    return status;
}

void cmp_counts_free(struct cmp_counts *c)
{
    free(c->r);
    memset(c, 0, sizeof *c);
}

/* ---- A/B ---- */

/* A configuration's values of a rule's metric, one per round, in a new array. */
static double *ab_samples(const struct agg_group *g, const struct cmp_rule *rule)
{
    double *v = malloc((g->n ? g->n : 1) * sizeof *v);
    for (size_t i = 0; v && i < g->n; i++)
        v[i] = rule->agg_metric >= 0 ? g->v[rule->agg_metric][i]
                                     : g->v[AGG_SERVER_USER_MS_PER_1K][i] +
                                       g->v[AGG_SERVER_SYS_MS_PER_1K][i];
    return v;
}

static size_t finite_count(const double *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += isfinite(v[i]) != 0;
    return k;
}

/* The verdict of a row with its samples and HL estimate filled in. */
static void ab_verdict(struct cmp_ab *r, const double *bv, size_t nb, const double *hv, size_t nh)
{
    const struct cmp_rule *rule = r->rule;
    int higher_better = rule->direction == CMP_HIGHER_IS_BETTER;
    /* Bad direction: the head lower when higher is better, and vice versa. */
    double p_worse = higher_better ? cmp_mann_whitney_less(hv, nh, bv, nb)
                                   : cmp_mann_whitney_less(bv, nb, hv, nh);
    double p_better = higher_better ? cmp_mann_whitney_less(bv, nb, hv, nh)
                                    : cmp_mann_whitney_less(hv, nh, bv, nb);
    /* How many times worse the head is: above 1 worse, below 1 better; and the
     * interval's ends in the same terms. */
    double worse = higher_better ? 1 / r->hl.ratio : r->hl.ratio;
    double worse_least = higher_better ? 1 / r->hl.hi : r->hl.lo;
    double worse_most = higher_better ? 1 / r->hl.lo : r->hl.hi;
    /* Besides the estimate beyond the threshold and a significant U test, the whole
     * interval must lie beyond half the threshold: with 4 rounds, p < alpha only
     * says the samples did not overlap, which 1 in 70 comparisons of the same code
     * does by chance (a job makes about 60); a machine busy with something else
     * then turns that into a 30% "change". A real slowdown moves the interval too. */
    double half = 1 + rule->max_change / 2;
    r->p = p_worse;
    if (worse > 1 + rule->max_change)
        r->verdict = p_worse < rule->alpha && worse_least > half ? CMP_REGRESSION : CMP_NOISE;
    else if (1 / worse > 1 + rule->max_change)
        r->verdict = p_better < rule->alpha && 1 / worse_most > half ? CMP_IMPROVED : CMP_NOISE;
    else
        r->verdict = CMP_OK;
}

/* Adds the row of one configuration and rule (both folders have the
 * configuration), or none when neither has the metric; 0, or -1 out of memory. */
static int ab_row(struct cmp_abs *out, const struct agg *base, const struct agg_group *bg,
                  const struct agg_group *hg, const struct cmp_rule *rule, double level)
{
    double *bv = ab_samples(bg, rule), *hv = ab_samples(hg, rule);
    struct cmp_ab *r;
    int rc = -1;
    if (!bv || !hv)
        goto done;
    size_t nb = finite_count(bv, bg->n), nh = finite_count(hv, hg->n);
    rc = 0;
    if (!nb && !nh)
        goto done;
    if (!(r = ab_push(out))) {
        rc = -1;
        goto done;
    }
    r->a = base;
    r->g = bg;
    r->rule = rule;
    r->nbase = nb;
    r->nhead = nh;
    r->base_median = agg_median(bv, bg->n);
    r->head_median = agg_median(hv, hg->n);
    r->p = NAN;
    if (!nb || !nh) {
        r->missing_in = nb ? "head" : "base";
        r->verdict = CMP_MISSING;
        r->hl = (struct cmp_hl){NAN, NAN, NAN, NAN};
    } else if (cmp_hodges_lehmann(hv, hg->n, bv, bg->n, level, &r->hl) < 0) {
        r->verdict = CMP_MISSING;   /* no positive values, or too many rounds */
    } else {
        ab_verdict(r, bv, bg->n, hv, hg->n);
    }
done:
    free(bv);
    free(hv);
    return rc;
}

/* A configuration that folder `missing_in` lacks. */
static int ab_missing(struct cmp_abs *out, const struct agg *a, const struct agg_group *g,
                      const char *missing_in)
{
    struct cmp_ab *r = ab_push(out);
    if (!r)
        return -1;
    r->a = a;
    r->g = g;
    r->missing_in = missing_in;
    r->base_median = r->head_median = r->p = NAN;
    r->hl = (struct cmp_hl){NAN, NAN, NAN, NAN};
    r->verdict = CMP_MISSING;
    return 0;
}

/* Whether skipped (a skipped.txt's text, or NULL) has a line for g. */
static int skipped_has(const char *skipped, const struct agg_group *g)
{
    char series[128], prefix[160];
    agg_series_name(g, series, sizeof series);
    snprintf(prefix, sizeof prefix, "%s w%ld: ", series, g->workers);
    for (const char *line = skipped; line; line = strchr(line, '\n')) {
        line += *line == '\n';   /* past the line end found, but for the first line */
        if (strncmp(line, prefix, strlen(prefix)) == 0)
            return 1;
    }
    return 0;
}

int cmp_ab(const struct agg *base, const struct agg *head, const char *base_skipped,
           const struct cmp_rule *rules, size_t nrules, double level, struct cmp_abs *out,
           char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < base->n; i++) {
        const struct agg_group *bg = &base->g[i], *hg = agg_find(head, bg);
        if (!hg) {
            if (ab_missing(out, base, bg, "head") < 0)
                goto oom;
            continue;
        }
        for (size_t k = 0; k < nrules; k++)
            if (rules[k].kind == CMP_AB && ab_row(out, base, bg, hg, &rules[k], level) < 0)
                goto oom;
    }
    for (size_t i = 0; i < head->n; i++) {
        if (agg_find(base, &head->g[i]))
            continue;
        if (ab_missing(out, head, &head->g[i], "base") < 0)
            goto oom;
        if (skipped_has(base_skipped, &head->g[i]))
            out->r[out->n - 1].verdict = CMP_NEW;
    }
    int status = 0;
    for (size_t i = 0; i < out->n; i++)
        status = worse_status(status, out->r[i].verdict);
    return status;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

void cmp_abs_free(struct cmp_abs *c)
{
    free(c->r);
    memset(c, 0, sizeof *c);
}
