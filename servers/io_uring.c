/* uring: each worker runs its own io_uring with many connections in flight.
 * Where the strategy's workers accept (srv_accepts), connections arrive by one
 * multishot accept on the worker's listener (shared or its own) and are
 * reported with srv_admit; where it hands them over, by a multishot poll on
 * wait_fd followed by srv_take until it runs dry. Every connection has at most
 * one recv or send in flight; the protocol handler is the same as for the
 * other backends. Idle connections time out through the worker's connlist, as
 * in epoll: the ring's wait ends at the oldest deadline. */
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "connlist.h"
#include "server.h"

#define RING_ENTRIES 512
#define EMFILE_PAUSE_MS 10

/* What a completion is for: the low bits of user_data; the rest is the
 * connection's address (calloc'd, so aligned to at least 8) or 0 for the
 * worker's own requests. */
enum op { OP_WAKE = 1, OP_SOURCE, OP_PAUSE, OP_RECV, OP_SEND, OP_CANCEL };
#define OP_MASK 7u

struct uconn {
    struct conn c;
    int op;          /* OP_RECV or OP_SEND in flight, or 0 */
    int pending;     /* completions still to come: the op and any cancel of it */
    int dead;        /* close once pending reaches 0 */
};

struct ur {
    struct io_uring ring;
    int ring_ok;
    int wake_fd;
    uint64_t wake_buf;           /* the wake-up read lands here */
    int source_armed;            /* a multishot accept or poll is in flight */
    int source_done;             /* take() said -ECANCELED: nothing more will come */
    int pausing;                 /* an EMFILE back-off timeout is in flight */
    struct __kernel_timespec pause_ts;
    int stopped;
    struct connlist conns;       /* live counts the dead ones still in flight */
};

static struct uconn *uc_of(struct conn *c)
{
    return (struct uconn *)c;  /* c is the first member */
}

/* A free submission slot; submits what is queued when the ring is full. */
static struct io_uring_sqe *get_sqe(struct ur *u)
{
    struct io_uring_sqe *sqe;
    while (!(sqe = io_uring_get_sqe(&u->ring)))
        io_uring_submit(&u->ring);
    return sqe;
}

static void set_data(struct io_uring_sqe *sqe, struct uconn *uc, enum op op)
{
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)uc | (uint64_t)op);
}

static void release(struct ur *u, struct uconn *uc)
{
    connlist_put(&u->conns, &uc->c);
}

/* Close a connection: at once when nothing is in flight on it, else cancel what
 * is and close when its completions are in (the kernel may still write into
 * the buffers until then). */
/* Ask the kernel to cancel the connection's operation in flight: its own
 * completion then comes with -ECANCELED, or with its result if it was done. */
static void cancel_op(struct ur *u, struct uconn *uc)
{
    struct io_uring_sqe *sqe = get_sqe(u);
    io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)uc | (uint64_t)uc->op, 0);
    set_data(sqe, uc, OP_CANCEL);
    uc->pending++;
}

static void close_conn(struct ur *u, struct uconn *uc)
{
    connlist_unlink(&u->conns, &uc->c);
    if (uc->dead)
        return;
    uc->dead = 1;
    if (!uc->pending)
        release(u, uc);
    else if (uc->op)
        cancel_op(u, uc);  /* else only a cancel is in flight: released with it */
}

static void post_recv(struct ur *u, struct uconn *uc)
{
    struct conn *c = &uc->c;
    struct io_uring_sqe *sqe = get_sqe(u);
    io_uring_prep_recv(sqe, c->fd, c->in + c->in_len, CONN_IN_CAP - c->in_len, 0);
    set_data(sqe, uc, OP_RECV);
    uc->op = OP_RECV;
    uc->pending++;
}

