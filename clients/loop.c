/* loop: a load thread's libuv loop, its commands and its two drivers. Closed loop keeps
 * `cap` connections in flight and replaces each one as it ends; open loop starts
 * connections on the schedule of pace.c whatever the server does. */
#include "loop.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "conn.h"

#define NS_PER_MS 1000000ULL
#define NS_PER_S  1000000000ULL

static uint64_t ms_until(uint64_t when_ns, uint64_t now_ns)
{
    return when_ns > now_ns ? (when_ns - now_ns + NS_PER_MS - 1) / NS_PER_MS : 0;
}

/* Tell the main thread this loop has nothing in flight (after DRAIN), or has used up
 * its --count share (while measuring). */
static void report(struct loop_thread *t, int drained)
{
    pthread_mutex_lock(&t->sh->mu);
    if (drained)
        t->sh->drained++;
    else
        t->sh->finished++;
    pthread_cond_broadcast(&t->sh->cv);
    pthread_mutex_unlock(&t->sh->mu);
    t->reported = 1;
}

/* ---- per-second rows ---- */

/* Hand in every second that has ended by now_ns. */
static void tick_flush(struct loop_thread *t, uint64_t now_ns)
{
    uint64_t t0 = t->t0;
    while (now_ns >= t0 + t->iv_second * NS_PER_S) {
        tseries_add(t->sh->ts, t->iv_second, &t->iv_hist, t->iv_completed, t->iv_errors);
        hist_init(&t->iv_hist);
        t->iv_completed = t->iv_errors = 0;
        t->iv_second++;
    }
}

static void on_tick(uv_timer_t *h)
{
    struct loop_thread *t = h->data;
    uint64_t now = uv_hrtime();
    tick_flush(t, now);
    uint64_t next = t->t0 + t->iv_second * NS_PER_S;
    uv_timer_start(&t->tick_timer, on_tick, ms_until(next, now), 0);
}

/* ---- drivers ---- */

static void on_retry(uv_timer_t *h);
static void on_sched(uv_poll_t *h, int status, int events);

/* Open-loop starts are timed with a timerfd, not a uv_timer: libuv timers have 1 ms
 * resolution, and every late start adds its lag to the latency measured from the
 * schedule, so a millisecond timer would bias every latency by about half a
 * millisecond. The timerfd fires at the scheduled nanosecond (CLOCK_MONOTONIC, the
 * clock of uv_hrtime). */
static void sched_arm(struct loop_thread *t, uint64_t due_ns)
{
    if (t->sched_armed_ns == due_ns)
        return;
    struct itimerspec its;
    memset(&its, 0, sizeof its);                 /* all zero: disarm */
    its.it_value.tv_sec = (time_t)(due_ns / NS_PER_S);
    its.it_value.tv_nsec = (long)(due_ns % NS_PER_S);
    if (timerfd_settime(t->sched_fd, due_ns ? TFD_TIMER_ABSTIME : 0, &its, NULL) == 0)
        t->sched_armed_ns = due_ns;
}

static int quota_left(const struct loop_thread *t)
{
    return t->quota == 0 || t->issued < t->quota;
}

/* See whether this loop is done: drained after DRAIN, or its share spent. */
static void check_done(struct loop_thread *t)
{
    if (t->reported || t->inflight != 0)
        return;
    if (t->cmd == LOOP_CMD_DRAIN && t->closing == 0) {
        if (t->counting) {
            /* The window is over for this loop: hand in the last, partial second. */
            tick_flush(t, uv_hrtime());
            tseries_add(t->sh->ts, t->iv_second, &t->iv_hist, t->iv_completed, t->iv_errors);
            hist_init(&t->iv_hist);
            t->iv_completed = t->iv_errors = 0;
            t->counting = 0;
            uv_timer_stop(&t->tick_timer);
        }
        report(t, 1);
    } else if (t->cmd == LOOP_CMD_MEASURE && t->quota != 0) {
        int spent = t->cfg->rate ? pace_due_ns(&t->pace) == UINT64_MAX : !quota_left(t);
        if (spent)
            report(t, 0);
    }
}

