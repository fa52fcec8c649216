/* queue: a bounded FIFO of connection descriptors between the pool's acceptor and
 * its workers. Blocking consumers wait on a condition variable; pollable ones get
 * an eventfd that becomes readable when the queue turns non-empty. */
#ifndef ACCEPTBENCH_QUEUE_H
#define ACCEPTBENCH_QUEUE_H

#include <pthread.h>
#include <stddef.h>

struct queue {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    int *fds;
    unsigned cap, head, len, peak;
    int closed;
    int efd;             /* -1 unless made with an eventfd */
};

/* Returns 0 or -1 with a message in err. A queue with an eventfd is for one
 * polling consumer (pop without wait); one without is for blocking consumers. */
int queue_init(struct queue *q, unsigned cap, int with_eventfd, char *err, size_t errlen);
/* Append fd, waiting while the queue is full. 0, or -ECANCELED once closed (the
 * caller still owns fd). */
int queue_push(struct queue *q, int fd);
/* Take the oldest fd. With wait, sleep until one arrives; without, return -EAGAIN
 * when empty (and re-arm the eventfd). -ECANCELED once closed and drained. */
int queue_pop(struct queue *q, int wait);
/* Refuse further pushes and wake every waiter. */
void queue_close(struct queue *q);
unsigned queue_peak(struct queue *q);
/* Close any descriptors still queued and free the queue. */
void queue_destroy(struct queue *q);

#endif
