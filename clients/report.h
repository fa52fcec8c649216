/* report: the figures derived from a run (fairness, per-worker counts) and the
 * wrk-like terminal summary. Writing CSV is results.c's job. */
#ifndef ACCEPTBENCH_LOAD_REPORT_H
#define ACCEPTBENCH_LOAD_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "fair.h"
#include "run.h"

/* Fairness of the per-worker counts: the server's accepted deltas when /stats was
 * read, else the client's X-Worker counts. Returns the source ("server", "client"),
 * or NULL with NAN figures when there are no per-worker counts at all. */
const char *report_fairness(const struct run_result *res, struct fair *out);

/* Worker rows are worker indexes 0..n-1: n covers the server's workers and every
 * X-Worker index the client saw. */
size_t report_nworkers(const struct run_result *res);
/* Client-counted completions of worker i (0 when none). */
uint64_t report_client_count(const struct run_result *res, size_t i);
/* The server's delta row of worker i, or NULL (no /stats, or no such worker). */
const struct srvstats_worker *report_server_worker(const struct run_result *res, size_t i);

/* "closed" or "open". */
const char *report_mode(const struct config *cfg);

void report_print(FILE *f, const struct config *cfg, const struct run_result *res);

#endif
