/* The regression job's two subcommands (compare.c has the arithmetic):
 *   counts BASELINE DIR THRESHOLDS  DIR's kernel counts per connection and errors
 *       against the stored baseline folder → DIR/compare-counts.md
 *   ab BASE_RUN HEAD_RUN THRESHOLDS  the head revision's times against the base's,
 *       both run in the same job → HEAD_RUN/compare-ab.md
 * Each prints its table on stdout too and exits 0 pass, 1 regression, 2 broken (a
 * configuration or counter one folder lacks, a file that does not read). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "compare.h"
#include "kagg.h"
#include "report_common.h"
#include "table.h"

/* The level A/B's confidence intervals aim at; few rounds reach less (the table
 * says what each reached). */
#define AB_LEVEL 0.95

static const char *const statuses[] = {"pass", "REGRESSION", "BROKEN RUN"};

/* Load THRESHOLDS' rules into a new array; its count, or -1 after saying why. */
static long load_rules(const char *path, struct cmp_rule **rules)
{
    struct table t;
    char err[512];
    *rules = NULL;
    if (table_load(&t, path, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return -1;
    }
    long n = -1;
    if (!(*rules = calloc(t.rows ? t.rows : 1, sizeof **rules)))
        snprintf(err, sizeof err, "out of memory");
    else
        n = cmp_rules_from_table(&t, *rules, t.rows, err, sizeof err);
    table_free(&t);
    if (n < 0) {
        fprintf(stderr, PROG ": %s: %s\n", path, err);
        free(*rules);
        *rules = NULL;
    }
    return n;
}

/* DIR/FILE := what put writes, atomically (a temporary file renamed over it).
 * Returns 0, or -1 after saying why. */
static int write_md(const char *dir, const char *file, void (*put)(FILE *, const void *),
                    const void *ctx)
{
    char path[4096], tmp[4200];
    path_of(path, sizeof path, dir, file);
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    int bad = !f;
    if (f) {
        put(f, ctx);
        bad = ferror(f) | (fclose(f) != 0) || rename(tmp, path) != 0;
    }
    if (bad) {
        fprintf(stderr, PROG ": cannot write %s\n", path);
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ---- counts ---- */

struct counts_doc {
    const char *baseline, *thresholds;
    const struct cmp_counts *c;
    int status;
};

static void fmt_count(char *buf, size_t len, const char *fmt, double v)
{
    if (isnan(v))
        snprintf(buf, len, "–");
    else
        snprintf(buf, len, fmt, v);
}

/* "server syscall:accept4", "errors", or what a whole configuration's row is. */
static void count_label(char *buf, size_t len, const struct cmp_count *r)
{
    if (!r->counter[0])
        snprintf(buf, len, r->verdict == CMP_NEW ? "(not in the baseline)" : "(not in this run)");
    else if (r->side < 0)
        snprintf(buf, len, "%s", r->counter);
    else
        snprintf(buf, len, "%s %s", kagg_side_name(r->side), r->counter);
}

static void put_counts(FILE *f, const void *ctx)
{
    const struct counts_doc *d = ctx;
    const struct cmp_counts *c = d->c;
    size_t n[CMP_NEW + 1] = {0};
    for (size_t i = 0; i < c->n; i++)
        n[c->r[i].verdict]++;
    fprintf(f, "**%s**: %zu regression(s), %zu missing, %zu improved, %zu new "
               "configuration(s), over %zu comparisons.\n\n",
            statuses[d->status], n[CMP_REGRESSION], n[CMP_MISSING], n[CMP_IMPROVED],
            n[CMP_NEW], c->n);
    fprintf(f, "Counts per connection against the baseline `%s`: the median over each "
               "folder's runs (errors: the most of any run); thresholds `%s` (compare = "
               "counts), absolute, in calls per connection.\n\n",
            d->baseline, d->thresholds);
    /* What failed, first: the table is long. */
    for (size_t i = 0; i < c->n; i++) {
        const struct cmp_count *r = &c->r[i];
        char name[160], what[128];
        if (r->verdict != CMP_REGRESSION && r->verdict != CMP_MISSING)
            continue;
        agg_group_name(r->a, r->g, name, sizeof name);
        count_label(what, sizeof what, r);
        if (r->verdict == CMP_REGRESSION)
            fprintf(f, "- %s: %s %+.2f per connection (%.2f → %.2f, threshold %.2f)\n", name,
                    what, r->change, r->base, r->cur, r->rule->max_change);
        else if (!r->counter[0])
            fprintf(f, "- %s: MISSING: not in this run\n", name);
        else
            fprintf(f, "- %s: %s MISSING: %s did not count it\n", name, what,
                    isnan(r->base) ? "the baseline" : "this run");
    }
    if (n[CMP_REGRESSION] + n[CMP_MISSING])
        fprintf(f, "\n");
    fprintf(f, "| configuration | counter | baseline | now | change | threshold | verdict |\n"
               "|---|---|---:|---:|---:|---:|---|\n");
    for (size_t i = 0; i < c->n; i++) {
        const struct cmp_count *r = &c->r[i];
        char name[160], what[128], b[32], cur[32], ch[32], th[32];
        const char *fmt = r->side < 0 ? "%.0f" : "%.2f";
        agg_group_name(r->a, r->g, name, sizeof name);
        count_label(what, sizeof what, r);
        fmt_count(b, sizeof b, fmt, r->base);
        fmt_count(cur, sizeof cur, fmt, r->cur);
        fmt_count(ch, sizeof ch, r->side < 0 ? "%+.0f" : "%+.2f", r->change);
        if (!r->rule)
            snprintf(th, sizeof th, "–");
        else if (r->rule->direction == CMP_MUST_BE_ZERO)
            snprintf(th, sizeof th, "must be 0");
        else
            snprintf(th, sizeof th, "%.2f", r->rule->max_change);
        fprintf(f, "| %s | %s | %s | %s | %s | %s | %s |\n", name, what, b, cur, ch, th,
                cmp_verdict_name(r->verdict));
    }
}

/* The folder's summary, configurations and kernel counters; 0, or -1 after saying
 * why (nothing left to free). */
static int load_counted(const char *dir, struct table *sum, struct agg *a, struct kagg *k)
{
    char line[512];
    if (load_summary(dir, sum, a) < 0)
        return -1;
    kernel_load(dir, sum, a, k);
    if (!kagg_any(k)) {
        env_value(dir, "kernel_counters", line, sizeof line);
        fprintf(stderr, PROG ": %s has no kernel counters%s%s%s: its counts are MISSING\n",
                dir, line[0] ? " (env.txt: " : "", line, line[0] ? ")" : "");
    }
    return 0;
}

int cmd_counts(const char *baseline, const char *dir, const char *thresholds)
{
    struct table bsum, csum;
    struct agg base, cur;
    struct kagg kbase, kcur;
    struct cmp_rule *rules;
    struct cmp_counts c;
    char err[512];
    long nrules = load_rules(thresholds, &rules);
    if (nrules < 0)
        return 2;
    if (load_counted(baseline, &bsum, &base, &kbase) < 0) {
        free(rules);
        return 2;
    }
    if (load_counted(dir, &csum, &cur, &kcur) < 0) {
        kagg_free(&kbase);
        agg_free(&base);
        table_free(&bsum);
        free(rules);
        return 2;
    }
    int status = cmp_counts(&base, &kbase, &cur, &kcur, rules, (size_t)nrules, &c, err, sizeof err);
    if (status < 0) {
        fprintf(stderr, PROG ": %s: %s\n", thresholds, err);
        status = 2;
    } else {
        struct counts_doc d = {baseline, thresholds, &c, status};
        put_counts(stdout, &d);
        if (write_md(dir, "compare-counts.md", put_counts, &d) < 0)
            status = 2;
    }
    cmp_counts_free(&c);
    kagg_free(&kbase);
    kagg_free(&kcur);
    agg_free(&base);
    agg_free(&cur);
    table_free(&bsum);
    table_free(&csum);
    free(rules);
    return status;
}

/* ---- A/B ---- */

struct ab_doc {
    const char *base_dir, *thresholds;
    const struct cmp_abs *c;
    int status;
};

static void fmt_time(char *buf, size_t len, double v)
{
    if (isnan(v))
        snprintf(buf, len, "–");
    else if (fabs(v) >= 100)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.3g", v);
}

static void put_ab(FILE *f, const void *ctx)
{
    const struct ab_doc *d = ctx;
    const struct cmp_abs *c = d->c;
    size_t n[CMP_NEW + 1] = {0};
    for (size_t i = 0; i < c->n; i++)
        n[c->r[i].verdict]++;
    fprintf(f, "**%s**: %zu regression(s), %zu missing, %zu improved, %zu change(s) beyond "
               "threshold but within noise, %zu configuration(s) the base cannot run, over "
               "%zu comparisons.\n\n",
            statuses[d->status], n[CMP_REGRESSION], n[CMP_MISSING], n[CMP_IMPROVED],
            n[CMP_NOISE], n[CMP_NEW], c->n);
    fprintf(f, "This run (head) against `%s` (base), rounds interleaved in one job: the "
               "head/base ratio is the Hodges–Lehmann estimate (the median of all pairwise "
               "ratios), its interval from the exact Mann–Whitney distribution at the "
               "confidence shown (the most that many rounds give up to %.0f%%), p the "
               "one-sided U test's for the bad direction. A regression needs the ratio beyond "
               "the threshold and p < alpha (`%s`, compare = ab).\n\n",
            d->base_dir, 100 * AB_LEVEL, d->thresholds);
    for (size_t i = 0; i < c->n; i++) {
        const struct cmp_ab *r = &c->r[i];
        char name[160];
        if (r->verdict != CMP_REGRESSION && r->verdict != CMP_MISSING)
            continue;
        agg_group_name(r->a, r->g, name, sizeof name);
        if (r->verdict == CMP_REGRESSION)
            fprintf(f, "- %s: %s head/base %.3f (p %.3f)\n", name, r->rule->metric,
                    r->hl.ratio, r->p);
        else if (r->missing_in)
            fprintf(f, "- %s: %s MISSING in the %s run\n", name, r->rule ? r->rule->metric : "",
                    r->missing_in);
        else
            fprintf(f, "- %s: %s MISSING: no positive values to compare\n", name,
                    r->rule->metric);
    }
    if (n[CMP_REGRESSION] + n[CMP_MISSING])
        fprintf(f, "\n");
    fprintf(f, "| configuration | metric | base | head | head/base | interval (confidence) "
               "| p | rounds | verdict |\n|---|---|---:|---:|---:|---|---:|---:|---|\n");
    for (size_t i = 0; i < c->n; i++) {
        const struct cmp_ab *r = &c->r[i];
        char name[160], metric[96], b[32], h[32], ratio[32], ci[64], p[32];
        agg_group_name(r->a, r->g, name, sizeof name);
        if (r->rule)
            snprintf(metric, sizeof metric, "%s", r->rule->metric);
        else if (r->verdict == CMP_NEW)
            snprintf(metric, sizeof metric, "(the base server refuses it)");
        else
            snprintf(metric, sizeof metric, "(not in the %s run)", r->missing_in);
        fmt_time(b, sizeof b, r->base_median);
        fmt_time(h, sizeof h, r->head_median);
        fmt_count(ratio, sizeof ratio, "%.3f", r->hl.ratio);
        if (isnan(r->hl.ratio))
            snprintf(ci, sizeof ci, "–");
        else
            snprintf(ci, sizeof ci, "%.3f–%.3f (%.1f%%)", r->hl.lo, r->hl.hi,
                     100 * r->hl.confidence);
        fmt_count(p, sizeof p, "%.3f", r->p);
        fprintf(f, "| %s | %s | %s | %s | %s | %s | %s | %zu/%zu | %s |\n", name, metric, b, h,
                ratio, ci, p, r->nbase, r->nhead, cmp_verdict_name(r->verdict));
    }
}

/* DIR/skipped.txt's text in a new string, or NULL (none, or unreadable). */
static char *read_skipped(const char *dir)
{
    char path[4096];
    path_of(path, sizeof path, dir, "skipped.txt");
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t len = 0;
    if (!f)
        return NULL;
    for (char buf[4096];;) {
        size_t got = fread(buf, 1, sizeof buf, f);
        char *grown = got ? realloc(text, len + got + 1) : text;
        if (!got || !grown)
            break;
        memcpy(grown + len, buf, got);
        text = grown;
        len += got;
        text[len] = '\0';
    }
    fclose(f);
    return text;
}

int cmd_ab(const char *base_dir, const char *head_dir, const char *thresholds)
{
    struct table bsum, hsum;
    struct agg base, head;
    struct cmp_rule *rules;
    struct cmp_abs c;
    char err[512], *skipped;
    long nrules = load_rules(thresholds, &rules);
    if (nrules < 0)
        return 2;
    if (load_summary(base_dir, &bsum, &base) < 0) {
        free(rules);
        return 2;
    }
    if (load_summary(head_dir, &hsum, &head) < 0) {
        agg_free(&base);
        table_free(&bsum);
        free(rules);
        return 2;
    }
    skipped = read_skipped(base_dir);
    int status = cmp_ab(&base, &head, skipped, rules, (size_t)nrules, AB_LEVEL, &c, err,
                        sizeof err);
    free(skipped);
    if (status < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        status = 2;
    } else {
        struct ab_doc d = {base_dir, thresholds, &c, status};
        put_ab(stdout, &d);
        if (write_md(head_dir, "compare-ab.md", put_ab, &d) < 0)
            status = 2;
    }
    cmp_abs_free(&c);
    agg_free(&base);
    agg_free(&head);
    table_free(&bsum);
    table_free(&hsum);
    free(rules);
    return status;
}
