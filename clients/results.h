/* results: the run's CSV files in --out DIR (summary, workers, latency, timeseries),
 * long-form, one header each, rows appended through csv_append_file so a file is
 * never seen torn. Every column is documented in results/README.md. */
#ifndef ACCEPTBENCH_LOAD_RESULTS_H
#define ACCEPTBENCH_LOAD_RESULTS_H

#include <stddef.h>

#include "config.h"
#include "run.h"

/* Before the run: create dir when missing and check that it is a writable directory
 * whose existing CSV files have this version's headers, so that a bad --out fails at
 * once instead of after the run. Returns 0, or -1 with a message. */
int results_check(const char *dir, char *err, size_t errlen);

/* Create dir when missing, remove the temporary files a killed writer left, and append
 * this run's rows to the five files, summary.csv last. Returns 0, or -1 with a message
 * naming the file. */
int results_write(const char *dir, const struct config *cfg, const struct run_result *res,
                  char *err, size_t errlen);

#endif
