/* srvstats: read the /stats CSV by column name and subtract two snapshots. */
#include "srvstats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

#define MAX_FIELDS 64

static const char *const col_names[SRVSTATS_NCOLS] = {
    "accepted", "requests", "bytes_in", "bytes_out", "wasted_wakeups", "accept_errors",
    "cpu_user_us", "cpu_sys_us", "process_user_us", "process_sys_us", "queue_peak",
    "accepted_local", "locality_measured", "pid", "tid",
};

/* Columns that are not counters: a difference of two snapshots means nothing. */
static int is_level(int c)
{
    return c == SRVSTATS_QUEUE_PEAK || c == SRVSTATS_LOCALITY_MEASURED ||
           c == SRVSTATS_PID || c == SRVSTATS_TID;
}

/* Which input column feeds what. */
enum { ROLE_IGNORE = -1, ROLE_WORKER = -2, ROLE_STRATEGY = -3, ROLE_IO = -4 };

/* A decimal count: no sign, under 32 characters (20 digits hold any u64). */
static int parse_u64(const char *s, uint64_t *out)
{
    if (*s == '\0' || strlen(s) >= 32 || s[0] == '-' || s[0] == '+')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int cmp_worker(const void *a, const void *b)
{
    const struct srvstats_worker *x = a, *y = b;
    return (x->worker > y->worker) - (x->worker < y->worker);
}

int srvstats_parse(const char *csv, size_t len, struct srvstats *out, char *err,
                   size_t errlen)
{
    memset(out, 0, sizeof *out);
    int role[MAX_FIELDS];
    int ncols = 0, lineno = 0, have_worker = 0;
    size_t cap = 0;
    char *f[MAX_FIELDS];
    char *text = malloc(len + 1);
    if (!text) {
        snprintf(err, errlen, "/stats: out of memory");
        return -1;
    }
    memcpy(text, csv, len);
    text[len] = '\0';
    char *p = text, *end = text + len;
    while (p < end) {
        /* One record per line: cut the line out before table_split sees it, so that
         * a quote left open at the line end is an error, not a field going on. */
        char *line = p, *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        p = nl ? nl + 1 : end;
        lineno++;
        if (le > line && le[-1] == '\r')
            le--;
        *le = '\0';
        if (le == line)
            continue;                              /* tolerate blank lines */
        long n = table_split(&line, f, MAX_FIELDS);
        if (n < 0 || n > MAX_FIELDS) {
            snprintf(err, errlen, "/stats line %d: unbalanced quote or more than %d fields",
                     lineno, MAX_FIELDS);
            goto fail;
        }
        if (ncols == 0) {                          /* the header */
            ncols = (int)n;
            for (int i = 0; i < ncols; i++) {
                role[i] = ROLE_IGNORE;
                if (strcmp(f[i], "worker") == 0)
                    role[i] = ROLE_WORKER, have_worker = 1;
                else if (strcmp(f[i], "strategy") == 0)
                    role[i] = ROLE_STRATEGY;
                else if (strcmp(f[i], "io") == 0)
                    role[i] = ROLE_IO;
                for (int c = 0; c < SRVSTATS_NCOLS; c++)
                    if (strcmp(f[i], col_names[c]) == 0) {
                        role[i] = c;
                        out->present |= 1u << c;
                    }
            }
            if (!have_worker || !srvstats_has(out, SRVSTATS_ACCEPTED)) {
                snprintf(err, errlen, "/stats header lacks the worker or accepted column");
                goto fail;
            }
        } else {
            if (n != ncols) {
                snprintf(err, errlen, "/stats line %d: %ld fields, header has %d", lineno, n,
                         ncols);
                goto fail;
            }
            if (out->nworkers == cap) {
                cap = cap ? cap * 2 : 16;
                struct srvstats_worker *w = realloc(out->w, cap * sizeof *w);
                if (!w) {
                    snprintf(err, errlen, "/stats: out of memory");
                    goto fail;
                }
                out->w = w;
            }
            struct srvstats_worker *w = &out->w[out->nworkers];
            memset(w, 0, sizeof *w);
            for (int i = 0; i < ncols; i++) {
                uint64_t v;
                if (role[i] == ROLE_STRATEGY)
                    snprintf(out->strategy, sizeof out->strategy, "%s", f[i]);
                else if (role[i] == ROLE_IO)
                    snprintf(out->io, sizeof out->io, "%s", f[i]);
                else if (role[i] == ROLE_WORKER || role[i] >= 0) {
                    if (parse_u64(f[i], &v) < 0) {
                        snprintf(err, errlen, "/stats line %d: field %d is not a count: '%.32s'",
                                 lineno, i + 1, f[i]);
                        goto fail;
                    }
                    if (role[i] == ROLE_WORKER)
                        w->worker = (long)v;
                    else
                        w->v[role[i]] = v;
                }
            }
            out->nworkers++;
        }
    }
    if (out->nworkers == 0) {
        snprintf(err, errlen, "/stats has no worker rows");
        goto fail;
    }
    free(text);
    text = NULL;
    qsort(out->w, out->nworkers, sizeof *out->w, cmp_worker);
    for (size_t i = 1; i < out->nworkers; i++)
        if (out->w[i].worker == out->w[i - 1].worker) {
            snprintf(err, errlen, "/stats lists worker %ld twice", out->w[i].worker);
            goto fail;
        }
    return 0;
fail:
    free(text);
    srvstats_free(out);
    return -1;
}

int srvstats_delta(const struct srvstats *before, const struct srvstats *after,
                   struct srvstats *delta, char *err, size_t errlen)
{
    memset(delta, 0, sizeof *delta);
    if (before->nworkers != after->nworkers) {
        snprintf(err, errlen, "/stats: %zu workers before, %zu after", before->nworkers,
                 after->nworkers);
        return -1;
    }
    delta->w = calloc(after->nworkers ? after->nworkers : 1, sizeof *delta->w);
    if (!delta->w) {
        snprintf(err, errlen, "/stats: out of memory");
        return -1;
    }
    memcpy(delta->strategy, after->strategy, sizeof delta->strategy);
    memcpy(delta->io, after->io, sizeof delta->io);
    delta->present = before->present & after->present;
    delta->nworkers = after->nworkers;
    for (size_t i = 0; i < after->nworkers; i++) {
        const struct srvstats_worker *a = &after->w[i], *b = &before->w[i];
        struct srvstats_worker *d = &delta->w[i];
        if (a->worker != b->worker) {
            snprintf(err, errlen, "/stats: worker %ld before, %ld after", b->worker, a->worker);
            goto fail;
        }
        d->worker = a->worker;
        for (int c = 0; c < SRVSTATS_NCOLS; c++) {
            if (is_level(c)) {
                d->v[c] = a->v[c];
                continue;
            }
            if (a->v[c] < b->v[c]) {
                snprintf(err, errlen, "/stats: %s of worker %ld went down (%llu -> %llu); "
                         "was the server restarted?", col_names[c], a->worker,
                         (unsigned long long)b->v[c], (unsigned long long)a->v[c]);
                goto fail;
            }
            d->v[c] = a->v[c] - b->v[c];
        }
    }
    return 0;
fail:
    srvstats_free(delta);
    return -1;
}

uint64_t srvstats_sum(const struct srvstats *s, enum srvstats_col col)
{
    uint64_t n = 0;
    for (size_t i = 0; i < s->nworkers; i++)
        n += s->w[i].v[col];
    return n;
}

uint64_t srvstats_process(const struct srvstats *s, enum srvstats_col col)
{
    return s->nworkers ? s->w[0].v[col] : 0;
}

int srvstats_has(const struct srvstats *s, enum srvstats_col col)
{
    return (s->present >> col) & 1u;
}

int srvstats_locality_measured(const struct srvstats *s)
{
    return srvstats_has(s, SRVSTATS_LOCALITY_MEASURED) &&
           srvstats_has(s, SRVSTATS_ACCEPTED_LOCAL) &&
           srvstats_process(s, SRVSTATS_LOCALITY_MEASURED) == 1;
}

void srvstats_free(struct srvstats *s)
{
    free(s->w);
    s->w = NULL;
    s->nworkers = 0;
}
