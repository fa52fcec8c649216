#include "agg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const metric_names[AGG_NMETRICS] = {
    [AGG_CONN_PER_S] = "conn_per_s",
    [AGG_TOTAL_P50_US] = "total_p50_us",
    [AGG_TOTAL_P99_US] = "total_p99_us",
    [AGG_TOTAL_P999_US] = "total_p999_us",
    [AGG_CONNECT_P99_US] = "connect_p99_us",
    [AGG_JAIN_INDEX] = "jain_index",
    [AGG_SERVER_USER_MS_PER_1K] = "server_user_ms_per_1k",
    [AGG_SERVER_SYS_MS_PER_1K] = "server_sys_ms_per_1k",
    [AGG_WASTED_PER_1K] = "wasted_wakeups_per_1k",
    [AGG_ERRORS] = "errors",
    [AGG_CLIENT_SATURATED] = "client_saturated",
    [AGG_CONN_PER_S_REL] = "conn_per_s_rel",
    [AGG_SERVER_HOST_MS_PER_1K] = "server_host_ms_per_1k",
    [AGG_SERVER_HOST_USER_MS_PER_1K] = "server_host_user_ms_per_1k",
    [AGG_SERVER_HOST_SYS_MS_PER_1K] = "server_host_sys_ms_per_1k",
    [AGG_SERVER_HOST_SOFTIRQ_MS_PER_1K] = "server_host_softirq_ms_per_1k",
    [AGG_SERVER_HOST_IRQ_MS_PER_1K] = "server_host_irq_ms_per_1k",
    [AGG_SERVER_HOST_BUSY_PCT] = "server_host_busy_pct",
    [AGG_CLIENT_HOST_MS_PER_1K] = "client_host_ms_per_1k",
    [AGG_CLIENT_HOST_USER_MS_PER_1K] = "client_host_user_ms_per_1k",
    [AGG_CLIENT_HOST_SYS_MS_PER_1K] = "client_host_sys_ms_per_1k",
    [AGG_CLIENT_HOST_SOFTIRQ_MS_PER_1K] = "client_host_softirq_ms_per_1k",
    [AGG_CLIENT_HOST_IRQ_MS_PER_1K] = "client_host_irq_ms_per_1k",
    [AGG_CLIENT_HOST_BUSY_PCT] = "client_host_busy_pct",
    [AGG_SERVER_SATURATED] = "server_saturated",
    [AGG_SERVER_SYSCALLS_PER_CONN] = "server_syscalls_per_conn",
    [AGG_SERVER_CONTEXT_SWITCHES_PER_CONN] = "server_context_switches_per_conn",
    [AGG_SERVER_MIGRATIONS_PER_CONN] = "server_migrations_per_conn",
    [AGG_CLIENT_SYSCALLS_PER_CONN] = "client_syscalls_per_conn",
    [AGG_CLIENT_CONTEXT_SWITCHES_PER_CONN] = "client_context_switches_per_conn",
    [AGG_CLIENT_MIGRATIONS_PER_CONN] = "client_migrations_per_conn",
    [AGG_TCP_LISTEN_OVERFLOWS] = "tcp_listen_overflows",
    [AGG_TCP_LISTEN_DROPS] = "tcp_listen_drops",
    [AGG_TCP_REQ_Q_FULL_DROP] = "tcp_req_q_full_drop",
    [AGG_TCP_REQ_Q_FULL_DO_COOKIES] = "tcp_req_q_full_do_cookies",
    [AGG_TCP_SYNCOOKIES_SENT] = "tcp_syncookies_sent",
    [AGG_TCP_SYN_RETRANS] = "tcp_syn_retrans",
    [AGG_TCP_TIME_WAIT_OVERFLOW] = "tcp_time_wait_overflow",
    [AGG_TCP_ABORT_ON_DATA] = "tcp_abort_on_data",
    [AGG_TCP_ABORT_ON_CLOSE] = "tcp_abort_on_close",
    [AGG_TCP_ABORT_ON_TIMEOUT] = "tcp_abort_on_timeout",
    [AGG_TCP_BACKLOG_DROP] = "tcp_backlog_drop",
    [AGG_TCP_ATTEMPT_FAILS] = "tcp_attempt_fails",
    [AGG_TCP_ESTAB_RESETS] = "tcp_estab_resets",
    [AGG_TCP_OUT_RSTS] = "tcp_out_rsts",
    [AGG_TCP_RETRANS_SEGS] = "tcp_retrans_segs",
};


