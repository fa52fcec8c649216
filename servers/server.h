/* The server's shared core: the run-time objects and the tables that make each
 * axis pluggable. A strategy decides how a connection reaches a worker, an io
 * backend how a worker waits, a model what a worker is, a protocol what is said
 * on a connection. Every value of every axis begins with a struct axis_value,
 * and servers/registry.cmake lists them: adding one is its file, its name there
 * and its source in servers/CMakeLists.txt. No axis tests another's name; what
 * one must know of another is a capability flag. */
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

struct srv_config {
    const char *strategy;
    const char *io;
    const char *model;
    const char *protocol;
    int workers;
    struct net_addr listen;
    int backlog;
    unsigned work_us;
    const char *ready_file;
    unsigned max_requests;       /* 0: unlimited */
    unsigned idle_timeout_ms;
    unsigned grace_ms;
    unsigned queue_size;         /* hand-off queue capacity */
    unsigned accept_batch;       /* pollable io: accepts per wake-up, at most */
    int incoming_cpu;            /* SO_INCOMING_CPU = worker i's CPU, pinned */
    int measure_locality;        /* --measure-locality: count accepted_local */
    const char *log_dir;         /* one log file per worker there */
    struct net_addr admin;       /* --admin: /stats on its own listener */
    int admin_enabled;
};

/* What one value of an axis can do that another axis may need to know. */
enum {
    SRV_CAP_PINS_CPUS = 1u << 0,     /* strategy: worker i runs on CPU i */
    SRV_CAP_INCOMING_CPU = 1u << 1,  /* strategy: takes --incoming-cpu (which pins) */
    SRV_CAP_POLLABLE = 1u << 2,      /* io: waits with a poller, so listeners and
                                      * sockets are non-blocking and hand-offs are
                                      * signalled through an fd */
    SRV_CAP_SHARES_MEMORY = 1u << 3, /* model: one address space and fd table */
    SRV_CAP_LOGS = 1u << 4,          /* protocol: writes --log-dir files */
    SRV_CAP_KERNEL_ACCEPTS = 1u << 5,/* io: the kernel accepts on the worker's
                                      * behalf while it is busy (io_uring), so
                                      * its listener's queue drains into it */
};

/* The first member of every axis value. */
struct axis_value {
    const char *name;
    const char *summary;         /* one line for --help */
    /* The kernel feature it needs, as --probe names it; NULL with probe. */
    const char *feature;
    /* Can the running kernel run it? 0, or -1 with the reason in err. Tried at
     * start-up, before anything is opened or forked, and by --probe; NULL when
     * every kernel this builds on can. */
    int (*probe)(char *err, size_t errlen);
    unsigned caps;               /* SRV_CAP_* */
    int compared;                /* in run_bench.sh's default comparison */
};

/* Where a strategy's workers get their connections. */
enum srv_source {
    SRV_SOURCE_HANDOFF,          /* from the strategy, through take() and wait_fd */
    SRV_SOURCE_SHARED_LISTENER,  /* accept() on one listener they all share */
    SRV_SOURCE_OWN_LISTENER,     /* accept() on a listener of their own (reuseport) */
};

struct strategy {
    struct axis_value v;
    enum srv_source source;
    /* A listener source: the core opens the listeners (listener.c), then calls
     * this to configure them (may be NULL). A hand-off: create whatever hands
     * connections to workers and set every worker's wait_fd. 0, or -1 with a
     * message in err; close() releases what was made either way. */
    int (*open)(struct srv *s, char *err, size_t errlen);
    /* A hand-off only: the worker's next connection, an fd, or -EAGAIN when
     * none is ready (only when !wait), -EMFILE when out of descriptors,
     * -ECANCELED when stopping. Workers on a listener source accept by
     * themselves (srv_take, or the io backend's own accept and srv_admit). */
    int (*take)(struct worker *w, int wait);
    /* The hooks below may be NULL. For a listener source the core stops,
     * closes and hands over the listeners itself; these do what else the
     * strategy made. */
    /* Start helper threads once workers run (pool's acceptor). */
    int (*start)(struct srv *s, char *err, size_t errlen);
    /* Stop handing out connections and wake every take() blocked in the kernel
     * or on a condition variable. Called once, from the main thread. */
    void (*stop)(struct srv *s);
    /* After every worker has been joined: release everything open() made. */
    void (*close)(struct srv *s);
    /* Fill the strategy's process-wide figures (queue_peak, acceptor_errors). */
    void (*process_stats)(struct srv *s, struct stats_process *p);
    /* Fill what the strategy counts per worker (stats_row.steered) and say so
     * in p (steering); without it, /stats leaves the column empty. */
    void (*worker_stats)(struct srv *s, struct stats_row *rows, struct stats_process *p);
    /* Worker w has just taken a connection (counted in accepted), for a
     * strategy whose kernel side must learn of it (a steering program's map). Runs
     * on the worker's thread, once per connection: keep it to a store. */
    void (*taken)(struct worker *w);
    /* Process model only, after fork: in the child that runs `own`, close every
     * descriptor that belongs to other workers or to the parent (and set it to
     * -1); in the parent, close what now belongs to the children. */
    void (*fork_child)(struct srv *s, struct worker *own);
    void (*fork_parent)(struct srv *s);
};

