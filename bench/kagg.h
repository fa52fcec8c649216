/* kagg: the kernel counters of a results folder (kernel.csv, written by
 * acceptbench-load --kernel-counters) folded over each configuration's repeats:
 * for the server and for the client, the mean and the median per connection of the
 * totals (syscalls, context_switches, migrations) and of each system call by name; the
 * names a chart shows; and the report's sentence saying where a configuration's
 * extra calls go. Pure: tables in, numbers and text out. */
#ifndef ACCEPTBENCH_KAGG_H
#define ACCEPTBENCH_KAGG_H

#include <stddef.h>

#include "agg.h"
#include "table.h"

enum { KAGG_SERVER, KAGG_CLIENT, KAGG_SIDES };

/* The prefix of kernel.csv's per-name counters: "syscall:accept4". */
#define KAGG_SYSCALL "syscall:"

struct kagg_counter {
    char name[64];          /* "syscalls", "context_switches", "migrations", "syscall:NAME" */
    double per_conn;        /* mean over the side's counted runs */
    double median;          /* median over them (the regression check's figure: one
                               odd run moves it less); NAN when read from syscalls.csv */
    double *run;            /* per counted run, in summary.csv's order (0 where the run
                               did not make the call); NULL when read from syscalls.csv */
};

/* One side of one configuration. */
struct kagg_side {
    size_t runs;            /* runs whose side was counted (a thread=all syscalls row) */
    struct kagg_counter *c; /* the totals first, then syscall:NAME by per_conn, highest first */
    size_t n;
};

struct kagg {
    struct kagg_side (*g)[KAGG_SIDES];   /* one pair per configuration of the agg */
    size_t n;
};

/* "server" or "client"; kagg_side_by_name returns -1 for anything else. */
const char *kagg_side_name(int side);
int kagg_side_by_name(const char *name);

/* Fold kernel.csv's thread=all rows into the configurations of a (built from
 * summary, whose run_id column joins the two files). A run counts for a side when
 * it has that side's "syscalls" row with a per_conn; a syscall it did not make has
 * no row and counts as 0 in the mean. Rows of partial runs, of runs without a
 * summary row, and per-thread and netns rows are left out. Returns 0, or -1 with a
 * message (a missing column, out of memory). */
int kagg_build(const struct table *kernel, const struct table *summary, const struct agg *a,
               struct kagg *out, char *err, size_t errlen);
/* Read back what report_kernel.c wrote to syscalls.csv (group_index, side,
 * counter, per_conn, runs) for a folder of ngroups configurations: the means
 * only (medians NAN, no runs' values). */
int kagg_parse(const struct table *t, size_t ngroups, struct kagg *out, char *err, size_t errlen);
void kagg_free(struct kagg *k);

/* Whether any configuration has a counted run on either side. */
int kagg_any(const struct kagg *k);
/* The mean per connection of a counter: NAN when the side has no counted run, 0
 * for a syscall:NAME the side never made. */
double kagg_get(const struct kagg *k, size_t g, int side, const char *counter);
/* The same for the median over the side's counted runs (kagg_build only). */
double kagg_median(const struct kagg *k, size_t g, int side, const char *counter);
/* The configuration with the fewest server syscalls per connection (the first of
 * equals), or -1 when none was counted. */
long kagg_baseline(const struct kagg *k);

/* The names (without "syscall:") a chart stacks by themselves, the rest being
 * "other": each takes at least KAGG_CHART_SHARE of some bar's syscalls (a side of a
 * configuration); ordered by their sum over every bar, largest first (ties by
 * name), at most max of them. Returns how many were stored in names. */
#define KAGG_CHART_SHARE 0.01
size_t kagg_chart_names(const struct kagg *k, char (*names)[64], size_t max);

/* The report's sentence for configuration g, derived from the server's counts:
 * against the baseline (kagg_baseline), "pool/epoll: 3.02 more calls per connection
 * than shared/blocking: epoll_wait +1.51, epoll_ctl +1.00, futex +0.49."; for the
 * baseline itself its calls, "shared/blocking: 6.00 calls per connection, the
 * fewest: setsockopt 2.00, accept4 1.00, ...". At most KAGG_NAMED names, largest
 * difference (or count) first, each at least KAGG_NAMED_MIN per connection either
 * way (one call in 20 connections: below it, a call is timing's noise, not the
 * configuration's). Empty when g's server side was not counted. */
#define KAGG_NAMED 5
#define KAGG_NAMED_MIN 0.05
void kagg_explain(const struct kagg *k, const struct agg *a, size_t g, char *buf, size_t len);

#endif
