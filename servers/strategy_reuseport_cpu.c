/* reuseport-cpu: a reuseport group steered by CPU. Worker i is pinned to CPU i,
 * and a classic BPF program attached to the group (SO_ATTACH_REUSEPORT_CBPF,
 * Linux 4.5) returns, for each new connection, the index of the socket whose
 * worker runs on the CPU that processed the SYN (SKF_AD_CPU). The connection is
 * then accepted, read and answered on the CPU whose caches already hold it.
 * The group's index order is the order the sockets joined it, which is worker
 * order here; a worker process that dies reshuffles it (the kernel moves the
 * last socket into the hole), so steering is only as good as a stable group. */
#include <errno.h>
#include <linux/filter.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

static int cpu_open(struct srv *s, char *err, size_t errlen)
{
    if (srv_check_cpus(s, "--strategy reuseport-cpu", err, errlen) < 0)
        return -1;
    for (int i = 0; i < s->nworkers; i++) {
        int fd = srv_listen(s, 1, 1, err, errlen);
        if (fd < 0)
            return -1;
        s->workers[i].listen_fd = s->workers[i].wait_fd = fd;
    }
    /* A = the CPU number; A %= workers (a CPU past the last worker would make
     * the kernel fall back to hashing); return A. */
    struct sock_filter code[] = {
        {BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)(SKF_AD_OFF + SKF_AD_CPU)},
        {BPF_ALU | BPF_MOD | BPF_K, 0, 0, (uint32_t)s->nworkers},
        {BPF_RET | BPF_A, 0, 0, 0},
    };
    struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
    if (setsockopt(s->workers[0].listen_fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
                   sizeof prog) < 0) {
        snprintf(err, errlen, "setsockopt SO_ATTACH_REUSEPORT_CBPF: %s (needs Linux 4.5)",
                 strerror(errno));
        return -1;
    }
    return 0;
}

const struct strategy strategy_reuseport_cpu = {
    .name = "reuseport-cpu",
    .summary = "reuseport steered by CPU: a CBPF program picks the worker pinned to the SYN's CPU",
    .open = cpu_open,
    .take = srv_take_listener,
    .stop = srv_stop_listeners,
    .close = srv_close_listeners,
    .fork_child = srv_listeners_fork_child,
    .fork_parent = srv_listeners_fork_parent,
    .on_worker_start = srv_pin_worker,
};
