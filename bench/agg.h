/* agg: group the rows of a results folder's summary.csv by configuration
 * (label, strategy, io, workers, connections, rate) and keep every repeat's value of
 * each headline metric, so reports take medians and ranges and comparisons can
 * test whole samples. Pure: tables in, numbers out. */
#ifndef ACCEPTBENCH_AGG_H
#define ACCEPTBENCH_AGG_H

#include <stddef.h>

#include "table.h"

enum agg_metric {
    AGG_CONN_PER_S,
    AGG_TOTAL_P50_US,
    AGG_TOTAL_P99_US,
    AGG_TOTAL_P999_US,
    AGG_CONNECT_P99_US,
    AGG_JAIN_INDEX,
    AGG_SERVER_USER_MS_PER_1K,   /* server user CPU, ms per 1,000 connections */
    AGG_SERVER_SYS_MS_PER_1K,
    AGG_WASTED_PER_1K,           /* wasted wake-ups per 1,000 connections */
    AGG_ERRORS,                  /* every errors_* column added up */
    AGG_CLIENT_SATURATED,
    AGG_CONN_PER_S_REL,          /* conn/s over the geometric mean of every
                                    configuration's conn/s in the same repeat */
    /* From the optional host columns (--server-cpus, --client-cpus): NAN in rows
     * without them. Each side's six in this order (agg.c relies on it): its CPU
     * set's busy time (everything but idle) per 1,000 connections, the user, sys,
     * softirq and irq parts of it, and the busy share. */
    AGG_SERVER_HOST_MS_PER_1K,
    AGG_SERVER_HOST_USER_MS_PER_1K,
    AGG_SERVER_HOST_SYS_MS_PER_1K,
    AGG_SERVER_HOST_SOFTIRQ_MS_PER_1K,
    AGG_SERVER_HOST_IRQ_MS_PER_1K,
    AGG_SERVER_HOST_BUSY_PCT,
    AGG_CLIENT_HOST_MS_PER_1K,
    AGG_CLIENT_HOST_USER_MS_PER_1K,
    AGG_CLIENT_HOST_SYS_MS_PER_1K,
    AGG_CLIENT_HOST_SOFTIRQ_MS_PER_1K,
    AGG_CLIENT_HOST_IRQ_MS_PER_1K,
    AGG_CLIENT_HOST_BUSY_PCT,
    AGG_SERVER_SATURATED,        /* empty without --server-cpus */
    /* From the optional kernel-counter columns (acceptbench-load --kernel-counters):
     * each is its summary.csv column as is, named alike, NAN in rows without it.
     * Per connection for each side (agg.c relies on this order: the first of them
     * starts the copied block), then the TCP counters' counts over the window. */
    AGG_SERVER_SYSCALLS_PER_CONN,
    AGG_SERVER_CONTEXT_SWITCHES_PER_CONN,
    AGG_SERVER_MIGRATIONS_PER_CONN,
    AGG_CLIENT_SYSCALLS_PER_CONN,
    AGG_CLIENT_CONTEXT_SWITCHES_PER_CONN,
    AGG_CLIENT_MIGRATIONS_PER_CONN,
    AGG_TCP_LISTEN_OVERFLOWS,
    AGG_TCP_LISTEN_DROPS,
    AGG_TCP_REQ_Q_FULL_DROP,
    AGG_TCP_REQ_Q_FULL_DO_COOKIES,
    AGG_TCP_SYNCOOKIES_SENT,
    AGG_TCP_SYN_RETRANS,
    AGG_TCP_TIME_WAIT_OVERFLOW,
    AGG_TCP_ABORT_ON_DATA,
    AGG_TCP_ABORT_ON_CLOSE,
    AGG_TCP_ABORT_ON_TIMEOUT,
    AGG_TCP_BACKLOG_DROP,
    AGG_TCP_ATTEMPT_FAILS,
    AGG_TCP_ESTAB_RESETS,
    AGG_TCP_OUT_RSTS,
    AGG_TCP_RETRANS_SEGS,
    AGG_NMETRICS
};

/* The first and last of the copied kernel-counter metrics, and the first TCP one. */
#define AGG_FIRST_COPIED AGG_SERVER_SYSCALLS_PER_CONN
#define AGG_FIRST_TCP AGG_TCP_LISTEN_OVERFLOWS

/* Name of a metric as used in aggregate.csv and the baseline files. */
const char *agg_metric_name(enum agg_metric m);
/* Decimals it is written with in aggregate.csv: 4 for the per-connection counts
 * (acceptbench-load writes them so), 3 for the rest. */
int agg_metric_decimals(enum agg_metric m);
int agg_metric_by_name(const char *name);   /* -1 when unknown */

struct agg_group {
    /* The run's --label: run_bench.sh names every axis that varied in it
     * (reuseport/epoll/process/echo), so it tells apart what the columns cannot
     * (the model). */
    char label[96], strategy[32], io[32];
    long workers, connections, rate;
    size_t n;                          /* repeats */
    double *v[AGG_NMETRICS];           /* n samples each; NAN where undefined */
};

struct agg {
    struct agg_group *g;
    size_t n;
    long *row_group;                   /* per summary row: its group, or -1 (partial) */
    size_t rows;
};

/* Group summary rows in the order configurations first appear. Rows marked
 * partial are skipped (a cut-short run is not a repeat). The k-th row of a
 * configuration is its repeat k: run_bench.sh interleaves repeats, so the k-th
 * samples of all configurations ran close together in time, and their ratio
 * (AGG_CONN_PER_S_REL) cancels what the machine did to all of them alike. Returns 0, or -1 with a
 * message naming the missing column. */
int agg_build(const struct table *summary, struct agg *out, char *err, size_t errlen);
void agg_free(struct agg *a);
/* The configuration without the swept numbers: its label (spaces made '_'), or
 * "pool/epoll" (strategy/io) for a run without one. Configurations that differ only in workers, connections or
 * rate share it: one line each on a chart of a sweep. */
void agg_series_name(const struct agg_group *g, char *buf, size_t len);
/* The series name, plus " w4" / " c50" / " r1000" where the folder sweeps them. */
void agg_group_name(const struct agg *a, const struct agg_group *g, char *buf, size_t len);
/* The group with the same configuration, or NULL. */
const struct agg_group *agg_find(const struct agg *a, const struct agg_group *like);

/* Statistics over the finite values of v[0..n): NAN when there are none. */
double agg_median(const double *v, size_t n);
double agg_min(const double *v, size_t n);
double agg_max(const double *v, size_t n);

#endif