struct model {
    struct axis_value v;
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
    struct axis_value v;
    int (*init)(struct worker *w, char *err, size_t errlen);
    void (*run)(struct worker *w);                /* the worker thread's body */
    void (*wake)(struct worker *w);               /* unblock run() at shutdown */
    void (*fini)(struct worker *w);
};

struct proto {
    struct axis_value v;
    /* Consume what it can of c->in (shifting the rest down), append replies with
     * conn_reply. Return 0 to keep reading, -1 to close once out is flushed. */
    int (*on_input)(struct conn *c);
    /* The peer shut down its write side; same return contract. */
    int (*on_eof)(struct conn *c);
};

struct worker {
    int id;
    struct srv *srv;
    struct worker_stats *st;     /* this worker's counters; only it writes them */
    int listen_fd;               /* a listener source: where it accepts */
    int wait_fd;                 /* readable when a connection may be taken */
    void *strategy_data;         /* per-worker state of the strategy */
    void *io_data;               /* per-worker state of the io backend */
    int log_fd;                  /* --log-dir: this worker's log file, else -1 */
    int local_fd;                /* the connection last counted in accepted_local,
                                  * else -1 (srv_counted_local) */
    /* Set once the listeners are open, before any fork. */
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
     * down right now (listener_stop_all); whether a listener they share has
     * been shut down by one of them. */
    atomic_int listeners_open;
    atomic_int closing;
    atomic_int shared_listener_stopped;
    /* The listener no worker owns (a hand-off's): its accept() failures, and
     * the connections still in its accept queue when stop() shut it down,
     * which the kernel resets (listener_queued). Workers' own listeners count
     * theirs in worker_stats. */
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
    int locality;                /* count accepted_local: --measure-locality, or
                                  * workers pinned to CPUs (srv_pins_cpus) */
    void *admin;                 /* the admin listener (admin.c) */
    void *strategy_data;
    atomic_int stopping;         /* this process's workers are to finish */
};

/* The axes (registry.c, generated from registry.cmake). */
enum srv_axis_id { SRV_STRATEGY, SRV_IO, SRV_MODEL, SRV_PROTOCOL, SRV_NAXES };
struct srv_axis {
    const char *name;            /* as --list names it: strategy, io, ... */
    const char *option;          /* --strategy, ... */
    char short_option;           /* 's', ... */
    const char *question;        /* what it decides, for --help */
    const char *default_value;
    const void *const *values;   /* NULL-terminated; each begins with an axis_value */
};
extern const struct srv_axis srv_axes[SRV_NAXES];
static inline const struct axis_value *srv_axis_value(enum srv_axis_id a, int i)
{
    return srv_axes[a].values[i];  /* a struct's address is its first member's */
}
/* The value of axis a called name (a const struct strategy *, ... as the axis
 * holds), or NULL. */
const void *srv_find(enum srv_axis_id a, const char *name);
/* "a, b, c": every value of axis a, or only those with every cap in caps. */
void srv_axis_names(enum srv_axis_id a, unsigned caps, char *buf, size_t len);

/* The admin listener (admin.c): /stats over HTTP on its own port and thread, so
 * that protocols other than HTTP can be observed. */
int admin_start(struct srv *s, char *err, size_t errlen);
void admin_stop(struct srv *s);

/* Core (srv.c). */
/* Options one value does not take (--incoming-cpu, --log-dir): 0, or -1 with
 * the one-line reason. A usage error: nothing about this machine. */
int srv_check_options(const struct srv_config *cfg, char *err, size_t errlen);
/* Could this machine run cfg? Every value's kernel probe, and workers pinned
 * to CPUs they may not use. 0, or -1 with the one-line reason. */
int srv_check_machine(const struct srv_config *cfg, char *err, size_t errlen);
/* Does cfg pin worker i to CPU i (a strategy with SRV_CAP_PINS_CPUS, or
 * --incoming-cpu)? */
int srv_pins_cpus(const struct srv_config *cfg);
int srv_init(struct srv *s, const struct srv_config *cfg, char *err, size_t errlen);
int srv_start(struct srv *s, char *err, size_t errlen);     /* listeners, workers */
void srv_stop(struct srv *s);                               /* begin graceful shutdown */
int srv_join(struct srv *s, unsigned timeout_ms);           /* 0 all joined, -1 timed out */
void srv_reap(struct srv *s);                               /* on SIGCHLD */
void srv_destroy(struct srv *s);
static inline int srv_stopping(const struct srv *s)
{
    return atomic_load_explicit(&s->stopping, memory_order_relaxed);
}
/* Does worker w accept on a listener of its own or shared (rather than take
 * from a hand-off)? An io backend that accepts by itself (io_uring) does so on
 * w->listen_fd and reports each connection with srv_admit. */
