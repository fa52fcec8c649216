/* reuseport-bpf: a reuseport group steered by load. As reuseport, every worker
 * has its own SO_REUSEPORT listener; an eBPF program of type sk_reuseport
 * (reuseport_bpf.bpf.c, attached with SO_ATTACH_REUSEPORT_EBPF) picks, for
 * each new connection, the worker with the fewest connections waiting for it:
 * those the program sent it minus those it has taken. The program chooses by
 * map key, and key i holds worker i's listener (a REUSEPORT_SOCKARRAY), so
 * unlike reuseport-cpu's index into the group, a worker process leaving does
 * not shift the others' keys.
 *
 * The object is embedded with a bpftool skeleton rather than loaded from a
 * file or from bytes embedded by hand (bpf_object__open_mem): bpftool puts the
 * object in the header, so the server needs no file at run time and the build
 * no embedding step of its own, and the skeleton gives typed handles on the
 * program, the sockarray, the worker count in .rodata and the slots in .bss.
 *
 * The slots are the program's .bss, which libbpf creates as a BPF_F_MMAPABLE
 * array and maps MAP_SHARED: a worker publishes its count with a plain store
 * (taken, once per connection), where a map update would be a system call per
 * connection, the cost this benchmark exists to count. Mapped before the
 * process model forks, the page is the same for every worker process. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "reuseport_bpf.h"
#include "server.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"  /* the embedded object */
#include "reuseport_bpf.skel.h"
#pragma GCC diagnostic pop

#define VERIFIER_LOG_SIZE (64 * 1024)

/* libbpf's first warning, for the one-line refusal when the kernel's verifier
 * has said nothing (a map it could not create, no CAP_BPF, ...): the first is
 * the cause, the later ones only say what failed because of it. libbpf writes
 * to stderr by default; the server reports one line instead. Start-up only:
 * the probe and open run on the main thread before any worker exists. */
static char libbpf_said[256];

static int keep_first_warning(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    char line[sizeof libbpf_said];
    if (level != LIBBPF_WARN || libbpf_said[0] != '\0')
        return 0;
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    /* Not a cause: libbpf failing to raise RLIMIT_MEMLOCK (no CAP_SYS_RESOURCE),
     * which the program's kernel (5.17, for bpf_loop) does not use for BPF
     * memory since 5.11; libbpf 1.1 exports no way to skip the attempt. */
    if (!strstr(line, "Failed to bump RLIMIT_MEMLOCK"))
        memcpy(libbpf_said, line, sizeof line);
    return 0;
}

/* The verifier's reason: the log's last line that is not its closing summary
 * ("processed N insns", "verification time", ...). Cuts log into lines. */
static const char *verifier_reason(char *log)
{
    const char *reason = NULL;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n"))
        if (strncmp(line, "processed ", 10) != 0 && strncmp(line, "verification time", 17) != 0 &&
            strncmp(line, "stack depth", 11) != 0 && strncmp(line, "mark_precise", 12) != 0)
            reason = line;
    return reason;
}

/* Open and load the program for nworkers, or NULL with the kernel's reason. */
static struct reuseport_bpf *load(int nworkers, char *err, size_t errlen)
{
    char *log = calloc(1, VERIFIER_LOG_SIZE);
    /* With a log buffer and level 0, libbpf loads without a log and asks for
     * one only on a failure, so a success costs no verifier log. */
    struct bpf_object_open_opts opts = {.sz = sizeof opts, .kernel_log_buf = log,
                                        .kernel_log_size = log ? VERIFIER_LOG_SIZE : 0};
    libbpf_set_print(keep_first_warning);
    libbpf_said[0] = '\0';
    struct reuseport_bpf *skel = reuseport_bpf__open_opts(&opts);
    if (skel) {
        skel->rodata->nworkers = (unsigned)nworkers;
        if (bpf_map__set_max_entries(skel->maps.listeners, (unsigned)nworkers) < 0 ||
            reuseport_bpf__load(skel) < 0) {
            int e = errno;
            const char *why = log ? verifier_reason(log) : NULL;
            snprintf(err, errlen, "the kernel refused the sk_reuseport program: %s",
                     why ? why : libbpf_said[0] ? libbpf_said : strerror(e));
            reuseport_bpf__destroy(skel);
            skel = NULL;
        }
    } else {
        snprintf(err, errlen, "opening the sk_reuseport program: %s",
                 libbpf_said[0] ? libbpf_said : strerror(errno));
    }
    free(log);
    return skel;
}

