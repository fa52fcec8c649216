/* report: derived figures and the terminal summary, in the manner of wrk's: a terse
 * fixed-width table, error lines only when there were errors. */
#include "report.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pace.h"
#include "proto.h"
#include "units.h"

const struct report_latency report_latencies[REPORT_NLATENCY] = {
    {"connect", "connect", offsetof(struct tally, connect), 0},
    {"first_byte", "first byte", offsetof(struct tally, first_byte), 0},
    {"total", "total", offsetof(struct tally, total), 1},
};

const double report_pcts[REPORT_NPCTS] = {50.0, 90.0, 99.0, 99.9};

const struct hist *report_latency_hist(const struct tally *y, size_t i)
{
    return (const struct hist *)((const char *)y + report_latencies[i].offset);
}

const char *report_mode(const struct config *cfg)
{
    return cfg->rate ? "open" : "closed";
}

size_t report_nworkers(const struct run_result *res)
{
    size_t n = tally_worker_span(&res->tally);
    if (res->have_server)
        for (size_t i = 0; i < res->server.nworkers; i++)
            if (res->server.w[i].worker >= 0 && (size_t)res->server.w[i].worker + 1 > n)
                n = (size_t)res->server.w[i].worker + 1;
    return n;
}

uint64_t report_client_count(const struct run_result *res, size_t i)
{
    return i < TALLY_MAX_WORKERS ? res->tally.workers[i] : 0;
}

const struct srvstats_worker *report_server_worker(const struct run_result *res, size_t i)
{
    if (!res->have_server)
        return NULL;
    for (size_t k = 0; k < res->server.nworkers; k++)
        if (res->server.w[k].worker == (long)i)
            return &res->server.w[k];
    return NULL;
}

uint64_t report_worker_count(const struct run_result *res, size_t i)
{
    const struct srvstats_worker *w = report_server_worker(res, i);
    return w ? w->v[SRVSTATS_ACCEPTED] : report_client_count(res, i);
}

uint64_t report_worker_total(const struct run_result *res)
{
    uint64_t total = 0;
    for (size_t i = 0, n = report_nworkers(res); i < n; i++)
        total += report_worker_count(res, i);
    return total;
}

const char *report_fairness(const struct run_result *res, struct fair *out)
{
    size_t n = report_nworkers(res);
    const char *source = NULL;
    uint64_t *counts = n ? calloc(n, sizeof *counts) : NULL;
    if (counts && res->have_server) {
        source = "server";
        for (size_t i = 0; i < n; i++) {
            const struct srvstats_worker *w = report_server_worker(res, i);
            counts[i] = w ? w->v[SRVSTATS_ACCEPTED] : 0;
        }
    } else if (counts && tally_worker_span(&res->tally) > 0) {
        source = "client";
        for (size_t i = 0; i < n; i++)
            counts[i] = report_client_count(res, i);
    }
    fair_compute(counts, source ? n : 0, out);
    free(counts);
    return source;
}

unsigned report_cpus_overlap(const struct config *cfg, char *buf, size_t len)
{
    struct cpulist both;
    cpulist_intersect(&cfg->server_cpus, &cfg->client_cpus, &both);
    if (buf)
        cpulist_format(&both, buf, len);
    return both.n;
}

const char *report_limited_by(const struct run_result *res)
{
    static const char *const names[2][2] = {{"neither", "client"}, {"server", "both"}};
    return names[res->server_saturated > 0][res->client_saturated != 0];
}

static void fmt_us(char *buf, size_t len, uint64_t us)
{
    units_format_duration_us(buf, len, (double)us);
}