static void post_send(struct ur *u, struct uconn *uc)
{
    struct conn *c = &uc->c;
    struct io_uring_sqe *sqe = get_sqe(u);
    /* MSG_NOSIGNAL: a peer that reset mid-reply costs an error, not SIGPIPE. */
    io_uring_prep_send(sqe, c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
    set_data(sqe, uc, OP_SEND);
    uc->op = OP_SEND;
    uc->pending++;
}

/* Next step of a connection with nothing in flight: send what is pending, else
 * close or read on. */
static void proceed(struct ur *u, struct uconn *uc)
{
    struct conn *c = &uc->c;
    if (conn_has_output(c))
        post_send(u, uc);
    else if (c->closing || (u->stopped && c->in_len == 0))
        close_conn(u, uc);
    else
        post_recv(u, uc);
}

/* Serve a socket the strategy or the multishot accept just handed over. */
static void add_conn(struct worker *w, struct ur *u, int fd, uint64_t now)
{
    struct conn *c = connlist_add(&u->conns, w, fd, now);
    if (!c)
        return;
    struct uconn *uc = uc_of(c);
    uc->op = uc->pending = uc->dead = 0;
    post_recv(u, uc);
}

static void on_recv(struct ur *u, struct uconn *uc, int res, uint64_t now)
{
    struct conn *c = &uc->c;
    const struct srv *s = c->w->srv;
    if (res == -EINTR || res == -EAGAIN) {
        post_recv(u, uc);
        return;
    }
    if (res < 0) {
        close_conn(u, uc);  /* reset by the peer, or cancelled */
        return;
    }
    int rc;
    if (res > 0) {
        conn_account_read(c, (size_t)res);
        connlist_touch(&u->conns, c, now);
        rc = s->proto->on_input(c);
        if (rc == 0 && c->in_len == CONN_IN_CAP)
            rc = -1;  /* a protocol that neither consumes nor fails would stall */
    } else {
        s->proto->on_eof(c);
        rc = -1;  /* the peer sends nothing more: close once the reply is out */
    }
    if (rc < 0)
        c->closing = 1;
    proceed(u, uc);
}

static void on_send(struct ur *u, struct uconn *uc, int res)
{
    if (res == -EINTR || res == -EAGAIN) {
        post_send(u, uc);
        return;
    }
    if (res < 0) {
        close_conn(u, uc);
        return;
    }
    conn_account_write(&uc->c, (size_t)res);
    proceed(u, uc);
}

static void arm_wake(struct ur *u)
{
    struct io_uring_sqe *sqe = get_sqe(u);
    io_uring_prep_read(sqe, u->wake_fd, &u->wake_buf, sizeof u->wake_buf, 0);
    set_data(sqe, NULL, OP_WAKE);
}

/* The worker's source of connections: a multishot accept on its listener,
 * else a multishot poll on the strategy's wait_fd. */
static void arm_source(struct worker *w, struct ur *u)
{
    if (u->source_armed || u->source_done || u->stopped || w->wait_fd < 0)
        return;
    struct io_uring_sqe *sqe = get_sqe(u);
    if (srv_accepts(w->srv))
        io_uring_prep_multishot_accept(sqe, w->listen_fd, NULL, NULL,
                                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    else
        io_uring_prep_poll_multishot(sqe, w->wait_fd, POLLIN);
    set_data(sqe, NULL, OP_SOURCE);
    u->source_armed = 1;
}

/* Out of descriptors (or another accept failure): wait a moment before trying
 * again instead of spinning on a queue that stays non-empty. */
static void pause_source(struct ur *u)
{
    if (u->pausing || u->stopped)
        return;
    u->pause_ts = (struct __kernel_timespec){.tv_nsec = EMFILE_PAUSE_MS * 1000000L};
    struct io_uring_sqe *sqe = get_sqe(u);
    io_uring_prep_timeout(sqe, &u->pause_ts, 0, 0);
    set_data(sqe, NULL, OP_PAUSE);
    u->pausing = 1;
}

/* Hand-off strategies: take until nothing is left, since the poll reports
 * only new arrivals (a wake-up that yields nothing is wasted, as with epoll). */
static void take_all(struct worker *w, struct ur *u, uint64_t now)
{
    for (int i = 0;; i++) {
        int fd = srv_take(w, 0);
        if (fd == -EAGAIN && i == 0)
            stats_add(&w->st->wasted_wakeups, 1);
        if (fd == -EMFILE)
            pause_source(u);
        if (fd == -ECANCELED && !u->source_done) {
            u->source_done = 1;
            if (u->source_armed) {
                struct io_uring_sqe *sqe = get_sqe(u);
                io_uring_prep_cancel64(sqe, OP_SOURCE, 0);
                set_data(sqe, NULL, OP_CANCEL);
            }
        }
        if (fd < 0)
            return;
        add_conn(w, u, fd, now);
    }
}

static void on_accept(struct worker *w, struct ur *u, const struct io_uring_cqe *cqe,
                      uint64_t now)
{
    int res = cqe->res;
    if (res >= 0) {
        srv_admit(w, res);
        add_conn(w, u, res, now);
    } else if (res == -ECANCELED || (res == -EINVAL && listener_may_be_shut(w->srv))) {
        u->source_done = 1;  /* cancelled at stop, or the listener was shut down */
    } else if (res != -ECONNABORTED && res != -EINTR && res != -EAGAIN) {
        /* EMFILE, ENFILE, ENOBUFS, ...: counted as listener_accept does, and the
         * multishot request has ended; re-arm after a pause. */
        stats_add(&w->st->accept_errors, 1);
        if (!(cqe->flags & IORING_CQE_F_MORE)) {
            u->source_armed = 0;
            pause_source(u);
        }
        return;
    }
    if (!(cqe->flags & IORING_CQE_F_MORE)) {
        u->source_armed = 0;
        arm_source(w, u);
    }
}

static void on_source(struct worker *w, struct ur *u, const struct io_uring_cqe *cqe,
                      uint64_t now)
{
    if (srv_accepts(w->srv)) {
        on_accept(w, u, cqe, now);
        return;
    }
    if (cqe->res >= 0)
        take_all(w, u, now);
    if (!(cqe->flags & IORING_CQE_F_MORE)) {
        u->source_armed = 0;
        if (cqe->res == -ECANCELED)
            u->source_done = 1;
        else if (cqe->res < 0)
            pause_source(u);  /* a poll that fails at once must not spin */
        else
            arm_source(w, u);
    }
}

static void on_pause_over(struct worker *w, struct ur *u, uint64_t now)
{
    u->pausing = 0;
    if (u->stopped)
        return;
    arm_source(w, u);
    if (!srv_accepts(w->srv))
        take_all(w, u, now);  /* what already waits is no news to the poll */
}

/* Shutdown: stop taking connections and drop those with nothing in progress;
 * the rest close after their current response. A request that reached the
 * socket while this worker was busy is in progress too, though its receive has
 * not completed: cancel each idle receive instead of closing, so one that finds
 * data completes with it and is served, and only one still waiting comes back
 * -ECANCELED and closes. Closing at once reset such a client (a pool/uring
 * sigterm_inflight run lost one of four requests). */
static void on_stop(struct worker *w, struct ur *u, uint64_t now)
{
    /* Connections already handed over (the pool's queue) are served; a listener's
     * take() refuses once stopping, so this only drains hand-offs. */
    int fd;
    while ((fd = srv_take(w, 0)) >= 0)
        add_conn(w, u, fd, now);
    u->stopped = 1;
    if (u->source_armed) {
        struct io_uring_sqe *sqe = get_sqe(u);
        io_uring_prep_cancel64(sqe, OP_SOURCE, 0);
        set_data(sqe, NULL, OP_CANCEL);
    }
    for (struct conn *c = u->conns.head; c; c = c->next)
        if (uc_of(c)->op == OP_RECV && c->in_len == 0)
            cancel_op(u, uc_of(c));
}

static void on_cqe(struct worker *w, struct ur *u, const struct io_uring_cqe *cqe, uint64_t now)
{
    uint64_t data = io_uring_cqe_get_data64(cqe);
    struct uconn *uc = (struct uconn *)(uintptr_t)(data & ~(uint64_t)OP_MASK);
    enum op op = (enum op)(data & OP_MASK);
    if (!uc) {
        if (op == OP_WAKE && !srv_stopping(w->srv))
            arm_wake(u);  /* not a stop: keep listening for the real one */
        else if (op == OP_SOURCE)
            on_source(w, u, cqe, now);
        else if (op == OP_PAUSE)
            on_pause_over(w, u, now);
        return;
    }
    uc->pending--;
    if (op == OP_CANCEL) {
        if (uc->dead && !uc->pending)
            release(u, uc);
        return;
    }
    uc->op = 0;
    if (uc->dead) {
        if (!uc->pending)
            release(u, uc);
    } else if (op == OP_RECV) {
        on_recv(u, uc, cqe->res, now);
    } else {
        on_send(u, uc, cqe->res);
    }
}

static void uring_run(struct worker *w)
{
    struct ur *u = w->io_data;
    const struct srv *s = w->srv;
    arm_wake(u);
    arm_source(w, u);
    while (!u->stopped || u->conns.live > 0 || u->source_armed) {
        uint64_t now = connlist_now_ms();
        struct __kernel_timespec ts, *tsp = NULL;
        int wait = connlist_wait_ms(&u->conns, now);
        if (wait >= 0) {
            ts = (struct __kernel_timespec){.tv_sec = wait / 1000,
                                            .tv_nsec = (long long)(wait % 1000) * 1000000};
            tsp = &ts;
        }
        struct io_uring_cqe *cqe;
        int rc = io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, tsp, NULL);
        if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY) {
            fprintf(stderr, "acceptbench-server: worker %d: io_uring_submit_and_wait: %s\n",
                    w->id, strerror(-rc));
            return;
        }
        now = connlist_now_ms();
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&u->ring, head, cqe) {
            on_cqe(w, u, cqe, now);
            seen++;
        }
        io_uring_cq_advance(&u->ring, seen);
        if (!u->stopped && srv_stopping(s))
            on_stop(w, u, now);
        while (connlist_wait_ms(&u->conns, now) == 0)
            close_conn(u, uc_of(u->conns.head));
    }
}

