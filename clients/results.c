/* results: CSV rows for summary.csv, workers.csv, latency.csv, timeseries.csv,
 * kernel.csv. */
#include "results.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "kcount.h"
#include "proto.h"
#include "report.h"

/* The columns every file starts with, so rows of one run join across files. */
#define KEY_COLS "run_id,label,strategy,io,topology"

static const char summary_header[] =
    KEY_COLS ",timestamp,protocol,mode,workers,connections,rate,threads,requests_per_conn,"
    "warmup_s,duration_s,completed,requests,"
    "errors_refused,errors_reset,errors_timeout,errors_addrnotavail,errors_status,"
    "errors_short,errors_malformed,errors_other,"
    "conn_per_s,req_per_s,bytes_in,bytes_out,"
    "connect_p50_us,connect_p90_us,connect_p99_us,connect_p999_us,connect_max_us,"
    "first_byte_p50_us,first_byte_p90_us,first_byte_p99_us,first_byte_p999_us,"
    "first_byte_max_us,"
    "total_p50_us,total_p90_us,total_p99_us,total_p999_us,total_max_us,total_mean_us,"
    "sched_starts,sched_late,sched_lag_max_us,"
    "fairness_source,jain_index,cv,max_min,"
    "server_accepted,server_requests,server_wasted_wakeups,server_accept_errors,"
    "server_user_s,server_sys_s,client_user_s,client_sys_s,client_cpus,client_saturated,"
    "server_saturated,"
    "server_cpu_list,server_host_user_s,server_host_sys_s,server_host_softirq_s,"
    "server_host_irq_s,server_host_steal_s,server_host_idle_s,server_host_busy_pct,"
    "client_cpu_list,client_host_user_s,client_host_sys_s,client_host_softirq_s,"
    "client_host_irq_s,client_host_steal_s,client_host_idle_s,client_host_busy_pct,"
    "cpus_overlap,"
    "server_syscalls_per_conn,server_context_switches_per_conn,server_migrations_per_conn,"
    "client_syscalls_per_conn,client_context_switches_per_conn,client_migrations_per_conn,";
/* ... then a column per kcount_tcp counter, then these. */
static const char summary_tail[] = "partial,kernel,nproc";

static const char workers_header[] =
    KEY_COLS ",worker,client_completed,server_accepted,server_requests,"
    "server_wasted_wakeups,server_cpu_user_s,server_cpu_sys_s,share,server_accepted_local,"
    "locality,partial";

static const char latency_header[] =
    KEY_COLS ",metric,value_us,percentile,count,total_count,partial";

static const char kernel_header[] =
    KEY_COLS ",side,thread,worker,counter,value,per_conn,partial";

static const char timeseries_header[] =
    KEY_COLS ",second,interval_s,completed,errors,conn_per_s,total_p50_us,total_p99_us,"
    "partial";

static void key(struct csv_buf *b, const struct config *cfg, const struct run_result *res)
{
    csv_str(b, res->run_id);
    csv_str(b, cfg->label ? cfg->label : "");
    csv_str(b, res->have_server ? res->server.strategy : NULL);
    csv_str(b, res->have_server ? res->server.io : NULL);
    csv_str(b, cfg->topology);
}

/* A server column, or an empty field when /stats did not have it. */
static void server_u64(struct csv_buf *b, const struct run_result *res, enum srvstats_col c)
{
    if (res->have_server && srvstats_has(&res->server, c))
        csv_u64(b, srvstats_sum(&res->server, c));
    else
        csv_str(b, NULL);
}

static void server_process_s(struct csv_buf *b, const struct run_result *res,
                             enum srvstats_col c)
{
    if (res->have_server && srvstats_has(&res->server, c))
        csv_f64(b, (double)srvstats_process(&res->server, c) / 1e6, 6);
    else
        csv_str(b, NULL);
}

/* One side's CPU list and its /proc/stat figures over the window; empty fields when
 * the list was not given (or /proc/stat could not be read at the window's end). */
static void host_cols(struct csv_buf *b, const struct cpulist *set, const struct run_host *h)
{
    char list[CPULIST_TEXT_MAX];
    cpulist_format(set, list, sizeof list);
    csv_str(b, set->n ? list : NULL);
    const double s[] = {h->w.user_s, h->w.sys_s, h->w.softirq_s, h->w.irq_s, h->w.steal_s,
                        h->w.idle_s};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        csv_f64(b, h->have ? s[i] : NAN, 3);
    csv_f64(b, h->have ? h->w.busy_pct : NAN, 2);
}

static void percentiles(struct csv_buf *b, const struct hist *h, int with_mean)
{
    for (int i = 0; i < REPORT_NPCTS; i++)
        csv_u64(b, hist_percentile(h, report_pcts[i]));
    csv_u64(b, h->total ? h->max_us : 0);
    if (with_mean)
        csv_f64(b, h->total ? hist_mean(h) : NAN, 1);
}

