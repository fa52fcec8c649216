/* Unit tests for servers/queue: FIFO order across the ring's wrap, capacity and
 * blocking push, peak depth, close waking blocked poppers and pushers, draining
 * after close, non-blocking pop, the eventfd edge, and destroy closing what is
 * left in the queue.
 *
 * No test sleeps. Where a test needs a second thread to be blocked inside the
 * queue, it waits until the kernel reports that thread asleep (state 'S' in
 * /proc/self/task/TID/stat) or until the thread has finished. Between announcing
 * itself and calling into the queue the thread makes no system call, and the main
 * thread does not hold the queue's lock meanwhile, so "asleep" can only mean
 * "waiting on the queue's condition variable". A queue that failed to block
 * makes the thread finish instead, which the test then reports. The wait only
 * makes a queue that does not block detectable: every assertion after it holds
 * for a correct queue whatever the scheduling, so the tests cannot flake. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "queue.h"

static void init(struct queue *q, unsigned cap, int with_eventfd)
{
    char err[256] = "";

    ck_assert_msg(queue_init(q, cap, with_eventfd, err, sizeof(err)) == 0, "queue_init: %s", err);
}

/* ---- a second thread calling queue_push or queue_pop ---- */

struct op {
    struct queue *q;
    int push;               /* 1: queue_push(q, fd); 0: queue_pop(q, wait) */
    int fd, wait;
    atomic_int tid;         /* kernel thread id, 0 until the thread runs */
    atomic_int done;        /* set once the call has returned */
    int rc;                 /* its result, read after join */
    pthread_t thread;
};

static void *op_main(void *arg)
{
    struct op *op = arg;
    int rc;

    atomic_store(&op->tid, (int)syscall(SYS_gettid));
    rc = op->push ? queue_push(op->q, op->fd) : queue_pop(op->q, op->wait);
    op->rc = rc;
    atomic_store(&op->done, 1);
    return NULL;
}

static void op_start(struct op *op, struct queue *q, int push, int fd, int wait)
{
    memset(op, 0, sizeof(*op));
    op->q = q;
    op->push = push;
    op->fd = fd;
    op->wait = wait;
    ck_assert_int_eq(pthread_create(&op->thread, NULL, op_main, op), 0);
}

static int op_join(struct op *op)
{
    ck_assert_int_eq(pthread_join(op->thread, NULL), 0);
    ck_assert_int_eq(atomic_load(&op->done), 1);
    return op->rc;
}

/* Is thread `tid` of this process asleep in the kernel? */
static int thread_sleeping(int tid)
{
    char path[64], buf[512];
    const char *paren;
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return 0;   /* already gone */
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    paren = strrchr(buf, ')');   /* "tid (comm) S ...": comm may hold anything */
    return paren != NULL && paren[1] == ' ' && paren[2] == 'S';
}

/* Wait until the thread is blocked inside the queue call; fail if the call
 * returned instead. */
static void op_wait_blocked(struct op *op)
{
    int tid;

    while ((tid = atomic_load(&op->tid)) == 0)
        sched_yield();
    while (!atomic_load(&op->done) && !thread_sleeping(tid))
        sched_yield();
    ck_assert_msg(!atomic_load(&op->done), "the %s returned %d instead of blocking",
                  op->push ? "push" : "pop", op->rc);
}

/* ---- FIFO order and capacity ---- */

START_TEST(fifo_order)
{
    struct queue q;

    init(&q, 4, 0);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(queue_push(&q, 100 + i), 0);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(queue_pop(&q, 0), 100 + i);
    ck_assert_int_eq(queue_pop(&q, 0), -EAGAIN);
    queue_destroy(&q);
}
END_TEST

START_TEST(fifo_across_wrap)
{
    /* Interleave pushes and pops so head walks round the ring many times. */
    struct queue q;
    int next_in = 0, next_out = 0;

    init(&q, 3, 0);
    for (int round = 0; round < 50; round++) {
        int n = 1 + round % 3;
        for (int i = 0; i < n; i++)
            ck_assert_int_eq(queue_push(&q, 1000 + next_in++), 0);
        for (int i = 0; i < n; i++)
            ck_assert_int_eq(queue_pop(&q, round % 2), 1000 + next_out++);
    }
    ck_assert_int_eq(next_out, 99);   /* 16 rounds of 1+2+3, then 1+2 */
    ck_assert_int_eq(queue_pop(&q, 0), -EAGAIN);
    queue_destroy(&q);
}
END_TEST

