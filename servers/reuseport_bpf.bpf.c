/* The reuseport-bpf strategy's sk_reuseport program: for each new connection
 * (its SYN, as the kernel picks a listener of the group), choose the worker
 * with the fewest connections waiting for it, counted as those the program
 * sent it minus those it has taken. A stalled worker's count only grows, so
 * after a few connections it is passed over until it takes them. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "reuseport_bpf.h"

/* Key i: worker i's listener, put there by the loader. */
struct {
    __uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
    __uint(max_entries, REUSEPORT_BPF_MAX_WORKERS);
    __type(key, __u32);
    __type(value, __u64);
} listeners SEC(".maps");

const volatile __u32 nworkers = 1;   /* set by the loader before loading */
struct reuseport_bpf_slot slots[REUSEPORT_BPF_MAX_WORKERS];

/* The scan of the slots, one worker per bpf_loop step (Linux 5.17): the
 * verifier checks the step once, where an unrolled or bounded loop over up to
 * REUSEPORT_BPF_MAX_WORKERS workers took it seconds. */
struct scan {
    __u32 n, start, best;
    long long best_wait;
    unsigned long long best_sent;
};

/* Least waiting wins; on a tie, the fewest connections sent so far (so an idle
 * server deals them round robin); on a tie of both, the first from the
 * connection's hash on, so that SYNs handled at once on several CPUs, which
 * read the same counts, do not all land on worker 0. */
static long visit(__u32 i, void *ctx)
{
    struct scan *s = ctx;
    __u32 k = s->start + i < s->n ? s->start + i : s->start + i - s->n;
    if (k >= REUSEPORT_BPF_MAX_WORKERS)
        return 1;
    unsigned long long sent = *(volatile unsigned long long *)&slots[k].steered;
    unsigned long long taken = *(volatile unsigned long long *)&slots[k].accepted;
    long long wait = (long long)(sent - taken);
    if (wait < s->best_wait || (wait == s->best_wait && sent < s->best_sent)) {
        s->best_wait = wait;
        s->best_sent = sent;
        s->best = k;
    }
    return 0;
}

SEC("sk_reuseport")
int pick_least_loaded(struct sk_reuseport_md *md)
{
    struct scan s = {.n = nworkers, .best_wait = 0x7fffffffffffffffLL, .best_sent = ~0ULL};

    if (s.n == 0 || s.n > REUSEPORT_BPF_MAX_WORKERS)
        return SK_PASS;
    s.start = s.best = md->hash % s.n;
    bpf_loop(s.n, visit, &s, 0);
    /* A listener no longer in the map (its worker process left): SK_PASS
     * without a selection lets the kernel hash the connection to the rest. */
    if (bpf_sk_select_reuseport(md, &listeners, &s.best, 0) == 0 &&
        s.best < REUSEPORT_BPF_MAX_WORKERS)   /* read back from the stack: bound it again */
        __sync_fetch_and_add(&slots[s.best].steered, 1);
    return SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