static double per_s(uint64_t n, double s)
{
    return s > 0 ? (double)n / s : NAN;
}

/* A side's total of a perf counter ("all" row), or -1 when the side was not counted. */
static double kernel_total(const struct run_result *res, enum kcount_side side,
                           const char *counter)
{
    if (!res->kcount.have_perf[side])
        return -1;
    for (size_t i = 0; i < res->kcount.rows.n; i++) {
        const struct kcount_row *r = &res->kcount.rows.v[i];
        if (r->side == side && r->tid == 0 && strcmp(r->thread, "all") == 0 &&
            strcmp(r->counter, counter) == 0)
            return (double)r->value;
    }
    return 0;
}

/* Per completed connection; empty when nothing completed. */
static double per_conn(double value, const struct run_result *res)
{
    return value >= 0 && res->tally.completed ? value / (double)res->tally.completed : NAN;
}

static void kernel_cols(struct csv_buf *b, const struct run_result *res)
{
    static const char *const counters[] = {"syscalls", "context_switches", "migrations"};
    for (int side = 0; side < KCOUNT_NSIDES; side++)
        for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
            csv_f64(b, per_conn(kernel_total(res, (enum kcount_side)side, counters[i]), res), 4);
    for (int i = 0; i < KCOUNT_NTCP; i++) {
        if (res->kcount.tcp_present >> i & 1u)
            csv_u64(b, res->kcount.tcp[i]);
        else
            csv_str(b, NULL);
    }
}

static void summary_row(struct csv_buf *b, const struct config *cfg,
                        const struct run_result *res)
{
    const struct tally *y = &res->tally;
    key(b, cfg, res);
    csv_str(b, res->timestamp);
    csv_str(b, cfg->proto->name);
    csv_str(b, report_mode(cfg));
    if (res->have_server)
        csv_u64(b, res->server.nworkers);
    else
        csv_str(b, NULL);
    csv_u64(b, cfg->connections);
    csv_u64(b, cfg->rate);
    csv_u64(b, cfg->threads);
    csv_u64(b, cfg->requests_per_conn);
    csv_f64(b, (double)cfg->warmup_us / 1e6, 3);
    csv_f64(b, res->window_s, 6);
    csv_u64(b, y->completed);
    csv_u64(b, y->requests);
    for (int i = 0; i < TALLY_ERR_COUNT; i++)
        csv_u64(b, y->errors[i]);
    csv_f64(b, per_s(y->completed, res->window_s), 1);
    csv_f64(b, per_s(y->requests, res->window_s), 1);
    csv_u64(b, y->bytes_in);
    csv_u64(b, y->bytes_out);
    for (size_t i = 0; i < REPORT_NLATENCY; i++)
        percentiles(b, report_latency_hist(y, i), report_latencies[i].mean);
    csv_u64(b, y->sched_starts);
    csv_u64(b, y->sched_late);
    csv_u64(b, y->sched_lag_max_ns / 1000);
    struct fair fr;
    const char *src = report_fairness(res, &fr);
    csv_str(b, src);
    csv_f64(b, fr.jain, 6);
    csv_f64(b, fr.cv, 6);
    csv_f64(b, fr.max_min, 6);
    server_u64(b, res, SRVSTATS_ACCEPTED);
    server_u64(b, res, SRVSTATS_REQUESTS);
    server_u64(b, res, SRVSTATS_WASTED_WAKEUPS);
    server_u64(b, res, SRVSTATS_ACCEPT_ERRORS);
    server_process_s(b, res, SRVSTATS_PROCESS_USER_US);
    server_process_s(b, res, SRVSTATS_PROCESS_SYS_US);
    csv_f64(b, res->client_user_s, 6);
    csv_f64(b, res->client_sys_s, 6);
    csv_f64(b, res->client_cpus, 0);
    csv_u64(b, (uint64_t)res->client_saturated);
    if (res->server_saturated < 0)
        csv_str(b, NULL);
    else
        csv_u64(b, (uint64_t)res->server_saturated);
    host_cols(b, &cfg->server_cpus, &res->server_host);
    host_cols(b, &cfg->client_cpus, &res->client_host);
    if (cfg->server_cpus.n && cfg->client_cpus.n)
        csv_u64(b, (uint64_t)(report_cpus_overlap(cfg, NULL, 0) > 0));
    else
        csv_str(b, NULL);
    kernel_cols(b, res);
    csv_u64(b, (uint64_t)res->partial);
    csv_str(b, res->kernel);
    csv_i64(b, res->nproc);
    csv_end_row(b);
}

/* A worker's local connections and their share of its accepted ones; empty where the
 * server did not measure them (or its /stats predates them), the share also where
 * the worker accepted none. */
