/* tally: per-thread counters and histograms of the measured window. */
#include "tally.h"

#include <string.h>

static const char *const err_names[TALLY_ERR_COUNT] = {
    "refused", "reset", "timeout", "addrnotavail", "status", "short", "malformed", "other",
};

void tally_init(struct tally *t)
{
    memset(t, 0, sizeof *t);
    hist_init(&t->connect);
    hist_init(&t->first_byte);
    hist_init(&t->total);
}

void tally_merge(struct tally *dst, const struct tally *src)
{
    dst->completed += src->completed;
    dst->requests += src->requests;
    dst->bytes_in += src->bytes_in;
    dst->bytes_out += src->bytes_out;
    for (int i = 0; i < TALLY_ERR_COUNT; i++)
        dst->errors[i] += src->errors[i];
    for (int i = 0; i < TALLY_MAX_WORKERS; i++)
        dst->workers[i] += src->workers[i];
    dst->worker_none += src->worker_none;
    dst->worker_bad += src->worker_bad;
    dst->sched_starts += src->sched_starts;
    dst->sched_late += src->sched_late;
    if (src->sched_lag_max_ns > dst->sched_lag_max_ns)
        dst->sched_lag_max_ns = src->sched_lag_max_ns;
    hist_merge(&dst->connect, &src->connect);
    hist_merge(&dst->first_byte, &src->first_byte);
    hist_merge(&dst->total, &src->total);
}

uint64_t tally_errors(const struct tally *t)
{
    uint64_t n = 0;
    for (int i = 0; i < TALLY_ERR_COUNT; i++)
        n += t->errors[i];
    return n;
}

void tally_worker(struct tally *t, int worker)
{
    if (worker == -1)
        t->worker_none++;
    else if (worker < 0 || worker >= TALLY_MAX_WORKERS)
        t->worker_bad++;
    else
        t->workers[worker]++;
}

unsigned tally_worker_span(const struct tally *t)
{
    unsigned n = TALLY_MAX_WORKERS;
    while (n > 0 && t->workers[n - 1] == 0)
        n--;
    return n;
}

const char *tally_err_name(int cls)
{
    return cls >= 0 && cls < TALLY_ERR_COUNT ? err_names[cls] : "?";
}
