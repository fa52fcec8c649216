/* pace: the open-loop schedule, pure arithmetic. Connection n (0-based, counted over
 * all threads) is due at start + n / rate seconds; thread i of T owns the n with
 * n % T == i, so the threads together keep one evenly spaced schedule. A connection
 * started late keeps its scheduled time: latency is measured from it, so a stalled
 * server (or generator) shows in the tail instead of silently lowering the rate
 * (no coordinated omission, as in wrk2). */
#ifndef ACCEPTBENCH_LOAD_PACE_H
#define ACCEPTBENCH_LOAD_PACE_H

#include <stdint.h>

/* A start later than this after its scheduled time counts as a missed schedule. The
 * starts are timed by a timerfd to the nanosecond; lateness comes from a busy loop. */
#define PACE_SLACK_NS 1000000ULL

struct pace {
    uint64_t start_ns;     /* time of connection n = 0 */
    uint64_t rate;         /* connections per second, all threads together */
    uint64_t next_n;       /* global index of this thread's next connection */
    uint64_t stride;       /* number of threads */
    uint64_t end_n;        /* first index not to start (UINT64_MAX: unbounded) */
};

/* Offset in ns after the start at which connection n is due, for rate > 0. Exact in
 * integers for any n that fits the run (no drift from repeated addition). */
uint64_t pace_offset_ns(uint64_t n, uint64_t rate);

/* Thread `index`'s share of `total` items split over `nthreads`: the first
 * total % nthreads threads get one more. Used for --count and --connections. */
uint64_t pace_share(uint64_t total, unsigned nthreads, unsigned index);

/* count == 0 means no end. */
void pace_init(struct pace *s, uint64_t start_ns, uint64_t rate, unsigned nthreads,
                unsigned index, uint64_t count);

/* When the thread's next connection is due, or UINT64_MAX when its share is spent. */
uint64_t pace_due_ns(const struct pace *s);

/* Take the next connection if it is due at now_ns: returns 1 and its scheduled time
 * in *due_ns; else 0. */
int pace_take(struct pace *s, uint64_t now_ns, uint64_t *due_ns);

#endif
