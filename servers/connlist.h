/* connlist: the connections of one event-loop worker (epoll, uring). Live ones
 * sit on a list ordered by last activity, so the oldest idle deadline is at its
 * head and the idle timeout costs O(1); closed ones are kept for reuse, so a
 * busy worker allocates nothing per connection. */
#ifndef ACCEPTBENCH_CONNLIST_H
#define ACCEPTBENCH_CONNLIST_H

#include <stddef.h>
#include <stdint.h>

#include "conn.h"

struct connlist {
    size_t size;                 /* of an element: a struct conn, or a struct
                                  * that begins with one (the caller sets it) */
    struct conn *head, *tail;    /* on the activity list, least recent first */
    struct conn *spare;          /* released, for the next connection */
    int live;                    /* handed out by add and not yet put back */
};

/* Milliseconds on CLOCK_MONOTONIC: the clock of every deadline here. */
uint64_t connlist_now_ms(void);
/* Serve fd: an element reset for it, last on the list, its idle deadline set.
 * NULL when out of memory (fd is closed). */
struct conn *connlist_add(struct connlist *l, struct worker *w, int fd, uint64_t now);
/* Activity on c: a new deadline, and to the tail. */
void connlist_touch(struct connlist *l, struct conn *c, uint64_t now);
/* Off the activity list (it stays live: an io backend may still wait for the
 * kernel to finish with its buffers); nothing when it is not on it. */
void connlist_unlink(struct connlist *l, struct conn *c);
/* Done with c: off the list, its socket closed, kept for reuse. */
void connlist_put(struct connlist *l, struct conn *c);
/* Milliseconds until the oldest deadline (0 when past), -1 with none. */
int connlist_wait_ms(const struct connlist *l, uint64_t now);
/* Free every element on the list or spare; sockets still open are closed. */
void connlist_free(struct connlist *l);

#endif
