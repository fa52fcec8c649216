/* acceptbench-report: turn a results folder's raw CSVs into what people read.
 *   aggregate DIR  summary.csv (+ workers.csv, latency.csv, timeseries.csv,
 *                  kernel.csv) → aggregate.csv, workers_agg.csv, latency_plot.csv,
 *                  timeseries_plot.csv, syscalls.csv, syscalls_plot.csv and
 *                  plotvars.gp, the plots' only inputs
 *   markdown DIR   report.md: environment, the summary table, the kernel
 *                  counters, the charts
 *   compare BASE DIR THRESHOLDS
 *                  DIR against the baseline folder BASE → DIR/compare.md;
 *                  exit 0 pass, 1 regression, 2 broken or mismatched run
 * Repeats are folded into medians with their min–max range; partial runs are
 * left out. Each command is its own file (report_aggregate.c, report_markdown.c,
 * report_compare.c, sharing report_common.c and, for the kernel counters,
 * report_kernel.c); this one only picks it. */
#include <stdio.h>
#include <string.h>

#include "report_common.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: " PROG " aggregate|markdown DIR\n"
                 "       " PROG " compare BASELINE_DIR DIR THRESHOLDS_CSV\n"
                 "  aggregate DIR  fold repeats into aggregate.csv and the plots' CSVs\n"
                 "  markdown DIR   write DIR/report.md (run aggregate and the plots first)\n"
                 "  compare        DIR against a baseline: DIR/compare.md and stdout;\n"
                 "                 exit 0 pass, 1 regression, 2 broken or mismatched run\n");
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "compare") == 0)
        return cmd_compare(argv[2], argv[3], argv[4]);
    if (argc != 3) {
        fprintf(stderr, PROG ": expected a command and a results folder (see --help)\n");
        return 2;
    }
    if (strcmp(argv[1], "aggregate") == 0)
        return cmd_aggregate(argv[2]);
    if (strcmp(argv[1], "markdown") == 0)
        return cmd_markdown(argv[2]);
    fprintf(stderr, PROG ": unknown command '%s' (use aggregate or markdown)\n", argv[1]);
    return 2;
}
