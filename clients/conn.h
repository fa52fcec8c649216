/* conn: one client connection's life, as a state machine on libuv callbacks:
 * connect -> write request -> read reply (the protocol decides when it is complete)
 * -> next request or close. Slots are pooled per thread and reused, so the steady
 * state allocates nothing; request bytes are shared and never copied. */
#ifndef ACCEPTBENCH_LOAD_CONN_H
#define ACCEPTBENCH_LOAD_CONN_H

#include <stdint.h>

struct loop_thread;

/* Start one connection whose latency counts from sched_ns (0: from now). Returns 0,
 * or a negative libuv error when it failed at once; that failure is already counted. */
int conn_start(struct loop_thread *t, uint64_t sched_ns);

/* Fail every connection whose deadline is at or before now_ns, as a timeout. */
void conn_sweep(struct loop_thread *t, uint64_t now_ns);

/* Close whatever is still open without counting it (the run is being torn down). */
void conn_abort_all(struct loop_thread *t);

/* Free the slot pool; every handle must be closed. */
void conn_pool_free(struct loop_thread *t);

#endif
