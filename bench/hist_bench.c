/* hist_bench: how long one hist_record call takes.
 *
 * The values are drawn before the clock starts, so the figure is the histogram's
 * cost alone, not the generator's. They are spread log-uniformly from 0 to past
 * HIST_MAX_US, as latencies of a loaded server are, so every magnitude and the
 * clamp path take their share and the branch predictor cannot learn one slot.
 * hist_record lives in another translation unit and is called through the
 * library as the load generator calls it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hist.h"
#include "units.h"

#define DEFAULT_COUNT 100000000ULL

static void usage(FILE *f)
{
    fprintf(f, "usage: hist_bench [COUNT]\n"
               "Time hist_record over COUNT pre-drawn values (default 100M; e.g. 10M).\n");
}

/* xorshift64*: a few cycles per value, good enough to defeat prediction. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

/* 0..2^27-1 (134 s) with a log-uniform magnitude: pick a bit length, then a
 * value of that length. */
static void fill(uint32_t *vals, uint64_t n)
{
    uint64_t s = 0x853c49e6748fea9bULL;

    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = rng_next(&s);
        unsigned bits = (unsigned)(r >> 59) % 28;
        uint64_t top = bits == 0 ? 0 : 1ULL << (bits - 1);

        vals[i] = top == 0 ? 0 : (uint32_t)(top | (r & (top - 1)));
    }
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    uint64_t n = DEFAULT_COUNT;
    struct hist *h;
    uint32_t *vals;
    char err[256];
    double t0;
    double t1;

    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc > 2) {
        usage(stderr);
        return 2;
    }
    if (argc == 2 && (units_parse_count(argv[1], &n, err, sizeof(err)) != 0 || n == 0)) {
        fprintf(stderr, "hist_bench: COUNT: %s\n", n == 0 ? "must be at least 1" : err);
        return 2;
    }
    /* 32-bit values halve the memory (400 MB for 100M); 2^27 fits easily. */
    vals = malloc(n * sizeof(*vals));
    h = malloc(sizeof(*h));
    if (vals == NULL || h == NULL) {
        fprintf(stderr, "hist_bench: malloc: out of memory for %llu values\n",
                (unsigned long long)n);
        return 1;
    }
    fill(vals, n);
    hist_init(h);

    t0 = now_ns();
    for (uint64_t i = 0; i < n; i++)
        hist_record(h, vals[i]);
    t1 = now_ns();

    /* Reading the result keeps a link-time optimiser from dropping the loop. */
    if (h->total != n) {
        fprintf(stderr, "hist_bench: recorded %llu of %llu values\n",
                (unsigned long long)h->total, (unsigned long long)n);
        return 1;
    }
    printf("hist_record: %.1f ns/value (%llu values)\n", (t1 - t0) / (double)n,
           (unsigned long long)n);
    free(vals);
    free(h);
    return 0;
}
