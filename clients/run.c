/* run: the phases of a run, the server and client snapshots, and the signals. */
#include "run.h"

#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "loop.h"
#include "proto.h"
#include "statsfetch.h"
#include "units.h"

#define NS_PER_S   1000000000ULL
#define SLICE_NS   100000000ULL      /* the main thread looks around every 100 ms */

/* The one process-wide flag: a signal handler can reach nothing else. 1 after the
 * first SIGINT/SIGTERM (stop, drain, report partial), 2 after another one at least
 * REPEAT_NS later (stop waiting for the drain). One Ctrl-C often arrives more than
 * once (timeout(1) signals the child and its process group; a terminal and a wrapper
 * script both forward it), and that burst must not abandon the drain. */
#define REPEAT_NS 1000000000LL
static volatile sig_atomic_t stop_signal;
static struct timespec first_signal;   /* written by the handler only */

static void on_signal(int sig)
{
    struct timespec now;
    (void)sig;
    clock_gettime(CLOCK_MONOTONIC, &now);       /* async-signal-safe */
    if (stop_signal == 0) {
        first_signal = now;
        stop_signal = 1;
    } else if ((now.tv_sec - first_signal.tv_sec) * 1000000000LL +
                   (now.tv_nsec - first_signal.tv_nsec) >= REPEAT_NS) {
        stop_signal = 2;
    }
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);             /* the handler never nests */
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A server that resets a connection must surface as EPIPE, not kill us. */
    signal(SIGPIPE, SIG_IGN);
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Fetch and parse /stats. Returns 0, or a STATSFETCH_ERR_* with the reason in note. */
static int snapshot(const struct config *cfg, struct srvstats *out, char *note, size_t len)
{
    /* /stats is a request like any other: --timeout bounds it, so a target that never
     * answers costs --timeout here, not a fixed wait. */
    uint64_t ms = cfg->timeout_us / 1000;
    return statsfetch_get(&cfg->stats_addr, ms > INT_MAX ? INT_MAX : (int)ms, out, note, len);
}

struct progress {
    int enabled;
    uint64_t shown;          /* last second printed */
    struct tseries *ts;
};

static void progress_show(struct progress *p)
{
    struct tseries_row row;
    if (!p->enabled || !tseries_latest(p->ts, &row) || row.second == p->shown)
        return;
    p->shown = row.second;
    char rate[32], p50[32], p99[32];
    units_format_count(rate, sizeof rate, (double)row.completed / row.interval_s);
    units_format_duration_us(p50, sizeof p50, (double)row.p50_us);
    units_format_duration_us(p99, sizeof p99, (double)row.p99_us);
    fprintf(stderr, "acceptbench-load: [%4llus] %s conn/s  p50 %s  p99 %s  errors %llu\n",
            (unsigned long long)row.second, rate, p50, p99, (unsigned long long)row.errors);
}

/* Wait until *counter reaches n (returns 1), the deadline passes (0), or a signal
 * of level `sig` or higher arrives (-1), showing progress along the way. */
static int wait_for(struct loop_shared *sh, const unsigned *counter, unsigned n,
                    uint64_t deadline_ns, int sig, struct progress *pr)
{
    pthread_mutex_lock(&sh->mu);
    int rc;
    for (;;) {
        if (*counter >= n) {
            rc = 1;
            break;
        }
        if (stop_signal >= sig) {
            rc = -1;
            break;
        }
        uint64_t now = uv_hrtime();
        if (now >= deadline_ns) {
            rc = 0;
            break;
        }
        uint64_t until = deadline_ns - now < SLICE_NS ? deadline_ns : now + SLICE_NS;
        struct timespec ts = {.tv_sec = (time_t)(until / NS_PER_S),
                              .tv_nsec = (long)(until % NS_PER_S)};
        pthread_cond_timedwait(&sh->cv, &sh->mu, &ts);
        if (pr) {
            pthread_mutex_unlock(&sh->mu);
            progress_show(pr);
            pthread_mutex_lock(&sh->mu);
        }
    }
    pthread_mutex_unlock(&sh->mu);
    return rc;
}

/* Pause the load and wait for every connection in flight to end (each is bounded by
 * --timeout). Returns 1 when all loops drained. */
static int drain(const struct config *cfg, struct loop_shared *sh, struct loop_thread **th)
{
    loop_command(sh, th, cfg->threads, LOOP_CMD_DRAIN);
    uint64_t deadline = uv_hrtime() + cfg->timeout_us * 1000 + NS_PER_S;
    return wait_for(sh, &sh->drained, cfg->threads, deadline, 2, NULL) == 1;
}

unsigned run_cpus(void)
{
    cpu_set_t set;
    long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                        : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (unsigned)n;
}

