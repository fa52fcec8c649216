/* acceptbench-report: turn a results folder's raw CSVs into what people read.
 *   aggregate DIR  summary.csv (+ workers.csv, latency.csv, timeseries.csv) →
 *                  aggregate.csv, workers_agg.csv, latency_plot.csv,
 *                  timeseries_plot.csv and plotvars.gp, the plots' only inputs
 *   markdown DIR   report.md: environment, the summary table, the charts
 *   compare BASE DIR THRESHOLDS
 *                  DIR against the baseline folder BASE → DIR/compare.md;
 *                  exit 0 pass, 1 regression, 2 broken or mismatched run
 * Repeats are folded into medians with their min–max range; partial runs are
 * left out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "compare.h"
#include "csv.h"
#include "table.h"

#define PROG "acceptbench-report"

static const char *const charts[][2] = {
    {"workers", "Connections per worker"},
    {"latency", "Latency percentile distribution"},
    {"throughput", "Throughput"},
    {"cpu", "Server CPU per 1,000 connections"},
    {"fairness", "Fairness (Jain's index)"},
    {"timeseries", "Throughput over the run"},
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: " PROG " aggregate|markdown DIR\n"
                 "       " PROG " compare BASELINE_DIR DIR THRESHOLDS_CSV\n"
                 "  aggregate DIR  fold repeats into aggregate.csv and the plots' CSVs\n"
                 "  markdown DIR   write DIR/report.md (run aggregate and the plots first)\n"
                 "  compare        DIR against a baseline: DIR/compare.md and stdout;\n"
                 "                 exit 0 pass, 1 regression, 2 broken or mismatched run\n");
}

static void path_of(char *buf, size_t len, const char *dir, const char *file)
{
    snprintf(buf, len, "%s/%s", dir, file);
}

/* Name with no spaces or commas, so gnuplot's word() and CSV both take it. */
static void group_name(const struct agg *a, size_t i, char *buf, size_t len)
{
    agg_group_name(a, &a->g[i], buf, len);
    for (char *p = buf; *p; p++)
        if (*p == ' ')
            *p = ':';
}

/* Which group a summary row (by run_id) belongs to; -1 for partial runs. */
struct run_map {
    char **run_ids;
    const long *group;     /* the agg's row_group */
    size_t n;
};

/* Empty cells read as NAN; as a configuration key they mean 0, as in agg.c. */
static long as_long(double v)
{
    return isnan(v) ? 0 : (long)v;
}

static void map_runs(const struct table *sum, const struct agg *a, struct run_map *m)
{
    int c_run = table_col(sum, "run_id");
    m->n = sum->rows;
    m->group = a->row_group;
    m->run_ids = calloc(m->n ? m->n : 1, sizeof *m->run_ids);
    for (size_t r = 0; r < sum->rows && m->run_ids; r++)
        m->run_ids[r] = (char *)table_get(sum, r, c_run);
}

static long group_of_run(const struct run_map *m, const char *run_id)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->run_ids[i], run_id) == 0)
            return m->group[i];
    return -1;
}

/* The repeat whose throughput is the group's median: its latency curve and time
 * series stand for the group (averaging percentiles across runs is not valid). */
static const char *median_run(const struct table *sum, const struct run_map *m, long g)
{
    int c_cps = table_col(sum, "conn_per_s");
    double vals[1024];
    size_t k = 0;
    for (size_t r = 0; r < m->n && k < 1024; r++)
        if (m->group[r] == g)
            vals[k++] = table_num(sum, r, c_cps);
    double med = agg_median(vals, k), best = INFINITY;
    const char *run = NULL;
    for (size_t r = 0; r < m->n; r++)
        if (m->group[r] == g && fabs(table_num(sum, r, c_cps) - med) < best) {
            best = fabs(table_num(sum, r, c_cps) - med);
            run = m->run_ids[r];
        }
    return run;
}

