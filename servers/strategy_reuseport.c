/* reuseport: every worker binds its own socket to the same address with
 * SO_REUSEPORT; the kernel hashes each new connection's 4-tuple to one socket of
 * the group, so workers never contend for an accept queue. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

static int reuseport_open(struct srv *s, char *err, size_t errlen)
{
    if (s->cfg.incoming_cpu && srv_check_cpus(s, "--incoming-cpu", err, errlen) < 0)
        return -1;
    for (int i = 0; i < s->nworkers; i++) {
        int fd = srv_listen(s, 1, 1, err, errlen);
        if (fd < 0)
            return -1;  /* close() releases those already open */
        s->workers[i].listen_fd = s->workers[i].wait_fd = fd;
        /* SO_INCOMING_CPU on a listener: kernels since 6.2 prefer, within a
         * reuseport group, the socket whose value matches the CPU that took
         * the SYN; older ones ignore it for selection. */
        if (s->cfg.incoming_cpu &&
            setsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &i, sizeof i) < 0) {
            snprintf(err, errlen, "setsockopt SO_INCOMING_CPU: %s", strerror(errno));
            return -1;
        }
    }
    return 0;
}

static void reuseport_worker_start(struct worker *w)
{
    if (w->srv->cfg.incoming_cpu)
        srv_pin_worker(w);
}

const struct strategy strategy_reuseport = {
    .name = "reuseport",
    .summary = "one SO_REUSEPORT socket per worker, the kernel spreads connections",
    .open = reuseport_open,
    .take = srv_take_listener,
    .stop = srv_stop_listeners,
    .close = srv_close_listeners,
    .fork_child = srv_listeners_fork_child,
    .fork_parent = srv_listeners_fork_parent,
    .on_worker_start = reuseport_worker_start,
};
