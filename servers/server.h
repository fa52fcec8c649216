/* The server's shared core: the run-time objects and the tables that make each
 * axis pluggable. A strategy decides how a connection reaches a worker, an io
 * backend decides how a worker waits, a protocol decides what is said on a
 * connection. Adding a value to an axis means one new file and one table line
 * (strategies.c, io.c); no axis ever tests another's name. */
#ifndef ACCEPTBENCH_SERVER_H
#define ACCEPTBENCH_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "csv.h"
#include "net.h"
#include "stats.h"

struct srv;
struct worker;
struct conn;
struct proto;

struct srv_config {
    const char *strategy;
    const char *io;
    const char *model;           /* thread, process */
    int workers;
    struct net_addr listen;
    int backlog;
    unsigned work_us;
    const char *ready_file;
    unsigned max_requests;       /* 0: unlimited */
    unsigned idle_timeout_ms;
    unsigned grace_ms;
    unsigned queue_size;         /* pool hand-off queue capacity */
    unsigned accept_batch;       /* pollable io: accepts per wake-up, at most */
    int incoming_cpu;            /* reuseport: SO_INCOMING_CPU = worker i's CPU, pinned */
    const char *protocol;        /* http, echo, greeter */
    const char *log_dir;         /* greeter: one log file per worker there */
    struct net_addr admin;       /* --admin: /stats on its own listener */
    int admin_enabled;
};

struct strategy {
    const char *name;
    const char *summary;                          /* one line for --help */
    /* Create listeners and whatever hands connections to workers; set every
     * worker's wait_fd. Returns 0 or -1 with a message in err. */
    int (*open)(struct srv *s, char *err, size_t errlen);
    /* Start helper threads once workers run (pool's acceptor); may be NULL. */
    int (*start)(struct srv *s, char *err, size_t errlen);
    /* The worker's next connection: an fd, or -EAGAIN when none is ready (only
     * when !wait), -EMFILE when out of descriptors, -ECANCELED when stopping. */
    int (*take)(struct worker *w, int wait);
    /* Stop handing out connections and wake every take() blocked in the kernel
     * or on a condition variable. Called once, from the main thread. */
    void (*stop)(struct srv *s);
    /* After every worker has been joined: release everything open() made. */
    void (*close)(struct srv *s);
    /* Fill the strategy's process-wide figures (queue_peak, acceptor_errors);
     * may be NULL when it has none. */
    void (*process_stats)(struct srv *s, struct stats_process *p);
    /* Process model only, after fork: in the child that runs `own`, close every
     * descriptor that belongs to other workers or to the parent (and set it to
     * -1); in the parent, close what now belongs to the children. */
    void (*fork_child)(struct srv *s, struct worker *own);
    void (*fork_parent)(struct srv *s);
    /* In the worker's own thread, before it waits for connections (pinning);
     * may be NULL. */
    void (*on_worker_start)(struct worker *w);
};

struct model {
    const char *name;
    const char *summary;
    int shares_memory;           /* workers share one address space and fd table */
    /* Start every worker (after the strategy's open). A forked child never
     * returns from here. */
    int (*start)(struct srv *s, char *err, size_t errlen);
    /* Ask every worker to finish (after the strategy's stop). */
    void (*stop)(struct srv *s);
    /* Wait for the workers; 0 when all are gone, -1 after timeout_ms. */
    int (*join)(struct srv *s, unsigned timeout_ms);
    /* SIGCHLD arrived: collect and report workers that ended. */
    void (*reap)(struct srv *s);
};

struct io_backend {
    const char *name;
    const char *summary;
    /* Workers wait on wait_fd with a poller, so listeners and accepted sockets
     * must be non-blocking and hand-offs must be signalled through an fd. */
    int pollable;
    /* Can the running kernel run this backend? Called once at start-up, before
     * anything is opened or forked; 0, or -1 with a one-line reason in err. May
     * be NULL (always can). */
    int (*probe)(char *err, size_t errlen);
    int (*init)(struct worker *w, char *err, size_t errlen);
    void (*run)(struct worker *w);                /* the worker thread's body */
    void (*wake)(struct worker *w);               /* unblock run() at shutdown */
    void (*fini)(struct worker *w);
};

struct worker {
    int id;
    struct srv *srv;
    struct worker_stats *st;     /* this worker's counters; only it writes them */
    int listen_fd;               /* shared/reuseport: where take() accepts */
    int wait_fd;                 /* readable when take() may succeed */
    void *strategy_data;         /* per-worker state of the strategy */
    void *io_data;               /* per-worker state of the io backend */
    int log_fd;                  /* --log-dir: this worker's log file, else -1 */
    /* Set once the strategy has opened its listeners, before any fork. */
    int has_listener;            /* the worker accepts on a listen_fd */
    int shares_listener;         /* ...which other workers accept on too */
    atomic_int finished;         /* its thread has returned from io->run */
    pthread_t thread;
};

/* What every process of the server sees (MAP_SHARED, like the counters), so
 * that whichever process answers /stats reports the same. */
struct srv_shared {
    /* The whole server is stopping, as opposed to one worker process leaving on
     * its own (a rolling restart, somebody's kill). */
    atomic_int stopping;
    /* Worker processes' own listeners still open, and how many are being shut
     * down right now (srv_stop_listeners); whether a listener they share has
     * been shut down by one of them. */
    atomic_int listeners_open;
    atomic_int closing;
    atomic_int shared_listener_stopped;
    /* The listener no worker owns (the pool's): its accept() failures, and the
     * connections still in its accept queue when stop() shut it down, which the
     * kernel resets (srv_listener_queued). Workers' own listeners count theirs
     * in worker_stats. */
    atomic_uint_fast64_t acceptor_errors;
    atomic_uint_fast64_t dropped_at_shutdown;
};

