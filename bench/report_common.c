/* report_common: what the subcommands of acceptbench-report share: the program
 * name that starts every message, the paths of a results folder's files, and its
 * summary.csv loaded and grouped into configurations (agg.c). */
#include <stdio.h>

#include "agg.h"
#include "report_common.h"
#include "table.h"

void path_of(char *buf, size_t len, const char *dir, const char *file)
{
    snprintf(buf, len, "%s/%s", dir, file);
}

int load_summary(const char *dir, struct table *sum, struct agg *a)
{
    char path[4096], err[512];
    path_of(path, sizeof path, dir, "summary.csv");
    if (table_load(sum, path, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s (is %s a results folder?)\n", err, dir);
        return -1;
    }
    if (agg_build(sum, a, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s: %s\n", path, err);
        table_free(sum);
        return -1;
    }
    if (a->n == 0) {
        fprintf(stderr, PROG ": %s: no complete run to report\n", path);
        agg_free(a);
        table_free(sum);
        return -1;
    }
    return 0;
}
