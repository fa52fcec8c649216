/* report_common: what the subcommands of acceptbench-report share, and the
 * subcommands themselves (report_aggregate.c, report_markdown.c,
 * report_compare.c), which report_main.c dispatches to. */
#ifndef ACCEPTBENCH_REPORT_COMMON_H
#define ACCEPTBENCH_REPORT_COMMON_H

#include <stddef.h>

#include "agg.h"
#include "table.h"

/* The prefix of every message. */
#define PROG "acceptbench-report"

/* DIR/FILE into buf. */
void path_of(char *buf, size_t len, const char *dir, const char *file);
/* Load DIR/summary.csv into sum and group its complete runs into a. Returns 0, or
 * -1 after saying why on stderr (with nothing left to free). */
int load_summary(const char *dir, struct table *sum, struct agg *a);

/* The subcommands; each returns the program's exit status. */
int cmd_aggregate(const char *dir);
int cmd_markdown(const char *dir);
int cmd_compare(const char *base_dir, const char *dir, const char *thresholds);

#endif
