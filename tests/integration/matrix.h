/* matrix: every strategy x io (x model) this build has, read from the server's
 * registry, so that a new value is in every suite that runs "every strategy"
 * without an edit here. A test learns what it must of a combination from the
 * values' descriptors (capabilities, the strategy's source), and skips what
 * this machine cannot run with the server's own reason. */
#ifndef ACCEPTBENCH_MATRIX_H
#define ACCEPTBENCH_MATRIX_H

#include <stddef.h>

#include "server.h"

#define MATRIX_MAX 256

struct combo {
    const struct strategy *strategy;
    const struct io_backend *io;
    const struct model *model;
};

/* A server command line for a combination: --strategy S --io I --model M
 * --workers N, then the extra arguments; NULL-terminated. */
struct combo_argv {
    const char *argv[40];
    char workers[12];
};

/* Fill out with every strategy x io, and x model when with_models (else the
 * default model); returns how many (at most MATRIX_MAX). */
int matrix_build(struct combo *out, int with_models);
/* want workers, or as many as this process has CPUs (not under two) where the
 * strategy pins worker i to CPU i. */
int matrix_workers(const struct combo *c, int want);
/* When this machine cannot run c with that many workers: print "TEST: skipped
 * S/I/M: reason" to stderr and return 1, so that the test returns at once. */
int matrix_skip(const struct combo *c, int workers, const char *test);
/* The command line; extra is NULL-terminated, or NULL. */
const char *const *matrix_args(const struct combo *c, int workers, const char *const *extra,
                               struct combo_argv *out);
static inline int combo_polls(const struct combo *c)
{
    return (c->io->v.caps & SRV_CAP_POLLABLE) != 0;
}
static inline int combo_processes(const struct combo *c)
{
    return !(c->model->v.caps & SRV_CAP_SHARES_MEMORY);
}

#endif
