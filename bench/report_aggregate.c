/* acceptbench-report aggregate DIR: fold a results folder's repeats into the files
 * the plots read: aggregate.csv (median, min and max of every metric per
 * configuration), workers_agg.csv (each worker's median share), latency_plot.csv
 * and timeseries_plot.csv (the rows of each configuration's median run), the
 * kernel counters' syscalls.csv and syscalls_plot.csv (report_kernel.c) and
 * plotvars.gp. Partial runs are left out (agg.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "csv.h"
#include "report_common.h"
#include "table.h"

/* Which group a summary row (by run_id) belongs to; -1 for partial runs. */
struct run_map {
    char **run_ids;
    const long *group;     /* the agg's row_group */
    size_t n;
};

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

static int write_aggregate(const char *dir, const struct agg *a)
{
    struct csv_buf b;
    csv_init(&b);
    /* Header: group columns, repeats, then median/min/max of every metric. */
    char header[8192];
    int n = snprintf(header, sizeof header, GROUP_COLS ",repeats");
    for (int m = 0; m < AGG_NMETRICS; m++)
        n += snprintf(header + n, sizeof header - (size_t)n, ",%s,%s_min,%s_max",
                      agg_metric_name(m), agg_metric_name(m), agg_metric_name(m));
    for (size_t i = 0; i < a->n; i++) {
        const struct agg_group *g = &a->g[i];
        put_group_cols(&b, a, i);
        csv_u64(&b, g->n);
        for (int m = 0; m < AGG_NMETRICS; m++) {
            int d = agg_metric_decimals(m);
            csv_f64(&b, agg_median(g->v[m], g->n), d);
            csv_f64(&b, agg_min(g->v[m], g->n), d);
            csv_f64(&b, agg_max(g->v[m], g->n), d);
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
                if (table_long(&t, r, c_w, 0) != w ||
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
static int write_plotvars(const char *dir, const struct table *sum, const struct agg *a,
                          const struct kagg *k)
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
    /* The cpu chart adds the CPU sets' bars when some run measured them. */
    int has_host = 0;
    for (size_t i = 0; i < a->n; i++)
        has_host |= !isnan(agg_max(a->g[i].v[AGG_SERVER_HOST_MS_PER_1K], a->g[i].n)) ||
                    !isnan(agg_max(a->g[i].v[AGG_CLIENT_HOST_MS_PER_1K], a->g[i].n));
    snprintf(line, sizeof line, "\"\nngroups = %zu\nmaxworkers = %ld\nhas_host = %d\n"
             "sweep = \"%s\"\nseries = \"", a->n, maxworkers, has_host, sweep);
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
    /* The syscalls chart: whether to draw it, and its names' order and colours. */
    kernel_plotvars(k, line, sizeof line);
    csv_header(&b, line);
    b.len--;
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

int cmd_aggregate(const char *dir)
{
    static const char *const lat_cols[] = {"metric", "value_us", "percentile", "count"};
    static const char *const ts_cols[] = {"second", "interval_s", "conn_per_s", "errors", "total_p99_us"};
    struct table sum;
    struct agg a;
    struct run_map m;
    struct kagg k;
    if (load_summary(dir, &sum, &a) < 0)
        return 1;
    map_runs(&sum, &a, &m);
    int rc = kernel_load(dir, &sum, &a, &k);
    rc |= write_aggregate(dir, &a) | write_workers(dir, &a, &m) |
          write_median_rows(dir, "latency.csv", "latency_plot.csv", &sum, &a, &m, lat_cols, 4) |
          write_median_rows(dir, "timeseries.csv", "timeseries_plot.csv", &sum, &a, &m, ts_cols, 5) |
          kernel_write(dir, &a, &k) | write_plotvars(dir, &sum, &a, &k);
    kagg_free(&k);
    free(m.run_ids);
    agg_free(&a);
    table_free(&sum);
    return rc ? 1 : 0;
}
