/* The server core: owns the workers and walks a connection's path from listener
 * to worker, delegating each step to the strategy and io tables. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "cpu.h"

const struct strategy *srv_find_strategy(const char *name)
{
    for (int i = 0; srv_strategies[i]; i++)
        if (strcmp(srv_strategies[i]->name, name) == 0)
            return srv_strategies[i];
    return NULL;
}

const struct model *srv_find_model(const char *name)
{
    for (int i = 0; srv_models[i]; i++)
        if (strcmp(srv_models[i]->name, name) == 0)
            return srv_models[i];
    return NULL;
}

const struct proto *srv_find_proto(const char *name)
{
    for (int i = 0; srv_protocols[i]; i++)
        if (strcmp(srv_protocols[i]->name, name) == 0)
            return srv_protocols[i];
    return NULL;
}

const struct io_backend *srv_find_io(const char *name)
{
    for (int i = 0; srv_io_backends[i]; i++)
        if (strcmp(srv_io_backends[i]->name, name) == 0)
            return srv_io_backends[i];
    return NULL;
}

int srv_init(struct srv *s, const struct srv_config *cfg, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->strategy = srv_find_strategy(cfg->strategy);
    s->io = srv_find_io(cfg->io);
    s->proto = srv_find_proto(cfg->protocol ? cfg->protocol : "http");
    s->model = srv_find_model(cfg->model ? cfg->model : "thread");
    s->main_pid = getpid();
    if (!s->strategy || !s->io || !s->proto || !s->model) {
        snprintf(err, errlen, "unknown strategy, io, protocol or model");
        return -1;
    }
    if (s->io->probe && s->io->probe(err, errlen) < 0)
        return -1;  /* refuse now: never fall back to another backend */
    s->nworkers = cfg->workers;
    s->workers = calloc((size_t)s->nworkers, sizeof *s->workers);
    /* Counters live in shared memory so that forked worker processes can publish
     * them to whichever process answers /stats. */
    s->stats = mmap(NULL, (size_t)s->nworkers * sizeof *s->stats, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    s->shared = mmap(NULL, sizeof *s->shared, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!s->workers || s->stats == MAP_FAILED || s->shared == MAP_FAILED) {
        snprintf(err, errlen, "allocating %d workers: %s", s->nworkers, strerror(errno));
        if (s->stats != MAP_FAILED)
            munmap(s->stats, (size_t)s->nworkers * sizeof *s->stats);
        if (s->shared != MAP_FAILED)
            munmap(s->shared, sizeof *s->shared);
        free(s->workers);
        return -1;
    }
    for (int i = 0; i < s->nworkers; i++) {
        struct worker *w = &s->workers[i];
        w->id = i;
        w->srv = s;
        w->st = &s->stats[i];
        w->listen_fd = w->wait_fd = w->log_fd = -1;
    }
    return 0;
}