static void locality_cols(struct csv_buf *b, const struct run_result *res,
                          const struct srvstats_worker *w)
{
    if (!w || !srvstats_locality_measured(&res->server)) {
        csv_str(b, NULL);
        csv_str(b, NULL);
        return;
    }
    uint64_t accepted = w->v[SRVSTATS_ACCEPTED], local = w->v[SRVSTATS_ACCEPTED_LOCAL];
    csv_u64(b, local);
    csv_f64(b, accepted ? (double)local / (double)accepted : NAN, 6);
}

static void workers_rows(struct csv_buf *b, const struct config *cfg,
                         const struct run_result *res)
{
    size_t n = report_nworkers(res);
    uint64_t total = report_worker_total(res);
    int has_user = res->have_server && srvstats_has(&res->server, SRVSTATS_CPU_USER_US);
    int has_sys = res->have_server && srvstats_has(&res->server, SRVSTATS_CPU_SYS_US);
    for (size_t i = 0; i < n; i++) {
        const struct srvstats_worker *w = report_server_worker(res, i);
        uint64_t c = report_client_count(res, i);
        key(b, cfg, res);
        csv_u64(b, i);
        if (tally_worker_span(&res->tally) > 0)
            csv_u64(b, c);
        else
            csv_str(b, NULL);                  /* the server sends no X-Worker */
        if (w) {
            csv_u64(b, w->v[SRVSTATS_ACCEPTED]);
            csv_u64(b, w->v[SRVSTATS_REQUESTS]);
            csv_u64(b, w->v[SRVSTATS_WASTED_WAKEUPS]);
        } else {
            csv_str(b, NULL);
            csv_str(b, NULL);
            csv_str(b, NULL);
        }
        csv_f64(b, w && has_user ? (double)w->v[SRVSTATS_CPU_USER_US] / 1e6 : NAN, 6);
        csv_f64(b, w && has_sys ? (double)w->v[SRVSTATS_CPU_SYS_US] / 1e6 : NAN, 6);
        csv_f64(b, total ? (double)report_worker_count(res, i) / (double)total : NAN, 6);
        locality_cols(b, res, w);
        csv_u64(b, (uint64_t)res->partial);
        csv_end_row(b);
    }
}

struct latency_ctx {
    struct csv_buf *b;
    const struct config *cfg;
    const struct run_result *res;
    const char *metric;
    uint64_t total;
};

static void latency_row(void *ctx, uint64_t value_us, double percentile, uint64_t count)
{
    struct latency_ctx *l = ctx;
    key(l->b, l->cfg, l->res);
    csv_str(l->b, l->metric);
    csv_u64(l->b, value_us);
    csv_f64(l->b, percentile, 6);
    csv_u64(l->b, count);
    csv_u64(l->b, l->total);
    csv_u64(l->b, (uint64_t)l->res->partial);
    csv_end_row(l->b);
}

static void latency_rows(struct csv_buf *b, const struct config *cfg,
                         const struct run_result *res)
{
    for (size_t i = 0; i < REPORT_NLATENCY; i++) {
        const struct hist *h = report_latency_hist(&res->tally, i);
        struct latency_ctx l = {b, cfg, res, report_latencies[i].name, h->total};
        hist_percentile_rows(h, 5, latency_row, &l);
    }
}

/* The worker whose thread tid is, or -1. */
static long worker_of(const struct run_result *res, long tid)
{
    if (!res->have_server || !srvstats_has(&res->server, SRVSTATS_TID))
        return -1;
    for (size_t i = 0; i < res->server.nworkers; i++)
        if ((long)res->server.w[i].v[SRVSTATS_TID] == tid)
            return res->server.w[i].worker;
    return -1;
}

static void kernel_rows(struct csv_buf *b, const struct config *cfg,
                        const struct run_result *res)
{
    for (size_t i = 0; i < res->kcount.rows.n; i++) {
        const struct kcount_row *r = &res->kcount.rows.v[i];
        long worker = r->side == KCOUNT_SERVER && r->tid ? worker_of(res, r->tid) : -1;
        key(b, cfg, res);
        csv_str(b, kcount_side_names[r->side]);
        csv_str(b, r->thread);
        if (worker >= 0)
            csv_i64(b, worker);
        else
            csv_str(b, NULL);
        csv_str(b, r->counter);
        csv_u64(b, r->value);
        csv_f64(b, per_conn((double)r->value, res), 6);
        csv_u64(b, (uint64_t)res->partial);
        csv_end_row(b);
    }
}

