/* reuseport: every worker binds its own socket to the same address with
 * SO_REUSEPORT; the kernel hashes each new connection's 4-tuple to one socket of
 * the group, so workers never contend for an accept queue. */
#include <unistd.h>

#include "server.h"

static int reuseport_open(struct srv *s, char *err, size_t errlen)
{
    for (int i = 0; i < s->nworkers; i++) {
        int fd = srv_listen(s, 1, 1, err, errlen);
        if (fd < 0)
            return -1;  /* close() releases those already open */
        s->workers[i].listen_fd = s->workers[i].wait_fd = fd;
    }
    return 0;
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
};
