/* srvstats: the server's /stats CSV (docs/protocol.md), parsed by column name so that
 * new or reordered columns do not break it, and the difference of two snapshots.
 * Pure: text in, structs out. */
#ifndef ACCEPTBENCH_LOAD_SRVSTATS_H
#define ACCEPTBENCH_LOAD_SRVSTATS_H

#include <stddef.h>
#include <stdint.h>

/* Numeric columns this reader knows; a bit per column says it was present. */
enum srvstats_col {
    SRVSTATS_ACCEPTED,
    SRVSTATS_REQUESTS,
    SRVSTATS_BYTES_IN,
    SRVSTATS_BYTES_OUT,
    SRVSTATS_WASTED_WAKEUPS,
    SRVSTATS_ACCEPT_ERRORS,
    SRVSTATS_CPU_USER_US,
    SRVSTATS_CPU_SYS_US,
    SRVSTATS_PROCESS_USER_US,
    SRVSTATS_PROCESS_SYS_US,
    SRVSTATS_QUEUE_PEAK,
    SRVSTATS_ACCEPTED_LOCAL,
    SRVSTATS_LOCALITY_MEASURED,        /* 0/1 on every row: accepted_local is counted */
    SRVSTATS_PID,                      /* the worker's process and thread: who to count */
    SRVSTATS_TID,
    SRVSTATS_NCOLS
};

struct srvstats_worker {
    long worker;                       /* the `worker` column */
    uint64_t v[SRVSTATS_NCOLS];        /* indexed by enum srvstats_col */
};

struct srvstats {
    char strategy[32];                 /* "" when the column is absent */
    char io[32];
    unsigned present;                  /* bit (1u << col) for each column found */
    size_t nworkers;
    struct srvstats_worker *w;         /* sorted by worker index */
};

/* Parse a /stats body. Requires a header with `worker` and `accepted` and at least
 * one row. Returns 0, or -1 with a message naming the line. On success the caller
 * frees *out with srvstats_free. */
int srvstats_parse(const char *csv, size_t len, struct srvstats *out, char *err,
                   size_t errlen);

/* after - before, worker by worker; queue_peak, locality_measured, pid and tid of
 * `after` are kept as they are, where a difference means nothing (a maximum, a
 * setting, a name).
 * Fails when the worker sets differ or a counter went down (server restarted). */
int srvstats_delta(const struct srvstats *before, const struct srvstats *after,
                   struct srvstats *delta, char *err, size_t errlen);

/* The sum of a per-worker column over all workers. The process_* columns repeat the
 * same figure on every row: read them with srvstats_process instead. */
uint64_t srvstats_sum(const struct srvstats *s, enum srvstats_col col);

/* A whole-process column (process_user_us, process_sys_us, locality_measured): the
 * first row's value. */
uint64_t srvstats_process(const struct srvstats *s, enum srvstats_col col);

int srvstats_has(const struct srvstats *s, enum srvstats_col col);

/* Did the server count accepted_local (locality_measured 1)? 0 when it did not, or
 * when its /stats predates the columns. */
int srvstats_locality_measured(const struct srvstats *s);

void srvstats_free(struct srvstats *s);

#endif