static inline int srv_accepts(const struct srv *s)
{
    return s->strategy->source != SRV_SOURCE_HANDOFF;
}
/* The worker's next connection, whatever the strategy's source, counted as
 * accepted (and, when s->locality, as accepted_local if it is local, below):
 * an fd, or -EAGAIN (only when !wait), -EMFILE, -ECANCELED as strategy->take. */
int srv_take(struct worker *w, int wait);
/* A connection an io backend accepted by itself (its socket options are the
 * listener's, inherited): counted as srv_take counts. */
void srv_admit(struct worker *w, int fd);
/* A connection is local when SO_INCOMING_CPU (the CPU that processed its
 * latest incoming packet: the handshake's last ACK, or a request that came
 * before the accept) is the CPU the worker runs on as it takes it. With the
 * pool that is the serving worker's CPU when it takes the connection from
 * the hand-off, not the acceptor's: the worker's caches are the ones that
 * serve it. Is fd the connection srv_take or srv_admit just counted local?
 * conn_reset records it so that conn_mark_admin takes a /stats connection
 * out of accepted_local as well as accepted. */
static inline int srv_counted_local(const struct worker *w, int fd)
{
    return w->local_fd == fd;
}
/* Stop taking connections: the listeners, and whatever the strategy made. */
void srv_stop_sources(struct srv *s);
/* Process model, after fork: the strategy's fork_child and fork_parent, with
 * the listeners' own. */
void srv_fork_child(struct srv *s, struct worker *own);
void srv_fork_parent(struct srv *s);
/* A worker's thread body, for every model: pin it if the strategy says so, run
 * the io loop, then record the thread's own CPU figures for when /proc has
 * forgotten it. */
void *srv_worker_main(void *worker);

/* Listeners (listener.c): opening them, accepting, and what their queues held
 * when they were shut down. */
/* Open one listener on cfg.listen (port updated to the bound one), non-blocking
 * when workers accept on it (for_workers) with a pollable io backend. */
int listener_open(struct srv *s, int reuseport, int for_workers, char *err, size_t errlen);
/* A listener source: one listener for all, or one per worker, as the strategy's
 * source says; sets listen_fd and wait_fd of every worker. */
int listener_open_all(struct srv *s, char *err, size_t errlen);
/* accept4 with the flags the io backend needs (the socket options every
 * connection gets are the listener's, set by listener_open and inherited);
 * retries EINTR and ECONNABORTED. Returns an fd, -EAGAIN (none
 * waiting), -ECANCELED (stopping), or -EMFILE for any failure the caller must
 * back off from (EMFILE, ENFILE, ENOBUFS, ...), which is also counted in
 * *errors. */
int listener_accept(struct srv *s, int fd, atomic_uint_fast64_t *errors);
/* How many established connections wait in a listener's accept queue (for a
 * listening socket, TCP_INFO's tcpi_unacked), or 0 when the kernel does not say.
 * Recorded just before a listener is shut down. */
unsigned listener_queued(int fd);
/* What became of the queue of a listener closed by a worker leaving alone. */
enum listener_queue_fate {
    LISTENER_QUEUE_RESET,          /* tcp_migrate_req=0 */
    LISTENER_QUEUE_MOVED,          /* tcp_migrate_req=1, to the rest of its group */
    LISTENER_QUEUE_RESET_LAST,     /* tcp_migrate_req=1, but no listener was left open */
    LISTENER_QUEUE_RESET_NO_SYSCTL /* a kernel before 5.14 */
};
/* An accept() that fails with EINVAL means a listener shut down by this server:
 * is it stopping, in this process or (worker processes) as a whole? */
int listener_may_be_shut(const struct srv *s);
/* Worker i's own listener is closed (or its process gone): counted once per
 * listener, by whoever sees it first. Returns how many are still open after. */
int listener_gone(struct srv *s, int i);
/* The listener source's stop, close, fork_child and fork_parent: every listener
 * through the first worker holding it. */
void listener_stop_all(struct srv *s);
void listener_close_all(struct srv *s);
void listener_fork_child(struct srv *s, struct worker *own);
void listener_fork_parent(struct srv *s);

/* The /stats body (stats.c): a snapshot of every worker plus process-wide
 * figures, as CSV, or as the human table printed at shutdown. */
void srv_stats_csv(struct srv *s, struct csv_buf *b);
void srv_stats_table(struct srv *s, FILE *out);

#endif
