/* What the reuseport-bpf strategy's sk_reuseport program (reuseport_bpf.bpf.c)
 * and its loader (strategy_reuseport_bpf.c) share: one slot per worker in the
 * program's .bss, a BPF_F_MMAPABLE array both sides map. Plain C types only:
 * the BPF side is built without the C library. */
#ifndef ACCEPTBENCH_REUSEPORT_BPF_H
#define ACCEPTBENCH_REUSEPORT_BPF_H

/* The program scans every worker's slot for each new connection; the server
 * takes --workers up to 1024. */
#define REUSEPORT_BPF_MAX_WORKERS 1024

/* A cache line per worker, so that a worker's stores to its own slot never
 * invalidate the line another worker is storing to. */
struct reuseport_bpf_slot {
    unsigned long long steered;   /* connections the program sent to the worker
                                   * (atomic adds, from softirq on any CPU) */
    unsigned long long accepted;  /* those the worker has taken (only it writes) */
    unsigned long long unused[6];
};

#endif
