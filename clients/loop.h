/* loop: one load thread, one libuv loop. The main thread steers every loop through a
 * shared command (warm up, measure, drain, exit) and waits on the rendezvous counts;
 * inside a loop, the driver (closed or open loop) decides when connections start and
 * conn.c runs each one. Everything a loop counts is its own until it is joined. */
#ifndef ACCEPTBENCH_LOAD_LOOP_H
#define ACCEPTBENCH_LOAD_LOOP_H

#include <pthread.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "hist.h"
#include "proto.h"
#include "pace.h"
#include "tally.h"
#include "tseries.h"

enum loop_cmd {
    LOOP_CMD_IDLE,      /* start nothing (the state before the first command) */
    LOOP_CMD_WARMUP,    /* load, counting nothing */
    LOOP_CMD_MEASURE,   /* load, counting everything */
    LOOP_CMD_DRAIN,     /* start nothing new; report once nothing is in flight */
    LOOP_CMD_EXIT,      /* close every handle and return from the thread */
};

/* Shared by the main thread and the loops; every field under mu. */
struct loop_shared {
    pthread_mutex_t mu;
    pthread_cond_t cv;           /* signalled when drained or finished grows */
    int cmd;                     /* enum loop_cmd */
    uint64_t measure_start_ns;   /* uv_hrtime() at the start of the measured window */
    unsigned drained;            /* loops idle with nothing in flight since LOOP_CMD_DRAIN */
    unsigned finished;           /* loops that have used up their --count share */
    struct tseries *ts;
};

struct conn;
struct conn_chunk;

struct loop_thread {
    unsigned index;
    struct loop_shared *sh;
    const struct config *cfg;
    const struct proto_req *req;
    pthread_t tid;
    int started;                 /* pthread_create succeeded */

    uv_loop_t loop;
    uv_async_t async;            /* wakes the loop for a new command */
    uv_poll_t sched_poll;        /* open loop: a timerfd armed for the next start */
    int sched_fd;                /* the timerfd; -1 when none */
    uint64_t sched_armed_ns;     /* what it is armed for; 0 = disarmed */
    uv_timer_t tick_timer;       /* the end of each measured second */
    uv_timer_t sweep_timer;      /* per-connection timeouts */
    uv_timer_t retry_timer;      /* closed loop: refill after a start failed at once */

    int cmd;                     /* the command this loop is carrying out */
    int counting;                /* record into tally (measured window only) */
    int loading;                 /* start connections (warm-up or measure) */
    int reported;                /* told the main thread drained/finished already */

    uint64_t inflight;           /* started, not yet finished */
    uint64_t closing;            /* finished, handle close still pending */
    uint64_t cap;                /* closed loop: connections to keep open; open loop: limit */
    uint64_t quota;              /* --count share; 0 = unbounded */
    uint64_t issued;             /* starts in this phase (closed loop) */
    struct pace pace;            /* open loop schedule */
    unsigned src_next;           /* next --source-ips entry */
    uint64_t timeout_ns;

    struct conn *free_list;      /* connection slots kept for reuse */
    struct conn_chunk *chunks;
    struct conn *act_head;       /* active connections, oldest deadline first */
    struct conn *act_tail;

    struct tally tally;          /* the measured window */
    struct hist iv_hist;         /* total latency in the current second */
    uint64_t iv_completed, iv_errors;
    uint64_t iv_second;          /* 1-based second being filled */
    uint64_t t0;                 /* start of the measured window, copied under sh->mu */

    char rbuf[64 * 1024];        /* reads land here; partial replies move to the conn */
};

/* Prepare a loop (in the main thread, before any command). Returns 0, or -1 with a
 * message naming the failed call. */
int loop_init(struct loop_thread *t, unsigned index, struct loop_shared *sh,
              const struct config *cfg, const struct proto_req *req, char *err,
              size_t errlen);
int loop_start(struct loop_thread *t, char *err, size_t errlen);
/* Post a command to every loop. */
void loop_command(struct loop_shared *sh, struct loop_thread **threads, unsigned n,
                  int cmd);
/* After LOOP_CMD_EXIT: wait for the thread, then release what loop_init took. */
void loop_join(struct loop_thread *t);

/* Hooks conn.c calls. */
void loop_conn_done(struct loop_thread *t);     /* a connection finished (counted) */
void loop_conn_closed(struct loop_thread *t);   /* its handle is closed, slot free */

#endif
