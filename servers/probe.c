/* --probe: what the running kernel can do of what the server's values need,
 * and whether it steers by SO_INCOMING_CPU, for env.txt. Each line is
 * "feature: answer"; answers come from trying, not from version numbers, since
 * distributions backport. */
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "server.h"

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

void probe_print(FILE *out)
{
    /* Every axis value that needs a kernel feature, with the reason it would
     * be refused at start-up. */
    for (int a = 0; a < SRV_NAXES; a++)
        for (int i = 0; srv_axes[a].values[i]; i++) {
            const struct axis_value *v = srv_axis_value((enum srv_axis_id)a, i);
            char why[256];
            if (!v->probe)
                continue;
            if (v->probe(why, sizeof why) == 0)
                fprintf(out, "%s: yes\n", v->feature);
            else
                fprintf(out, "%s: no (%s)\n", v->feature, why);
        }
    /* Not a value's need but an option's effect, which older kernels accept
     * and ignore: whether SO_INCOMING_CPU steers (--incoming-cpu). */
    fprintf(out, "incoming_cpu_steering: %s\n", incoming_cpu());
}
