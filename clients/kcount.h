/* kcount: what the kernel did for each side over the measured window. For the
 * server's processes and for this generator: system calls in all and by name,
 * context switches and CPU migrations, thread by thread, counted by perf stat on
 * tracepoints (raw_syscalls:sys_enter, syscalls:sys_enter_*), started before the
 * window with counting off and switched on and off at the window's edges through
 * perf's control FIFO, each switch acknowledged. For each side's network namespace:
 * the TCP drop, abort and retry counters of /proc/PID/net/netstat and snmp (the
 * files nstat reads), read at the same edges.
 *
 * Counts, unlike times, are the same on any machine with the same kernel and build.
 * The parsers are pure; the rest runs perf and reads /proc. */
#ifndef ACCEPTBENCH_LOAD_KCOUNT_H
#define ACCEPTBENCH_LOAD_KCOUNT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum kcount_side { KCOUNT_SERVER, KCOUNT_CLIENT, KCOUNT_NSIDES };

extern const char *const kcount_side_names[KCOUNT_NSIDES];   /* "server", "client" */

/* One count: a thread's, a side's total (thread "all"), or a namespace counter
 * (thread "netns"). Counters: syscalls, context_switches, migrations,
 * syscall:NAME, and the nstat names of kcount_tcp. */
struct kcount_row {
    enum kcount_side side;
    long tid;                  /* the thread's id; 0 for "all" and "netns" */
    char thread[48];
    char counter[64];
    uint64_t value;
};

struct kcount_rows {
    struct kcount_row *v;
    size_t n, cap;
    int oom;                   /* an append failed: the rows are incomplete */
};

void kcount_rows_free(struct kcount_rows *r);

/* The namespace counters kept, in order: nstat's name (file prefix and field), and
 * the summary.csv column that carries it. */
struct kcount_tcp {
    const char *nstat;
    const char *column;
};
#define KCOUNT_NTCP 15
extern const struct kcount_tcp kcount_tcp[KCOUNT_NTCP];

/* Parse perf stat's CSV output (-x, --per-thread) for one side into rows: for each
 * thread its syscalls, context_switches and migrations (zeros kept) and its
 * syscall:NAME counts above zero, then the side's totals as thread "all". Lines
 * perf could not count (<not counted>, <not supported>) are skipped. Returns the
 * number of threads, or -1 with a message for a line that is not perf's. */
int kcount_parse_perf(const char *text, enum kcount_side side, struct kcount_rows *out,
                      char *err, size_t errlen);

/* Parse the text of /proc/net/netstat followed by /proc/net/snmp (header and value
 * lines in pairs: "TcpExt: A B", "TcpExt: 1 2") into values[i] for kcount_tcp[i].
 * Returns a bit mask of the counters found (an older kernel may lack some). */
unsigned kcount_parse_netstat(const char *text, uint64_t values[KCOUNT_NTCP]);

/* A run's counting, owned by the caller. */
struct kcount {
    char dir[64];                       /* FIFOs and perf's output, removed at the end */
    pid_t perf[KCOUNT_NSIDES];          /* 0: that side is not counted */
    int ctl[KCOUNT_NSIDES], ack[KCOUNT_NSIDES];
    pid_t netns_pid[KCOUNT_NSIDES];     /* whose /proc/PID/net to read; 0: none */
    pid_t server[64];                   /* the server's processes, waited on at the edges */
    size_t nserver;
    unsigned tcp_present[KCOUNT_NSIDES];
    uint64_t tcp_start[KCOUNT_NSIDES][KCOUNT_NTCP];
};

/* What was counted over the window. */
struct kcount_result {
    int have_perf[KCOUNT_NSIDES];       /* both edges acknowledged and perf's output read */
    struct kcount_rows rows;            /* perf's, then the namespaces' */
    unsigned tcp_present;               /* counters read at both edges on every namespace */
    uint64_t tcp[KCOUNT_NTCP];          /* summed over the distinct namespaces */
    char note[256];                     /* why something is missing; "" when nothing is */
};

/* Start perf for the server's processes (pids, n of them; none: the server side is
 * not counted) and for this process, counting off. When perf cannot count (not
 * installed, no permission), the reason and the fix go to note and only the
 * namespaces' counters are read; nothing of perf is left running. */
void kcount_start(struct kcount *k, const pid_t *pids, size_t n, char *note, size_t len);

/* The window's edges: read the namespaces' counters and switch perf on; switch perf
 * off and read the counters again. A side whose perf does not acknowledge within a
 * few seconds is dropped, with the reason in res->note. */
void kcount_enable(struct kcount *k, struct kcount_result *res);
void kcount_disable(struct kcount *k, struct kcount_result *res);

/* Stop perf, read its counts into res, and remove what kcount_start made. */
void kcount_finish(struct kcount *k, struct kcount_result *res);

void kcount_result_free(struct kcount_result *res);

#endif
