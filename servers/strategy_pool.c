/* pool: one acceptor thread owns the listener and hands every connection to a
 * worker. Thread workers get it through a bounded queue: workers that block
 * share one queue (an idle worker takes the next connection); workers that poll
 * each get their own queue with an eventfd, filled round-robin, because a queue
 * shared between pollers would bring the thundering herd back. Process workers
 * cannot share a queue, so each gets a Unix socket and the descriptor itself is
 * sent (SCM_RIGHTS), round-robin. A full queue or socket stalls the acceptor,
 * which leaves new connections in the kernel's backlog: back-pressure, not loss. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "queue.h"
#include "server.h"

struct pool {
    int listen_fd;
    struct queue *queues;        /* thread model */
    int nqueues;
    int *chan;                   /* process model: [2i] the parent's end, [2i+1] worker i's */
    pthread_t acceptor;
    int acceptor_running;
};

/* Give fd to the next worker; with processes skip any whose socket is gone (the
 * worker died). Returns 0, or -ECANCELED when no worker can take it. */
static int hand_off(struct srv *s, struct pool *p, int fd, unsigned *next)
{
    if (!p->chan) {
        int rc = queue_push(&p->queues[*next], fd);
        *next = (*next + 1) % (unsigned)p->nqueues;
        return rc;
    }
    for (int tries = 0; tries < s->nworkers; tries++) {
        int sock = p->chan[2 * *next];
        *next = (*next + 1) % (unsigned)s->nworkers;
        if (sock >= 0 && fdpass_send(sock, fd) == 0) {
            close(fd);  /* the worker has its own reference now */
            return 0;
        }
    }
    return -ECANCELED;
}

static void *acceptor_main(void *arg)
{
    struct srv *s = arg;
    struct pool *p = s->strategy_data;
    unsigned next = 0;
    for (;;) {
        int fd = listener_accept(s, p->listen_fd, &s->shared->acceptor_errors);
        if (fd == -ECANCELED)
            break;
        if (fd < 0) {
            /* Out of descriptors: the backlog keeps the connections; retrying at
             * once would only spin, so pause for a few milliseconds. */
            nanosleep(&(struct timespec){.tv_nsec = 10 * 1000000L}, NULL);
            continue;
        }
        if (hand_off(s, p, fd, &next) < 0) {
            close(fd);
            break;
        }
    }
    return NULL;
}

/* Process model: a socket pair per worker, and the listener. */
static int open_channels(struct srv *s, struct pool *p, char *err, size_t errlen)
{
    p->chan = malloc(2 * (size_t)s->nworkers * sizeof *p->chan);
    if (!p->chan) {
        snprintf(err, errlen, "pool: out of memory");
        return -1;
    }
    for (int i = 0; i < 2 * s->nworkers; i++)
        p->chan[i] = -1;
    for (int i = 0; i < s->nworkers; i++) {
        int rc = fdpass_pair(&p->chan[2 * i]);
        if (rc < 0) {
            snprintf(err, errlen, "socketpair for worker %d: %s", i, strerror(-rc));
            return -1;
        }
        s->workers[i].wait_fd = p->chan[2 * i + 1];
    }
    return (p->listen_fd = listener_open(s, 0, 0, err, errlen)) < 0 ? -1 : 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int pool_open(struct srv *s, char *err, size_t errlen)
{
    struct pool *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "pool: out of memory");
        return -1;
    }
    s->strategy_data = p;
    p->listen_fd = -1;
    if (!(s->model->v.caps & SRV_CAP_SHARES_MEMORY))
        return open_channels(s, p, err, errlen);
    int pollable = (s->io->v.caps & SRV_CAP_POLLABLE) != 0;
    p->nqueues = pollable ? s->nworkers : 1;
    p->queues = calloc((size_t)p->nqueues, sizeof *p->queues);
    if (!p->queues) {
        snprintf(err, errlen, "pool: out of memory");
        return -1;
    }
    for (int i = 0; i < p->nqueues; i++)
        if (queue_init(&p->queues[i], s->cfg.queue_size, pollable, err, errlen) < 0)
            return -1;
    /* The acceptor always blocks in accept(): it has nothing else to wait for. */
    if ((p->listen_fd = listener_open(s, 0, 0, err, errlen)) < 0)
        return -1;
    for (int i = 0; i < s->nworkers; i++) {
        struct queue *q = &p->queues[p->nqueues == 1 ? 0 : i];
        s->workers[i].strategy_data = q;
        s->workers[i].wait_fd = q->efd;
    }
    return 0;
}

