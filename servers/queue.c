#include "queue.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

int queue_init(struct queue *q, unsigned cap, int with_eventfd, char *err, size_t errlen)
{
    memset(q, 0, sizeof *q);
    q->efd = -1;
    q->fds = calloc(cap, sizeof *q->fds);
    if (!q->fds) {
        snprintf(err, errlen, "queue of %u: out of memory", cap);
        return -1;
    }
    if (with_eventfd && (q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
        snprintf(err, errlen, "eventfd: %s", strerror(errno));
        free(q->fds);
        return -1;
    }
    q->cap = cap;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
    return 0;
}

int queue_push(struct queue *q, int fd)
{
    pthread_mutex_lock(&q->mu);
    while (q->len == q->cap && !q->closed)
        pthread_cond_wait(&q->not_full, &q->mu);
    if (q->closed) {
        pthread_mutex_unlock(&q->mu);
        return -ECANCELED;
    }
    int was_empty = q->len == 0;
    q->fds[(q->head + q->len) % q->cap] = fd;
    if (++q->len > q->peak)
        q->peak = q->len;
    pthread_mutex_unlock(&q->mu);
    /* Signal only the empty → non-empty edge: a consumer drains until empty
     * before it waits again, so later pushes need no wake-up of their own. */
    if (was_empty) {
        if (q->efd >= 0) {
            uint64_t one = 1;
            ssize_t rc = write(q->efd, &one, sizeof one);
            (void)rc;  /* EAGAIN means the counter is already non-zero: readable */
        } else {
            pthread_cond_signal(&q->not_empty);
        }
    }
    return 0;
}

int queue_pop(struct queue *q, int wait)
{
    pthread_mutex_lock(&q->mu);
    while (q->len == 0 && wait && !q->closed)
        pthread_cond_wait(&q->not_empty, &q->mu);
    if (q->len == 0) {
        int rc = q->closed ? -ECANCELED : -EAGAIN;
        if (q->efd >= 0 && !q->closed) {
            /* Re-arm under the lock: a push that finds the queue empty after
             * this will write the eventfd again, so no hand-off is missed. */
            uint64_t v;
            ssize_t n = read(q->efd, &v, sizeof v);
            (void)n;
        }
        pthread_mutex_unlock(&q->mu);
        return rc;
    }
    int fd = q->fds[q->head];
    q->head = (q->head + 1) % q->cap;
    q->len--;
    /* Several consumers can share a queue: pass the wake-up on while work remains. */
    if (q->len > 0 && q->efd < 0)
        pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
    pthread_cond_signal(&q->not_full);
    return fd;
}

void queue_close(struct queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = 1;
    pthread_mutex_unlock(&q->mu);
    pthread_cond_broadcast(&q->not_empty);
    pthread_cond_broadcast(&q->not_full);
    if (q->efd >= 0) {
        uint64_t one = 1;
        ssize_t rc = write(q->efd, &one, sizeof one);
        (void)rc;
    }
}

unsigned queue_peak(struct queue *q)
{
    pthread_mutex_lock(&q->mu);
    unsigned p = q->peak;
    pthread_mutex_unlock(&q->mu);
    return p;
}

void queue_destroy(struct queue *q)
{
    if (!q->fds)
        return;
    for (unsigned i = 0; i < q->len; i++)
        close(q->fds[(q->head + i) % q->cap]);
    if (q->efd >= 0)
        close(q->efd);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
    free(q->fds);
    q->fds = NULL;
}