static void timeseries_rows(struct csv_buf *b, const struct config *cfg,
                            const struct run_result *res)
{
    for (size_t i = 0; i < res->ts.nrows; i++) {
        const struct tseries_row *r = &res->ts.rows[i];
        key(b, cfg, res);
        csv_u64(b, r->second);
        csv_f64(b, r->interval_s, 6);
        csv_u64(b, r->completed);
        csv_u64(b, r->errors);
        csv_f64(b, per_s(r->completed, r->interval_s), 1);
        if (r->completed) {
            csv_u64(b, r->p50_us);
            csv_u64(b, r->p99_us);
        } else {
            csv_str(b, NULL);
            csv_str(b, NULL);
        }
        csv_u64(b, (uint64_t)res->partial);
        csv_end_row(b);
    }
}

/* The files in the order they are written. summary.csv comes last: it is the commit
 * record, so a summary row means the run's rows in the other files are complete. A
 * run killed between two files leaves rows in the detail files whose run_id no
 * summary row has; readers join on run_id and skip them (acceptbench-report does). */
static const struct {
    const char *file;
    const char *header;
    void (*rows)(struct csv_buf *, const struct config *, const struct run_result *);
} files[] = {
    {"workers.csv", workers_header, workers_rows},
    {"latency.csv", latency_header, latency_rows},
    {"timeseries.csv", timeseries_header, timeseries_rows},
    {"kernel.csv", kernel_header, kernel_rows},
    {"summary.csv", NULL, summary_row},        /* its header: summary_header() */
};
#define NFILES (sizeof files / sizeof files[0])

/* summary.csv's header: the fixed columns with one per namespace counter. */
static const char *header_of(size_t i, char *buf, size_t len)
{
    if (files[i].header)
        return files[i].header;
    size_t used = (size_t)snprintf(buf, len, "%s", summary_header);
    for (int t = 0; t < KCOUNT_NTCP && used < len; t++)
        used += (size_t)snprintf(buf + used, len - used, "%s,", kcount_tcp[t].column);
    if (used < len)
        snprintf(buf + used, len - used, "%s", summary_tail);
    return buf;
}

/* csv_append_file writes FILE.tmp.XXXXXX and renames it over FILE; a writer killed
 * (kill -9, a crash, a power cut) before the rename leaves that temporary file and
 * FILE untouched. One writer per directory is the rule (two concurrent appends would
 * lose rows anyway), so whatever temporary file is there when a run starts writing
 * belongs to a dead writer: remove it. Best effort; nothing reads these files. */
static void remove_stale_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        for (size_t i = 0; i < NFILES; i++) {
            size_t n = strlen(files[i].file);
            if (strncmp(e->d_name, files[i].file, n) == 0 &&
                strncmp(e->d_name + n, ".tmp.", 5) == 0 && strlen(e->d_name + n + 5) == 6)
                (void)unlinkat(dirfd(d), e->d_name, 0);
        }
    }
    closedir(d);
}

/* Can rows be appended to the file at path? 0 yes (or no file yet), 1 it has another
 * header, 2 its last line is incomplete, -1 with errno when it cannot be read. The
 * same rules as csv_append_file, checked before the run instead of after it. */
static int appendable(const char *path, const char *header)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    size_t n = strlen(header);
    char *line = malloc(n + 2);
    if (!line) {
        fclose(f);
        errno = ENOMEM;
        return -1;
    }
    size_t got = fread(line, 1, n + 1, f);
    int rc = 0;
    if (got > 0 && (got != n + 1 || memcmp(line, header, n) != 0 || line[n] != '\n'))
        rc = 1;
    else if (got > 0 && (fseek(f, -1, SEEK_END) != 0 || fgetc(f) != '\n'))
        rc = 2;
    free(line);
    fclose(f);
    return rc;
}

int results_check(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (dir[0] == '\0') {
        snprintf(err, errlen, "empty directory name");
        return -1;
    }
    if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
        return -1;
    }
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a directory", dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK) < 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < NFILES; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].file);
        char header[4096];
        int m = appendable(path, header_of(i, header, sizeof header));
        if (m < 0)
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        else if (m == 1)
            snprintf(err, errlen, "%s has other columns than this version writes; pick a "
                     "new output directory", path);
        else if (m == 2)
            snprintf(err, errlen, "%s: last line is incomplete (no trailing newline); "
                     "pick a new output directory", path);
        if (m != 0)
            return -1;
    }
    return 0;
}

int results_write(const char *dir, const struct config *cfg, const struct run_result *res,
                  char *err, size_t errlen)
{
    if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
        return -1;
    }
    remove_stale_tmp(dir);
    struct csv_buf b;
    csv_init(&b);
    int rc = 0;
    for (size_t i = 0; i < NFILES && rc == 0; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].file);
        csv_reset(&b);
        files[i].rows(&b, cfg, res);
        if (b.oom) {
            snprintf(err, errlen, "%s: out of memory", path);
            rc = -1;
        } else {
            char header[4096];
            rc = csv_append_file(path, header_of(i, header, sizeof header),
                                 b.data ? b.data : "", err, errlen);
        }
    }
    csv_free(&b);
    return rc;
}