START_TEST(capacity_one)
{
    struct queue q;
    struct op pusher;

    init(&q, 1, 0);
    ck_assert_int_eq(queue_push(&q, 7), 0);
    op_start(&pusher, &q, 1, 8, 0);
    op_wait_blocked(&pusher);
    ck_assert_int_eq(queue_pop(&q, 0), 7);
    ck_assert_int_eq(op_join(&pusher), 0);
    ck_assert_int_eq(queue_pop(&q, 0), 8);
    ck_assert_int_eq(queue_pop(&q, 0), -EAGAIN);
    ck_assert_uint_eq(queue_peak(&q), 1);
    queue_destroy(&q);
}
END_TEST

START_TEST(push_blocks_when_full)
{
    struct queue q;
    struct op pusher;

    init(&q, 2, 0);
    ck_assert_int_eq(queue_push(&q, 1), 0);
    ck_assert_int_eq(queue_push(&q, 2), 0);
    op_start(&pusher, &q, 1, 3, 0);
    op_wait_blocked(&pusher);

    /* Still full, still the first two. */
    pthread_mutex_lock(&q.mu);
    ck_assert_uint_eq(q.len, 2);
    pthread_mutex_unlock(&q.mu);
    ck_assert_int_eq(atomic_load(&pusher.done), 0);

    /* One pop makes room: the push completes, behind the remaining item. */
    ck_assert_int_eq(queue_pop(&q, 0), 1);
    ck_assert_int_eq(op_join(&pusher), 0);
    ck_assert_int_eq(queue_pop(&q, 0), 2);
    ck_assert_int_eq(queue_pop(&q, 0), 3);
    ck_assert_int_eq(queue_pop(&q, 0), -EAGAIN);
    ck_assert_uint_eq(queue_peak(&q), 2);
    queue_destroy(&q);
}
END_TEST

START_TEST(pop_blocks_until_push)
{
    struct queue q;
    struct op popper;

    init(&q, 2, 0);
    op_start(&popper, &q, 0, 0, 1);
    op_wait_blocked(&popper);
    ck_assert_int_eq(queue_push(&q, 42), 0);
    ck_assert_int_eq(op_join(&popper), 42);
    ck_assert_int_eq(queue_pop(&q, 0), -EAGAIN);
    queue_destroy(&q);
}
END_TEST

START_TEST(two_blocked_pops_two_pushes)
{
    /* Each push that finds the queue non-empty signals nobody, so the popper
     * woken by the first push must pass the wake-up on while items remain. */
    struct queue q;
    struct op poppers[2];
    int got[2];

    init(&q, 4, 0);
    for (int i = 0; i < 2; i++) {
        op_start(&poppers[i], &q, 0, 0, 1);
        op_wait_blocked(&poppers[i]);
    }
    ck_assert_int_eq(queue_push(&q, 50), 0);
    ck_assert_int_eq(queue_push(&q, 51), 0);
    for (int i = 0; i < 2; i++)
        got[i] = op_join(&poppers[i]);
    ck_assert_int_eq(got[0] + got[1], 101);
    ck_assert_int_eq(got[0] == 50 || got[0] == 51, 1);
    ck_assert_int_eq(queue_pop(&q, 0), -EAGAIN);
    queue_destroy(&q);
}
END_TEST

/* Producers and consumers at once: every item comes out exactly once. The
 * threads only record what happened; the main thread asserts. */
enum { PRODUCERS = 4, CONSUMERS = 4, PER_PRODUCER = 20000 };

struct mpmc {
    struct queue *q;
    int base;
    int last_rc;            /* producer: first failed push; consumer: the final pop */
    long sum, count;
};

static void *producer(void *arg)
{
    struct mpmc *m = arg;

    for (int i = 0; i < PER_PRODUCER; i++) {
        int rc = queue_push(m->q, m->base + i);
        if (rc != 0) {
            m->last_rc = rc;
            break;
        }
        m->count++;
    }
    return NULL;
}

static void *consumer(void *arg)
{
    struct mpmc *m = arg;
    int fd;

    while ((fd = queue_pop(m->q, 1)) >= 0) {
        m->sum += fd;
        m->count++;
    }
    m->last_rc = fd;
    return NULL;
}

