/* epoll: each worker runs its own event loop with many connections in flight.
 * The worker's wait_fd (a listener, or the pool's eventfd) is registered
 * level-triggered; every wake-up on it that yields no connection is counted as
 * wasted. Idle connections time out through the worker's connlist. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "connlist.h"
#include "server.h"

#define EVENTS_PER_WAIT 256
#define EMFILE_PAUSE_MS 10

struct ep {
    int epfd;
    int wake_fd;
    uint32_t source_events;      /* EPOLLIN, plus EPOLLEXCLUSIVE for epoll-exclusive */
    int source_armed;            /* wait_fd is registered */
    uint64_t source_pause_until; /* ms; re-arm after an EMFILE pause */
    struct connlist conns;
};

/* Distinct addresses to tell the two special fds from connections in data.ptr. */
static char wake_tag, source_tag;

static void conn_close(struct ep *e, struct conn *c)
{
    /* close() drops the epoll registration only with the file's last
     * reference. A descriptor passed from another process (the process
     * model's pool) may still be open there for a moment, and events for the
     * closed connection would then arrive with this struct already reused. */
    epoll_ctl(e->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    connlist_put(&e->conns, c);
}

static int set_events(struct ep *e, struct conn *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    return epoll_ctl(e->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static int arm_source(struct worker *w, struct ep *e, int on)
{
    struct epoll_event ev = {.events = e->source_events, .data.ptr = &source_tag};
    if (w->wait_fd < 0 || e->source_armed == on)
        return 0;
    e->source_armed = on;
    return epoll_ctl(e->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, w->wait_fd, &ev);
}

static int init_with(struct worker *w, uint32_t source_events, char *err, size_t errlen)
{
    struct ep *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "worker %d: out of memory", w->id);
        return -1;
    }
    w->io_data = e;
    e->conns.size = sizeof(struct conn);
    e->source_events = source_events;
    e->wake_fd = -1;
    if ((e->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
        (e->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
        snprintf(err, errlen, "worker %d: %s: %s", w->id,
                 e->epfd < 0 ? "epoll_create1" : "eventfd", strerror(errno));
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &wake_tag};
    if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->wake_fd, &ev) < 0 || arm_source(w, e, 1) < 0) {
        snprintf(err, errlen, "worker %d: epoll_ctl: %s", w->id, strerror(errno));
        return -1;
    }
    return 0;
}

/* Register a connection the strategy just handed over. */
static void add_conn(struct worker *w, struct ep *e, int fd, uint64_t now)
{
    struct conn *c = connlist_add(&e->conns, w, fd, now);
    if (!c)
        return;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
    if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
        connlist_put(&e->conns, c);
}

/* Take up to accept_batch new connections from the strategy. */
static void on_source(struct worker *w, struct ep *e, uint64_t now)
{
    const struct srv *s = w->srv;
    for (unsigned i = 0; i < s->cfg.accept_batch; i++) {
        int fd = srv_take(w, 0);
        if (fd == -EAGAIN && i == 0)
            stats_add(&w->st->wasted_wakeups, 1);
        if (fd == -EMFILE) {
            /* The listener stays readable while we cannot accept: stop polling
             * it for a moment instead of spinning. */
            arm_source(w, e, 0);
            e->source_pause_until = now + EMFILE_PAUSE_MS;
        }
        if (fd == -ECANCELED)
            arm_source(w, e, 0);  /* stopping: a shut-down listener stays readable */
        if (fd < 0)
            return;
        add_conn(w, e, fd, now);
    }
}

static void on_conn(struct ep *e, struct conn *c, uint32_t events, uint64_t now)
{
    const struct srv *s = c->w->srv;
    int rc = 0;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        long n = conn_read(c);
        if (n == -EAGAIN)
            return;
        if (n < 0) {
            conn_close(e, c);
            return;
        }
        connlist_touch(&e->conns, c, now);
        rc = n > 0 ? s->proto->on_input(c) : s->proto->on_eof(c);
        if (rc == 0 && c->in_len == CONN_IN_CAP)
            rc = -1;  /* a protocol that neither consumes nor fails would stall */
        if (rc < 0)
            c->closing = 1;
    }
    if (conn_has_output(c)) {
        int fl = conn_flush(c);
        if (fl == -EAGAIN) {
            if (!(events & EPOLLOUT))
                set_events(e, c, EPOLLOUT);
            return;
        }
        if (fl < 0) {
            conn_close(e, c);
            return;
        }
        if (events & EPOLLOUT)
            set_events(e, c, EPOLLIN | EPOLLRDHUP);
    }
    if (c->closing || (srv_stopping(s) && c->in_len == 0))
        conn_close(e, c);
}

/* Shutdown: stop taking connections and drop those with nothing in progress;
 * the rest close after their current response. A request that reached the
 * socket while this worker was busy is in progress too, though not yet read:
 * read it before deciding, or the client gets a reset instead of its reply. */
