/* config: everything the user chose for one run of acceptbench-load. main.c fills it
 * (defaults in one place, cross-field rules checked after parsing); every other module
 * only reads it. */
#ifndef ACCEPTBENCH_LOAD_CONFIG_H
#define ACCEPTBENCH_LOAD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "cpulist.h"
#include "net.h"
#include "payload.h"

#define CONFIG_MAX_SOURCE_IPS 256
#define CONFIG_MAX_THREADS    256

struct proto;

struct config {
    struct net_addr target;          /* --target */
    char target_str[64];             /* as printed, for the Host header and messages */
    struct net_addr stats_addr;      /* --stats; the target by default */
    int stats_enabled;               /* read /stats: http by default, others with --stats */
    int stats_required;              /* --stats was given: a failed first read is fatal */
    const struct proto *proto;   /* --protocol */
    const char *path;                /* --path, HTTP request target */
    struct payload payload;          /* --payload: echo and greeter send these bytes */

    uint64_t connections;            /* --connections: closed loop in flight; open loop cap */
    int connections_set;             /* the user gave --connections */
    uint64_t rate;                   /* --rate: open loop when > 0, connections/s in total */
    unsigned threads;                /* --threads */
    uint64_t requests_per_conn;      /* --requests-per-conn */
    uint64_t duration_us;            /* --duration; 0 when --count is used */
    uint64_t count;                  /* --count; 0 when --duration is used */
    uint64_t warmup_us;              /* --warmup */
    uint64_t timeout_us;             /* --timeout, per connect and per request */

    struct net_addr source_ips[CONFIG_MAX_SOURCE_IPS];  /* --source-ips, round-robin */
    size_t n_source_ips;
    /* --server-cpus, --client-cpus: the CPUs each side runs on (its processes and its
     * network softirqs); n 0 when not given. */
    struct cpulist server_cpus, client_cpus;

    int kernel_counters;             /* --kernel-counters: perf stat and nstat counters */
    long server_pid;                 /* --server-pid: the server's main process; 0 none */

    const char *label;               /* --label, tags every CSV row */
    const char *topology;            /* --topology, the network path, on every CSV row */
    const char *out_dir;             /* --out; NULL: no CSV files */
    int progress;                    /* 1: a progress line per second on stderr */
};

#endif
