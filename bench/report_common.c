/* report_common: what the subcommands of acceptbench-report share: the program
 * name that starts every message, the paths of a results folder's files, its
 * summary.csv loaded and grouped into configurations (agg.c), and the group
 * columns and atomic writing of the derived CSV files. */
#include <stdio.h>
#include <string.h>

#include "agg.h"
#include "csv.h"
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

void group_name(const struct agg *a, size_t i, char *buf, size_t len)
{
    agg_group_name(a, &a->g[i], buf, len);
    for (char *p = buf; *p; p++)
        if (*p == ' ')
            *p = ':';
}

void put_group_cols(struct csv_buf *b, const struct agg *a, size_t i)
{
    char name[160];
    group_name(a, i, name, sizeof name);
    csv_str(b, name);
    csv_u64(b, i);
    agg_series_name(&a->g[i], name, sizeof name);
    csv_str(b, name);
    csv_str(b, a->g[i].strategy);
    csv_str(b, a->g[i].io);
    csv_i64(b, a->g[i].workers);
    csv_i64(b, a->g[i].connections);
    csv_i64(b, a->g[i].rate);
}

int write_csv(const char *dir, const char *file, const char *header, struct csv_buf *b)
{
    char path[4096], err[512];
    struct csv_buf whole;
    csv_init(&whole);
    csv_header(&whole, header);
    if (b->len)
        csv_header(&whole, b->data), whole.len--, whole.data[whole.len] = '\0';
    path_of(path, sizeof path, dir, file);
    int rc = whole.oom ? -1 : csv_write_file(path, whole.data, whole.len, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, PROG ": %s\n", whole.oom ? "out of memory" : err);
    csv_free(&whole);
    return rc;
}

void env_value(const char *dir, const char *key, char *out, size_t len)
{
    char path[4096], line[1024];
    size_t klen = strlen(key);
    snprintf(path, sizeof path, "%s/env.txt", dir);
    FILE *env = fopen(path, "r");
    out[0] = '\0';
    while (env && fgets(line, sizeof line, env)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':' && line[klen + 1] == ' ') {
            snprintf(out, len, "%s", line + klen + 2);
            out[strcspn(out, "\n")] = '\0';
            break;
        }
    }
    if (env)
        fclose(env);
}
