/* --probe: what the running kernel does with the accept-steering features
 * and the io backends that need a recent one, for env.txt. Each line is "name: answer"; answers come from trying, not from
 * version numbers, since distributions backport. */
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "server.h"

static const char *epoll_exclusive(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC), fd = socket(AF_INET, SOCK_STREAM, 0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE};
    int ok = ep >= 0 && fd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0;
    close(ep);
    close(fd);
    return ok ? "yes" : "no";
}

/* Two reuseport listeners with SO_INCOMING_CPU 0 and 1; from each CPU in turn,
 * connect a few times and see which listener's queue the connections reach. */
static const char *incoming_cpu(void)
{
    char err[160];
    struct net_addr a;
    int l[2] = {-1, -1}, honoured = 1, ran = 0;
    cpu_set_t saved, one;
    if (sched_getaffinity(0, sizeof saved, &saved) < 0 || !CPU_ISSET(0, &saved) ||
        !CPU_ISSET(1, &saved))
        return "unknown (needs CPUs 0 and 1)";
    net_parse_addr("127.0.0.1:0", &a, err, sizeof err);
    for (int i = 0; i < 2; i++) {
        if ((l[i] = net_listen(err, sizeof err, &a, 64, NET_REUSEPORT | NET_NONBLOCK)) < 0 ||
            setsockopt(l[i], SOL_SOCKET, SO_INCOMING_CPU, &i, sizeof i) < 0) {
            honoured = 0;
            break;
        }
        if (i == 0) {
            struct net_addr bound;
            net_local_addr(err, sizeof err, l[0], &bound);
            a = bound;
        }
    }
    for (int cpu = 0; honoured && cpu < 2; cpu++) {
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        sched_setaffinity(0, sizeof one, &one);
        for (int k = 0; k < 4; k++) {
            int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (c < 0 || connect(c, (struct sockaddr *)&a.ss, a.len) < 0) {
                honoured = 0;
            } else {
                /* Loopback completes the handshake inside connect(). */
                int got = accept4(l[cpu], NULL, NULL, SOCK_CLOEXEC);
                honoured &= got >= 0;
                ran = 1;
                if (got >= 0)
                    close(got);
                else
                    while ((got = accept4(l[1 - cpu], NULL, NULL, SOCK_CLOEXEC)) >= 0)
                        close(got);
            }
            if (c >= 0)
                close(c);
        }
    }
    sched_setaffinity(0, sizeof saved, &saved);
    close(l[0]);
    close(l[1]);
    return !ran ? "unknown (could not connect)" : honoured ? "yes" : "no";
}

static const char *reuseport_cbpf(void)
{
    struct sock_filter code[] = {{BPF_RET | BPF_K, 0, 0, 0}};
    struct sock_fprog prog = {.len = 1, .filter = code};
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
    int ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) == 0 &&
             setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog) == 0;
    close(fd);
    return ok ? "yes" : "no";
}

void probe_print(FILE *out)
{
    fprintf(out, "epoll_exclusive: %s\n", epoll_exclusive());
    fprintf(out, "reuseport_cbpf: %s\n", reuseport_cbpf());
    fprintf(out, "incoming_cpu_steering: %s\n", incoming_cpu());
    /* Every io backend that checks the kernel at start-up, with the reason it
     * would give for refusing. */
    for (const struct io_backend *const *io = srv_io_backends; *io; io++) {
        char err[256] = "";
        if (!(*io)->probe)
            continue;
        if ((*io)->probe(err, sizeof err) == 0) {
            fprintf(out, "io_%s: yes\n", (*io)->name);
            continue;
        }
        /* The start-up refusal names the option; here the line does. */
        const char *why = err, *sep = strstr(err, ": ");
        if (strncmp(err, "--io ", 5) == 0 && sep)
            why = sep + 2;
        fprintf(out, "io_%s: no (%s)\n", (*io)->name, why);
    }
}