static void describe_host(struct run_result *res, const struct config *cfg)
{
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(res->kernel, sizeof res->kernel, "%s", u.release);
    res->nproc = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned cpus = run_cpus();
    res->client_cpus = cpus < cfg->threads ? cpus : cfg->threads;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(res->timestamp, sizeof res->timestamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char compact[24];
    strftime(compact, sizeof compact, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(res->run_id, sizeof res->run_id, "%s-%ld", compact, (long)getpid());
}

/* One side's /proc/stat counters at the start of the window. */
struct host_start {
    struct procstat ps;
    int ok;
};

static void host_begin(const struct cpulist *set, struct host_start *s, struct run_host *h)
{
    s->ok = set->n && procstat_read(set, &s->ps, h->note, sizeof h->note) == 0;
}

static void host_end(const struct cpulist *set, const struct host_start *s, struct run_host *h)
{
    struct procstat now;
    if (!s->ok || procstat_read(set, &now, h->note, sizeof h->note) < 0)
        return;
    procstat_window(&s->ps, &now, (double)sysconf(_SC_CLK_TCK), &h->w);
    h->have = 1;
}

static int busy_enough(double busy_pct)
{
    return busy_pct >= RUN_SATURATION * 100;
}

/* Start the kernel counters for the server's processes: --server-pid and every
 * worker process /stats names (--model process), each once. */
static void kernel_start(const struct config *cfg, const struct srvstats *st, int have_st,
                         struct kcount *kc, struct kcount_result *kr)
{
    pid_t pids[64];
    size_t n = 0;
    if (cfg->server_pid)
        pids[n++] = (pid_t)cfg->server_pid;
    for (size_t i = 0; have_st && srvstats_has(st, SRVSTATS_PID) && i < st->nworkers; i++) {
        pid_t p = (pid_t)st->w[i].v[SRVSTATS_PID];
        size_t j = 0;
        while (j < n && pids[j] != p)
            j++;
        if (p > 0 && j == n && n < sizeof pids / sizeof pids[0])
            pids[n++] = p;
    }
    if (n == 0)
        snprintf(kr->note, sizeof kr->note, "the server side is not counted: give --server-pid "
                 "(or a server with /stats)");
    char note[256] = "";
    kcount_start(kc, pids, n, note, sizeof note);
    if (note[0])
        snprintf(kr->note, sizeof kr->note, "%s", note);
}

/* Everything after the loops exist: the phases. */
static void phases(const struct config *cfg, struct loop_shared *sh, struct loop_thread **th,
                   struct run_result *res)
{
    struct srvstats before = {0}, after = {0};
    int have_before = 0, counting = 0;
    struct kcount kc;
    struct progress pr = {.enabled = cfg->progress, .ts = sh->ts};
    if (cfg->stats_enabled) {
        int rc = snapshot(cfg, &before, res->server_note, sizeof res->server_note);
        have_before = rc == 0;
        if (rc == STATSFETCH_ERR_REFUSED &&
            memcmp(&cfg->stats_addr, &cfg->target, sizeof cfg->target) == 0) {
            /* Nothing listens: do not spin for nothing. That GET was one connection
             * to the target, and the row counts it as the one refused. */
            res->target_down = 1;
            res->tally.errors[TALLY_ERR_REFUSED] = 1;
            describe_host(res, cfg);
            return;
        }
        if (rc < 0 && cfg->stats_required) {
            res->stats_unreadable = 1;     /* asked for explicitly: no run without it */
            return;
        }
    }
    /* perf takes a moment to open its counters: start it before the warm-up. */
    if (cfg->kernel_counters) {
        kernel_start(cfg, &before, have_before, &kc, &res->kcount);
        counting = 1;
    }
    if (cfg->warmup_us > 0) {
        loop_command(sh, th, cfg->threads, LOOP_CMD_WARMUP);
        /* Warm-up has no --count share, so only the deadline or a signal ends it. */
        int w = wait_for(sh, &sh->finished, cfg->threads + 1,
                         uv_hrtime() + cfg->warmup_us * 1000, 1, NULL);
        drain(cfg, sh, th);
        if (w < 0) {
            res->partial = 1;              /* interrupted before anything was measured */
            if (counting)
                kcount_finish(&kc, NULL);
            srvstats_free(&before);
            describe_host(res, cfg);
            return;
        }
        if (have_before) {
            srvstats_free(&before);
            have_before = snapshot(cfg, &before, res->server_note,
                                   sizeof res->server_note) == 0;
        }
    }
    describe_host(res, cfg);
    struct rusage ru0, ru1;
    struct host_start srv0, cli0;
    /* The counters switch on first and off last: waiting for perf's acknowledgement
     * stays out of the CPU figures, and the load is paused on both edges. */
    if (counting)
        kcount_enable(&kc, &res->kcount);
    getrusage(RUSAGE_SELF, &ru0);
    host_begin(&cfg->server_cpus, &srv0, &res->server_host);
    host_begin(&cfg->client_cpus, &cli0, &res->client_host);
    uint64_t t0 = uv_hrtime();
    pthread_mutex_lock(&sh->mu);
    sh->measure_start_ns = t0;
    pthread_mutex_unlock(&sh->mu);
    loop_command(sh, th, cfg->threads, LOOP_CMD_MEASURE);
    uint64_t end = cfg->duration_us ? t0 + cfg->duration_us * 1000 : UINT64_MAX;
    if (wait_for(sh, &sh->finished, cfg->threads, end, 1, &pr) < 0)
        res->partial = 1;
    if (!drain(cfg, sh, th))
        res->partial = 1;                  /* gave up waiting: a second signal */
    uint64_t t1 = uv_hrtime();
    getrusage(RUSAGE_SELF, &ru1);
    host_end(&cfg->server_cpus, &srv0, &res->server_host);
    host_end(&cfg->client_cpus, &cli0, &res->client_host);
    if (counting)
        kcount_disable(&kc, &res->kcount);
    res->window_s = (double)(t1 - t0) / 1e9;
    res->client_user_s = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
    res->client_sys_s = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
    /* The host figures see what rusage cannot: the softirq work of the client's
     * connections, and anything else that ran on its CPUs. */
    if (res->client_host.have)
        res->client_saturated = busy_enough(res->client_host.w.busy_pct);
    else
        res->client_saturated = res->window_s > 0 &&
            res->client_user_s + res->client_sys_s >=
                RUN_SATURATION * res->client_cpus * res->window_s;
    res->server_saturated = res->server_host.have ? busy_enough(res->server_host.w.busy_pct)
                                                  : -1;
    if (have_before &&
        snapshot(cfg, &after, res->server_note, sizeof res->server_note) == 0) {
        res->have_server = srvstats_delta(&before, &after, &res->server, res->server_note,
                                          sizeof res->server_note) == 0;
    }
    if (counting)
        kcount_finish(&kc, &res->kcount);
    srvstats_free(&before);
    srvstats_free(&after);
}

int run_load(const struct config *cfg, struct run_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    res->server_saturated = -1;            /* unknown until the window has run */
    tally_init(&res->tally);
    if (tseries_init(&res->ts, cfg->threads) < 0) {
        snprintf(err, errlen, "pthread_mutex_init failed");
        return -1;
    }
    struct proto_req req = {0};
    struct proto_opts po = {.host = cfg->target_str, .path = cfg->path,
                            .payload = cfg->payload.bytes,
                            .payload_len = cfg->payload.len};
    if (cfg->proto->init(&req, &po, err, errlen) < 0)
        return -1;

    struct loop_shared sh = {.cmd = LOOP_CMD_IDLE, .ts = &res->ts};
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);   /* uv_hrtime's clock */
    pthread_mutex_init(&sh.mu, NULL);
    pthread_cond_init(&sh.cv, &ca);
    pthread_condattr_destroy(&ca);

    struct loop_thread **th = calloc(cfg->threads, sizeof *th);
    unsigned n = 0;
    int rc = 0;
    install_signals();
    /* Load threads never take SIGINT/SIGTERM: the main thread alone decides. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    for (; th && n < cfg->threads; n++) {
        th[n] = malloc(sizeof *th[n]);
        if (!th[n] || loop_init(th[n], n, &sh, cfg, &req, err, errlen) < 0) {
            if (!th[n])
                snprintf(err, errlen, "malloc: out of memory for thread %u", n);
            free(th[n]);
            rc = -1;
            break;
        }
        if (loop_start(th[n], err, errlen) < 0) {
            n++;
            rc = -1;
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!th) {
        snprintf(err, errlen, "calloc: out of memory");
        rc = -1;
    }
    if (rc == 0) {
        phases(cfg, &sh, th, res);
        if (res->stats_unreadable) {
            snprintf(err, errlen, "--stats: %s; is it the server's --admin listener "
                     "(admin_port= in its ready file)?", res->server_note);
            rc = -1;
        }
    }
    if (th) {
        loop_command(&sh, th, n, LOOP_CMD_EXIT);
        for (unsigned i = 0; i < n; i++) {
            loop_join(th[i]);
            tally_merge(&res->tally, &th[i]->tally);
            free(th[i]);
        }
        free(th);
    }
    tseries_finish(&res->ts, res->window_s);
    const struct tally *y = &res->tally;
    if (rc == 0 && y->completed == 0 && y->errors[TALLY_ERR_REFUSED] > 0 &&
        y->errors[TALLY_ERR_REFUSED] == tally_errors(y))
        res->target_down = 1;
    pthread_cond_destroy(&sh.cv);
    pthread_mutex_destroy(&sh.mu);
    cfg->proto->free(&req);
    return rc;
}

void run_result_free(struct run_result *res)
{
    srvstats_free(&res->server);
    tseries_free(&res->ts);
    kcount_result_free(&res->kcount);
}
