/* The server core: owns the workers, looks up the axes, refuses at start-up
 * what cannot run, and walks a connection's path from its source to a worker,
 * delegating each step to the strategy and io tables. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cpu.h"

const void *srv_find(enum srv_axis_id a, const char *name)
{
    for (int i = 0; name && srv_axes[a].values[i]; i++)
        if (strcmp(srv_axis_value(a, i)->name, name) == 0)
            return srv_axes[a].values[i];
    return NULL;
}

void srv_axis_names(enum srv_axis_id a, unsigned caps, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; srv_axes[a].values[i]; i++) {
        const struct axis_value *v = srv_axis_value(a, i);
        if ((v->caps & caps) != caps)
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", v->name);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
}

/* The value cfg names on axis a, or its default; NULL for an unknown name. */
static const struct axis_value *chosen(const struct srv_config *cfg, enum srv_axis_id a)
{
    const char *names[SRV_NAXES] = {cfg->strategy, cfg->io, cfg->model, cfg->protocol};
    return srv_find(a, names[a] ? names[a] : srv_axes[a].default_value);
}

/* An option that only values with `cap` take, given with one that lacks it. */
static int refuse_option(enum srv_axis_id a, const struct axis_value *v, unsigned cap,
                         const char *option, char *err, size_t errlen)
{
    char which[256];
    if (v->caps & cap)
        return 0;
    srv_axis_names(a, cap, which, sizeof which);
    snprintf(err, errlen, "%s: works with %s %s only", option, srv_axes[a].option, which);
    return -1;
}

int srv_check_options(const struct srv_config *cfg, char *err, size_t errlen)
{
    const char *given[SRV_NAXES] = {cfg->strategy, cfg->io, cfg->model, cfg->protocol};
    for (int a = 0; a < SRV_NAXES; a++)
        if (!chosen(cfg, (enum srv_axis_id)a)) {
            char names[256];
            srv_axis_names((enum srv_axis_id)a, 0, names, sizeof names);
            snprintf(err, errlen, "%s: unknown %s '%s' (use %s)", srv_axes[a].option,
                     srv_axes[a].name, given[a], names);
            return -1;
        }
    if (cfg->incoming_cpu && refuse_option(SRV_STRATEGY, chosen(cfg, SRV_STRATEGY),
                                           SRV_CAP_INCOMING_CPU, "--incoming-cpu", err, errlen) < 0)
        return -1;
    if (cfg->log_dir && refuse_option(SRV_PROTOCOL, chosen(cfg, SRV_PROTOCOL), SRV_CAP_LOGS,
                                      "--log-dir", err, errlen) < 0)
        return -1;
    return 0;
}

int srv_pins_cpus(const struct srv_config *cfg)
{
    return (chosen(cfg, SRV_STRATEGY)->caps & SRV_CAP_PINS_CPUS) || cfg->incoming_cpu;
}

/* The option that asks for the pinning, for the refusal's wording. */
static const char *pinned_by(const struct srv_config *cfg, char *buf, size_t len)
{
    const struct axis_value *st = chosen(cfg, SRV_STRATEGY);
    if (!(st->caps & SRV_CAP_PINS_CPUS))
        return "--incoming-cpu";
    snprintf(buf, len, "%s %s", srv_axes[SRV_STRATEGY].option, st->name);
    return buf;
}

int srv_check_machine(const struct srv_config *cfg, char *err, size_t errlen)
{
    for (int a = 0; a < SRV_NAXES; a++) {
        const struct axis_value *v = chosen(cfg, (enum srv_axis_id)a);
        char why[256];
        if (v->probe && v->probe(why, sizeof why) < 0) {
            snprintf(err, errlen, "%s %s: %s", srv_axes[a].option, v->name, why);
            return -1;
        }
    }
    if (!srv_pins_cpus(cfg))
        return 0;
    char buf[96];
    const char *pins = pinned_by(cfg, buf, sizeof buf);
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) < 0) {
        snprintf(err, errlen, "%s: sched_getaffinity: %s", pins, strerror(errno));
        return -1;
    }
    int usable = 0;
    while (usable < CPU_SETSIZE && CPU_ISSET(usable, &allowed))
        usable++;
    if (cfg->workers > usable) {
        snprintf(err, errlen, "%s pins worker i to CPU i, so it needs CPUs 0..%d: "
                 "use --workers %d or fewer", pins, cfg->workers - 1, usable);
        return -1;
    }
    return 0;
}

