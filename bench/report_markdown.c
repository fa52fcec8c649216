/* acceptbench-report markdown DIR: DIR/report.md, the summary table (medians over
 * the repeats, conn/s with its min–max range), the kernel counters (report_kernel.c),
 * the charts plot.sh drew, what was skipped and the environment; the summary table
 * also goes to stdout. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "report_common.h"
#include "table.h"

static const char *const charts[][2] = {
    {"workers", "Connections per worker"},
    {"latency", "Latency percentile distribution"},
    {"throughput", "Throughput"},
    {"cpu", "CPU per 1,000 connections"},
    {"syscalls", "System calls per connection"},
    {"fairness", "Fairness (Jain's index)"},
    {"timeseries", "Throughput over the run"},
};

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

/* Which side limited the runs: from the medians of the two flags; "–" when the
 * server's is unknown (no --server-cpus) and the client was not saturated. */
static const char *limited_by(const struct agg_group *g)
{
    double srv = agg_median(g->v[AGG_SERVER_SATURATED], g->n),
           cli = agg_median(g->v[AGG_CLIENT_SATURATED], g->n);
    int c = cli >= 0.5;
    if (isnan(srv))
        return c ? "client" : "–";
    if (srv >= 0.5)
        return c ? "both" : "server";
    return c ? "client" : "neither";
}

/* The summary table, Markdown, to f. */
static void summary_table(FILE *f, const struct agg *a)
{
    fprintf(f, "| configuration | repeats | conn/s (min–max) | p50 µs | p99 µs | p99.9 µs "
               "| Jain's index | server sys ms / 1k conns | wasted wake-ups / 1k | errors "
               "| server CPUs busy %% | client CPUs busy %% | limited by |\n"
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (size_t i = 0; i < a->n; i++) {
        const struct agg_group *g = &a->g[i];
        char name[160], cps[128], p50[32], p99[32], p999[32], jain[32], sys[32], wasted[32],
            sbusy[32], cbusy[32];
        agg_group_name(a, g, name, sizeof name);
        fmt_range(cps, sizeof cps, g, AGG_CONN_PER_S, "%.0f");
        fmt_one(p50, sizeof p50, g, AGG_TOTAL_P50_US, "%.0f");
        fmt_one(p99, sizeof p99, g, AGG_TOTAL_P99_US, "%.0f");
        fmt_one(p999, sizeof p999, g, AGG_TOTAL_P999_US, "%.0f");
        fmt_one(jain, sizeof jain, g, AGG_JAIN_INDEX, "%.3f");
        fmt_one(sys, sizeof sys, g, AGG_SERVER_SYS_MS_PER_1K, "%.1f");
        fmt_one(wasted, sizeof wasted, g, AGG_WASTED_PER_1K, "%.1f");
        fmt_one(sbusy, sizeof sbusy, g, AGG_SERVER_HOST_BUSY_PCT, "%.0f");
        fmt_one(cbusy, sizeof cbusy, g, AGG_CLIENT_HOST_BUSY_PCT, "%.0f");
        double errs = 0;
        for (size_t k = 0; k < g->n; k++)
            errs += g->v[AGG_ERRORS][k];
        fprintf(f, "| %s | %zu | %s | %s | %s | %s | %s | %s | %s | %.0f | %s | %s | %s |\n", name,
                g->n, cps, p50, p99, p999, jain, sys, wasted, errs, sbusy, cbusy, limited_by(g));
    }
}

int cmd_markdown(const char *dir)
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
    char topology[1024], server_cpus[64], client_cpus[64];
    env_value(dir, "topology", topology, sizeof topology);
    env_value(dir, "server_cpus", server_cpus, sizeof server_cpus);
    env_value(dir, "client_cpus", client_cpus, sizeof client_cpus);
    fprintf(f, "# acceptbench results\n\n");
    if (topology[0])
        fprintf(f, "Topology: %s; server CPUs %s, client CPUs %s.\n\n", topology,
                server_cpus[0] ? server_cpus : "any", client_cpus[0] ? client_cpus : "any");
    fprintf(f, "## Summary\n\nMedians over the repeats; "
               "conn/s shows the range. Latency is per connection, from connect() to "
               "the last byte of the reply.\n\n");
    summary_table(f, &a);
    int saturated = 0, server_saturated = 0;
    for (size_t i = 0; i < a.n; i++)
        for (size_t k = 0; k < a.g[i].n; k++) {
            saturated += a.g[i].v[AGG_CLIENT_SATURATED][k] == 1;
            server_saturated += a.g[i].v[AGG_SERVER_SATURATED][k] == 1;
        }
    if (saturated)
        fprintf(f, "\n**%d run(s) were limited by the load generator** (client CPU ≥ 90%%): "
                   "their throughput is a floor, not the server's capacity.\n", saturated);
    if (server_saturated)
        fprintf(f, "\n%d run(s) kept the server's CPUs ≥ 90%% busy (`server_saturated`, "
                   "from `--server-cpus`).\n", server_saturated);
    /* A syscalls.csv that does not read costs its section (said on stderr and in
     * the exit status), not the report. */
    int kernel_bad = kernel_markdown(f, dir, &a) < 0;
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
    return bad || kernel_bad;
}
