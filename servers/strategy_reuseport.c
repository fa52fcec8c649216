/* reuseport: every worker binds its own socket to the same address with
 * SO_REUSEPORT; the kernel hashes each new connection's 4-tuple to one socket of
 * the group, so workers never contend for an accept queue. The core opens the
 * group (listener.c); with --incoming-cpu it also pins worker i to CPU i. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "server.h"

/* SO_INCOMING_CPU on a listener: kernels since 6.2 prefer, within a reuseport
 * group, the socket whose value matches the CPU that took the SYN; older ones
 * ignore it for selection. */
static int reuseport_open(struct srv *s, char *err, size_t errlen)
{
    for (int i = 0; s->cfg.incoming_cpu && i < s->nworkers; i++)
        if (setsockopt(s->workers[i].listen_fd, SOL_SOCKET, SO_INCOMING_CPU, &i, sizeof i) < 0) {
            snprintf(err, errlen, "setsockopt SO_INCOMING_CPU: %s", strerror(errno));
            return -1;
        }
    return 0;
}

const struct strategy strategy_reuseport = {
    .v = {.name = "reuseport",
          .summary = "one SO_REUSEPORT socket per worker, the kernel spreads connections",
          .caps = SRV_CAP_INCOMING_CPU, .compared = 1},
    .source = SRV_SOURCE_OWN_LISTENER,
    .open = reuseport_open,
};
