/* acceptbench-report: turn a results folder's raw CSVs into what people read.
 *   aggregate DIR  summary.csv (+ workers.csv, latency.csv, timeseries.csv,
 *                  kernel.csv) → aggregate.csv, workers_agg.csv, latency_plot.csv,
 *                  timeseries_plot.csv, syscalls.csv, syscalls_plot.csv and
 *                  plotvars.gp, the plots' only inputs
 *   markdown DIR   report.md: environment, the summary table, the kernel
 *                  counters, the charts
 *   counts BASELINE DIR THRESHOLDS
 *                  DIR's counts per connection against a stored baseline folder
 *                  → DIR/compare-counts.md
 *   ab BASE_RUN HEAD_RUN THRESHOLDS
 *                  the head's times against the base's, from one job
 *                  → HEAD_RUN/compare-ab.md
 * The comparisons exit 0 pass, 1 regression, 2 broken run. Repeats are folded
 * into medians with their min–max range; partial runs are left out. Each command
 * is its own file (report_aggregate.c, report_markdown.c, report_compare.c,
 * sharing report_common.c and, for the kernel counters, report_kernel.c); this
 * one only picks it. */
#include <stdio.h>
#include <string.h>

#include "report_common.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: " PROG " aggregate|markdown DIR\n"
                 "       " PROG " counts BASELINE DIR THRESHOLDS\n"
                 "       " PROG " ab BASE_RUN HEAD_RUN THRESHOLDS\n"
                 "  aggregate DIR  fold repeats into aggregate.csv and the plots' CSVs\n"
                 "  markdown DIR   write DIR/report.md (run aggregate and the plots first)\n"
                 "  counts         DIR's system calls (in all and by name) and context\n"
                 "                 switches per connection, each side's median over its runs,\n"
                 "                 and its errors, against the folder BASELINE (summary.csv,\n"
                 "                 kernel.csv), under THRESHOLDS' compare=counts rows:\n"
                 "                 DIR/compare-counts.md and stdout\n"
                 "  ab             HEAD_RUN's conn/s, server CPU per connection and p99 against\n"
                 "                 BASE_RUN's, both from one job with rounds interleaved: the\n"
                 "                 head/base ratio (Hodges-Lehmann, confidence interval) and the\n"
                 "                 one-sided U test, under THRESHOLDS' compare=ab rows:\n"
                 "                 HEAD_RUN/compare-ab.md and stdout\n"
                 "  counts and ab exit 0 pass, 1 regression, 2 broken run (a configuration or\n"
                 "  counter one folder lacks, a file that does not read)\n");
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "counts") == 0)
        return cmd_counts(argv[2], argv[3], argv[4]);
    if (argc == 5 && strcmp(argv[1], "ab") == 0)
        return cmd_ab(argv[2], argv[3], argv[4]);
    if (argc != 3) {
        fprintf(stderr, PROG ": expected a command and its folders (see --help)\n");
        return 2;
    }
    if (strcmp(argv[1], "aggregate") == 0)
        return cmd_aggregate(argv[2]);
    if (strcmp(argv[1], "markdown") == 0)
        return cmd_markdown(argv[2]);
    fprintf(stderr, PROG ": unknown command '%s' (use aggregate, markdown, counts or ab)\n",
            argv[1]);
    return 2;
}