int srv_init(struct srv *s, const struct srv_config *cfg, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (srv_check_options(cfg, err, errlen) < 0 || srv_check_machine(cfg, err, errlen) < 0)
        return -1;  /* refuse now: never fall back to another value */
    s->cfg = *cfg;
    s->strategy = (const struct strategy *)chosen(cfg, SRV_STRATEGY);
    s->io = (const struct io_backend *)chosen(cfg, SRV_IO);
    s->model = (const struct model *)chosen(cfg, SRV_MODEL);
    s->proto = (const struct proto *)chosen(cfg, SRV_PROTOCOL);
    s->main_pid = getpid();
    /* Workers are pinned for locality, so a pinned configuration always
     * measures it: what the pinning bought is then on record in /stats. */
    s->locality = cfg->measure_locality || srv_pins_cpus(cfg);
    s->nworkers = cfg->workers;
    s->workers = calloc((size_t)s->nworkers, sizeof *s->workers);
    /* Counters live in shared memory so that forked worker processes can publish
     * them to whichever process answers /stats. */
    s->stats = mmap(NULL, (size_t)s->nworkers * sizeof *s->stats, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    s->shared = mmap(NULL, sizeof *s->shared, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!s->workers || s->stats == MAP_FAILED || s->shared == MAP_FAILED) {
        snprintf(err, errlen, "allocating %d workers: %s", s->nworkers, strerror(errno));
        if (s->stats != MAP_FAILED)
            munmap(s->stats, (size_t)s->nworkers * sizeof *s->stats);
        if (s->shared != MAP_FAILED)
            munmap(s->shared, sizeof *s->shared);
        free(s->workers);
        return -1;
    }
    for (int i = 0; i < s->nworkers; i++) {
        struct worker *w = &s->workers[i];
        w->id = i;
        w->srv = s;
        w->st = &s->stats[i];
        w->listen_fd = w->wait_fd = w->log_fd = w->local_fd = -1;
    }
    return 0;
}

/* --log-dir: worker i appends to DIR/worker-<i>.log. */
static int open_logs(struct srv *s, char *err, size_t errlen)
{
    for (int i = 0; s->cfg.log_dir && i < s->nworkers; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/worker-%d.log", s->cfg.log_dir, i);
        s->workers[i].log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (s->workers[i].log_fd < 0) {
            snprintf(err, errlen, "--log-dir: open %.200s: %s", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* The strategy's sources: a listener source's are the core's own. */
static int open_sources(struct srv *s, char *err, size_t errlen)
{
    if (srv_accepts(s) && listener_open_all(s, err, errlen) < 0)
        return -1;
    return s->strategy->open ? s->strategy->open(s, err, errlen) : 0;
}

void *srv_worker_main(void *arg)
{
    struct worker *w = arg;
    atomic_store(&w->st->pid, getpid());
    atomic_store(&w->st->tid, gettid());
    if (srv_pins_cpus(&w->srv->cfg))
        cpu_pin_self(w->id);  /* srv_check_machine made sure CPU id is ours */
    w->srv->io->run(w);
    uint64_t user_us, sys_us;
    cpu_self_thread(&user_us, &sys_us);
    atomic_store(&w->st->exit_user_us, user_us);
    atomic_store(&w->st->exit_sys_us, sys_us);
    atomic_store(&w->finished, 1);
    return NULL;
}

int srv_start(struct srv *s, char *err, size_t errlen)
{
    if (open_logs(s, err, errlen) < 0 || open_sources(s, err, errlen) < 0)
        return -1;
    for (int i = 0; i < s->nworkers; i++) {
        struct worker *w = &s->workers[i];
        w->has_listener = w->listen_fd >= 0;
        for (int j = 0; w->listen_fd >= 0 && j < s->nworkers; j++)
            if (j != i && s->workers[j].listen_fd == w->listen_fd)
                w->shares_listener = 1;
        if (w->has_listener && !w->shares_listener) {
            atomic_store(&w->st->listener_open, 1);
            atomic_fetch_add(&s->shared->listeners_open, 1);
        }
    }
    if (s->model->start(s, err, errlen) < 0)
        return -1;
    if (s->strategy->start && s->strategy->start(s, err, errlen) < 0)
        return -1;
    if (s->cfg.admin_enabled && admin_start(s, err, errlen) < 0)
        return -1;
    return 0;
}

/* Is connection fd local (server.h) to the CPU this thread runs on now?
 * sched_getcpu() is answered without a system call (rseq or the vDSO); the
 * getsockopt is the one per connection that measuring costs. */
static int local_now(int fd)
{
    int cpu;
    socklen_t len = sizeof cpu;
    return getsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, &len) == 0 && cpu >= 0 &&
           cpu == sched_getcpu();
}

/* The one place a connection reaching a worker is counted, whatever the
 * strategy and io backend: accepted, the strategy's own count (taken), and
 * accepted_local when measured. */
static void count_taken(struct worker *w, int fd)
{
    stats_add(&w->st->accepted, 1);
    if (w->srv->strategy->taken)
        w->srv->strategy->taken(w);
    w->local_fd = -1;
    if (w->srv->locality && local_now(fd)) {
        stats_add(&w->st->accepted_local, 1);
        w->local_fd = fd;
    }
}

int srv_take(struct worker *w, int wait)
{
    /* A listener's own O_NONBLOCK flag says whether accept() waits. */
    int fd = srv_accepts(w->srv) ? listener_accept(w->srv, w->listen_fd, &w->st->accept_errors)
                                 : w->srv->strategy->take(w, wait);
    if (fd >= 0)
        count_taken(w, fd);
    return fd;
}

void srv_admit(struct worker *w, int fd)
{
    count_taken(w, fd);
}

void srv_stop_sources(struct srv *s)
{
    if (srv_accepts(s))
        listener_stop_all(s);
    if (s->strategy->stop)
        s->strategy->stop(s);
}

void srv_fork_child(struct srv *s, struct worker *own)
{
    if (srv_accepts(s))
        listener_fork_child(s, own);
    if (s->strategy->fork_child)
        s->strategy->fork_child(s, own);
}

void srv_fork_parent(struct srv *s)
{
    if (srv_accepts(s))
        listener_fork_parent(s);
    if (s->strategy->fork_parent)
        s->strategy->fork_parent(s);
}

void srv_stop(struct srv *s)
{
    atomic_store(&s->shared->stopping, 1);
    atomic_store(&s->stopping, 1);
    admin_stop(s);
    srv_stop_sources(s);
    s->model->stop(s);
}

int srv_join(struct srv *s, unsigned timeout_ms)
{
    return s->model->join(s, timeout_ms);
}

void srv_reap(struct srv *s)
{
    s->model->reap(s);
}

void srv_destroy(struct srv *s)
{
    for (int i = 0; i < s->nworkers; i++)
        if (s->workers[i].io_data)
            s->io->fini(&s->workers[i]);
    if (srv_accepts(s))
        listener_close_all(s);
    if (s->strategy->close)
        s->strategy->close(s);
    for (int i = 0; i < s->nworkers; i++)
        if (s->workers[i].log_fd >= 0)
            close(s->workers[i].log_fd);
    munmap(s->stats, (size_t)s->cfg.workers * sizeof *s->stats);
    munmap(s->shared, sizeof *s->shared);
    free(s->workers);
}