static void closed_fill(struct loop_thread *t)
{
    while (t->loading && t->inflight < t->cap && quota_left(t)) {
        t->issued++;
        if (conn_start(t, 0) < 0) {
            /* Failed at once (no port, no fd): retry from a timer rather than spin
             * inside this call stack. */
            if (!uv_is_active((uv_handle_t *)&t->retry_timer))
                uv_timer_start(&t->retry_timer, on_retry, 1, 0);
            break;
        }
    }
}

static void open_kick(struct loop_thread *t)
{
    uint64_t now = uv_hrtime(), due;
    while (t->loading && t->inflight < t->cap && pace_take(&t->pace, now, &due)) {
        if (t->counting) {
            uint64_t lag = now - due;
            t->tally.sched_starts++;
            if (lag > PACE_SLACK_NS)
                t->tally.sched_late++;
            if (lag > t->tally.sched_lag_max_ns)
                t->tally.sched_lag_max_ns = lag;
        }
        (void)conn_start(t, due);     /* a failure is counted and the schedule goes on */
    }
    /* At the cap the next finished connection kicks again; otherwise wake when due. */
    uint64_t next = pace_due_ns(&t->pace);
    if (t->loading && t->inflight < t->cap && next != UINT64_MAX)
        sched_arm(t, next);
    else
        sched_arm(t, 0);
}

static void drive(struct loop_thread *t)
{
    if (t->cfg->rate)
        open_kick(t);
    else
        closed_fill(t);
    check_done(t);
}

static void on_retry(uv_timer_t *h)
{
    drive(h->data);
}

static void on_sched(uv_poll_t *h, int status, int events)
{
    struct loop_thread *t = h->data;
    uint64_t expirations;
    (void)status;
    (void)events;
    /* Consume the expiry; EAGAIN only means there was none left, and the schedule is
     * read afresh below either way. */
    ssize_t got = read(t->sched_fd, &expirations, sizeof expirations);
    (void)got;
    t->sched_armed_ns = 0;
    drive(t);
}

static void on_sweep(uv_timer_t *h)
{
    struct loop_thread *t = h->data;
    conn_sweep(t, uv_hrtime());
}

void loop_conn_done(struct loop_thread *t)
{
    drive(t);
}

void loop_conn_closed(struct loop_thread *t)
{
    check_done(t);
}

/* ---- commands ---- */

static void close_cb_none(uv_handle_t *h)
{
    (void)h;
}

static void begin_phase(struct loop_thread *t, int measure)
{
    const struct config *cfg = t->cfg;
    uint64_t now = uv_hrtime();
    t->loading = 1;
    t->reported = 0;
    t->issued = 0;
    t->counting = measure;
    t->quota = measure && cfg->count ? pace_share(cfg->count, cfg->threads, t->index) : 0;
    if (cfg->rate) {
        uint64_t start = measure ? t->t0 : now;
        /* Watched for the whole phase: stopping and restarting the watcher on each
         * wake would cost epoll_ctl calls; an unarmed timerfd simply never fires. */
        uv_poll_start(&t->sched_poll, UV_READABLE, on_sched);
        pace_init(&t->pace, start, cfg->rate, cfg->threads, t->index, t->quota ? cfg->count : 0);
    }
    if (measure) {
        t->iv_second = 1;
        uv_timer_start(&t->tick_timer, on_tick,
                       ms_until(t->t0 + NS_PER_S, now), 0);
    }
    drive(t);
}

