/* hist: log-linear latency histogram.
 *
 * Layout. Values below HIST_SUB_COUNT (2048) get one slot each, so they are
 * exact. Above that, each power-of-two range [1024 << s, 2048 << s) for s = 1..15
 * is cut into HIST_SUB_HALF (1024) slots of width 1 << s. A slot's width is thus
 * at most 1/1024 of the values in it: under 0.1% relative error, three
 * significant digits. Slot numbers run on without gaps:
 *
 *   s = 0:  slots     0 .. 2047  hold  0 .. 2047           (width 1)
 *   s = 1:  slots  2048 .. 3071  hold  2048 .. 4095        (width 2)
 *   s = 2:  slots  3072 .. 4095  hold  4096 .. 8191        (width 4)
 *   ...
 *   s = 15: slots 16384 .. 17407 hold  33554432 .. 67108863 (width 32768)
 *
 * which is exactly HIST_SLOTS = 17 * 1024. For a value v, s is how far v's top
 * bit sits above bit 10, and the slot is (s << 10) + (v >> s): for s >= 1,
 * v >> s lies in [1024, 2048), so the ranges butt against each other. OR-ing
 * 2047 into v before the clz makes every value below 2048 land in s = 0 without
 * a branch.
 *
 * Zero is recorded as itself (slot 0): a connection that completes within the
 * clock's microsecond is a real observation, not an error, so it is neither
 * clamped nor counted in `clamped`. */
#include "hist.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define HIST_LOW_BITS (HIST_SUB_BITS - 1)   /* log2(HIST_SUB_HALF) */

static inline unsigned hist_slot(uint64_t v)
{
    unsigned top = 63u - (unsigned)__builtin_clzll(v | (HIST_SUB_COUNT - 1));
    unsigned s = top - HIST_LOW_BITS;

    return (s << HIST_LOW_BITS) + (unsigned)(v >> s);
}

static unsigned hist_slot_shift(unsigned slot)
{
    return slot < HIST_SUB_COUNT ? 0 : (slot >> HIST_LOW_BITS) - 1;
}

/* The largest value that lands in the slot (its "highest equivalent value"). */
static uint64_t hist_slot_high(unsigned slot)
{
    unsigned s = hist_slot_shift(slot);
    uint64_t sub = slot - ((uint64_t)s << HIST_LOW_BITS);

    return ((sub + 1) << s) - 1;
}

/* Nothing above min(max_us, HIST_MAX_US) was recorded in any slot, so a slot's
 * upper edge past it would report a value nobody saw. */
static uint64_t hist_cap(const struct hist *h, uint64_t v)
{
    uint64_t top = h->max_us < HIST_MAX_US ? h->max_us : HIST_MAX_US;

    return v < top ? v : top;
}

void hist_init(struct hist *h)
{
    memset(h->counts, 0, sizeof(h->counts));
    h->total = 0;
    h->clamped = 0;
    h->min_us = UINT64_MAX;
    h->max_us = 0;
    h->sum_us = 0.0;
}

void hist_record(struct hist *h, uint64_t us)
{
    uint64_t over = us > HIST_MAX_US;
    uint64_t v = over ? HIST_MAX_US : us;

    h->counts[hist_slot(v)]++;
    h->total++;
    h->clamped += over;
    if (us < h->min_us)
        h->min_us = us;
    if (us > h->max_us)
        h->max_us = us;
    h->sum_us += (double)us;   /* the unclamped value: the mean stays exact */
}

void hist_merge(struct hist *dst, const struct hist *src)
{
    for (size_t i = 0; i < HIST_SLOTS; i++)
        dst->counts[i] += src->counts[i];
    dst->total += src->total;
    dst->clamped += src->clamped;
    if (src->min_us < dst->min_us)
        dst->min_us = src->min_us;
    if (src->max_us > dst->max_us)
        dst->max_us = src->max_us;
    dst->sum_us += src->sum_us;
}

/* ceil(p/100 * total), at least 1. p*total/100 is computed in floating point, so
 * 50% of 10000 may come out as 5000.000000000001; a tolerance of a few ulps keeps
 * that from becoming rank 5001. */
static uint64_t hist_rank(double p, uint64_t total)
{
    double x = p * (double)total / 100.0;
    double r = ceil(x - x * 8 * DBL_EPSILON);

    if (r < 1.0)
        return 1;
    if (r >= (double)total)
        return total;
    return (uint64_t)r;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
    uint64_t rank;
    uint64_t seen = 0;

    if (h->total == 0)
        return 0;
    if (!(p > 0.0))   /* also catches NAN */
        p = 0.0;
    if (p > 100.0)
        p = 100.0;
    rank = hist_rank(p, h->total);
    for (unsigned i = 0; i < HIST_SLOTS; i++) {
        seen += h->counts[i];
        if (seen >= rank)
            return hist_cap(h, hist_slot_high(i));
    }
    return hist_cap(h, h->max_us);   /* only if counts and total disagree */
}

double hist_mean(const struct hist *h)
{
    /* 0 when empty, as hist_percentile: callers test total to print "no value". */
    return h->total ? h->sum_us / (double)h->total : 0.0;
}

/* The percentile level after `level`: HdrHistogram's reporting steps. Each time
 * the distance to 100% halves, the step halves too, so the tail gets as many
 * rows as the body: with 5 ticks, 0 10 20 .. 50, 55 60 .. 75, 77.5 .. 87.5, ... */
static double hist_next_level(double level, int ticks)
{
    double dist = 100.0 - level;
    double bound = 50.0;
    int halvings = 0;

    while (dist <= bound && halvings < 1000) {
        halvings++;
        bound /= 2.0;
    }
    return level + ldexp(100.0 / ticks, -(halvings + 1));
}

void hist_percentile_rows(const struct hist *h, int ticks_per_half, hist_row_fn fn,
                          void *ctx)
{
    double level = 0.0;
    uint64_t seen = 0;

    if (h->total == 0)
        return;
    if (ticks_per_half < 1)
        ticks_per_half = 1;
    for (unsigned i = 0; i < HIST_SLOTS && seen < h->total; i++) {
        double reached;
        uint64_t v;

        if (h->counts[i] == 0)
            continue;
        seen += h->counts[i];
        reached = 100.0 * (double)seen / (double)h->total;
        v = hist_cap(h, hist_slot_high(i));
        /* A slot holding many values reports every level it spans. The last
         * slot reports once: from there the levels only creep towards 100,
         * and the row at 100 below closes the table. */
        while (level <= reached && level < 100.0) {
            double next = hist_next_level(level, ticks_per_half);

            fn(ctx, v, level, seen);
            level = next > level ? next : 100.0;   /* a double has no step left */
            if (seen == h->total)
                break;
        }
    }
    fn(ctx, hist_percentile(h, 100.0), 100.0, h->total);
}
