/* tseries: the per-second time series of the measured window. Each load thread hands
 * in its own one-second interval (a histogram and two counts) when its second ends;
 * the thread that completes a second computes that second's row. Only these hand-ins
 * take the mutex, once per thread per second, never the per-connection path. */
#ifndef ACCEPTBENCH_LOAD_TSERIES_H
#define ACCEPTBENCH_LOAD_TSERIES_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"

#define TSERIES_RING 4   /* seconds that may be open at once (threads lag < 4 s) */

struct tseries_row {
    uint64_t second;        /* 1-based: the interval [second-1, second) after the start */
    double interval_s;      /* 1, except for a last, shorter interval */
    uint64_t completed;
    uint64_t errors;
    uint64_t p50_us;        /* of total latency; 0 when nothing completed */
    uint64_t p99_us;
};

struct tseries_slot {
    int used;
    uint64_t second;
    unsigned contributions;
    uint64_t completed, errors;
    struct hist h;
};

struct tseries {
    pthread_mutex_t mu;
    unsigned nthreads;
    struct tseries_slot ring[TSERIES_RING];
    struct tseries_row *rows;   /* in order of second */
    size_t nrows, cap;
    int oom;
};

/* Returns 0 or -1 (out of memory). */
int tseries_init(struct tseries *ts, unsigned nthreads);
void tseries_free(struct tseries *ts);

/* A thread's figures for `second` (1-based). Each thread adds each second at most
 * once and in increasing order. */
void tseries_add(struct tseries *ts, uint64_t second, const struct hist *h,
                 uint64_t completed, uint64_t errors);

/* After every thread has stopped: turn the seconds some threads never reached into
 * rows, and give the last row its true length, window_s - (second - 1). */
void tseries_finish(struct tseries *ts, double window_s);

/* Copy the latest finished row into *row; returns 0 when there is none yet. Safe to
 * call while threads add. */
int tseries_latest(struct tseries *ts, struct tseries_row *row);

#endif