static void put_group_cols(struct csv_buf *b, const struct agg *a, size_t i)
{
    char name[160];
    group_name(a, i, name, sizeof name);
    csv_str(b, name);
    csv_u64(b, i);
    agg_series_name(&a->g[i], name, sizeof name);
    csv_str(b, name);
    csv_str(b, a->g[i].strategy);
    csv_str(b, a->g[i].io);
    csv_i64(b, a->g[i].workers);
    csv_i64(b, a->g[i].connections);
    csv_i64(b, a->g[i].rate);
}
#define GROUP_COLS "group,group_index,series,strategy,io,workers,connections,rate"

static int write_csv(const char *dir, const char *file, const char *header, struct csv_buf *b)
{
    char path[4096], err[512];
    struct csv_buf whole;
    csv_init(&whole);
    csv_header(&whole, header);
    if (b->len)
        csv_header(&whole, b->data), whole.len--, whole.data[whole.len] = '\0';
    path_of(path, sizeof path, dir, file);
    int rc = whole.oom ? -1 : csv_write_file(path, whole.data, whole.len, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, PROG ": %s\n", whole.oom ? "out of memory" : err);
    csv_free(&whole);
    return rc;
}

static int write_aggregate(const char *dir, const struct agg *a)
{
    struct csv_buf b;
    csv_init(&b);
    /* Header: group columns, repeats, then median/min/max of every metric. */
    char header[2048];
    int n = snprintf(header, sizeof header, GROUP_COLS ",repeats");
    for (int m = 0; m < AGG_NMETRICS; m++)
        n += snprintf(header + n, sizeof header - (size_t)n, ",%s,%s_min,%s_max",
                      agg_metric_name(m), agg_metric_name(m), agg_metric_name(m));
    for (size_t i = 0; i < a->n; i++) {
        const struct agg_group *g = &a->g[i];
        put_group_cols(&b, a, i);
        csv_u64(&b, g->n);
        for (int m = 0; m < AGG_NMETRICS; m++) {
            csv_f64(&b, agg_median(g->v[m], g->n), 3);
            csv_f64(&b, agg_min(g->v[m], g->n), 3);
            csv_f64(&b, agg_max(g->v[m], g->n), 3);
        }
        csv_end_row(&b);
    }
    int rc = write_csv(dir, "aggregate.csv", header, &b);
    csv_free(&b);
    return rc;
}