const char *agg_metric_name(enum agg_metric m)
{
    return metric_names[m];
}

int agg_metric_decimals(enum agg_metric m)
{
    return m >= AGG_FIRST_COPIED && m < AGG_FIRST_TCP ? 4 : 3;
}

int agg_metric_by_name(const char *name)
{
    for (int m = 0; m < AGG_NMETRICS; m++)
        if (strcmp(metric_names[m], name) == 0)
            return m;
    return -1;
}

/* Columns read from summary.csv. */
enum { C_STRATEGY, C_IO, C_WORKERS, C_CONNECTIONS, C_RATE, C_PARTIAL, C_COMPLETED,
       C_CONN_PER_S, C_TOTAL_P50, C_TOTAL_P99, C_TOTAL_P999, C_CONNECT_P99, C_JAIN,
       C_SERVER_USER, C_SERVER_SYS, C_WASTED, C_SATURATED, NCOLS };
static const char *const col_names[NCOLS] = {
    "strategy", "io", "workers", "connections", "rate", "partial", "completed",
    "conn_per_s", "total_p50_us", "total_p99_us", "total_p999_us", "connect_p99_us",
    "jain_index", "server_user_s", "server_sys_s", "server_wasted_wakeups",
    "client_saturated",
};

/* The optional host columns of each side, <side>_host_<part>: summaries from before
 * them, and runs without --server-cpus or --client-cpus, have none or empty ones. */
enum { H_USER, H_SYS, H_SOFTIRQ, H_IRQ, H_STEAL, H_BUSY_PCT, NHOST };
static const char *const host_parts[NHOST] = {"user_s", "sys_s", "softirq_s", "irq_s",
                                              "steal_s", "busy_pct"};
static const char *const sides[2] = {"server", "client"};
static const enum agg_metric side_first[2] = {AGG_SERVER_HOST_MS_PER_1K,
                                              AGG_CLIENT_HOST_MS_PER_1K};

static void host_columns(const struct table *t, int hcol[2][NHOST])
{
    char name[64];
    for (int s = 0; s < 2; s++)
        for (int h = 0; h < NHOST; h++) {
            snprintf(name, sizeof name, "%s_host_%s", sides[s], host_parts[h]);
            hcol[s][h] = table_col(t, name);
        }
}

static int same_config(const struct agg_group *a, const struct agg_group *b)
{
    return strcmp(a->label, b->label) == 0 && strcmp(a->strategy, b->strategy) == 0 &&
           strcmp(a->io, b->io) == 0 &&
           a->workers == b->workers && a->connections == b->connections && a->rate == b->rate;
}

const struct agg_group *agg_find(const struct agg *a, const struct agg_group *like)
{
    for (size_t i = 0; i < a->n; i++)
        if (same_config(&a->g[i], like))
            return &a->g[i];
    return NULL;
}

/* Per 1,000 completed connections; undefined without completions. */
static double per_1k(double amount, double completed)
{
    return completed > 0 ? amount * 1000.0 / completed : NAN;
}

/* One side's six metrics from its row, into v (side_first onwards): busy time is
 * every part but idle, steal included (the set could not run our work then). */
static void host_metrics(const struct table *t, size_t r, const int *hcol, double completed,
                         double *v)
{
    double busy_s = 0;
    for (int h = H_USER; h <= H_STEAL; h++)
        busy_s += table_num(t, r, hcol[h]);
    v[0] = per_1k(busy_s * 1000.0, completed);
    for (int h = H_USER; h <= H_IRQ; h++)
        v[1 + h] = per_1k(table_num(t, r, hcol[h]) * 1000.0, completed);
    v[5] = table_num(t, r, hcol[H_BUSY_PCT]);
}