static void uring_wake(struct worker *w)
{
    struct ur *u = w->io_data;
    uint64_t one = 1;
    ssize_t r = write(u->wake_fd, &one, sizeof one);
    (void)r;
}

static void uring_fini(struct worker *w)
{
    struct ur *u = w->io_data;
    /* Tearing the ring down first cancels whatever is still in flight, so no
     * buffer below is written to after it is freed. */
    if (u->ring_ok)
        io_uring_queue_exit(&u->ring);
    connlist_free(&u->conns);
    if (u->wake_fd >= 0)
        close(u->wake_fd);
    free(u);
    w->io_data = NULL;
}

static int uring_init(struct worker *w, char *err, size_t errlen)
{
    struct ur *u = calloc(1, sizeof *u);
    if (!u) {
        snprintf(err, errlen, "worker %d: out of memory", w->id);
        return -1;
    }
    w->io_data = u;
    u->conns.size = sizeof(struct uconn);
    if ((u->wake_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
        snprintf(err, errlen, "worker %d: eventfd: %s", w->id, strerror(errno));
        return -1;
    }
    /* COOP_TASKRUN: completions are run when the worker enters the kernel
     * anyway, instead of interrupting it (Linux 5.19, like multishot accept). */
    struct io_uring_params p = {.flags = IORING_SETUP_COOP_TASKRUN};
    int rc = io_uring_queue_init_params(RING_ENTRIES, &u->ring, &p);
    if (rc < 0) {
        snprintf(err, errlen, "worker %d: io_uring_queue_init: %s", w->id, strerror(-rc));
        return -1;
    }
    u->ring_ok = 1;
    return 0;
}

/* Refuse at start-up, with the reason, on a kernel that cannot run this
 * backend: io_uring missing or disabled (ENOSYS, EPERM: seccomp, the
 * kernel.io_uring_disabled sysctl), or older than multishot accept. */
static int uring_probe(char *err, size_t errlen)
{
    struct utsname un;
    int major = 0, minor = 0;
    if (uname(&un) == 0 && sscanf(un.release, "%d.%d", &major, &minor) == 2 &&
        (major < 5 || (major == 5 && minor < 19))) {
        snprintf(err, errlen, "needs Linux 5.19 or later for multishot accept (running %.64s)",
                 un.release);
        return -1;
    }
    struct io_uring ring;
    int rc = io_uring_queue_init(4, &ring, IORING_SETUP_COOP_TASKRUN);
    if (rc < 0) {
        snprintf(err, errlen, "io_uring_queue_init: %s%s", strerror(-rc),
                 rc == -ENOSYS || rc == -EPERM
                     ? " (io_uring disabled: seccomp or sysctl kernel.io_uring_disabled)"
                     : "");
        return -1;
    }
    struct io_uring_probe *pr = io_uring_get_probe_ring(&ring);
    static const struct { int op; const char *name; } need[] = {
        {IORING_OP_ACCEPT, "ACCEPT"}, {IORING_OP_POLL_ADD, "POLL_ADD"},
        {IORING_OP_RECV, "RECV"},     {IORING_OP_SEND, "SEND"},
        {IORING_OP_READ, "READ"},     {IORING_OP_TIMEOUT, "TIMEOUT"},
        {IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL"},
    };
    const char *missing = pr ? NULL : "probe (IORING_REGISTER_PROBE)";
    for (size_t i = 0; pr && !missing && i < sizeof need / sizeof need[0]; i++)
        if (!io_uring_opcode_supported(pr, need[i].op))
            missing = need[i].name;
    if (pr)
        io_uring_free_probe(pr);
    io_uring_queue_exit(&ring);
    if (missing) {
        snprintf(err, errlen, "the kernel's io_uring lacks %s", missing);
        return -1;
    }
    return 0;
}

const struct io_backend io_uring = {
    .v = {.name = "uring",
          .summary = "one io_uring per worker: multishot accept, recv/send in the ring",
          .feature = "io_uring", .probe = uring_probe, .caps = SRV_CAP_POLLABLE | SRV_CAP_KERNEL_ACCEPTS},
    .init = uring_init,
    .run = uring_run,
    .wake = uring_wake,
    .fini = uring_fini,
};
