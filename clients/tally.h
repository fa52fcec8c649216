/* tally: what one thread counted during the measured window, merged after join.
 * Pure data and arithmetic; each thread owns its tally alone, so nothing is atomic. */
#ifndef ACCEPTBENCH_LOAD_TALLY_H
#define ACCEPTBENCH_LOAD_TALLY_H

#include <stdint.h>

#include "hist.h"

/* Error classes, in the order of their CSV columns. */
enum tally_err {
    TALLY_ERR_REFUSED,        /* ECONNREFUSED: nothing listening, or the kernel said no */
    TALLY_ERR_RESET,          /* ECONNRESET / EPIPE during the exchange */
    TALLY_ERR_TIMEOUT,        /* --timeout passed, or the kernel gave up (ETIMEDOUT) */
    TALLY_ERR_ADDRNOTAVAIL,   /* EADDRNOTAVAIL: no free local port for the 4-tuple */
    TALLY_ERR_STATUS,         /* a reply that reports failure (HTTP non-200) */
    TALLY_ERR_SHORT,          /* the server closed before the reply was complete */
    TALLY_ERR_MALFORMED,      /* a reply that does not parse */
    TALLY_ERR_OTHER,          /* anything else (EMFILE, ENOBUFS, ...) */
    TALLY_ERR_COUNT
};

#define TALLY_MAX_WORKERS 1024

struct tally {
    uint64_t completed;       /* connections whose every request got a good reply */
    uint64_t requests;        /* requests answered on completed connections */
    uint64_t bytes_in;        /* reply bytes read, every connection */
    uint64_t bytes_out;       /* request bytes written, every connection */
    uint64_t errors[TALLY_ERR_COUNT];
    uint64_t workers[TALLY_MAX_WORKERS];  /* completed connections by X-Worker of the last reply */
    uint64_t worker_none;     /* completed connections whose reply had no X-Worker */
    uint64_t worker_bad;      /* X-Worker present but not an index below TALLY_MAX_WORKERS */
    uint64_t sched_starts;    /* open loop: connections started on the schedule */
    uint64_t sched_late;      /* open loop: starts later than PACE_SLACK_NS */
    uint64_t sched_lag_max_ns;
    struct hist connect;      /* us from connect() to established */
    struct hist first_byte;   /* us from the scheduled start to the first reply byte */
    struct hist total;        /* us from the scheduled start to the last reply byte */
};

void tally_init(struct tally *t);
void tally_merge(struct tally *dst, const struct tally *src);
uint64_t tally_errors(const struct tally *t);
/* Record one completed connection's worker id (-1: no header, -2: unreadable). */
void tally_worker(struct tally *t, int worker);
/* Highest worker index seen plus one (0 when no reply named a worker). */
unsigned tally_worker_span(const struct tally *t);
/* "refused", "reset", ... : the CSV column suffix and terminal word of a class. */
const char *tally_err_name(int cls);

#endif
