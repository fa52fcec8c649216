/* report_kernel: the kernel counters (kernel.csv, acceptbench-load
 * --kernel-counters) in acceptbench-report's outputs. aggregate: the repeats folded
 * (kagg.c) into syscalls.csv, and each bar of the syscalls chart, stacked by name,
 * into syscalls_plot.csv. markdown: a table per configuration and a sentence each
 * saying where its extra server calls go; or, in a run without counters, the one
 * line of env.txt that says why and what would turn them on. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "csv.h"
#include "kagg.h"
#include "report_common.h"
#include "table.h"

/* The names the chart stacks by themselves, the rest being "other": at most so
 * many, so that its colours stay apart. */
#define CHART_NAMES 14

int kernel_load(const char *dir, const struct table *sum, const struct agg *a, struct kagg *k)
{
    char path[4096], err[512];
    struct table t;
    memset(k, 0, sizeof *k);
    path_of(path, sizeof path, dir, "kernel.csv");
    if (access(path, F_OK) != 0)
        return 0;   /* a run from before the kernel counters */
    /* The counters are an addition to a run: a kernel.csv that does not read costs
     * them (said on stderr), not the run's other files and charts. */
    if (table_load(&t, path, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s; the kernel counters are left out\n", err);
        return 0;
    }
    if (kagg_build(&t, sum, a, k, err, sizeof err) < 0)
        fprintf(stderr, PROG ": %s: %s; the kernel counters are left out\n", dir, err);
    table_free(&t);
    return 0;
}

/* syscalls_plot.csv's rows of one bar: each chart name's box from base to top,
 * then "other" up to the side's total, which includes the calls that have no
 * tracepoint of their own. */
static void put_bar(struct csv_buf *b, const struct agg *a, const struct kagg *k, size_t g,
                    int side, char (*names)[64], size_t nnames)
{
    double base = 0, total = kagg_get(k, g, side, "syscalls");
    char full[80];
    for (size_t i = 0; i <= nnames; i++) {
        double v;
        if (i < nnames) {
            snprintf(full, sizeof full, KAGG_SYSCALL "%s", names[i]);
            v = kagg_get(k, g, side, full);
        } else {
            v = total - base;
        }
        if (!(v >= 0.00005))
            continue;   /* nothing to draw (or a rounding's negative "other") */
        put_group_cols(b, a, g);
        csv_str(b, kagg_side_name(side));
        csv_str(b, i < nnames ? names[i] : "other");
        csv_u64(b, i + 1);
        csv_f64(b, v, 4);
        csv_f64(b, base, 4);
        csv_f64(b, base + v, 4);
        csv_f64(b, total, 4);
        csv_end_row(b);
        base += v;
    }
}

int kernel_write(const char *dir, const struct agg *a, const struct kagg *k)
{
    char path[4096], names[CHART_NAMES][64];
    if (!kagg_any(k)) {
        /* No counters: no chart input, so plot.sh skips the chart; a re-aggregated
         * folder keeps none from before. */
        path_of(path, sizeof path, dir, "syscalls.csv");
        unlink(path);
        path_of(path, sizeof path, dir, "syscalls_plot.csv");
        unlink(path);
        return 0;
    }
    struct csv_buf b, p;
    csv_init(&b);
    csv_init(&p);
    size_t nnames = kagg_chart_names(k, names, CHART_NAMES);
    for (size_t g = 0; g < k->n; g++)
        for (int s = 0; s < KAGG_SIDES; s++) {
            const struct kagg_side *side = &k->g[g][s];
            for (size_t i = 0; side->runs && i < side->n; i++) {
                put_group_cols(&b, a, g);
                csv_str(&b, kagg_side_name(s));
                csv_str(&b, side->c[i].name);
                csv_f64(&b, side->c[i].per_conn, 4);
                csv_u64(&b, side->runs);
                csv_end_row(&b);
            }
            if (side->runs)
                put_bar(&p, a, k, g, s, names, nnames);
        }
    int rc = write_csv(dir, "syscalls.csv", GROUP_COLS ",side,counter,per_conn,runs", &b) |
             write_csv(dir, "syscalls_plot.csv",
                       GROUP_COLS ",side,name,name_index,per_conn,base,top,total", &p);
    csv_free(&b);
    csv_free(&p);
    return rc;
}

void kernel_plotvars(const struct kagg *k, char *buf, size_t len)
{
    char names[CHART_NAMES][64];
    size_t n = kagg_chart_names(k, names, CHART_NAMES), used;
    snprintf(buf, len, "has_syscalls = %d\nsyscall_names = \"", kagg_any(k));
    for (size_t i = 0; i < n && (used = strlen(buf)) < len; i++)
        snprintf(buf + used, len - used, "%s ", names[i]);
    if ((used = strlen(buf)) < len)
        snprintf(buf + used, len - used, "other\"\n");
}

static void fmt_cell(char *buf, size_t len, double v)
{
    if (isnan(v))
        snprintf(buf, len, "–");
    else
        snprintf(buf, len, "%.2f", v);
}

/* The TCP counters that moved in configuration g, summed over its repeats
 * ("tcp_listen_overflows 12, tcp_out_rsts 3"); "none" when all stayed 0, "–"
 * when none was read. */
static void fmt_tcp(char *buf, size_t len, const struct agg_group *g)
{
    int read = 0;
    buf[0] = '\0';
    for (int m = AGG_FIRST_TCP; m < AGG_NMETRICS; m++) {
        double sum = 0;
        for (size_t r = 0; r < g->n; r++)
            if (isfinite(g->v[m][r])) {
                sum += g->v[m][r];
                read = 1;
            }
        size_t used = strlen(buf);
        if (sum > 0 && used < len)
            snprintf(buf + used, len - used, "%s%s %.0f", used ? ", " : "",
                     agg_metric_name((enum agg_metric)m), sum);
    }
    if (!buf[0])
        snprintf(buf, len, "%s", read ? "none" : "–");
}

static void kernel_table(FILE *f, const struct agg *a, const struct kagg *k)
{
    fprintf(f, "| configuration | server syscalls / conn | server context switches / conn "
               "| server migrations / conn | client syscalls / conn "
               "| client context switches / conn | TCP counters that moved |\n"
               "|---|---:|---:|---:|---:|---:|---|\n");
    for (size_t g = 0; g < a->n; g++) {
        char name[160], cell[5][32], tcp[1024];
        static const int side[5] = {KAGG_SERVER, KAGG_SERVER, KAGG_SERVER, KAGG_CLIENT,
                                    KAGG_CLIENT};
        static const char *const counter[5] = {"syscalls", "context_switches", "migrations",
                                               "syscalls", "context_switches"};
        agg_group_name(a, &a->g[g], name, sizeof name);
        for (int c = 0; c < 5; c++)
            fmt_cell(cell[c], sizeof cell[c], kagg_get(k, g, side[c], counter[c]));
        fmt_tcp(tcp, sizeof tcp, &a->g[g]);
        fprintf(f, "| %s | %s | %s | %s | %s | %s | %s |\n", name, cell[0], cell[1], cell[2],
                cell[3], cell[4], tcp);
    }
}

int kernel_markdown(FILE *f, const char *dir, const struct agg *a)
{
    char path[4096], err[512], line[1024];
    struct table t;
    struct kagg k = {0};
    path_of(path, sizeof path, dir, "syscalls.csv");
    if (access(path, F_OK) == 0) {
        if (table_load(&t, path, err, sizeof err) < 0) {
            fprintf(stderr, PROG ": %s\n", err);
            return -1;
        }
        int rc = kagg_parse(&t, a->n, &k, err, sizeof err);
        table_free(&t);
        if (rc < 0) {
            fprintf(stderr, PROG ": %s: %s\n", path, err);
            return -1;
        }
    }
    if (!kagg_any(&k)) {
        /* One line, and only when the run says why (matrix.sh's env.txt). */
        env_value(dir, "kernel_counters", line, sizeof line);
        if (strncmp(line, "off: ", 5) == 0)
            fprintf(f, "\nKernel counters: %s\n", line);
        else if (line[0])
            fprintf(f, "\nKernel counters: none recorded, although the run had them on (%s): "
                       "logs/load-*.log say why.\n", line);
        kagg_free(&k);
        return 0;
    }
    fprintf(f, "\n## Kernel counters\n\nPer connection over the measured window, means over "
               "the repeats (perf stat; `syscalls.csv`); the kernel's TCP drop and retry "
               "counters that moved, summed over the repeats (summary.csv's `tcp_*`).\n\n");
    kernel_table(f, a, &k);
    fprintf(f, "\nWhere the server's calls go, against the configuration with the fewest:\n\n");
    for (size_t g = 0; g < a->n; g++) {
        kagg_explain(&k, a, g, line, sizeof line);
        if (line[0])
            fprintf(f, "- %s\n", line);
    }
    kagg_free(&k);
    return 0;
}