struct srv {
    struct srv_config cfg;
    const struct strategy *strategy;
    const struct io_backend *io;
    const struct proto *proto;
    const struct model *model;
    void *model_data;
    pid_t main_pid;              /* the process that started the server */
    struct worker *workers;
    struct worker_stats *stats;  /* one per worker */
    struct srv_shared *shared;
    int nworkers;
    int port;                    /* the bound port (resolves --listen :0) */
    int admin_port;              /* the admin listener's port, 0 without --admin */
    void *admin;                 /* the admin listener (admin.c) */
    void *strategy_data;
    atomic_int stopping;         /* this process's workers are to finish */
};

/* Tables (registry.c): NULL-terminated arrays of every value of each axis. */
extern const struct strategy *const srv_strategies[];
extern const struct io_backend *const srv_io_backends[];
extern const struct proto *const srv_protocols[];
extern const struct model *const srv_models[];
const struct model *srv_find_model(const char *name);
const struct strategy *srv_find_strategy(const char *name);
const struct io_backend *srv_find_io(const char *name);
const struct proto *srv_find_proto(const char *name);

/* The admin listener (admin.c): /stats over HTTP on its own port and thread, so
 * that protocols other than HTTP can be observed. */
int admin_start(struct srv *s, char *err, size_t errlen);
void admin_stop(struct srv *s);

/* Core (srv.c). */
int srv_init(struct srv *s, const struct srv_config *cfg, char *err, size_t errlen);
int srv_start(struct srv *s, char *err, size_t errlen);     /* listeners, workers, ready file */
void srv_stop(struct srv *s);                               /* begin graceful shutdown */
int srv_join(struct srv *s, unsigned timeout_ms);           /* 0 all joined, -1 timed out */
void srv_reap(struct srv *s);                               /* on SIGCHLD */
void srv_destroy(struct srv *s);
static inline int srv_stopping(const struct srv *s)
{
    return atomic_load_explicit(&s->stopping, memory_order_relaxed);
}

/* Open one listener on cfg.listen (port updated to the bound one), blocking or not
 * as the io backend needs for workers that accept directly. */
int srv_listen(struct srv *s, int reuseport, int for_workers, char *err, size_t errlen);
/* accept4 on a listener with the flags the io backend needs; retries EINTR and
 * ECONNABORTED. Returns an fd, -EAGAIN (none waiting), -ECANCELED (stopping), or
 * -EMFILE for any failure the caller must back off from (EMFILE, ENFILE,
 * ENOBUFS, ...), which is also counted in *errors. */
int srv_accept(struct srv *s, int fd, atomic_uint_fast64_t *errors);
/* The socket options every accepted connection gets (TCP_NODELAY); for io
 * backends that accept without srv_accept (io_uring's multishot accept). */
void srv_accepted_options(int fd);
/* take() for strategies whose workers accept on their own w->listen_fd. */
int srv_take_listener(struct worker *w, int wait);
/* How many established connections wait in a listener's accept queue (for a
 * listening socket, TCP_INFO's tcpi_unacked), or 0 when the kernel does not say.
 * stop() records this just before it shuts a listener down. */
unsigned srv_listener_queued(int fd);
/* What became of the queue of a listener closed by a worker leaving alone. */
enum srv_queue_fate {
    SRV_QUEUE_RESET,          /* tcp_migrate_req=0 */
    SRV_QUEUE_MOVED,          /* tcp_migrate_req=1, to the rest of its group */
    SRV_QUEUE_RESET_LAST,     /* tcp_migrate_req=1, but no listener was left open */
    SRV_QUEUE_RESET_NO_SYSCTL /* a kernel before 5.14 */
};
/* net.ipv4.tcp_migrate_req in this network namespace: 1 when a closing
 * SO_REUSEPORT listener hands its queue to the rest of its group, 0 when the
 * kernel resets it, -1 when the kernel has no such setting (before 5.14). */
int srv_tcp_migrate_req(void);
/* Is worker i the first holding its listener? stop() and close() reach each
 * socket once, through that worker. */
int srv_first_holder(const struct srv *s, int i);
/* An accept() that fails with EINVAL means a listener shut down by this server:
 * is it stopping, in this process or (worker processes) as a whole? */
int srv_listener_may_be_shut(const struct srv *s);
/* Worker i's own listener is closed (or its process gone): counted once per
 * listener, by whoever sees it first. Returns how many are still open after. */
int srv_listener_gone(struct srv *s, int i);
/* stop() and close() for those strategies: every listener, through its first
 * holder. */
void srv_stop_listeners(struct srv *s);
void srv_close_listeners(struct srv *s);
/* A worker's thread body, for every model: run the io loop, then record the
 * thread's own CPU figures for when /proc has forgotten it. */
void *srv_worker_main(void *worker);
/* Strategies that pin worker i to CPU i: refuse (-1, message) unless the
 * workers fit on the CPUs this process may use, and the pinning itself. */
int srv_check_cpus(const struct srv *s, const char *what, char *err, size_t errlen);
void srv_pin_worker(struct worker *w);
/* fork_child/fork_parent for strategies whose workers own their listen_fd. */
void srv_listeners_fork_child(struct srv *s, struct worker *own);
void srv_listeners_fork_parent(struct srv *s);
/* Burn cfg.work_us of CPU, modelling an application's per-request cost. */
void srv_do_work(const struct srv *s);
/* The /stats body: a snapshot of every worker plus process-wide figures. */
void srv_stats_csv(struct srv *s, struct csv_buf *b);
/* The same snapshot as the human table printed at shutdown. */
void srv_stats_table(struct srv *s, FILE *out);

#endif