static void on_stop(struct worker *w, struct ep *e, uint64_t now)
{
    /* Connections already handed over (the pool's queue) are served; a listener's
     * take() refuses once stopping, so this only drains hand-offs. */
    int fd;
    while ((fd = srv_take(w, 0)) >= 0)
        add_conn(w, e, fd, now);
    arm_source(w, e, 0);
    e->source_pause_until = 0;
    for (struct conn *c = e->conns.head, *next; c; c = next) {
        next = c->next;
        if (c->in_len > 0 || conn_has_output(c))
            continue;
        on_conn(e, c, EPOLLIN, now);  /* may serve, close, or move it to the tail */
        if (c->fd >= 0 && c->in_len == 0 && !conn_has_output(c))
            conn_close(e, c);
    }
}

static void epoll_run(struct worker *w)
{
    struct ep *e = w->io_data;
    const struct srv *s = w->srv;
    struct epoll_event events[EVENTS_PER_WAIT];
    int stopped = 0;
    while (!stopped || e->conns.live > 0) {
        uint64_t now = connlist_now_ms();
        int timeout = connlist_wait_ms(&e->conns, now);
        if (e->source_pause_until) {
            int t = e->source_pause_until > now ? (int)(e->source_pause_until - now) : 0;
            timeout = timeout < 0 || t < timeout ? t : timeout;
        }
        int n = epoll_wait(e->epfd, events, EVENTS_PER_WAIT, timeout);
        now = connlist_now_ms();
        for (int i = 0; i < n; i++) {
            void *tag = events[i].data.ptr;
            if (tag == &wake_tag) {
                uint64_t v;
                ssize_t r = read(e->wake_fd, &v, sizeof v);
                (void)r;
            } else if (tag == &source_tag) {
                on_source(w, e, now);
            } else {
                on_conn(e, tag, events[i].events, now);
            }
        }
        if (!stopped && srv_stopping(s)) {
            stopped = 1;
            on_stop(w, e, now);
        }
        if (e->source_pause_until && now >= e->source_pause_until && !stopped) {
            e->source_pause_until = 0;
            arm_source(w, e, 1);
        }
        while (connlist_wait_ms(&e->conns, now) == 0)
            conn_close(e, e->conns.head);
    }
}

static void epoll_wake(struct worker *w)
{
    struct ep *e = w->io_data;
    uint64_t one = 1;
    ssize_t r = write(e->wake_fd, &one, sizeof one);
    (void)r;
}

static void epoll_fini(struct worker *w)
{
    struct ep *e = w->io_data;
    connlist_free(&e->conns);
    if (e->wake_fd >= 0)
        close(e->wake_fd);
    if (e->epfd >= 0)
        close(e->epfd);
    free(e);
    w->io_data = NULL;
}

static int epoll_init(struct worker *w, char *err, size_t errlen)
{
    return init_with(w, EPOLLIN, err, errlen);
}

/* EPOLLEXCLUSIVE (Linux 4.5): a readable shared listener wakes one of the
 * epoll instances waiting on it instead of all. The kernel wakes the most
 * recently added waiter first, so under light load a few workers take most
 * connections; the wasted wake-ups of plain epoll should all but vanish.
 * The flag only allows EPOLL_CTL_ADD and DEL, which is all arm_source uses. */
static int epoll_exclusive_init(struct worker *w, char *err, size_t errlen)
{
    return init_with(w, EPOLLIN | EPOLLEXCLUSIVE, err, errlen);
}

/* Does the kernel take EPOLLEXCLUSIVE (Linux 4.5)? */
static int epoll_exclusive_probe(char *err, size_t errlen)
{
    int ep = epoll_create1(EPOLL_CLOEXEC), fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE};
    int ok = ep >= 0 && fd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0;
    if (!ok)
        snprintf(err, errlen, "EPOLLEXCLUSIVE: %s (needs Linux 4.5)", strerror(errno));
    if (ep >= 0)
        close(ep);
    if (fd >= 0)
        close(fd);
    return ok ? 0 : -1;
}

const struct io_backend io_epoll_exclusive = {
    .v = {.name = "epoll-exclusive",
          .summary = "epoll with the listener registered EPOLLEXCLUSIVE: one waiter woken",
          .feature = "epoll_exclusive", .probe = epoll_exclusive_probe,
          .caps = SRV_CAP_POLLABLE},
    .init = epoll_exclusive_init,
    .run = epoll_run,
    .wake = epoll_wake,
    .fini = epoll_fini,
};

const struct io_backend io_epoll = {
    .v = {.name = "epoll", .summary = "one epoll loop per worker, many connections in flight",
          .caps = SRV_CAP_POLLABLE, .compared = 1},
    .init = epoll_init,
    .run = epoll_run,
    .wake = epoll_wake,
    .fini = epoll_fini,
};
