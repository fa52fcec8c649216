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
/* Worker i's connections for its share: the server's accepted count when /stats
 * has the worker, else the client's; and their sum over the n workers. */
uint64_t report_worker_count(const struct run_result *res, size_t i);
uint64_t report_worker_total(const struct run_result *res);

/* The latency metrics, in the order of the terminal rows, summary.csv's columns and
 * latency.csv's rows: the CSV name ("first_byte"), the terminal label ("first byte"),
 * the histogram in struct tally, and whether summary.csv also gives its mean. */
struct report_latency {
    const char *name, *label;
    size_t offset;
    int mean;
};
#define REPORT_NLATENCY 3
extern const struct report_latency report_latencies[REPORT_NLATENCY];
const struct hist *report_latency_hist(const struct tally *y, size_t i);

/* The percentiles every latency summary gives before its max: p50 p90 p99 p99.9. */
#define REPORT_NPCTS 4
extern const double report_pcts[REPORT_NPCTS];

/* The CPUs both --server-cpus and --client-cpus name, as text in buf (when not NULL);
 * returns how many. Each side's figures then include the other's work there. */
unsigned report_cpus_overlap(const struct config *cfg, char *buf, size_t len);

/* Which side's CPUs limited the run: "neither", "server", "client" or "both", from
 * the saturated flags; an unknown server flag (no --server-cpus) counts as not. */
const char *report_limited_by(const struct run_result *res);

/* "closed" or "open". */
const char *report_mode(const struct config *cfg);

void report_print(FILE *f, const struct config *cfg, const struct run_result *res);

#endif
