/* report_common: what the subcommands of acceptbench-report share, and the
 * subcommands themselves (report_aggregate.c, report_markdown.c,
 * report_compare.c), which report_main.c dispatches to. */
#ifndef ACCEPTBENCH_REPORT_COMMON_H
#define ACCEPTBENCH_REPORT_COMMON_H

#include <stddef.h>
#include <stdio.h>

#include "agg.h"
#include "csv.h"
#include "kagg.h"
#include "table.h"

/* The prefix of every message. */
#define PROG "acceptbench-report"

/* DIR/FILE into buf. */
void path_of(char *buf, size_t len, const char *dir, const char *file);
/* Load DIR/summary.csv into sum and group its complete runs into a. Returns 0, or
 * -1 after saying why on stderr (with nothing left to free). */
int load_summary(const char *dir, struct table *sum, struct agg *a);

/* The columns every derived CSV file starts with, and their values for group i. */
#define GROUP_COLS "group,group_index,series,strategy,io,workers,connections,rate"
void put_group_cols(struct csv_buf *b, const struct agg *a, size_t i);
/* Group i's name with no spaces or commas (':' instead), so that gnuplot's word()
 * and CSV both take it. */
void group_name(const struct agg *a, size_t i, char *buf, size_t len);
/* DIR/FILE := the header line and b's rows, atomically. Returns 0, or -1 after
 * saying why on stderr. */
int write_csv(const char *dir, const char *file, const char *header, struct csv_buf *b);

/* The value of DIR/env.txt's "KEY: value" line into out, or "" (a folder without
 * env.txt, or from before KEY was kept). */
void env_value(const char *dir, const char *key, char *out, size_t len);

/* The kernel counters (report_kernel.c). kernel_load: DIR/kernel.csv folded into k
 * (k empty when the folder has none, or when it does not read: said on stderr,
 * and 0 all the same); kernel_write: syscalls.csv and syscalls_plot.csv, or
 * neither without counters; kernel_plotvars: plotvars.gp's lines for the syscalls
 * chart; kernel_markdown: report.md's section from syscalls.csv, or its one line
 * from env.txt. Each returns 0, or -1 after saying why on stderr. */
int kernel_load(const char *dir, const struct table *sum, const struct agg *a, struct kagg *k);
int kernel_write(const char *dir, const struct agg *a, const struct kagg *k);
void kernel_plotvars(const struct kagg *k, char *buf, size_t len);
int kernel_markdown(FILE *f, const char *dir, const struct agg *a);

/* The subcommands; each returns the program's exit status. */
int cmd_aggregate(const char *dir);
int cmd_markdown(const char *dir);
int cmd_counts(const char *baseline, const char *dir, const char *thresholds);
int cmd_ab(const char *base_dir, const char *head_dir, const char *thresholds);

#endif
