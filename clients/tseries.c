/* tseries: per-second rows assembled from the threads' one-second intervals. */
#include "tseries.h"

#include <stdlib.h>
#include <string.h>

int tseries_init(struct tseries *ts, unsigned nthreads)
{
    memset(ts, 0, sizeof *ts);
    ts->nthreads = nthreads;
    for (int i = 0; i < TSERIES_RING; i++)
        hist_init(&ts->ring[i].h);
    return pthread_mutex_init(&ts->mu, NULL) == 0 ? 0 : -1;
}

void tseries_free(struct tseries *ts)
{
    pthread_mutex_destroy(&ts->mu);
    free(ts->rows);
    ts->rows = NULL;
    ts->nrows = ts->cap = 0;
}

/* Turn a slot into a row and empty it. Called with the mutex held. */
static void finalize(struct tseries *ts, struct tseries_slot *s)
{
    if (ts->nrows == ts->cap) {
        size_t cap = ts->cap ? ts->cap * 2 : 64;
        struct tseries_row *r = realloc(ts->rows, cap * sizeof *r);
        if (!r) {
            ts->oom = 1;
            goto empty;
        }
        ts->rows = r;
        ts->cap = cap;
    }
    struct tseries_row *row = &ts->rows[ts->nrows++];
    row->second = s->second;
    row->interval_s = 1.0;
    row->completed = s->completed;
    row->errors = s->errors;
    row->p50_us = hist_percentile(&s->h, 50.0);
    row->p99_us = hist_percentile(&s->h, 99.0);
empty:
    s->used = 0;
    s->contributions = 0;
    s->completed = s->errors = 0;
    hist_init(&s->h);
}

/* Finalize every open slot for a second before `limit`, oldest first. */
static void finalize_before(struct tseries *ts, uint64_t limit)
{
    for (;;) {
        struct tseries_slot *oldest = NULL;
        for (int i = 0; i < TSERIES_RING; i++) {
            struct tseries_slot *s = &ts->ring[i];
            if (s->used && s->second < limit && (!oldest || s->second < oldest->second))
                oldest = s;
        }
        if (!oldest)
            return;
        finalize(ts, oldest);
    }
}

void tseries_add(struct tseries *ts, uint64_t second, const struct hist *h,
                 uint64_t completed, uint64_t errors)
{
    pthread_mutex_lock(&ts->mu);
    struct tseries_slot *s = &ts->ring[second % TSERIES_RING];
    if (s->used && s->second != second) {
        /* A thread lagged a whole ring behind: close what is older than this second
         * with the contributions it has, so rows stay in order. */
        finalize_before(ts, second);
    }
    if (!s->used) {
        /* No older second needs closing here: every thread adds its seconds in
         * order, so a second is complete only after all older ones are. */
        s->used = 1;
        s->second = second;
    }
    hist_merge(&s->h, h);
    s->completed += completed;
    s->errors += errors;
    if (++s->contributions == ts->nthreads) {
        finalize_before(ts, second);
        finalize(ts, s);
    }
    pthread_mutex_unlock(&ts->mu);
}

void tseries_finish(struct tseries *ts, double window_s)
{
    pthread_mutex_lock(&ts->mu);
    finalize_before(ts, UINT64_MAX);
    if (ts->nrows > 0) {
        struct tseries_row *last = &ts->rows[ts->nrows - 1];
        double len = window_s - (double)(last->second - 1);
        if (len > 0 && len < 1.0)
            last->interval_s = len;
    }
    pthread_mutex_unlock(&ts->mu);
}

int tseries_latest(struct tseries *ts, struct tseries_row *row)
{
    pthread_mutex_lock(&ts->mu);
    int have = ts->nrows > 0;
    if (have)
        *row = ts->rows[ts->nrows - 1];
    pthread_mutex_unlock(&ts->mu);
    return have;
}