/* workers_agg.csv: per group and worker, the median share of connections. */
static int write_workers(const char *dir, const struct agg *a, const struct run_map *m)
{
    char path[4096], err[512];
    struct table t;
    path_of(path, sizeof path, dir, "workers.csv");
    if (access(path, F_OK) != 0)
        return 0;
    if (table_load(&t, path, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return -1;
    }
    int c_run = table_col(&t, "run_id"), c_w = table_col(&t, "worker"),
        c_share = table_col(&t, "share"), c_acc = table_col(&t, "server_accepted"),
        c_cli = table_col(&t, "client_completed");
    struct csv_buf b;
    csv_init(&b);
    double *share = malloc((t.rows + 1) * sizeof *share), *acc = malloc((t.rows + 1) * sizeof *acc);
    for (size_t g = 0; g < a->n && share && acc; g++) {
        for (long w = 0; w < a->g[g].workers; w++) {
            size_t k = 0;
            for (size_t r = 0; r < t.rows; r++) {
                if (as_long(table_num(&t, r, c_w)) != w ||
                    group_of_run(m, table_get(&t, r, c_run)) != (long)g)
                    continue;
                share[k] = table_num(&t, r, c_share);
                acc[k] = table_num(&t, r, c_acc);
                if (isnan(acc[k]))
                    acc[k] = table_num(&t, r, c_cli);
                k++;
            }
            put_group_cols(&b, a, g);
            csv_i64(&b, w);
            csv_f64(&b, agg_median(share, k), 4);
            csv_f64(&b, agg_median(acc, k), 1);
            csv_f64(&b, 1.0 / (double)a->g[g].workers, 4);
            csv_end_row(&b);
        }
    }
    int rc = share && acc ? write_csv(dir, "workers_agg.csv",
                                      GROUP_COLS ",worker,share,connections_median,even_share", &b)
                          : -1;
    free(share);
    free(acc);
    csv_free(&b);
    table_free(&t);
    return rc;
}

/* Copy the median run's rows of a per-run file, tagged with the group. `cols`
 * lists the columns to keep. */
static int write_median_rows(const char *dir, const char *in, const char *out,
                             const struct table *sum, const struct agg *a,
                             const struct run_map *m, const char *const *cols, int ncols)
{
    char path[4096], err[512], header[512];
    struct table t;
    path_of(path, sizeof path, dir, in);
    if (access(path, F_OK) != 0)
        return 0;
    if (table_load(&t, path, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return -1;
    }
    int c_run = table_col(&t, "run_id"), idx[16];
    int n = snprintf(header, sizeof header, GROUP_COLS);
    for (int c = 0; c < ncols; c++) {
        idx[c] = table_col(&t, cols[c]);
        n += snprintf(header + n, sizeof header - (size_t)n, ",%s", cols[c]);
    }
    struct csv_buf b;
    csv_init(&b);
    for (size_t g = 0; g < a->n; g++) {
        const char *run = median_run(sum, m, (long)g);
        for (size_t r = 0; run && r < t.rows; r++) {
            if (strcmp(table_get(&t, r, c_run), run) != 0)
                continue;
            put_group_cols(&b, a, g);
            for (int c = 0; c < ncols; c++)
                csv_str(&b, table_get(&t, r, idx[c]));
            csv_end_row(&b);
        }
    }
    int rc = write_csv(dir, out, header, &b);
    csv_free(&b);
    table_free(&t);
    return rc;
}

/* plotvars.gp: what the gnuplot scripts need besides data. */
static int write_plotvars(const char *dir, const struct table *sum, const struct agg *a)
{
    char path[4096], err[512], name[160];
    struct csv_buf b;  /* used as a string builder */
    csv_init(&b);
    const char *sweep = "none";
    for (size_t i = 1; i < a->n; i++) {
        if (a->g[i].workers != a->g[0].workers)
            sweep = "workers";
        else if (a->g[i].connections != a->g[0].connections && strcmp(sweep, "none") == 0)
            sweep = "connections";
    }
    char line[1024];
    snprintf(line, sizeof line, "# written by " PROG " aggregate\ngroups = \"");
    csv_header(&b, line);
    b.len--;
    for (size_t i = 0; i < a->n; i++) {
        group_name(a, i, name, sizeof name);
        snprintf(line, sizeof line, "%s%s", i ? " " : "", name);
        csv_header(&b, line);
        b.len--;
    }
    long maxworkers = 0;
    for (size_t i = 0; i < a->n; i++)
        maxworkers = a->g[i].workers > maxworkers ? a->g[i].workers : maxworkers;
    snprintf(line, sizeof line, "\"\nngroups = %zu\nmaxworkers = %ld\nsweep = \"%s\"\nseries = \"",
             a->n, maxworkers, sweep);
    csv_header(&b, line);
    b.len--;
    /* Each distinct series once: one line per series when a sweep runs. */
    for (size_t i = 0; i < a->n; i++) {
        char other[160];
        size_t j = 0;
        agg_series_name(&a->g[i], name, sizeof name);
        for (; j < i; j++) {
            agg_series_name(&a->g[j], other, sizeof other);
            if (strcmp(other, name) == 0)
                break;
        }
        if (j < i)
            continue;
        snprintf(line, sizeof line, "%s%s", i ? " " : "", name);
        csv_header(&b, line);
        b.len--;
    }
    csv_header(&b, "\"");
    snprintf(line, sizeof line, "subtitle = \"Linux %s, %s CPUs, %zu runs\"",
             sum->rows ? table_get(sum, 0, table_col(sum, "kernel")) : "?",
             sum->rows ? table_get(sum, 0, table_col(sum, "nproc")) : "?", sum->rows);
    csv_header(&b, line);
    path_of(path, sizeof path, dir, "plotvars.gp");
    int rc = csv_write_file(path, b.data, b.len, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, PROG ": %s\n", err);
    csv_free(&b);
    return rc;
}

static int load_summary(const char *dir, struct table *sum, struct agg *a)
{
    char path[4096], err[512];
    path_of(path, sizeof path, dir, "summary.csv");
    if (table_load(sum, path, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s (is %s a results folder?)\n", err, dir);
        return -1;
    }
    if (agg_build(sum, a, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s: %s\n", path, err);
        table_free(sum);
        return -1;
    }
    if (a->n == 0) {
        fprintf(stderr, PROG ": %s: no complete run to report\n", path);
        agg_free(a);
        table_free(sum);
        return -1;
    }
    return 0;
}

static int cmd_aggregate(const char *dir)
{
    static const char *const lat_cols[] = {"metric", "value_us", "percentile", "count"};
    static const char *const ts_cols[] = {"second", "interval_s", "conn_per_s", "errors", "total_p99_us"};
    struct table sum;
    struct agg a;
    struct run_map m;
    if (load_summary(dir, &sum, &a) < 0)
        return 1;
    map_runs(&sum, &a, &m);
    int rc = write_aggregate(dir, &a) | write_workers(dir, &a, &m) |
             write_median_rows(dir, "latency.csv", "latency_plot.csv", &sum, &a, &m, lat_cols, 4) |
             write_median_rows(dir, "timeseries.csv", "timeseries_plot.csv", &sum, &a, &m, ts_cols, 5) |
             write_plotvars(dir, &sum, &a);
    free(m.run_ids);
    agg_free(&a);
    table_free(&sum);
    return rc ? 1 : 0;
}

/* "12345" or "12345 (12001–12990)" when repeats differ. */
static void fmt_range(char *buf, size_t len, const struct agg_group *g, int m, const char *fmt)
{
    char a[32], b[32], c[32];
    double med = agg_median(g->v[m], g->n), lo = agg_min(g->v[m], g->n),
           hi = agg_max(g->v[m], g->n);
    if (isnan(med)) {
        snprintf(buf, len, "–");
        return;
    }
    snprintf(a, sizeof a, fmt, med);
    if (g->n > 1 && lo != hi) {
        snprintf(b, sizeof b, fmt, lo);
        snprintf(c, sizeof c, fmt, hi);
        snprintf(buf, len, "%s (%s–%s)", a, b, c);
    } else {
        snprintf(buf, len, "%s", a);
    }
}

static void fmt_one(char *buf, size_t len, const struct agg_group *g, int m, const char *fmt)
{
    double v = agg_median(g->v[m], g->n);
    if (isnan(v))
        snprintf(buf, len, "–");
    else
        snprintf(buf, len, fmt, v);
}

/* The summary table, Markdown, to f. */
static void summary_table(FILE *f, const struct agg *a)
{
    fprintf(f, "| configuration | repeats | conn/s (min–max) | p50 µs | p99 µs | p99.9 µs "
               "| Jain's index | server sys ms / 1k conns | wasted wake-ups / 1k | errors |\n"
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < a->n; i++) {
        const struct agg_group *g = &a->g[i];
        char name[160], cps[128], p50[32], p99[32], p999[32], jain[32], sys[32], wasted[32];
        agg_group_name(a, g, name, sizeof name);
        fmt_range(cps, sizeof cps, g, AGG_CONN_PER_S, "%.0f");
        fmt_one(p50, sizeof p50, g, AGG_TOTAL_P50_US, "%.0f");
        fmt_one(p99, sizeof p99, g, AGG_TOTAL_P99_US, "%.0f");
        fmt_one(p999, sizeof p999, g, AGG_TOTAL_P999_US, "%.0f");
        fmt_one(jain, sizeof jain, g, AGG_JAIN_INDEX, "%.3f");
        fmt_one(sys, sizeof sys, g, AGG_SERVER_SYS_MS_PER_1K, "%.1f");
        fmt_one(wasted, sizeof wasted, g, AGG_WASTED_PER_1K, "%.1f");
        double errs = 0;
        for (size_t k = 0; k < g->n; k++)
            errs += g->v[AGG_ERRORS][k];
        fprintf(f, "| %s | %zu | %s | %s | %s | %s | %s | %s | %s | %.0f |\n", name, g->n, cps,
                p50, p99, p999, jain, sys, wasted, errs);
    }
}

static int cmd_markdown(const char *dir)
{
    char path[4096], tmp[4200], line[1024];
    struct table sum;
    struct agg a;
    if (load_summary(dir, &sum, &a) < 0)
        return 1;
    path_of(path, sizeof path, dir, "report.md");
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        perror(PROG ": report.md");
        agg_free(&a);
        table_free(&sum);
        return 1;
    }
    fprintf(f, "# acceptbench results\n\n## Summary\n\nMedians over the repeats; "
               "conn/s shows the range. Latency is per connection, from connect() to "
               "the last byte of the reply.\n\n");
    summary_table(f, &a);
    int saturated = 0;
    for (size_t i = 0; i < a.n; i++)
        for (size_t k = 0; k < a.g[i].n; k++)
            saturated += a.g[i].v[AGG_CLIENT_SATURATED][k] == 1;
    if (saturated)
        fprintf(f, "\n**%d run(s) were limited by the load generator** (client CPU ≥ 90%%): "
                   "their throughput is a floor, not the server's capacity.\n", saturated);
    fprintf(f, "\n## Charts\n\n");
    for (size_t i = 0; i < sizeof charts / sizeof charts[0]; i++) {
        snprintf(path, sizeof path, "%s/%s.png", dir, charts[i][0]);
        if (access(path, F_OK) == 0)
            fprintf(f, "### %s\n\n![%s](%s.png)\n\n", charts[i][1], charts[i][1], charts[i][0]);
    }
    snprintf(path, sizeof path, "%s/skipped.txt", dir);
    FILE *skipped = fopen(path, "r");
    if (skipped) {
        fprintf(f, "## Skipped\n\nConfigurations the server refused on this machine:\n\n");
        while (fgets(line, sizeof line, skipped))
            fprintf(f, "- %s", line);
        fprintf(f, "\n");
        fclose(skipped);
    }
    snprintf(path, sizeof path, "%s/env.txt", dir);
    FILE *env = fopen(path, "r");
    if (env) {
        fprintf(f, "## Environment\n\n```\n");
        while (fgets(line, sizeof line, env))
            fputs(line, f);
        fprintf(f, "```\n");
        fclose(env);
    }
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    path_of(path, sizeof path, dir, "report.md");
    if (bad || rename(tmp, path) != 0) {
        perror(PROG ": report.md");
        unlink(tmp);
        bad = 1;
    }
    summary_table(stdout, &a);
    agg_free(&a);
    table_free(&sum);
    return bad;
}

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

static int cmd_compare(const char *base_dir, const char *dir, const char *thresholds)
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

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "compare") == 0)
        return cmd_compare(argv[2], argv[3], argv[4]);
    if (argc != 3) {
        fprintf(stderr, PROG ": expected a command and a results folder (see --help)\n");
        return 2;
    }
    if (strcmp(argv[1], "aggregate") == 0)
        return cmd_aggregate(argv[2]);
    if (strcmp(argv[1], "markdown") == 0)
        return cmd_markdown(argv[2]);
    fprintf(stderr, PROG ": unknown command '%s' (use aggregate or markdown)\n", argv[1]);
    return 2;
}
