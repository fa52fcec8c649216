/* shared: one listening socket; every worker accepts on it. With blocking accept()
 * the kernel wakes one waiter per connection, FIFO; with epoll every worker's
 * poller is woken and all but one find nothing (the thundering herd). */
#include "server.h"

static int shared_open(struct srv *s, char *err, size_t errlen)
{
    int fd = srv_listen(s, 0, 1, err, errlen);
    if (fd < 0)
        return -1;
    for (int i = 0; i < s->nworkers; i++)
        s->workers[i].listen_fd = s->workers[i].wait_fd = fd;
    return 0;
}

const struct strategy strategy_shared = {
    .name = "shared",
    .summary = "one listening socket, every worker accepts on it",
    .open = shared_open,
    .take = srv_take_listener,
    .stop = srv_stop_listeners,
    .close = srv_close_listeners,
    .fork_child = srv_listeners_fork_child,
    .fork_parent = srv_listeners_fork_parent,
};