/* The latency table: a column per percentile, then max; "-" when nothing completed. */
static void latency_table(FILE *f, const struct tally *y)
{
    char b[24];
    fprintf(f, "  Latency    ");
    for (int p = 0; p < REPORT_NPCTS; p++) {
        snprintf(b, sizeof b, "p%g", report_pcts[p]);
        fprintf(f, " %9s", b);
    }
    fprintf(f, " %9s\n", "max");
    for (size_t i = 0; i < REPORT_NLATENCY; i++) {
        const struct hist *h = report_latency_hist(y, i);
        fprintf(f, "    %-11s", report_latencies[i].label);
        for (int p = 0; p <= REPORT_NPCTS; p++) {
            if (h->total == 0)
                snprintf(b, sizeof b, "-");
            else
                fmt_us(b, sizeof b, p < REPORT_NPCTS ? hist_percentile(h, report_pcts[p])
                                                     : h->max_us);
            fprintf(f, " %9s", b);
        }
        fprintf(f, "\n");
    }
}

static void print_workers(FILE *f, const struct config *cfg, const struct run_result *res)
{
    size_t n = report_nworkers(res);
    if (n == 0 && !cfg->proto->stats_in_band && !cfg->stats_enabled) {
        fprintf(f, "  Workers: no per-worker counts (%s names no worker; --stats HOST:PORT "
                   "reads them from the server's --admin listener)\n", cfg->proto->name);
        return;
    }
    if (n == 0) {
        fprintf(f, "  Workers: no per-worker counts (no X-Worker header, no /stats)\n");
        return;
    }
    uint64_t total = report_worker_total(res);
    fprintf(f, "    %6s %10s %10s %7s %9s %9s\n", "worker", "client", "server", "share",
            "cpu_user", "cpu_sys");
    for (size_t i = 0; i < n; i++) {
        const struct srvstats_worker *w = report_server_worker(res, i);
        uint64_t c = report_client_count(res, i), s = report_worker_count(res, i);
        char cli[24] = "-", srv[24] = "-", cu[24] = "-", cs[24] = "-";
        if (tally_worker_span(&res->tally) > 0)      /* no X-Worker at all: no counts */
            snprintf(cli, sizeof cli, "%llu", (unsigned long long)c);
        if (w) {
            snprintf(srv, sizeof srv, "%llu", (unsigned long long)s);
            if (srvstats_has(&res->server, SRVSTATS_CPU_USER_US))
                snprintf(cu, sizeof cu, "%.2fs", (double)w->v[SRVSTATS_CPU_USER_US] / 1e6);
            if (srvstats_has(&res->server, SRVSTATS_CPU_SYS_US))
                snprintf(cs, sizeof cs, "%.2fs", (double)w->v[SRVSTATS_CPU_SYS_US] / 1e6);
        }
        fprintf(f, "    %6zu %10s %10s %6.1f%% %9s %9s\n", i, cli, srv,
                total ? 100.0 * (double)s / (double)total : 0.0, cu, cs);
    }
}

/* One line when the server measured locality (--measure-locality, or pinned
 * workers) and accepted something in the window. */
static void print_locality(FILE *f, const struct run_result *res)
{
    if (!res->have_server || !srvstats_locality_measured(&res->server))
        return;
    uint64_t accepted = srvstats_sum(&res->server, SRVSTATS_ACCEPTED);
    uint64_t local = srvstats_sum(&res->server, SRVSTATS_ACCEPTED_LOCAL);
    if (accepted)
        fprintf(f, "  Locality: %.1f%% of accepts on the worker's own CPU (%llu of %llu)\n",
                100.0 * (double)local / (double)accepted, (unsigned long long)local,
                (unsigned long long)accepted);
}

/* The error counts, then one line per class that occurred saying what it means and
 * what to do about it: the terminal must say what went wrong, not only how often. */
