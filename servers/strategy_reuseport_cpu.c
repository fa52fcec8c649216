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
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

static int attach(int fd, const struct sock_filter *code, unsigned short len)
{
    struct sock_fprog prog = {.len = len, .filter = (struct sock_filter *)code};
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog);
}

static int cpu_open(struct srv *s, char *err, size_t errlen)
{
    /* A = the CPU number; A %= workers (a CPU past the last worker would make
     * the kernel fall back to hashing); return A. */
    const struct sock_filter code[] = {
        {BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)(SKF_AD_OFF + SKF_AD_CPU)},
        {BPF_ALU | BPF_MOD | BPF_K, 0, 0, (uint32_t)s->nworkers},
        {BPF_RET | BPF_A, 0, 0, 0},
    };
    if (attach(s->workers[0].listen_fd, code, sizeof code / sizeof code[0]) < 0) {
        snprintf(err, errlen, "setsockopt SO_ATTACH_REUSEPORT_CBPF: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Does the kernel take a CBPF program on a reuseport socket (Linux 4.5)? */
static int cpu_probe(char *err, size_t errlen)
{
    const struct sock_filter ret0[] = {{BPF_RET | BPF_K, 0, 0, 0}};
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) == 0 &&
             attach(fd, ret0, 1) == 0;
    if (!ok)
        snprintf(err, errlen, "SO_ATTACH_REUSEPORT_CBPF: %s (needs Linux 4.5)", strerror(errno));
    if (fd >= 0)
        close(fd);
    return ok ? 0 : -1;
}

const struct strategy strategy_reuseport_cpu = {
    .v = {.name = "reuseport-cpu",
          .summary = "reuseport steered by CPU: a CBPF program picks the worker pinned to the SYN's CPU",
          .feature = "reuseport_cbpf", .probe = cpu_probe, .caps = SRV_CAP_PINS_CPUS},
    .source = SRV_SOURCE_OWN_LISTENER,
    .open = cpu_open,
};