START_TEST(many_producers_consumers)
{
    struct queue q;
    pthread_t pt[PRODUCERS], ct[CONSUMERS];
    struct mpmc pm[PRODUCERS], cm[CONSUMERS];
    long sum = 0, count = 0, want = 0;

    init(&q, 8, 0);
    for (int i = 0; i < CONSUMERS; i++) {
        cm[i] = (struct mpmc){ .q = &q };
        ck_assert_int_eq(pthread_create(&ct[i], NULL, consumer, &cm[i]), 0);
    }
    for (int i = 0; i < PRODUCERS; i++) {
        pm[i] = (struct mpmc){ .q = &q, .base = i * PER_PRODUCER };
        ck_assert_int_eq(pthread_create(&pt[i], NULL, producer, &pm[i]), 0);
    }
    for (int i = 0; i < PRODUCERS; i++) {
        ck_assert_int_eq(pthread_join(pt[i], NULL), 0);
        ck_assert_int_eq(pm[i].last_rc, 0);
        ck_assert_int_eq(pm[i].count, PER_PRODUCER);
    }
    queue_close(&q);
    for (int i = 0; i < CONSUMERS; i++) {
        ck_assert_int_eq(pthread_join(ct[i], NULL), 0);
        ck_assert_int_eq(cm[i].last_rc, -ECANCELED);
        sum += cm[i].sum;
        count += cm[i].count;
    }
    for (long v = 0; v < (long)PRODUCERS * PER_PRODUCER; v++)
        want += v;
    ck_assert_int_eq(count, (long)PRODUCERS * PER_PRODUCER);
    ck_assert_int_eq(sum, want);
    ck_assert_uint_ge(queue_peak(&q), 1);
    ck_assert_uint_le(queue_peak(&q), 8);
    queue_destroy(&q);
}
END_TEST

/* ---- peak depth ---- */

START_TEST(peak_depth)
{
    struct queue q;

    init(&q, 8, 0);
    ck_assert_uint_eq(queue_peak(&q), 0);
    ck_assert_int_eq(queue_push(&q, 1), 0);
    ck_assert_uint_eq(queue_peak(&q), 1);
    ck_assert_int_eq(queue_push(&q, 2), 0);
    ck_assert_int_eq(queue_push(&q, 3), 0);
    ck_assert_uint_eq(queue_peak(&q), 3);
    ck_assert_int_eq(queue_pop(&q, 0), 1);
    ck_assert_int_eq(queue_pop(&q, 0), 2);
    ck_assert_uint_eq(queue_peak(&q), 3);      /* a high-water mark: pops keep it */
    ck_assert_int_eq(queue_push(&q, 4), 0);
    ck_assert_int_eq(queue_push(&q, 5), 0);
    ck_assert_uint_eq(queue_peak(&q), 3);      /* depth 3 again, not more */
    ck_assert_int_eq(queue_push(&q, 6), 0);
    ck_assert_uint_eq(queue_peak(&q), 4);
    for (int want = 3; want <= 6; want++)
        ck_assert_int_eq(queue_pop(&q, 0), want);
    ck_assert_uint_eq(queue_peak(&q), 4);
    queue_destroy(&q);
}
END_TEST