static void print_errors(FILE *f, const struct config *cfg, const struct tally *y)
{
    if (tally_errors(y) == 0)
        return;
    fprintf(f, "  Errors:");
    for (int i = 0; i < TALLY_ERR_COUNT; i++)
        if (y->errors[i])
            fprintf(f, " %s %llu", tally_err_name(i), (unsigned long long)y->errors[i]);
    fprintf(f, "\n");
    char t[32];
    fmt_us(t, sizeof t, cfg->timeout_us);
    if (y->errors[TALLY_ERR_REFUSED])
        fprintf(f, "  Note: refused (ECONNREFUSED): nothing was listening at %s: the server "
                   "%s\n", cfg->target_str,
                y->completed ? "stopped or restarted during the run" : "is not running");
    if (y->errors[TALLY_ERR_RESET])
        fprintf(f, "  Note: reset (ECONNRESET, EPIPE): the server dropped connections in "
                   "mid-exchange: it crashed, was killed, or closed them early\n");
    if (y->errors[TALLY_ERR_TIMEOUT])
        fprintf(f, "  Note: timeout: no connect or reply within --timeout %s: the server is "
                   "overloaded, stuck, or not answering\n", t);
    if (y->errors[TALLY_ERR_ADDRNOTAVAIL])
        fprintf(f, "  Note: addrnotavail (EADDRNOTAVAIL) is port exhaustion: no free local "
                   "port for a new connection: fewer --connections, more --source-ips "
                   "(127.0.0.x), or a wider net.ipv4.ip_local_port_range\n");
}

/* "  server host CPUs 0: 97% busy (user 20%, sys 40%, softirq 37%, irq 0%) saturated":
 * shares of the set's time over the window; steal only when the hypervisor took some. */
static void print_host(FILE *f, const char *side, const struct cpulist *set,
                       const struct run_host *h, int saturated)
{
    char list[CPULIST_TEXT_MAX];
    cpulist_format(set, list, sizeof list);
    fprintf(f, "  %s host CPU%s %s: ", side, set->n == 1 ? "" : "s", list);
    if (!h->have) {
        fprintf(f, "no figures: %s\n", h->note);
        return;
    }
    const struct procstat_window *w = &h->w;
    double all = w->user_s + w->sys_s + w->softirq_s + w->irq_s + w->steal_s + w->idle_s;
    double pct = all > 0 ? 100.0 / all : 0;
    fprintf(f, "%.0f%% busy (user %.0f%%, sys %.0f%%, softirq %.0f%%, irq %.0f%%", w->busy_pct,
            w->user_s * pct, w->sys_s * pct, w->softirq_s * pct, w->irq_s * pct);
    if (w->steal_s > 0)
        fprintf(f, ", steal %.0f%%", w->steal_s * pct);
    fprintf(f, ")%s\n", saturated ? " saturated" : "");
}

/* The host lines of the sides whose CPUs were given, what they share, and which side
 * limited the run. */
static void print_hosts(FILE *f, const struct config *cfg, const struct run_result *res)
{
    if (!cfg->server_cpus.n && !cfg->client_cpus.n)
        return;
    if (cfg->server_cpus.n)
        print_host(f, "server", &cfg->server_cpus, &res->server_host,
                   res->server_saturated > 0);
    if (cfg->client_cpus.n)
        print_host(f, "client", &cfg->client_cpus, &res->client_host,
                   res->client_saturated);
    char both[CPULIST_TEXT_MAX];
    if (report_cpus_overlap(cfg, both, sizeof both))
        fprintf(f, "  Note: the server and client CPU sets share CPU %s: each side's host "
                   "figures include the other's work there\n", both);
    fprintf(f, "  Limited by: %s%s\n", report_limited_by(res),
            res->server_saturated < 0 ? " (the server's CPUs unknown: no --server-cpus)" : "");
}