static int append_sample(struct agg_group *g, const double *vals)
{
    for (int m = 0; m < AGG_NMETRICS; m++) {
        double *nv = realloc(g->v[m], (g->n + 1) * sizeof *nv);
        if (!nv)
            return -1;
        g->v[m] = nv;
        nv[g->n] = vals[m];
    }
    g->n++;
    return 0;
}

/* For each repeat k, divide every configuration's conn/s by the geometric mean
 * over the configurations that have a k-th repeat. */
static void relative_throughput(struct agg *a)
{
    for (size_t k = 0;; k++) {
        double logsum = 0;
        size_t n = 0, have = 0;
        for (size_t i = 0; i < a->n; i++) {
            if (k >= a->g[i].n)
                continue;
            have++;
            double v = a->g[i].v[AGG_CONN_PER_S][k];
            if (isfinite(v) && v > 0) {
                logsum += log(v);
                n++;
            }
        }
        if (!have)
            return;
        double gm = n ? exp(logsum / (double)n) : NAN;
        for (size_t i = 0; i < a->n; i++)
            if (k < a->g[i].n)
                a->g[i].v[AGG_CONN_PER_S_REL][k] = a->g[i].v[AGG_CONN_PER_S][k] / gm;
    }
}

int agg_build(const struct table *t, struct agg *out, char *err, size_t errlen)
{
    int col[NCOLS];
    memset(out, 0, sizeof *out);
    for (int c = 0; c < NCOLS; c++)
        if ((col[c] = table_col(t, col_names[c])) < 0) {
            snprintf(err, errlen, "summary.csv has no column '%s'", col_names[c]);
            return -1;
        }

    /* Optional: a summary written by hand, or by a tool other than
     * acceptbench-load, is grouped by its other columns alone. */
    int c_label = table_col(t, "label"), c_server_saturated = table_col(t, "server_saturated");
    int hcol[2][NHOST], kcol[AGG_NMETRICS];
    host_columns(t, hcol);
    /* The kernel-counter columns: absent from summaries written before them, empty
     * in runs without --kernel-counters or without perf. */
    for (int m = AGG_FIRST_COPIED; m < AGG_NMETRICS; m++)
        kcol[m] = table_col(t, metric_names[m]);
    out->rows = t->rows;
    if (!(out->row_group = malloc((t->rows ? t->rows : 1) * sizeof *out->row_group)))
        goto oom;
    for (size_t r = 0; r < t->rows; r++) {
        out->row_group[r] = -1;
        if (table_long(t, r, col[C_PARTIAL], 0))
            continue;
        struct agg_group key = {0};
        snprintf(key.label, sizeof key.label, "%s", c_label < 0 ? "" : table_get(t, r, c_label));
        snprintf(key.strategy, sizeof key.strategy, "%s", table_get(t, r, col[C_STRATEGY]));
        snprintf(key.io, sizeof key.io, "%s", table_get(t, r, col[C_IO]));
        key.workers = table_long(t, r, col[C_WORKERS], 0);
        key.connections = table_long(t, r, col[C_CONNECTIONS], 0);
        key.rate = table_long(t, r, col[C_RATE], 0);

        double completed = table_num(t, r, col[C_COMPLETED]), errors = 0, v[AGG_NMETRICS];
        /* Every error class the generator knows, now or later: errors_*. */
        for (size_t c = 0; c < t->cols; c++) {
            if (strncmp(t->cells[c], "errors_", 7) != 0)
                continue;
            double e = table_num(t, r, (int)c);
            errors += isnan(e) ? 0 : e;
        }
        v[AGG_CONN_PER_S] = table_num(t, r, col[C_CONN_PER_S]);
        v[AGG_TOTAL_P50_US] = table_num(t, r, col[C_TOTAL_P50]);
        v[AGG_TOTAL_P99_US] = table_num(t, r, col[C_TOTAL_P99]);
        v[AGG_TOTAL_P999_US] = table_num(t, r, col[C_TOTAL_P999]);
        v[AGG_CONNECT_P99_US] = table_num(t, r, col[C_CONNECT_P99]);
        v[AGG_JAIN_INDEX] = table_num(t, r, col[C_JAIN]);
        v[AGG_SERVER_USER_MS_PER_1K] = per_1k(table_num(t, r, col[C_SERVER_USER]) * 1000.0, completed);
        v[AGG_SERVER_SYS_MS_PER_1K] = per_1k(table_num(t, r, col[C_SERVER_SYS]) * 1000.0, completed);
        v[AGG_WASTED_PER_1K] = per_1k(table_num(t, r, col[C_WASTED]), completed);
        v[AGG_ERRORS] = errors;
        v[AGG_CLIENT_SATURATED] = table_num(t, r, col[C_SATURATED]);
        v[AGG_CONN_PER_S_REL] = NAN;  /* needs every group: see relative_throughput */
        for (int side = 0; side < 2; side++)
            host_metrics(t, r, hcol[side], completed, &v[side_first[side]]);
        v[AGG_SERVER_SATURATED] = table_num(t, r, c_server_saturated);
        for (int m = AGG_FIRST_COPIED; m < AGG_NMETRICS; m++)
            v[m] = table_num(t, r, kcol[m]);

        struct agg_group *g = (struct agg_group *)agg_find(out, &key);
        if (!g) {
            struct agg_group *ng = realloc(out->g, (out->n + 1) * sizeof *ng);
            if (!ng)
                goto oom;
            out->g = ng;
            g = &out->g[out->n++];
            *g = key;
        }
        if (append_sample(g, v) < 0)
            goto oom;
        out->row_group[r] = (long)(g - out->g);
    }
    relative_throughput(out);
    return 0;
oom:
    agg_free(out);
    snprintf(err, errlen, "out of memory");
    return -1;
}

