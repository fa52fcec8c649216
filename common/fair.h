/* fair: how evenly connections were spread over workers. Pure arithmetic. */
#ifndef ACCEPTBENCH_FAIR_H
#define ACCEPTBENCH_FAIR_H

#include <stddef.h>
#include <stdint.h>

struct fair {
    double jain;     /* Jain's index (sum x)^2 / (n * sum x^2): 1 = even, 1/n = one takes all */
    double cv;       /* coefficient of variation: population stddev / mean */
    double max_min;  /* max / min; INFINITY when some worker got nothing */
    double mean;
    uint64_t min;
    uint64_t max;
    uint64_t sum;
};

/* n == 0 or all counts zero: every ratio is NAN (undefined), sums are 0. */
void fair_compute(const uint64_t *counts, size_t n, struct fair *out);

#endif
