/* acceptbench-report compare BASE DIR THRESHOLDS: DIR against the baseline folder
 * BASE, metric by metric under the thresholds' rules (compare.c), as a table on
 * stdout and in DIR/compare.md; exit 0 pass, 1 regression, 2 broken or mismatched
 * run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "agg.h"
#include "compare.h"
#include "report_common.h"
#include "table.h"

static void fmt_value(char *buf, size_t len, double v)
{
    if (isnan(v))
        snprintf(buf, len, "–");
    else if (fabs(v) >= 100)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.3g", v);
}

static void compare_table(FILE *f, const struct agg *base, const struct cmp_result *res,
                          size_t n, int status)
{
    static const char *const verdicts[] = {"pass", "REGRESSION", "BROKEN RUN"};
    size_t regressions = 0, missing = 0, noise = 0;
    for (size_t i = 0; i < n; i++) {
        regressions += res[i].verdict == CMP_REGRESSION;
        missing += res[i].verdict == CMP_MISSING;
        noise += res[i].verdict == CMP_NOISE;
    }
    fprintf(f, "**%s**: %zu regression(s), %zu missing, %zu change(s) beyond threshold "
               "but within noise, over %zu comparisons.\n\n",
            verdicts[status], regressions, missing, noise, n);
    fprintf(f, "| configuration | metric | baseline | now | change | p | verdict |\n"
               "|---|---|---:|---:|---:|---:|---|\n");
    for (size_t i = 0; i < n; i++) {
        const struct cmp_result *r = &res[i];
        char name[160], b[32], c[32], ch[32], p[32];
        agg_group_name(base, &base->g[r->base_group], name, sizeof name);
        fmt_value(b, sizeof b, r->base_median);
        fmt_value(c, sizeof c, r->cur_median);
        if (isnan(r->change))
            snprintf(ch, sizeof ch, "–");
        else
            snprintf(ch, sizeof ch, "%+.1f%%", 100 * r->change);
        if (isnan(r->p))
            snprintf(p, sizeof p, "–");
        else
            snprintf(p, sizeof p, "%.3f", r->p);
        fprintf(f, "| %s | %s | %s | %s | %s | %s | %s |\n", name,
                agg_metric_name(r->rule->metric), b, c, ch, p, cmp_verdict_name(r->verdict));
    }
}

int cmd_compare(const char *base_dir, const char *dir, const char *thresholds)
{
    struct table base_sum, cur_sum, th;
    struct agg base, cur;
    struct cmp_rule rules[AGG_NMETRICS * 2];
    char err[512], path[4096], tmp[4200];
    if (table_load(&th, thresholds, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return 2;
    }
    long nrules = cmp_rules_from_table(&th, rules, sizeof rules / sizeof rules[0], err, sizeof err);
    table_free(&th);
    if (nrules < 0) {
        fprintf(stderr, PROG ": %s: %s\n", thresholds, err);
        return 2;
    }
    if (load_summary(base_dir, &base_sum, &base) < 0)
        return 2;
    if (load_summary(dir, &cur_sum, &cur) < 0) {
        agg_free(&base);
        table_free(&base_sum);
        return 2;
    }
    size_t n = base.n * (size_t)nrules;
    struct cmp_result *res = calloc(n ? n : 1, sizeof *res);
    int status = 2;
    if (res) {
        status = cmp_run(&base, &cur, rules, (size_t)nrules, res);
        compare_table(stdout, &base, res, n, status);
        path_of(path, sizeof path, dir, "compare.md");
        snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
        FILE *f = fopen(tmp, "w");
        int bad = !f;
        if (f) {
            fprintf(f, "# acceptbench regression check\n\nBaseline `%s`, thresholds `%s`. "
                       "A regression needs both a median change beyond the threshold and "
                       "a one-sided Mann–Whitney U test below alpha.\n\n",
                    base_dir, thresholds);
            compare_table(f, &base, res, n, status);
            bad = ferror(f) | (fclose(f) != 0) || rename(tmp, path) != 0;
        }
        if (bad) {
            fprintf(stderr, PROG ": cannot write %s\n", path);
            unlink(tmp);
            status = 2;
        }
    }
    free(res);
    agg_free(&base);
    agg_free(&cur);
    table_free(&base_sum);
    table_free(&cur_sum);
    return status;
}
