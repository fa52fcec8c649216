/* process: every worker is a forked child running one worker thread (the
 * pre-fork servers; with reuseport, the second classic experiment). Counters
 * are in shared memory, so /stats is the same whichever process answers it. The
 * parent keeps the admin listener and, for pool, the acceptor; it forwards
 * SIGTERM to the children, reports any child that ends on its own, and kills
 * the stragglers once the grace period is over. Children die with the parent
 * (PR_SET_PDEATHSIG), so no worker outlives the server. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

struct child {
    pid_t pid;
    int done;        /* reaped */
};

/* The child's whole life: own one worker, run it, stop it on SIGTERM. */
static void child_main(struct srv *s, struct worker *w, pid_t parent)
{
    char err[256];
    /* If the parent is killed outright, the kernel sends SIGTERM here; the
     * getppid() check closes the race with a parent that died before prctl. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(1);
    srv_fork_child(s, w);
    for (int i = 0; i < s->nworkers; i++)
        if (&s->workers[i] != w && s->workers[i].log_fd >= 0) {
            close(s->workers[i].log_fd);
            s->workers[i].log_fd = -1;
        }
    if (s->io->init(w, err, sizeof err) < 0 ||
        pthread_create(&w->thread, NULL, srv_worker_main, w) != 0) {
        fprintf(stderr, "acceptbench-server: worker %d: %s\n", w->id, err);
        _exit(1);
    }
    /* SIGINT and SIGTERM are blocked (inherited mask): wait for them here. The
     * whole server is stopping when the parent says so (it sets the shared
     * flag, then signals), or on SIGINT, which a terminal sends to the whole
     * process group; any other SIGTERM is this worker leaving alone (a rolling
     * restart). A SIGTERM sent to every process at once (systemd's
     * control-group kill) looks like every worker leaving alone: the server
     * still stops, but a shared listener's queue goes uncounted. */
    sigset_t set;
    siginfo_t si;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig;
    while ((sig = sigwaitinfo(&set, &si)) < 0)
        ;  /* EINTR: after a SIGSTOP and SIGCONT (signal(7)) */
    if (sig == SIGINT || si.si_pid == parent)
        atomic_store(&s->shared->stopping, 1);
    atomic_store(&s->stopping, 1);
    srv_stop_sources(s);    /* only this child's descriptors are still open */
    /* A blocking worker's wake-up signal is lost if it lands just before the
     * call, and a listener left open would not end the wait: repeat it every
     * 50 ms until the thread is done. */
    for (int ms = 0; !atomic_load(&w->finished); ms++) {
        if (ms % 50 == 0)
            s->io->wake(w);
        nanosleep(&(struct timespec){.tv_nsec = 1000000L}, NULL);
    }
    pthread_join(w->thread, NULL);
    _exit(0);
}

static int process_start(struct srv *s, char *err, size_t errlen)
{
    struct child *kids = calloc((size_t)s->nworkers, sizeof *kids);
    pid_t parent = getpid();
    if (!kids) {
        snprintf(err, errlen, "--model process: out of memory");
        return -1;
    }
    s->model_data = kids;
    fflush(NULL);  /* no buffered output copied into the children */
    for (int i = 0; i < s->nworkers; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            snprintf(err, errlen, "fork worker %d: %s", i, strerror(errno));
            return -1;
        }
        if (pid == 0)
            child_main(s, &s->workers[i], parent);
        kids[i].pid = pid;
    }
    srv_fork_parent(s);
    return 0;
}

static void signal_children(struct srv *s, int sig)
{
    struct child *kids = s->model_data;
    for (int i = 0; kids && i < s->nworkers; i++)
        if (kids[i].pid > 0 && !kids[i].done)
            kill(kids[i].pid, sig);
}

static void process_stop(struct srv *s)
{
    signal_children(s, SIGTERM);
}

/* For a worker that left alone while the server kept running: how many
 * connections its own listener held as it closed, and what the kernel did with
 * them, as the worker recorded it (listener_stop_all). */
static const char *queue_fate(struct srv *s, int i, char *text, size_t len)
{
    const struct worker *w = &s->workers[i];
    if (srv_stopping(s) || !w->has_listener || w->shares_listener)
        return "";
    unsigned long long queued = atomic_load(&s->stats[i].queued_at_leave);
    if (queued == 0)
        return "; no connection was queued on its listener";
    static const char *const fates[] = {
        [LISTENER_QUEUE_RESET] = "reset (net.ipv4.tcp_migrate_req=0)",
        [LISTENER_QUEUE_MOVED] = "moved to the others (net.ipv4.tcp_migrate_req=1)",
        [LISTENER_QUEUE_RESET_LAST] = "reset: no listener left to move them to",
        [LISTENER_QUEUE_RESET_NO_SYSCTL] = "reset (this kernel has no net.ipv4.tcp_migrate_req)",
    };
    snprintf(text, len, "; its listener closed with %llu queued connection%s, %s", queued,
             queued == 1 ? "" : "s", fates[atomic_load(&s->stats[i].leave_fate)]);
    return text;
}

/* Collect every child that has ended; say how each ended unless the server is
 * stopping and it ended cleanly. Returns how many are still running. */
static int collect(struct srv *s)
{
    struct child *kids = s->model_data;
    int running = 0;
    char fate[160];
    for (int i = 0; kids && i < s->nworkers; i++) {
        int status;
        if (kids[i].pid <= 0 || kids[i].done)
            continue;
        pid_t r = waitpid(kids[i].pid, &status, WNOHANG);
        if (r != kids[i].pid) {
            running++;
            continue;
        }
        kids[i].done = 1;
        listener_gone(s, i);  /* if it died without closing it itself */
        if (WIFSIGNALED(status))
            fprintf(stderr, "acceptbench-server: worker %d (pid %d) was killed by signal %d (%s)\n",
                    i, (int)kids[i].pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
        else if (!srv_stopping(s) || WEXITSTATUS(status) != 0)
            fprintf(stderr, "acceptbench-server: worker %d (pid %d) exited with status %d%s\n",
                    i, (int)kids[i].pid, WEXITSTATUS(status),
                    queue_fate(s, i, fate, sizeof fate));
    }
    return running;
}

static int process_join(struct srv *s, unsigned timeout_ms)
{
    int rc = 0;
    for (unsigned waited = 0; collect(s) > 0; waited += 10) {
        if (waited >= timeout_ms) {
            signal_children(s, SIGKILL);  /* the grace period is over */
            while (collect(s) > 0)
                nanosleep(&(struct timespec){.tv_nsec = 1000000L}, NULL);
            rc = -1;
            break;
        }
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000000L}, NULL);
    }
    free(s->model_data);  /* every child is reaped: nothing refers to it now */
    s->model_data = NULL;
    return rc;
}

static void process_reap(struct srv *s)
{
    collect(s);
}

const struct model model_process = {
    .v = {.name = "process",
          .summary = "workers are forked processes sharing counters through shared memory"},
    .start = process_start,
    .stop = process_stop,
    .join = process_join,
    .reap = process_reap,
};