void report_print(FILE *f, const struct config *cfg, const struct run_result *res)
{
    const struct tally *y = &res->tally;
    char b1[32], b2[32];
    fprintf(f, "acceptbench-load %s: %s %s, %s loop, %u threads, ", ACCEPTBENCH_VERSION,
            cfg->proto->name, cfg->target_str, report_mode(cfg), cfg->threads);
    if (cfg->rate)
        fprintf(f, "%llu conn/s (cap %llu open)", (unsigned long long)cfg->rate,
                (unsigned long long)cfg->connections);
    else
        fprintf(f, "%llu connections", (unsigned long long)cfg->connections);
    fprintf(f, ", %llu request%s/conn%s%s%s\n", (unsigned long long)cfg->requests_per_conn,
            cfg->requests_per_conn == 1 ? "" : "s", cfg->label ? ", label " : "",
            cfg->label ? cfg->label : "", res->partial ? " [PARTIAL: interrupted]" : "");
    latency_table(f, y);
    units_format_count(b1, sizeof b1, res->window_s > 0 ? (double)y->completed / res->window_s : 0);
    units_format_count(b2, sizeof b2, (double)y->bytes_in);
    fprintf(f, "  %llu connections in %.2fs, %s conn/s, %llu requests, %sB read\n",
            (unsigned long long)y->completed, res->window_s, b1,
            (unsigned long long)y->requests, b2);
    if (cfg->rate) {
        fmt_us(b1, sizeof b1, y->sched_lag_max_ns / 1000);
        fprintf(f, "  Schedule: %llu of %llu starts more than %llums late, max lag %s%s\n",
                (unsigned long long)y->sched_late, (unsigned long long)y->sched_starts,
                (unsigned long long)(PACE_SLACK_NS / 1000000), b1,
                y->sched_late ? " -- the generator could not keep the schedule" : "");
    }
    if (res->have_server) {
        fprintf(f, "  Server: strategy %s, io %s, %zu workers, accepted %llu",
                res->server.strategy[0] ? res->server.strategy : "?",
                res->server.io[0] ? res->server.io : "?", res->server.nworkers,
                (unsigned long long)srvstats_sum(&res->server, SRVSTATS_ACCEPTED));
        if (srvstats_has(&res->server, SRVSTATS_WASTED_WAKEUPS))
            fprintf(f, ", wasted wake-ups %llu",
                    (unsigned long long)srvstats_sum(&res->server, SRVSTATS_WASTED_WAKEUPS));
        if (srvstats_sum(&res->server, SRVSTATS_ACCEPT_ERRORS))
            fprintf(f, ", accept errors %llu",
                    (unsigned long long)srvstats_sum(&res->server, SRVSTATS_ACCEPT_ERRORS));
        fprintf(f, "\n");
    } else if (cfg->stats_enabled)
        fprintf(f, "  Server: no /stats figures: %s\n", res->server_note);
    print_workers(f, cfg, res);
    print_locality(f, res);
    struct fair fr;
    const char *src = report_fairness(res, &fr);
    if (src)
        fprintf(f, "  Fairness (%s counts): jain %.4f  cv %.4f  max/min %.3f\n", src, fr.jain,
                fr.cv, fr.max_min);
    double ccpu = res->client_user_s + res->client_sys_s;
    fprintf(f, "  CPU: ");
    if (res->have_server && srvstats_has(&res->server, SRVSTATS_PROCESS_USER_US))
        fprintf(f, "server user %.2fs sys %.2fs; ",
                (double)srvstats_process(&res->server, SRVSTATS_PROCESS_USER_US) / 1e6,
                (double)srvstats_process(&res->server, SRVSTATS_PROCESS_SYS_US) / 1e6);
    fprintf(f, "client user %.2fs sys %.2fs = %.0f%% of %.0f CPU%s\n", res->client_user_s,
            res->client_sys_s, res->window_s > 0 ? 100.0 * ccpu / (res->window_s * res->client_cpus) : 0.0,
            res->client_cpus, res->client_cpus == 1 ? "" : "s");
    print_hosts(f, cfg, res);
    print_errors(f, cfg, y);
    if (res->client_saturated)
        fprintf(f, res->client_host.have
                       ? "  WARNING: the client's CPUs were >= %.0f%% busy: this result is "
                         "limited by the load generator, not the server\n"
                       : "  WARNING: the client used >= %.0f%% of its CPUs: this result is "
                         "limited by the load generator, not the server\n",
                RUN_SATURATION * 100);
}