static void on_async(uv_async_t *h)
{
    struct loop_thread *t = h->data;
    pthread_mutex_lock(&t->sh->mu);
    int cmd = t->sh->cmd;
    t->t0 = t->sh->measure_start_ns;
    pthread_mutex_unlock(&t->sh->mu);
    if (cmd == t->cmd)
        return;
    t->cmd = cmd;
    switch (cmd) {
    case LOOP_CMD_WARMUP:
    case LOOP_CMD_MEASURE:
        begin_phase(t, cmd == LOOP_CMD_MEASURE);
        break;
    case LOOP_CMD_DRAIN:
        t->loading = 0;
        t->reported = 0;
        sched_arm(t, 0);
        uv_poll_stop(&t->sched_poll);
        uv_timer_stop(&t->retry_timer);
        check_done(t);
        break;
    case LOOP_CMD_EXIT:
        t->loading = 0;
        t->counting = 0;
        conn_abort_all(t);
        uv_close((uv_handle_t *)&t->async, close_cb_none);
        uv_close((uv_handle_t *)&t->sched_poll, close_cb_none);
        uv_close((uv_handle_t *)&t->tick_timer, close_cb_none);
        uv_close((uv_handle_t *)&t->sweep_timer, close_cb_none);
        uv_close((uv_handle_t *)&t->retry_timer, close_cb_none);
        break;
    default:
        break;
    }
}

static void *thread_main(void *arg)
{
    struct loop_thread *t = arg;
    uv_run(&t->loop, UV_RUN_DEFAULT);
    return NULL;
}

int loop_init(struct loop_thread *t, unsigned index, struct loop_shared *sh,
              const struct config *cfg, const struct proto_req *req, char *err,
              size_t errlen)
{
    memset(t, 0, offsetof(struct loop_thread, rbuf));   /* rbuf needs no zeroing */
    t->index = index;
    t->sh = sh;
    t->cfg = cfg;
    t->req = req;
    t->cmd = LOOP_CMD_IDLE;
    t->timeout_ns = cfg->timeout_us * 1000;
    t->cap = pace_share(cfg->connections, cfg->threads, index);
    tally_init(&t->tally);
    hist_init(&t->iv_hist);
    int r = uv_loop_init(&t->loop);
    if (r < 0) {
        snprintf(err, errlen, "uv_loop_init: %s", uv_strerror(r));
        return -1;
    }
    t->sched_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (t->sched_fd < 0) {
        snprintf(err, errlen, "timerfd_create: %s", strerror(errno));
        uv_loop_close(&t->loop);
        return -1;
    }
    uv_async_init(&t->loop, &t->async, on_async);
    uv_poll_init(&t->loop, &t->sched_poll, t->sched_fd);
    uv_timer_init(&t->loop, &t->tick_timer);
    uv_timer_init(&t->loop, &t->sweep_timer);
    uv_timer_init(&t->loop, &t->retry_timer);
    t->async.data = t->sched_poll.data = t->tick_timer.data = t;
    t->sweep_timer.data = t->retry_timer.data = t;
    /* Sweep often enough that a timeout fires within a tenth of its length. */
    uint64_t period_ms = cfg->timeout_us / 10000;
    period_ms = period_ms < 1 ? 1 : period_ms > 100 ? 100 : period_ms;
    uv_timer_start(&t->sweep_timer, on_sweep, period_ms, period_ms);
    return 0;
}

int loop_start(struct loop_thread *t, char *err, size_t errlen)
{
    int r = pthread_create(&t->tid, NULL, thread_main, t);
    if (r != 0) {
        snprintf(err, errlen, "pthread_create: %s", strerror(r));
        return -1;
    }
    t->started = 1;
    return 0;
}

void loop_command(struct loop_shared *sh, struct loop_thread **threads, unsigned n, int cmd)
{
    pthread_mutex_lock(&sh->mu);
    sh->cmd = cmd;
    if (cmd == LOOP_CMD_DRAIN)
        sh->drained = 0;
    if (cmd == LOOP_CMD_MEASURE || cmd == LOOP_CMD_WARMUP)
        sh->finished = 0;
    pthread_mutex_unlock(&sh->mu);
    for (unsigned i = 0; i < n; i++)
        uv_async_send(&threads[i]->async);
}

void loop_join(struct loop_thread *t)
{
    if (t->started)
        pthread_join(t->tid, NULL);
    else
        uv_run(&t->loop, UV_RUN_DEFAULT);   /* never ran: let the close callbacks run */
    int r = uv_loop_close(&t->loop);
    if (r != 0)
        fprintf(stderr, "acceptbench-load: thread %u: uv_loop_close: %s\n", t->index,
                uv_strerror(r));
    conn_pool_free(t);
    close(t->sched_fd);
}
