/* thread: every worker is a thread of the server process, sharing its memory and
 * descriptors. */
#include <string.h>
#include <time.h>

#include "server.h"

static int thread_start(struct srv *s, char *err, size_t errlen)
{
    for (int i = 0; i < s->nworkers; i++)
        if (s->io->init(&s->workers[i], err, errlen) < 0)
            return -1;
    for (int i = 0; i < s->nworkers; i++) {
        int rc = pthread_create(&s->workers[i].thread, NULL, srv_worker_main, &s->workers[i]);
        if (rc != 0) {
            snprintf(err, errlen, "pthread_create worker %d: %s", i, strerror(rc));
            return -1;  /* those started are joined through thread != 0 */
        }
    }
    return 0;
}

static void thread_stop(struct srv *s)
{
    for (int i = 0; i < s->nworkers; i++)
        if (s->workers[i].io_data)
            s->io->wake(&s->workers[i]);
}

static int thread_join(struct srv *s, unsigned timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);  /* pthread_timedjoin_np's clock */
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    int rc = 0;
    for (int i = 0; i < s->nworkers; i++) {
        if (!s->workers[i].thread)
            continue;
        if (pthread_timedjoin_np(s->workers[i].thread, NULL, &deadline) != 0)
            rc = -1;
        else
            s->workers[i].thread = 0;
    }
    return rc;
}

static void thread_reap(struct srv *s)
{
    (void)s;  /* threads are not children: nothing to collect */
}

const struct model model_thread = {
    .v = {.name = "thread", .summary = "workers are threads of one process",
          .caps = SRV_CAP_SHARES_MEMORY, .compared = 1},
    .start = thread_start,
    .stop = thread_stop,
    .join = thread_join,
    .reap = thread_reap,
};