/* --log-dir: worker i appends to DIR/worker-<i>.log. */
static int open_logs(struct srv *s, char *err, size_t errlen)
{
    for (int i = 0; s->cfg.log_dir && i < s->nworkers; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/worker-%d.log", s->cfg.log_dir, i);
        s->workers[i].log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (s->workers[i].log_fd < 0) {
            snprintf(err, errlen, "--log-dir: open %.200s: %s", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

void *srv_worker_main(void *arg)
{
    struct worker *w = arg;
    atomic_store(&w->st->pid, getpid());
    atomic_store(&w->st->tid, gettid());
    if (w->srv->strategy->on_worker_start)
        w->srv->strategy->on_worker_start(w);
    w->srv->io->run(w);
    uint64_t user_us, sys_us;
    cpu_self_thread(&user_us, &sys_us);
    atomic_store(&w->st->exit_user_us, user_us);
    atomic_store(&w->st->exit_sys_us, sys_us);
    atomic_store(&w->finished, 1);
    return NULL;
}

int srv_start(struct srv *s, char *err, size_t errlen)
{
    if (open_logs(s, err, errlen) < 0 || s->strategy->open(s, err, errlen) < 0)
        return -1;
    for (int i = 0; i < s->nworkers; i++) {
        struct worker *w = &s->workers[i];
        w->has_listener = w->listen_fd >= 0;
        for (int j = 0; w->listen_fd >= 0 && j < s->nworkers; j++)
            if (j != i && s->workers[j].listen_fd == w->listen_fd)
                w->shares_listener = 1;
        if (w->has_listener && !w->shares_listener) {
            atomic_store(&w->st->listener_open, 1);
            atomic_fetch_add(&s->shared->listeners_open, 1);
        }
    }
    if (s->model->start(s, err, errlen) < 0)
        return -1;
    if (s->strategy->start && s->strategy->start(s, err, errlen) < 0)
        return -1;
    if (s->cfg.admin_enabled && admin_start(s, err, errlen) < 0)
        return -1;
    return 0;
}

void srv_stop(struct srv *s)
{
    atomic_store(&s->shared->stopping, 1);
    atomic_store(&s->stopping, 1);
    admin_stop(s);
    s->strategy->stop(s);
    s->model->stop(s);
}

int srv_join(struct srv *s, unsigned timeout_ms)
{
    return s->model->join(s, timeout_ms);
}

void srv_reap(struct srv *s)
{
    s->model->reap(s);
}

int srv_check_cpus(const struct srv *s, const char *what, char *err, size_t errlen)
{
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) < 0) {
        snprintf(err, errlen, "%s: sched_getaffinity: %s", what, strerror(errno));
        return -1;
    }
    int usable = 0;
    while (usable < CPU_SETSIZE && CPU_ISSET(usable, &allowed))
        usable++;
    if (s->nworkers > usable) {
        snprintf(err, errlen, "%s pins worker i to CPU i, so it needs CPUs 0..%d: "
                 "use --workers %d or fewer", what, s->nworkers - 1, usable);
        return -1;
    }
    return 0;
}

void srv_pin_worker(struct worker *w)
{
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(w->id, &one);
    /* srv_check_cpus made sure the CPU is ours to use; a failure here would be
     * a CPU taken offline since, and the worker then runs unpinned. */
    if (sched_setaffinity(0, sizeof one, &one) < 0)
        fprintf(stderr, "acceptbench-server: worker %d: sched_setaffinity: %s\n", w->id,
                strerror(errno));
}

void srv_listeners_fork_child(struct srv *s, struct worker *own)
{
    for (int i = 0; i < s->nworkers; i++) {
        struct worker *w = &s->workers[i];
        if (srv_first_holder(s, i) && w->listen_fd != own->listen_fd)
            close(w->listen_fd);
        if (w != own)
            w->listen_fd = w->wait_fd = -1;
    }
}

void srv_listeners_fork_parent(struct srv *s)
{
    /* The children own the listeners now: a copy left here would keep a
     * listener (and its queue) alive after its worker died, and show this
     * process as a listener in ss. */
    srv_close_listeners(s);
    for (int i = 0; i < s->nworkers; i++)
        s->workers[i].wait_fd = -1;
}

void srv_destroy(struct srv *s)
{
    for (int i = 0; i < s->nworkers; i++)
        if (s->workers[i].io_data)
            s->io->fini(&s->workers[i]);
    s->strategy->close(s);
    for (int i = 0; i < s->nworkers; i++)
        if (s->workers[i].log_fd >= 0)
            close(s->workers[i].log_fd);
    munmap(s->stats, (size_t)s->cfg.workers * sizeof *s->stats);
    munmap(s->shared, sizeof *s->shared);
    free(s->workers);
}

int srv_listen(struct srv *s, int reuseport, int for_workers, char *err, size_t errlen)
{
    int flags = (reuseport ? NET_REUSEPORT : 0) |
                (for_workers && s->io->pollable ? NET_NONBLOCK : 0);
    int fd = net_listen(err, errlen, &s->cfg.listen, s->cfg.backlog, flags);
    if (fd < 0)
        return -1;
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

void srv_accepted_options(int fd)
{
    /* Replies are written whole or streamed (echo); waiting for an ACK before a
     * small second segment (Nagle) only adds the peer's delayed-ACK time to the
     * latency being measured. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int srv_accept(struct srv *s, int fd, atomic_uint_fast64_t *errors)
{
    int flags = SOCK_CLOEXEC | (s->io->pollable ? SOCK_NONBLOCK : 0);
    for (;;) {
        if (srv_stopping(s))
            return -ECANCELED;
        int c = accept4(fd, NULL, NULL, flags);
        if (c >= 0) {
            srv_accepted_options(c);
            return c;
        }
        switch (errno) {
        case EINTR:
        case ECONNABORTED:  /* the client gave up while queued: try the next */
            continue;
        case EAGAIN:
            return -EAGAIN;
        case EINVAL:        /* the listener was shut down: by this process, or by
                             * a sibling worker process in a whole-server stop
                             * whose signal has not reached this one yet */
            if (srv_listener_may_be_shut(s))
                return -ECANCELED;
            /* fall through */
        default:
            stats_add(errors, 1);
            return -EMFILE;
        }
    }
}

int srv_take_listener(struct worker *w, int wait)
{
    (void)wait;  /* the listener's O_NONBLOCK flag already says */
    int fd = srv_accept(w->srv, w->listen_fd, &w->st->accept_errors);
    if (fd >= 0)
        stats_add(&w->st->accepted, 1);
    return fd;
}

unsigned srv_listener_queued(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 || ti.tcpi_state != TCP_LISTEN)
        return 0;
    return ti.tcpi_unacked;
}

