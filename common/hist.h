/* hist: a log-linear latency histogram in the manner of HdrHistogram.
 * Values are microseconds from 1 us to HIST_MAX_US (60 s) with at least three
 * significant decimal digits (relative error under 0.1%). Recording is a few
 * instructions with no branches on the value's magnitude beyond a clz; a
 * histogram is a plain struct (about 140 KiB), one per thread, merged after join. */
#ifndef ACCEPTBENCH_HIST_H
#define ACCEPTBENCH_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_MAX_US        60000000ULL      /* 60 s */
#define HIST_SUB_BITS      11               /* 2048 sub-buckets: 3 significant digits */
#define HIST_SUB_COUNT     (1u << HIST_SUB_BITS)
#define HIST_SUB_HALF      (HIST_SUB_COUNT / 2)
#define HIST_MAGNITUDES    16               /* 2048 << 15 > 60e6 */
#define HIST_SLOTS         ((HIST_MAGNITUDES + 1) * HIST_SUB_HALF)

struct hist {
    uint64_t counts[HIST_SLOTS];
    uint64_t total;       /* values recorded, including clamped ones */
    uint64_t clamped;     /* values above HIST_MAX_US, recorded as HIST_MAX_US */
    uint64_t min_us;      /* UINT64_MAX when empty */
    uint64_t max_us;      /* exact, before clamping */
    double sum_us;
};

void hist_init(struct hist *h);
void hist_record(struct hist *h, uint64_t us);
void hist_merge(struct hist *dst, const struct hist *src);

/* The value at percentile p (0..100): the highest value equivalent to the bucket
 * holding the ceil(p/100 * total)-th value, capped at the exact max. 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);

/* HdrHistogram's "percentile distribution": visit one row per step, where steps
 * halve the distance to 100% `ticks_per_half` times per halving (HdrHistogram uses
 * 5), ending with the max at percentile 100. The callback gets the value, the
 * percentile (0..100) and the count of values at or below it. */
typedef void (*hist_row_fn)(void *ctx, uint64_t value_us, double percentile,
                            uint64_t count_at_or_below);
void hist_percentile_rows(const struct hist *h, int ticks_per_half, hist_row_fn fn,
                          void *ctx);

#endif
