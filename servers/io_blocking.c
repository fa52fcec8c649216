/* blocking: the textbook worker. It blocks in take() (accept() or the pool's
 * queue) and then serves that one connection to the end with blocking read()
 * and write() before it takes the next. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "conn.h"
#include "server.h"

static void on_wake_signal(int sig)
{
    (void)sig;
}

static int blocking_init(struct worker *w, char *err, size_t errlen)
{
    /* No SA_RESTART: see blocking_wake. Process-wide, so installing it for each
     * worker is harmless. */
    struct sigaction sa = {.sa_handler = on_wake_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "worker %d: out of memory", w->id);
        return -1;
    }
    c->fd = -1;
    w->io_data = c;
    return 0;
}

static void serve(struct conn *c)
{
    const struct srv *s = c->w->srv;
    for (;;) {
        long n = conn_read(c);
        int rc;
        if (n > 0)
            rc = s->proto->on_input(c);
        else if (n == 0)
            rc = s->proto->on_eof(c);
        else
            return;  /* idle timeout (EAGAIN from SO_RCVTIMEO), reset, or shutdown */
        if (conn_has_output(c) && conn_flush(c) < 0)
            return;
        if (rc < 0 || c->in_len == CONN_IN_CAP)
            return;
        if (srv_stopping(s) && c->in_len == 0)
            return;  /* nothing in progress: no reason to keep it through shutdown */
    }
}

static void blocking_run(struct worker *w)
{
    struct conn *c = w->io_data;
    for (;;) {
        int fd = srv_take(w, 1);
        if (fd == -ECANCELED)
            return;
        if (fd == -EMFILE) {
            /* Out of descriptors: retrying at once would spin; the backlog
             * holds the connection until one frees up. */
            nanosleep(&(struct timespec){.tv_nsec = 10 * 1000000L}, NULL);
            continue;
        }
        if (fd < 0)
            continue;
        /* A blocked read() or send() is the idle timer: SO_RCVTIMEO and
         * SO_SNDTIMEO, inherited from the listener (listener_open), turn
         * silence, or a peer that stops reading its replies, into EAGAIN after
         * idle_timeout_ms without progress in that call (a send that moved some
         * bytes returns them and starts a new wait). A pool's hand-off passes
         * the accepted socket itself, so it keeps them. */
        conn_reset(c, w, fd);
        serve(c);
        conn_release(c);
    }
}

/* A signal with an empty handler installed without SA_RESTART makes a blocked
 * read() or accept() return EINTR, after which the worker sees the stop flag. A
 * signal that lands just before the call is lost; the idle timeout bounds that,
 * in accept() too (the listener's SO_RCVTIMEO). */
static void blocking_wake(struct worker *w)
{
    if (w->thread)
        pthread_kill(w->thread, SIGUSR1);
}

static void blocking_fini(struct worker *w)
{
    conn_free(w->io_data);
    free(w->io_data);
    w->io_data = NULL;
}

const struct io_backend io_blocking = {
    .v = {.name = "blocking",
          .summary = "block in accept(), then serve one connection at a time", .compared = 1},
    .init = blocking_init,
    .run = blocking_run,
    .wake = blocking_wake,
    .fini = blocking_fini,
};
