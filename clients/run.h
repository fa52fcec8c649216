/* run: one run of the load generator from start to end, in the main thread: start the
 * loops, warm up, pause, snapshot /stats and getrusage and switch the kernel counters
 * on, measure, drain, switch them off and snapshot again, join, merge. The loops
 * never touch the server snapshots and this module never touches a connection. */
#ifndef ACCEPTBENCH_LOAD_RUN_H
#define ACCEPTBENCH_LOAD_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "kcount.h"
#include "procstat.h"
#include "srvstats.h"
#include "tally.h"
#include "tseries.h"

/* A client using this share of its CPUs or more is the bottleneck, not the server;
 * with --server-cpus, a server whose CPUs were this busy is at its capacity. */
#define RUN_SATURATION 0.90

/* One side's CPU set (--server-cpus, --client-cpus) over the measured window. */
struct run_host {
    int have;                  /* the set was given and /proc/stat read at both ends */
    struct procstat_window w;
    char note[160];            /* why not, when the set was given but have is 0 */
};

struct run_result {
    struct tally tally;        /* merged over the loops: the measured window only */
    struct tseries ts;
    double window_s;           /* measured window: start of load to the end of the drain */
    int partial;               /* SIGINT/SIGTERM cut the run short */
    int target_down;           /* nothing listened at the target: every attempt refused */
    int have_server;           /* `server` holds /stats deltas over the window */
    struct srvstats server;
    char server_note[256];     /* why there are no server figures, when there are none */
    int stats_unreadable;      /* --stats was given and the first read failed: no run */
    double client_user_s;      /* getrusage over the window, the whole client process */
    double client_sys_s;
    double client_cpus;        /* CPUs the client could use: min(threads, affinity) */
    struct run_host server_host, client_host;
    struct kcount_result kcount;   /* --kernel-counters over the window */
    /* busy >= RUN_SATURATION: from the side's host figures when it has them; else the
     * client's from its rusage over client_cpus, and the server's unknown (-1). */
    int client_saturated;
    int server_saturated;
    char run_id[48];           /* "20250101T120000Z-1234": joins the CSV files */
    char timestamp[32];        /* UTC, ISO 8601, start of the measured window */
    char kernel[96];           /* uname -r */
    long nproc;                /* online CPUs */
};

/* Run the load described by cfg. Returns 0 when there is a result to report (also a
 * partial one), or -1 with a message when the run could not be set up. The caller
 * owns res (it is large: allocate it) and frees it with run_result_free. */
int run_load(const struct config *cfg, struct run_result *res, char *err, size_t errlen);
void run_result_free(struct run_result *res);

/* CPUs this process may run on (its affinity mask: taskset counts), at least 1. */
unsigned run_cpus(void);

#endif