static int pool_start(struct srv *s, char *err, size_t errlen)
{
    struct pool *p = s->strategy_data;
    int rc = pthread_create(&p->acceptor, NULL, acceptor_main, s);
    if (rc != 0) {
        snprintf(err, errlen, "pthread_create acceptor: %s", strerror(rc));
        return -1;
    }
    p->acceptor_running = 1;
    return 0;
}

static int pool_take(struct worker *w, int wait)
{
    int fd;
    if (w->strategy_data) {
        fd = queue_pop(w->strategy_data, wait);
    } else {
        /* A worker process: its hand-offs come over wait_fd. A signal while
         * blocked is the shutdown wake-up. */
        while ((fd = fdpass_recv(w->wait_fd, wait)) == -EINTR)
            if (srv_stopping(w->srv))
                return -ECANCELED;
        if (fd < 0 && fd != -EAGAIN && fd != -ECANCELED)
            fd = -EAGAIN;  /* a malformed message: nothing to serve */
    }
    return fd;
}

static void pool_stop(struct srv *s)
{
    struct pool *p = s->strategy_data;
    if (p->listen_fd >= 0) {
        /* The acceptor empties the backlog into the queues as fast as they take
         * it, so this counts only what a full queue left in the kernel. */
        atomic_store(&s->shared->dropped_at_shutdown, listener_queued(p->listen_fd));
        shutdown(p->listen_fd, SHUT_RD);  /* wakes the acceptor's accept() */
    }
    for (int i = 0; i < p->nqueues; i++)
        queue_close(&p->queues[i]);       /* workers drain what was handed over */
    if (p->chan && p->acceptor_running) {
        /* Worker processes see EOF once the acceptor is done sending: they
         * serve what is in their socket, then end. */
        pthread_join(p->acceptor, NULL);
        p->acceptor_running = 0;
        for (int i = 0; i < s->nworkers; i++)
            close_fd(&p->chan[2 * i]);
    }
}

static void pool_close(struct srv *s)
{
    struct pool *p = s->strategy_data;
    if (!p)
        return;
    if (p->acceptor_running)
        pthread_join(p->acceptor, NULL);
    for (int i = 0; p->queues && i < p->nqueues; i++)
        queue_destroy(&p->queues[i]);
    if (p->listen_fd >= 0)
        close(p->listen_fd);
    for (int i = 0; p->chan && i < 2 * s->nworkers; i++)
        close_fd(&p->chan[i]);
    free(p->chan);
    free(p->queues);
    free(p);
    s->strategy_data = NULL;
}

static void pool_fork_child(struct srv *s, struct worker *own)
{
    struct pool *p = s->strategy_data;
    close_fd(&p->listen_fd);
    for (int i = 0; i < s->nworkers; i++) {
        close_fd(&p->chan[2 * i]);
        if (&s->workers[i] != own) {
            close_fd(&p->chan[2 * i + 1]);
            s->workers[i].wait_fd = -1;
        }
    }
}

static void pool_fork_parent(struct srv *s)
{
    struct pool *p = s->strategy_data;
    for (int i = 0; i < s->nworkers; i++) {
        close_fd(&p->chan[2 * i + 1]);
        s->workers[i].wait_fd = -1;
    }
}

static void pool_process_stats(struct srv *s, struct stats_process *out)
{
    struct pool *p = s->strategy_data;
    for (int i = 0; i < p->nqueues; i++) {
        unsigned peak = queue_peak(&p->queues[i]);
        if (peak > out->queue_peak)
            out->queue_peak = peak;
    }
    out->acceptor_errors = atomic_load_explicit(&s->shared->acceptor_errors, memory_order_relaxed);
}

const struct strategy strategy_pool = {
    .v = {.name = "pool",
          .summary = "one acceptor thread hands connections to a worker pool via a queue",
          .compared = 1},
    .source = SRV_SOURCE_HANDOFF,
    .open = pool_open,
    .take = pool_take,
    .start = pool_start,
    .stop = pool_stop,
    .close = pool_close,
    .process_stats = pool_process_stats,
    .fork_child = pool_fork_child,
    .fork_parent = pool_fork_parent,
};