int srv_tcp_migrate_req(void)
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

int srv_first_holder(const struct srv *s, int i)
{
    int fd = s->workers[i].listen_fd;
    for (int j = 0; fd >= 0 && j < i; j++)
        if (s->workers[j].listen_fd == fd)
            return 0;
    return fd >= 0;
}

int srv_listener_may_be_shut(const struct srv *s)
{
    return srv_stopping(s) || atomic_load(&s->shared->stopping);
}

int srv_listener_gone(struct srv *s, int i)
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
static void child_stop_listener(struct srv *s, struct worker *w, int whole)
{
    if (w->shares_listener) {
        if (whole && atomic_exchange(&s->shared->shared_listener_stopped, 1) == 0) {
            atomic_store(&w->st->dropped_at_stop, srv_listener_queued(w->listen_fd));
            shutdown(w->listen_fd, SHUT_RD);
        }
        return;
    }
    int migrate = srv_tcp_migrate_req();
    atomic_fetch_add(&s->shared->closing, 1);
    /* Last by this process's own decrement, not by a later look: two closing
     * at once must not both see none left. */
    int last = srv_listener_gone(s, w->id) == 0;
    if (whole && migrate == 1 && last)
        for (int ms = 0; ms < 1000 && atomic_load(&s->shared->closing) > 1; ms++)
            nanosleep(&(struct timespec){.tv_nsec = 1000000L}, NULL);
    unsigned queued = srv_listener_queued(w->listen_fd);
    if (whole) {
        atomic_store(&w->st->dropped_at_stop, migrate == 1 && !last ? 0 : queued);
    } else {
        atomic_store(&w->st->queued_at_leave, queued);
        atomic_store(&w->st->leave_fate, migrate < 0   ? SRV_QUEUE_RESET_NO_SYSCTL
                                         : migrate == 0 ? SRV_QUEUE_RESET
                                         : last         ? SRV_QUEUE_RESET_LAST
                                                        : SRV_QUEUE_MOVED);
    }
    shutdown(w->listen_fd, SHUT_RD);
    atomic_fetch_sub(&s->shared->closing, 1);
}

