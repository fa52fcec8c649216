/* stats: per-worker counters, and the /stats CSV and shutdown table built from a
 * snapshot of them. The formatters do no I/O of their own; the snapshot
 * (srv_stats_csv, srv_stats_table in server.h) reads the counters and /proc. */
#ifndef ACCEPTBENCH_STATS_H
#define ACCEPTBENCH_STATS_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "csv.h"

/* One per worker, cache-line aligned so workers never share a line. Each counter
 * has one writer (its worker); readers on other threads load it relaxed, which is
 * enough for monotonically growing counters read as a snapshot. */
struct worker_stats {
    _Alignas(64) atomic_uint_fast64_t accepted;
    /* Of those, the ones local to the worker's CPU (srv_counted_local in
     * server.h); counted only when srv.locality says so. */
    atomic_uint_fast64_t accepted_local;
    atomic_uint_fast64_t requests;
    atomic_uint_fast64_t bytes_in;
    atomic_uint_fast64_t bytes_out;
    atomic_uint_fast64_t wasted_wakeups;
    atomic_uint_fast64_t accept_errors;
    atomic_int pid;
    atomic_int tid;
    /* The worker's own CPU figures, stored as it exits, once /proc forgets it. */
    atomic_uint_fast64_t exit_user_us;
    atomic_uint_fast64_t exit_sys_us;
    /* The listener this worker's process closed, in a whole-server stop: the
     * connections the kernel reset in its accept queue (none when
     * net.ipv4.tcp_migrate_req moved them on). Written by that process. */
    atomic_uint_fast64_t dropped_at_stop;
    /* A worker process that left alone: the connections queued on its own
     * listener as it closed, and what the kernel did with them (enum
     * srv_queue_fate), for the parent's report. */
    atomic_uint_fast64_t queued_at_leave;
    atomic_int leave_fate;
    /* This worker's process holds its own listener open; cleared, once, by
     * whichever process sees it close (srv_shared.listeners_open). */
    atomic_int listener_open;
};

/* Single-writer add: a plain load and store, no locked instruction on the hot path. */
static inline void stats_add(atomic_uint_fast64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

struct stats_row {
    int worker, pid, tid;
    uint64_t accepted, accepted_local, requests, bytes_in, bytes_out, wasted_wakeups,
        accept_errors;
    uint64_t cpu_user_us, cpu_sys_us;
    uint64_t wakeups;        /* voluntary context switches of the worker thread */
    uint64_t steered;        /* connections the strategy's program sent it */
};

struct stats_process {
    const char *strategy, *io;
    uint64_t user_us, sys_us, queue_peak, acceptor_errors;
    uint64_t dropped_at_shutdown;  /* reset in the accept queues at stop (table only) */
    int locality_measured;         /* accepted_local is counted; else it is 0 */
    int steering;                  /* the strategy counts steered; else it is empty */
};

#define STATS_CSV_HEADER "strategy,io,worker,pid,tid,accepted,requests,bytes_in,bytes_out," \
    "wasted_wakeups,accept_errors,cpu_user_us,cpu_sys_us,process_user_us,process_sys_us,queue_peak,acceptor_errors,wakeups," \
    "accepted_local,locality_measured,steered"

/* Copy a worker's counters into a row (CPU fields are left for the caller). */
void stats_read(const struct worker_stats *st, int worker, struct stats_row *row);
/* The /stats body: header line, then one line per row. */
void stats_format_csv(struct csv_buf *b, const struct stats_row *rows, int n,
                      const struct stats_process *p);
/* The human table printed at shutdown. */
void stats_format_table(FILE *out, const struct stats_row *rows, int n,
                        const struct stats_process *p);

#endif
