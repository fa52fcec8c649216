/* listener: the sockets workers accept on, and the accounting of their accept
 * queues at shutdown. A worker either shares one listener with the others or
 * has its own in a SO_REUSEPORT group; stop and close reach each socket once,
 * through the first worker holding it. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int listener_open(struct srv *s, int reuseport, int for_workers, char *err, size_t errlen)
{
    int flags = (reuseport ? NET_REUSEPORT : 0) |
                (for_workers && (s->io->v.caps & SRV_CAP_POLLABLE) ? NET_NONBLOCK : 0);
    int fd = net_listen(err, errlen, &s->cfg.listen, s->cfg.backlog, flags);
    if (fd < 0)
        return -1;
    /* Replies are written whole or streamed (echo); waiting for an ACK before a
     * small second segment (Nagle) only adds the peer's delayed-ACK time to the
     * latency being measured. Set here, once: every socket accepted on this
     * listener inherits it (tests/integration/check_inherit.c), which saves a
     * setsockopt() per connection. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    /* The idle timeout of blocking io, inherited the same way (two setsockopt()
     * per connection saved): a blocked read() or send() fails with EAGAIN after
     * idle_timeout_ms without progress. Set on every listener, whatever the io:
     * a non-blocking socket (epoll, uring, which keep their own idle timers)
     * never waits, so the timeouts never apply to it. On the listener itself
     * SO_RCVTIMEO also bounds a blocking accept(), which then fails with EAGAIN;
     * listener_accept waits again, after looking at the stop flag. */
    struct timeval idle = {
        .tv_sec = s->cfg.idle_timeout_ms / 1000,
        .tv_usec = (long)(s->cfg.idle_timeout_ms % 1000) * 1000,
    };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &idle, sizeof idle);
    if (net_addr_port(&s->cfg.listen) == 0) {
        /* Port 0: later members of a reuseport group must bind the port the
         * first one got, so remember it in the configuration. */
        struct net_addr bound;
        if (net_local_addr(err, errlen, fd, &bound) < 0) {
            close(fd);
            return -1;
        }
        net_addr_set_port(&s->cfg.listen, net_addr_port(&bound));
    }
    s->port = net_addr_port(&s->cfg.listen);
    return fd;
}

int listener_open_all(struct srv *s, char *err, size_t errlen)
{
    int own = s->strategy->source == SRV_SOURCE_OWN_LISTENER, fd = -1;
    for (int i = 0; i < s->nworkers; i++) {
        if ((own || i == 0) && (fd = listener_open(s, own, 1, err, errlen)) < 0)
            return -1;  /* listener_close_all releases those already open */
        s->workers[i].listen_fd = s->workers[i].wait_fd = fd;
    }
    return 0;
}

/* Does accept() on listener fd wait? A worker's listener with a polling io is
 * non-blocking (listener_open), and an empty accept() is that io's common case,
 * so it is answered without a system call. Any other (blocking io, a hand-off's
 * acceptor) is asked for its O_NONBLOCK flag: only after its accept() failed
 * with EAGAIN, which for a blocking listener is once per idle timeout. */
static int listener_waits(const struct srv *s, int fd)
{
    if (srv_accepts(s) && (s->io->v.caps & SRV_CAP_POLLABLE))
        return 0;
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && !(fl & O_NONBLOCK);
}

int listener_accept(struct srv *s, int fd, atomic_uint_fast64_t *errors)
{
    int flags = SOCK_CLOEXEC | (s->io->v.caps & SRV_CAP_POLLABLE ? SOCK_NONBLOCK : 0);
    for (;;) {
        if (srv_stopping(s))
            return -ECANCELED;
        int c = accept4(fd, NULL, NULL, flags);
        if (c >= 0)
            return c;
        switch (errno) {
        case EINTR:
        case ECONNABORTED:  /* the client gave up while queued: try the next */
            continue;
        case EAGAIN:
            if (listener_waits(s, fd))
                continue;   /* SO_RCVTIMEO ran out (listener_open): not an
                             * error, nor a wake-up for nothing to count */
            return -EAGAIN; /* non-blocking: none waiting */
        case EINVAL:        /* the listener was shut down: by this process, or by
                             * a sibling worker process in a whole-server stop
                             * whose signal has not reached this one yet */
            if (listener_may_be_shut(s))
                return -ECANCELED;
            /* fall through */
        default:
            stats_add(errors, 1);
            return -EMFILE;
        }
    }
}

unsigned listener_queued(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 || ti.tcpi_state != TCP_LISTEN)
        return 0;
    return ti.tcpi_unacked;
}

/* net.ipv4.tcp_migrate_req in this network namespace: 1 when a closing
 * SO_REUSEPORT listener hands its queue to the rest of its group, 0 when the
 * kernel resets it, -1 when the kernel has no such setting (before 5.14). */