void agg_free(struct agg *a)
{
    for (size_t i = 0; i < a->n; i++)
        for (int m = 0; m < AGG_NMETRICS; m++)
            free(a->g[i].v[m]);
    free(a->g);
    free(a->row_group);
    memset(a, 0, sizeof *a);
}

void agg_series_name(const struct agg_group *g, char *buf, size_t len)
{
    if (g->label[0])
        snprintf(buf, len, "%s", g->label);
    else
        snprintf(buf, len, "%s/%s", g->strategy, g->io);
    /* One word, for gnuplot's word() and the charts' tics, whatever --label held. */
    for (char *p = buf; *p; p++)
        if (*p == ' ')
            *p = '_';
}

void agg_group_name(const struct agg *a, const struct agg_group *g, char *buf, size_t len)
{
    int vary_w = 0, vary_c = 0, vary_r = 0;
    for (size_t i = 0; i < a->n; i++) {
        vary_w |= a->g[i].workers != g->workers;
        vary_c |= a->g[i].connections != g->connections;
        vary_r |= a->g[i].rate != g->rate;
    }
    agg_series_name(g, buf, len);
    int n = (int)strlen(buf);
    if (vary_w && n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " w%ld", g->workers);
    if (vary_c && n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " c%ld", g->connections);
    if (vary_r && n >= 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " r%ld", g->rate);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Copy the finite values, sorted; returns how many. */
static size_t finite_sorted(const double *v, size_t n, double *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            out[k++] = v[i];
    qsort(out, k, sizeof *out, cmp_double);
    return k;
}

double agg_median(const double *v, size_t n)
{
    double *s = malloc((n ? n : 1) * sizeof *s), m = NAN;
    size_t k;
    if (!s)
        return NAN;
    if ((k = finite_sorted(v, n, s)) > 0)
        m = k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2.0;
    free(s);
    return m;
}

double agg_min(const double *v, size_t n)
{
    double m = NAN;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]) && (isnan(m) || v[i] < m))
            m = v[i];
    return m;
}

double agg_max(const double *v, size_t n)
{
    double m = NAN;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]) && (isnan(m) || v[i] > m))
            m = v[i];
    return m;
}