static int attach(int listen_fd, const struct reuseport_bpf *skel)
{
    int prog = bpf_program__fd(skel->progs.pick_least_loaded);
    return setsockopt(listen_fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &prog, sizeof prog);
}

/* Key i of the sockarray: worker i's listener. */
static int add_listener(const struct reuseport_bpf *skel, unsigned i, int listen_fd)
{
    uint64_t fd = (uint64_t)listen_fd;
    return bpf_map__update_elem(skel->maps.listeners, &i, sizeof i, &fd, sizeof fd, BPF_ANY);
}

static int bpf_open(struct srv *s, char *err, size_t errlen)
{
    if (s->nworkers > REUSEPORT_BPF_MAX_WORKERS) {
        snprintf(err, errlen, "at most %d workers", REUSEPORT_BPF_MAX_WORKERS);
        return -1;
    }
    struct reuseport_bpf *skel = load(s->nworkers, err, errlen);
    if (!skel)
        return -1;
    s->strategy_data = skel;
    for (int i = 0; i < s->nworkers; i++) {
        if (add_listener(skel, (unsigned)i, s->workers[i].listen_fd) < 0) {
            snprintf(err, errlen, "adding worker %d's listener to the sockarray: %s", i,
                     strerror(errno));
            return -1;
        }
        s->workers[i].strategy_data = &skel->bss->slots[i];
    }
    /* One socket carries the program for its whole group. */
    if (attach(s->workers[0].listen_fd, skel) < 0) {
        snprintf(err, errlen, "setsockopt SO_ATTACH_REUSEPORT_EBPF: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Runs once per connection on the worker's thread. Only this worker writes its
 * slot's count, so a plain load and store (as stats_add); the program reads it
 * from softirq on any CPU, hence the atomic (untorn) store. */
static void bpf_taken(struct worker *w)
{
    struct reuseport_bpf_slot *slot = w->strategy_data;
    __atomic_store_n(&slot->accepted, slot->accepted + 1, __ATOMIC_RELAXED);
}

static void bpf_worker_stats(struct srv *s, struct stats_row *rows, struct stats_process *p)
{
    const struct reuseport_bpf *skel = s->strategy_data;
    if (!skel)
        return;
    for (int i = 0; i < s->nworkers; i++)
        rows[i].steered = __atomic_load_n(&skel->bss->slots[i].steered, __ATOMIC_RELAXED);
    p->steering = 1;
}

/* The sockarray holds the listeners without their descriptors, and the group
 * holds the program: what is left to release is the object and its mapping. */
static void bpf_close(struct srv *s)
{
    reuseport_bpf__destroy(s->strategy_data);
    s->strategy_data = NULL;
}

/* Load the program for the most workers the server takes (so the verifier
 * checks the longest scan), and attach it to a group of one listener on a
 * loopback port: every step open() takes, on a throwaway socket. */
static int bpf_probe(char *err, size_t errlen)
{
    struct reuseport_bpf *skel = load(REUSEPORT_BPF_MAX_WORKERS, err, errlen);
    if (!skel)
        return -1;
    struct net_addr any;
    int fd = -1, rc = -1;
    if (net_parse_addr("127.0.0.1:0", &any, err, errlen) == 0 &&
        (fd = net_listen(err, errlen, &any, 1, NET_REUSEPORT)) >= 0) {
        if (add_listener(skel, 0, fd) < 0)
            snprintf(err, errlen, "adding a listener to a REUSEPORT_SOCKARRAY: %s",
                     strerror(errno));
        else if (attach(fd, skel) < 0)
            snprintf(err, errlen, "SO_ATTACH_REUSEPORT_EBPF: %s", strerror(errno));
        else
            rc = 0;
        close(fd);
    }
    reuseport_bpf__destroy(skel);
    return rc;
}

const struct strategy strategy_reuseport_bpf = {
    .v = {.name = "reuseport-bpf",
          .summary = "reuseport steered by load: an eBPF program picks the worker with the "
                     "fewest connections waiting",
          .feature = "reuseport_ebpf", .probe = bpf_probe},
    .source = SRV_SOURCE_OWN_LISTENER,
    .open = bpf_open,
    .close = bpf_close,
    .worker_stats = bpf_worker_stats,
    .taken = bpf_taken,
};