static int tcp_migrate_req(void)
{
    FILE *f = fopen("/proc/sys/net/ipv4/tcp_migrate_req", "re");
    int v = -1;
    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

/* Is worker i the first holding its listener? */
static int first_holder(const struct srv *s, int i)
{
    int fd = s->workers[i].listen_fd;
    for (int j = 0; fd >= 0 && j < i; j++)
        if (s->workers[j].listen_fd == fd)
            return 0;
    return fd >= 0;
}

int listener_may_be_shut(const struct srv *s)
{
    return srv_stopping(s) || atomic_load(&s->shared->stopping);
}

int listener_gone(struct srv *s, int i)
{
    if (atomic_exchange(&s->stats[i].listener_open, 0))
        return atomic_fetch_sub(&s->shared->listeners_open, 1) - 1;
    return atomic_load(&s->shared->listeners_open);
}

/* A worker process shuts down the one listener it holds. Its own (reuseport):
 * with net.ipv4.tcp_migrate_req=1 a closing listener's queue moves to one still
 * open in the group, so in a whole-server stop only the last to close loses
 * connections; it waits (at most 1 s) for the other shutdowns to finish, so
 * that their queues have reached it, and counts just before its own. Without
 * migration each loses its own queue. Leaving alone, the count and its fate go
 * to the parent's report instead. A listener the processes share is shut down
 * once, by the first in a whole-server stop, and by none leaving alone:
 * shutdown() acts on the socket, not on this process's descriptor. */
static void child_stop(struct srv *s, struct worker *w, int whole)
{
    if (w->shares_listener) {
        if (whole && atomic_exchange(&s->shared->shared_listener_stopped, 1) == 0) {
            atomic_store(&w->st->dropped_at_stop, listener_queued(w->listen_fd));
            shutdown(w->listen_fd, SHUT_RD);
        }
        return;
    }
    int migrate = tcp_migrate_req();
    atomic_fetch_add(&s->shared->closing, 1);
    /* Last by this process's own decrement, not by a later look: two closing
     * at once must not both see none left. */
    int last = listener_gone(s, w->id) == 0;
    if (whole && migrate == 1 && last)
        for (int ms = 0; ms < 1000 && atomic_load(&s->shared->closing) > 1; ms++)
            nanosleep(&(struct timespec){.tv_nsec = 1000000L}, NULL);
    unsigned queued = listener_queued(w->listen_fd);
    if (whole) {
        atomic_store(&w->st->dropped_at_stop, migrate == 1 && !last ? 0 : queued);
    } else {
        atomic_store(&w->st->queued_at_leave, queued);
        atomic_store(&w->st->leave_fate, migrate < 0   ? LISTENER_QUEUE_RESET_NO_SYSCTL
                                         : migrate == 0 ? LISTENER_QUEUE_RESET
                                         : last         ? LISTENER_QUEUE_RESET_LAST
                                                        : LISTENER_QUEUE_MOVED);
    }
    shutdown(w->listen_fd, SHUT_RD);
    atomic_fetch_sub(&s->shared->closing, 1);
}

void listener_stop_all(struct srv *s)
{
    if (getpid() != s->main_pid) {
        int whole = atomic_load(&s->shared->stopping);
        for (int i = 0; i < s->nworkers; i++)
            if (s->workers[i].listen_fd >= 0)
                child_stop(s, &s->workers[i], whole);
        return;
    }
    /* One process holds them all: count every queue before shutting any
     * listener down, since with tcp_migrate_req a reuseport listener's queue
     * moves to another of its group when it closes and would be counted twice. */
    for (int i = 0; i < s->nworkers; i++)
        if (first_holder(s, i))
            atomic_store(&s->stats[i].dropped_at_stop,
                         listener_queued(s->workers[i].listen_fd));
    /* shutdown() rather than close(): it wakes threads blocked in accept() on
     * the socket (close() from another thread does not), and makes the
     * listener readable for pollers, which then see accept() fail. It also
     * resets every connection still in the accept queue, or hands it to the
     * rest of a reuseport group (tcp_migrate_req). */
    for (int i = 0; i < s->nworkers; i++)
        if (first_holder(s, i))
            shutdown(s->workers[i].listen_fd, SHUT_RD);
}

void listener_close_all(struct srv *s)
{
    for (int i = 0; i < s->nworkers; i++)
        if (first_holder(s, i))
            close(s->workers[i].listen_fd);
    for (int i = 0; i < s->nworkers; i++)
        s->workers[i].listen_fd = -1;
}

void listener_fork_child(struct srv *s, struct worker *own)
{
    for (int i = 0; i < s->nworkers; i++) {
        struct worker *w = &s->workers[i];
        if (first_holder(s, i) && w->listen_fd != own->listen_fd)
            close(w->listen_fd);
        if (w != own)
            w->listen_fd = w->wait_fd = -1;
    }
}

void listener_fork_parent(struct srv *s)
{
    /* The children own the listeners now: a copy left here would keep a
     * listener (and its queue) alive after its worker died, and show this
     * process as a listener in ss. */
    listener_close_all(s);
    for (int i = 0; i < s->nworkers; i++)
        s->workers[i].wait_fd = -1;
}