void srv_stop_listeners(struct srv *s)
{
    if (getpid() != s->main_pid) {
        int whole = atomic_load(&s->shared->stopping);
        for (int i = 0; i < s->nworkers; i++)
            if (s->workers[i].listen_fd >= 0)
                child_stop_listener(s, &s->workers[i], whole);
        return;
    }
    /* One process holds them all: count every queue before shutting any
     * listener down, since with tcp_migrate_req a reuseport listener's queue
     * moves to another of its group when it closes and would be counted twice. */
    for (int i = 0; i < s->nworkers; i++)
        if (srv_first_holder(s, i))
            atomic_store(&s->stats[i].dropped_at_stop,
                         srv_listener_queued(s->workers[i].listen_fd));
    /* shutdown() rather than close(): it wakes threads blocked in accept() on
     * the socket (close() from another thread does not), and makes the
     * listener readable for pollers, which then see accept() fail. It also
     * resets every connection still in the accept queue, or hands it to the
     * rest of a reuseport group (tcp_migrate_req). */
    for (int i = 0; i < s->nworkers; i++)
        if (srv_first_holder(s, i))
            shutdown(s->workers[i].listen_fd, SHUT_RD);
}

void srv_close_listeners(struct srv *s)
{
    for (int i = 0; i < s->nworkers; i++)
        if (srv_first_holder(s, i))
            close(s->workers[i].listen_fd);
    for (int i = 0; i < s->nworkers; i++)
        s->workers[i].listen_fd = -1;
}

void srv_do_work(const struct srv *s)
{
    if (!s->cfg.work_us)
        return;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t ns = (uint64_t)s->cfg.work_us * 1000u;
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((uint64_t)((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec)) < ns);
}

/* Snapshot every worker and the process; rows must hold nworkers entries. */
static void snapshot(struct srv *s, struct stats_row *rows, struct stats_process *p)
{
    memset(p, 0, sizeof *p);
    p->strategy = s->strategy->name;
    p->io = s->io->name;
    for (int i = 0; i < s->nworkers; i++) {
        stats_read(&s->stats[i], i, &rows[i]);
        cpu_thread_wakeups(rows[i].pid, rows[i].tid, &rows[i].wakeups);
        if (cpu_thread(rows[i].pid, rows[i].tid, &rows[i].cpu_user_us, &rows[i].cpu_sys_us) < 0) {
            rows[i].cpu_user_us = atomic_load(&s->stats[i].exit_user_us);
            rows[i].cpu_sys_us = atomic_load(&s->stats[i].exit_sys_us);
        }
    }
    /* The server's CPU: the main process (all its threads), plus each worker
     * process of the process model, live from /proc or as it recorded at exit. */
    cpu_pid(s->main_pid, &p->user_us, &p->sys_us);
    for (int i = 0; i < s->nworkers; i++) {
        uint64_t u, sy;
        if (rows[i].pid == 0 || rows[i].pid == s->main_pid)
            continue;
        if (cpu_pid(rows[i].pid, &u, &sy) < 0) {
            u = atomic_load(&s->stats[i].exit_user_us);
            sy = atomic_load(&s->stats[i].exit_sys_us);
        }
        p->user_us += u;
        p->sys_us += sy;
    }
    if (s->strategy->process_stats)
        s->strategy->process_stats(s, p);
    p->dropped_at_shutdown = atomic_load(&s->shared->dropped_at_shutdown);
    for (int i = 0; i < s->nworkers; i++)
        p->dropped_at_shutdown += atomic_load(&s->stats[i].dropped_at_stop);
}

void srv_stats_csv(struct srv *s, struct csv_buf *b)
{
    struct stats_row *rows = calloc((size_t)s->nworkers, sizeof *rows);
    struct stats_process p;
    if (!rows) {
        b->oom = 1;
        return;
    }
    snapshot(s, rows, &p);
    stats_format_csv(b, rows, s->nworkers, &p);
    free(rows);
}

void srv_stats_table(struct srv *s, FILE *out)
{
    struct stats_row *rows = calloc((size_t)s->nworkers, sizeof *rows);
    struct stats_process p;
    if (!rows)
        return;
    snapshot(s, rows, &p);
    stats_format_table(out, rows, s->nworkers, &p);
    free(rows);
}
