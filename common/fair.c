/* fair: Jain's index, coefficient of variation and max/min of per-worker counts. */
#include "fair.h"

#include <math.h>

void fair_compute(const uint64_t *counts, size_t n, struct fair *out)
{
    double mean;
    double sq = 0.0;    /* sum of x^2, for Jain */
    double dev = 0.0;   /* sum of (x - mean)^2, for the stddev */

    out->jain = NAN;
    out->cv = NAN;
    out->max_min = NAN;
    out->mean = NAN;   /* the mean of nothing; an all-zero vector has mean 0 */
    out->min = 0;
    out->max = 0;
    out->sum = 0;
    if (n == 0)
        return;

    out->min = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        double x = (double)counts[i];

        out->sum += counts[i];
        sq += x * x;
        if (counts[i] < out->min)
            out->min = counts[i];
        if (counts[i] > out->max)
            out->max = counts[i];
    }
    mean = (double)out->sum / (double)n;
    out->mean = mean;
    if (out->sum == 0)
        return;   /* nobody got anything: no spread to speak of */

    /* Two passes: sum(x^2)/n - mean^2 cancels catastrophically when the counts
     * are large and nearly equal, which is exactly the fair case we care about. */
    for (size_t i = 0; i < n; i++) {
        double d = (double)counts[i] - mean;
        dev += d * d;
    }
    out->jain = (double)out->sum * (double)out->sum / ((double)n * sq);
    out->cv = sqrt(dev / (double)n) / mean;
    out->max_min = out->min == 0 ? INFINITY : (double)out->max / (double)out->min;
}