START_TEST(peak_full)
{
    struct queue q;

    init(&q, 5, 0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(queue_push(&q, i), 0);
    ck_assert_uint_eq(queue_peak(&q), 5);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(queue_pop(&q, 0), i);
    ck_assert_uint_eq(queue_peak(&q), 5);
    queue_destroy(&q);
}
END_TEST

/* ---- close ---- */

START_TEST(close_wakes_blocked_pop)
{
    struct queue q;
    struct op popper;

    init(&q, 4, 0);
    op_start(&popper, &q, 0, 0, 1);
    op_wait_blocked(&popper);
    queue_close(&q);
    ck_assert_int_eq(op_join(&popper), -ECANCELED);
    queue_destroy(&q);
}
END_TEST

START_TEST(close_wakes_all_blocked_pops)
{
    struct queue q;
    struct op poppers[3];

    init(&q, 4, 0);
    for (int i = 0; i < 3; i++) {
        op_start(&poppers[i], &q, 0, 0, 1);
        op_wait_blocked(&poppers[i]);
    }
    queue_close(&q);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(op_join(&poppers[i]), -ECANCELED);
    queue_destroy(&q);
}
END_TEST

START_TEST(close_wakes_blocked_push)
{
    struct queue q;
    struct op pusher;

    init(&q, 2, 0);
    ck_assert_int_eq(queue_push(&q, 1), 0);
    ck_assert_int_eq(queue_push(&q, 2), 0);
    op_start(&pusher, &q, 1, 3, 0);
    op_wait_blocked(&pusher);
    queue_close(&q);
    ck_assert_int_eq(op_join(&pusher), -ECANCELED);
    /* The refused fd was not queued: the two before it drain, then nothing. */
    ck_assert_int_eq(queue_pop(&q, 1), 1);
    ck_assert_int_eq(queue_pop(&q, 1), 2);
    ck_assert_int_eq(queue_pop(&q, 1), -ECANCELED);
    ck_assert_uint_eq(queue_peak(&q), 2);
    queue_destroy(&q);
}
END_TEST

START_TEST(drain_after_close)
{
    struct queue q;

    init(&q, 4, 0);
    ck_assert_int_eq(queue_push(&q, 10), 0);
    ck_assert_int_eq(queue_push(&q, 11), 0);
    ck_assert_int_eq(queue_push(&q, 12), 0);
    queue_close(&q);
    ck_assert_int_eq(queue_push(&q, 13), -ECANCELED);
    ck_assert_int_eq(queue_pop(&q, 1), 10);
    ck_assert_int_eq(queue_pop(&q, 0), 11);
    ck_assert_int_eq(queue_pop(&q, 1), 12);
    ck_assert_int_eq(queue_pop(&q, 1), -ECANCELED);
    ck_assert_int_eq(queue_pop(&q, 0), -ECANCELED);
    ck_assert_int_eq(queue_pop(&q, 1), -ECANCELED);
    ck_assert_int_eq(queue_push(&q, 14), -ECANCELED);
    ck_assert_uint_eq(queue_peak(&q), 3);
    queue_destroy(&q);
}
END_TEST

START_TEST(close_twice)
{
    struct queue q;

    init(&q, 2, 0);
    queue_close(&q);
    queue_close(&q);
    ck_assert_int_eq(queue_pop(&q, 1), -ECANCELED);
    ck_assert_int_eq(queue_push(&q, 1), -ECANCELED);
    queue_destroy(&q);
}
END_TEST

/* ---- non-blocking pop ---- */

START_TEST(nonblocking_pop_empty)
{
    struct queue q;

    init(&q, 2, 0);
    ck_assert_int_eq(queue_pop(&q, 0), -EAGAIN);
    ck_assert_int_eq(queue_pop(&q, 0), -EAGAIN);
    ck_assert_int_eq(queue_push(&q, 5), 0);
    ck_assert_int_eq(queue_pop(&q, 0), 5);
    ck_assert_int_eq(queue_pop(&q, 0), -EAGAIN);
    ck_assert_uint_eq(queue_peak(&q), 1);
    queue_destroy(&q);
}
END_TEST

START_TEST(fd_zero_is_an_item)
{
    /* fd 0 is a valid descriptor, distinct from every error. */
    struct queue q;

    init(&q, 2, 0);
    ck_assert_int_eq(queue_push(&q, 0), 0);
    ck_assert_int_eq(queue_pop(&q, 0), 0);
    ck_assert_int_eq(queue_pop(&q, 0), -EAGAIN);
    queue_destroy(&q);
}
END_TEST

/* ---- eventfd mode ---- */

static int readable(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int n = poll(&p, 1, 0);

    ck_assert_int_ge(n, 0);
    return n == 1 && (p.revents & POLLIN) != 0;
}

START_TEST(eventfd_created)
{
    struct queue q;

    init(&q, 4, 1);
    ck_assert_int_ge(q.efd, 0);
    ck_assert_int_eq(fcntl(q.efd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    ck_assert_int_eq(fcntl(q.efd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    ck_assert_int_eq(readable(q.efd), 0);
    queue_destroy(&q);

    init(&q, 4, 0);
    ck_assert_int_eq(q.efd, -1);
    queue_destroy(&q);
}
END_TEST

START_TEST(eventfd_edge)
{
    struct queue q;

    init(&q, 4, 1);
    ck_assert_int_eq(readable(q.efd), 0);
    ck_assert_int_eq(queue_push(&q, 20), 0);      /* empty -> non-empty */
    ck_assert_int_eq(readable(q.efd), 1);
    ck_assert_int_eq(queue_push(&q, 21), 0);
    ck_assert_int_eq(readable(q.efd), 1);
    /* Taking items leaves it readable: the consumer drains until told "empty". */
    ck_assert_int_eq(queue_pop(&q, 0), 20);
    ck_assert_int_eq(readable(q.efd), 1);
    ck_assert_int_eq(queue_pop(&q, 0), 21);
    ck_assert_int_eq(readable(q.efd), 1);
    /* The pop that finds it empty re-arms. */
    ck_assert_int_eq(queue_pop(&q, 0), -EAGAIN);
    ck_assert_int_eq(readable(q.efd), 0);
    ck_assert_int_eq(queue_pop(&q, 0), -EAGAIN);
    ck_assert_int_eq(readable(q.efd), 0);
    /* The next empty -> non-empty push signals again. */
    ck_assert_int_eq(queue_push(&q, 22), 0);
    ck_assert_int_eq(readable(q.efd), 1);
    ck_assert_int_eq(queue_pop(&q, 0), 22);
    ck_assert_int_eq(queue_pop(&q, 0), -EAGAIN);
    ck_assert_int_eq(readable(q.efd), 0);
    queue_destroy(&q);
}
END_TEST

START_TEST(eventfd_one_write_per_edge)
{
    /* Only the empty -> non-empty push writes: three pushes, a count of 1. */
    struct queue q;
    uint64_t v = 0;

    init(&q, 4, 1);
    ck_assert_int_eq(queue_push(&q, 30), 0);
    ck_assert_int_eq(queue_push(&q, 31), 0);
    ck_assert_int_eq(queue_push(&q, 32), 0);
    ck_assert_int_eq(read(q.efd, &v, sizeof(v)), (ssize_t)sizeof(v));
    ck_assert_uint_eq(v, 1);
    ck_assert_int_eq(readable(q.efd), 0);
    /* Not empty yet, so a further push does not write either. */
    ck_assert_int_eq(queue_push(&q, 33), 0);
    ck_assert_int_eq(readable(q.efd), 0);
    for (int want = 30; want <= 33; want++)
        ck_assert_int_eq(queue_pop(&q, 0), want);
    ck_assert_int_eq(queue_pop(&q, 0), -EAGAIN);
    ck_assert_int_eq(queue_push(&q, 34), 0);
    ck_assert_int_eq(read(q.efd, &v, sizeof(v)), (ssize_t)sizeof(v));
    ck_assert_uint_eq(v, 1);
    ck_assert_int_eq(queue_pop(&q, 0), 34);
    queue_destroy(&q);
}
END_TEST

START_TEST(eventfd_close_wakes)
{
    struct queue q;

    init(&q, 4, 1);
    ck_assert_int_eq(queue_pop(&q, 0), -EAGAIN);
    ck_assert_int_eq(readable(q.efd), 0);
    queue_close(&q);
    ck_assert_int_eq(readable(q.efd), 1);
    /* Once closed, an empty pop says so and leaves the eventfd readable, so every
     * poller wakes and sees the close. */
    ck_assert_int_eq(queue_pop(&q, 0), -ECANCELED);
    ck_assert_int_eq(readable(q.efd), 1);
    ck_assert_int_eq(queue_push(&q, 1), -ECANCELED);
    queue_destroy(&q);
}
END_TEST

START_TEST(eventfd_drain_after_close)
{
    struct queue q;

    init(&q, 4, 1);
    ck_assert_int_eq(queue_push(&q, 40), 0);
    ck_assert_int_eq(queue_push(&q, 41), 0);
    queue_close(&q);
    ck_assert_int_eq(readable(q.efd), 1);
    ck_assert_int_eq(queue_pop(&q, 0), 40);
    ck_assert_int_eq(queue_pop(&q, 0), 41);
    ck_assert_int_eq(queue_pop(&q, 0), -ECANCELED);
    ck_assert_int_eq(readable(q.efd), 1);
    queue_destroy(&q);
}
END_TEST

/* ---- destroy ---- */

static int fd_open(int fd)
{
    errno = 0;
    if (fcntl(fd, F_GETFD) != -1)
        return 1;
    ck_assert_int_eq(errno, EBADF);
    return 0;
}

START_TEST(destroy_closes_queued)
{
    struct queue q;
    int a[2], b[2], c[2];

    ck_assert_int_eq(pipe(a), 0);
    ck_assert_int_eq(pipe(b), 0);
    ck_assert_int_eq(pipe(c), 0);
    init(&q, 4, 0);
    /* Leave three fds queued in slots 2, 3 and 0 (wrapped, not full), with slot 1
     * still holding a fd that was popped and now belongs to the caller. */
    ck_assert_int_eq(queue_push(&q, a[0]), 0);
    ck_assert_int_eq(queue_push(&q, a[1]), 0);
    ck_assert_int_eq(queue_push(&q, b[0]), 0);
    ck_assert_int_eq(queue_pop(&q, 0), a[0]);
    ck_assert_int_eq(queue_pop(&q, 0), a[1]);
    ck_assert_int_eq(queue_push(&q, b[1]), 0);
    ck_assert_int_eq(queue_push(&q, c[0]), 0);
    pthread_mutex_lock(&q.mu);
    ck_assert_uint_eq(q.head, 2);
    ck_assert_uint_eq(q.len, 3);
    pthread_mutex_unlock(&q.mu);

    queue_destroy(&q);
    ck_assert_ptr_null(q.fds);
    ck_assert_int_eq(fd_open(b[0]), 0);
    ck_assert_int_eq(fd_open(b[1]), 0);
    ck_assert_int_eq(fd_open(c[0]), 0);
    /* Popped before destroy, or never queued: untouched. */
    ck_assert_int_eq(fd_open(a[0]), 1);
    ck_assert_int_eq(fd_open(a[1]), 1);
    ck_assert_int_eq(fd_open(c[1]), 1);
    close(a[0]);
    close(a[1]);
    close(c[1]);
}
END_TEST

START_TEST(destroy_closes_eventfd)
{
    struct queue q;
    int p[2], efd;

    ck_assert_int_eq(pipe(p), 0);
    init(&q, 2, 1);
    efd = q.efd;
    ck_assert_int_eq(queue_push(&q, p[0]), 0);
    ck_assert_int_eq(fd_open(efd), 1);
    queue_destroy(&q);
    ck_assert_int_eq(fd_open(efd), 0);
    ck_assert_int_eq(fd_open(p[0]), 0);
    ck_assert_int_eq(fd_open(p[1]), 1);
    close(p[1]);
}
END_TEST

START_TEST(destroy_after_close_and_drain)
{
    struct queue q;
    int p[2];

    ck_assert_int_eq(pipe(p), 0);
    init(&q, 2, 0);
    ck_assert_int_eq(queue_push(&q, p[0]), 0);
    queue_close(&q);
    ck_assert_int_eq(queue_pop(&q, 0), p[0]);
    ck_assert_int_eq(queue_pop(&q, 0), -ECANCELED);
    queue_destroy(&q);
    ck_assert_int_eq(fd_open(p[0]), 1);
    ck_assert_int_eq(fd_open(p[1]), 1);
    close(p[0]);
    close(p[1]);
    queue_destroy(&q);                          /* a second destroy is a no-op */
}
END_TEST

static Suite *queue_suite(void)
{
    Suite *s = suite_create("queue");
    TCase *tc;

    tc = tcase_create("push_pop");
    tcase_add_test(tc, fifo_order);
    tcase_add_test(tc, fifo_across_wrap);
    tcase_add_test(tc, capacity_one);
    tcase_add_test(tc, push_blocks_when_full);
    tcase_add_test(tc, pop_blocks_until_push);
    tcase_add_test(tc, two_blocked_pops_two_pushes);
    tcase_add_test(tc, many_producers_consumers);
    tcase_add_test(tc, nonblocking_pop_empty);
    tcase_add_test(tc, fd_zero_is_an_item);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);

    tc = tcase_create("peak");
    tcase_add_test(tc, peak_depth);
    tcase_add_test(tc, peak_full);
    suite_add_tcase(s, tc);

    tc = tcase_create("close");
    tcase_add_test(tc, close_wakes_blocked_pop);
    tcase_add_test(tc, close_wakes_all_blocked_pops);
    tcase_add_test(tc, close_wakes_blocked_push);
    tcase_add_test(tc, drain_after_close);
    tcase_add_test(tc, close_twice);
    suite_add_tcase(s, tc);

    tc = tcase_create("eventfd");
    tcase_add_test(tc, eventfd_created);
    tcase_add_test(tc, eventfd_edge);
    tcase_add_test(tc, eventfd_one_write_per_edge);
    tcase_add_test(tc, eventfd_close_wakes);
    tcase_add_test(tc, eventfd_drain_after_close);
    suite_add_tcase(s, tc);

    tc = tcase_create("destroy");
    tcase_add_test(tc, destroy_closes_queued);
    tcase_add_test(tc, destroy_closes_eventfd);
    tcase_add_test(tc, destroy_after_close_and_drain);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(queue_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
