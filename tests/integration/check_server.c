/* Integration tests: each strategy × io × model the server has (matrix.h) on
 * port 0, driven over loopback, with exact counts. */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "matrix.h"
#include "testnet.h"

#ifdef ACCEPTBENCH_HAVE_URING
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#endif

#define WORKERS 4
#define CONNS 64

static struct combo combos[MATRIX_MAX];
static int ncombos;

/* Combination i with `workers` workers, or return from the test with the
 * reason when this machine cannot run it. */
#define START_OR_SKIP(ts, i, workers, extra)                                       \
    do {                                                                            \
        struct combo_argv argv_;                                                    \
        if (matrix_skip(&combos[i], (workers), __func__))                           \
            return;                                                                 \
        ts_start((ts), matrix_args(&combos[i], (workers), (extra), &argv_));        \
    } while (0)

static void fetch_stats(int port, char *buf, size_t len)
{
    tn_request(port, "GET /stats HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", buf, len);
    ck_assert_int_eq(tn_status(buf), 200);
    ck_assert_ptr_nonnull(strstr(buf, "\r\nContent-Type: text/csv\r\n"));
}

/* CONNS connections open at once, one request each: every reply is exact, and
 * the server's per-worker accepted counts match the X-Worker tally one for one. */
START_TEST(test_counts_exact)
{
    struct test_server ts;
    static char reply[65536];
    int fds[CONNS], per_worker[WORKERS] = {0};
    const struct combo *cb = &combos[_i];
    const int workers = matrix_workers(cb, WORKERS);
    START_OR_SKIP(&ts, _i, workers, NULL);
    for (int c = 0; c < CONNS; c++)
        fds[c] = tn_connect(ts.port);
    for (int c = 0; c < CONNS; c++) {
        char req[128];
        int n = snprintf(req, sizeof req,
                         "GET /hello?name=c%d HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", c);
        tn_send_all(fds[c], req, (size_t)n);
    }
    for (int c = 0; c < CONNS; c++) {
        char want[32];
        tn_read_all(fds[c], reply, sizeof reply);
        close(fds[c]);
        ck_assert_int_eq(tn_status(reply), 200);
        snprintf(want, sizeof want, "Hello, c%d\n", c);
        ck_assert_str_eq(tn_body(reply), want);
        ck_assert_ptr_nonnull(strstr(reply, "\r\nConnection: close\r\n"));
        int w = tn_worker(reply);
        ck_assert_int_ge(w, 0);
        ck_assert_int_lt(w, workers);
        per_worker[w]++;
    }
    fetch_stats(ts.port, reply, sizeof reply);
    ck_assert_int_eq(tn_stats_sum(reply, "accepted"), CONNS);
    ck_assert_int_eq(tn_stats_sum(reply, "requests"), CONNS);
    for (int w = 0; w < workers; w++)
        ck_assert_int_eq(tn_stats_get(reply, "accepted", w), per_worker[w]);
    /* Without --measure-locality only a pinning strategy measures locality; an
     * unmeasured count stays 0 and says so. The client is not pinned here, so a
     * request may reach the server from another CPU than its handshake. */
    int pins = (cb->strategy->v.caps & SRV_CAP_PINS_CPUS) != 0;
    for (int w = 0; w < workers; w++) {
        ck_assert_int_eq(tn_stats_get(reply, "locality_measured", w), pins);
        if (pins)
            ck_assert_int_le(tn_stats_get(reply, "accepted_local", w), per_worker[w]);
        else
            ck_assert_int_eq(tn_stats_get(reply, "accepted_local", w), 0);
    }
    int own = cb->strategy->source == SRV_SOURCE_OWN_LISTENER;
    int process = combo_processes(cb);
    ck_assert_int_eq(tn_count_listeners(ts.port), own ? workers : 1);
    /* Which processes hold them: the server alone with threads; with processes,
     * each worker its own listener or the one they share, and a hand-off's
     * parent (the acceptor) alone. */
    int want_pids = !process || cb->strategy->source == SRV_SOURCE_HANDOFF ? 1 : workers;
    ck_assert_int_eq(tn_count_listener_pids(ts.port), want_pids);
    /* With processes every worker reports its own pid in /stats, once its
     * thread runs: a worker that accepted nothing may not have got there yet
     * on a loaded machine. */
    for (long long end = tn_now_ms() + 5000;; usleep(1000)) {
        int started = 0;
        for (int w = 0; w < workers; w++)
            started += tn_stats_get(reply, "pid", w) > 0;
        if (started == workers || tn_now_ms() > end)
            break;
        fetch_stats(ts.port, reply, sizeof reply);
    }
    long pid0 = tn_stats_get(reply, "pid", 0), distinct = 1;
    for (int w = 1; w < workers; w++)
        distinct += tn_stats_get(reply, "pid", w) != pid0;
    ck_assert_int_eq(distinct, process ? workers : 1);
    ck_assert_int_eq(ts_stop(&ts), 0);
}
END_TEST

/* Keep-alive: three requests on one connection, then the server closes after
 * the one that asks it to. */
START_TEST(test_keepalive)
{
    struct test_server ts;
    static char reply[8192];
    START_OR_SKIP(&ts, _i, matrix_workers(&combos[_i], WORKERS), NULL);
    int fd = tn_connect(ts.port);
    const char *reqs = "GET /hello?name=a HTTP/1.1\r\nHost: t\r\n\r\n"
                       "GET /hello?name=b HTTP/1.1\r\nHost: t\r\n\r\n"
                       "GET /hello?name=c HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    tn_send_all(fd, reqs, strlen(reqs));
    size_t n = tn_read_all(fd, reply, sizeof reply);
    close(fd);
    ck_assert_uint_gt(n, 0);
    const char *a = strstr(reply, "Hello, a\n"), *b = strstr(reply, "Hello, b\n"),
               *c = strstr(reply, "Hello, c\n");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(c);
    ck_assert(a < b && b < c);
    /* Only the last response announces the close. */
    const char *close_hdr = strstr(reply, "\r\nConnection: close\r\n");
    ck_assert_ptr_nonnull(close_hdr);
    ck_assert(close_hdr > b);
    fetch_stats(ts.port, reply, sizeof reply);
    ck_assert_int_eq(tn_stats_sum(reply, "accepted"), 1);
    ck_assert_int_eq(tn_stats_sum(reply, "requests"), 3);

    /* HTTP/1.0 keeps the connection only when both sides say so (ab -k). */
    fd = tn_connect(ts.port);
    const char *r10 = "GET /hello?name=d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    tn_send_all(fd, r10, strlen(r10));
    char head[512] = "";
    ssize_t got = 0, r;
    while (!strstr(head, "Hello, d\n") && got < (ssize_t)sizeof head - 1 &&
           (r = read(fd, head + got, sizeof head - 1 - (size_t)got)) > 0) {
        got += r;
        head[got] = '\0';
    }
    close(fd);
    ck_assert_ptr_nonnull(strstr(head, "\r\nConnection: keep-alive\r\n"));
    ck_assert_int_eq(ts_stop(&ts), 0);
}
END_TEST

/* Garbage and an oversized head get their exact error; the server then still
 * answers a good request. */
START_TEST(test_bad_input)
{
    struct test_server ts;
    static char reply[16384], big[10000];
    START_OR_SKIP(&ts, _i, matrix_workers(&combos[_i], WORKERS), NULL);
    tn_request(ts.port, "\x01\x02garbage\r\n\r\n", reply, sizeof reply);
    ck_assert_int_eq(tn_status(reply), 400);
    ck_assert_str_eq(tn_body(reply), "malformed request head\n");
    ck_assert_ptr_nonnull(strstr(reply, "\r\nConnection: close\r\n"));

    memset(big, 'a', sizeof big - 1);
    memcpy(big, "GET /hello HTTP/1.1\r\nX-Long: ", 29);
    big[sizeof big - 1] = '\0';
    tn_request(ts.port, big, reply, sizeof reply);
    ck_assert_int_eq(tn_status(reply), 431);
    ck_assert_str_eq(tn_body(reply), "request head over 8192 bytes\n");

    tn_request(ts.port, "POST /hello HTTP/1.1\r\nHost: t\r\n\r\n", reply, sizeof reply);
    ck_assert_int_eq(tn_status(reply), 405);
    ck_assert_ptr_nonnull(strstr(reply, "\r\nAllow: GET, HEAD\r\n"));

    tn_request(ts.port, "GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n", reply, sizeof reply);
    ck_assert_int_eq(tn_status(reply), 404);

    tn_request(ts.port, "GET /hello?name=ok HTTP/1.1\r\nConnection: close\r\n\r\n", reply,
               sizeof reply);
    ck_assert_int_eq(tn_status(reply), 200);
    ck_assert_str_eq(tn_body(reply), "Hello, ok\n");
    ck_assert_int_eq(ts_stop(&ts), 0);
}
END_TEST

/* A client that connects and sends nothing is closed after --idle-timeout. */
START_TEST(test_idle_timeout)
{
    struct test_server ts;
    char buf[64];
    const char *extra[] = {"--idle-timeout", "200", NULL};
    START_OR_SKIP(&ts, _i, 1, extra);
    int fd = tn_connect(ts.port);  /* 5 s receive timeout: EOF must come first */
    ck_assert_uint_eq(tn_read_all(fd, buf, sizeof buf), 0);
    close(fd);
    ck_assert_int_eq(ts_stop(&ts), 0);
}
END_TEST

/* SIGTERM while a request is being worked on (--work-us 200000): that request
 * still completes with 200, a connection with nothing in progress is closed at
 * once, and the server exits 0 well within the grace period. */
START_TEST(test_stop_in_flight)
{
    struct test_server ts;
    static char reply[8192];
    char err[4096];
    const char *extra[] = {"--work-us", "200000", "--grace", "5000", NULL};
    START_OR_SKIP(&ts, _i, 2, extra);
    int busy = tn_connect(ts.port);
    const char *req = "GET /hello?name=late HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    tn_send_all(busy, req, strlen(req));
    /* Once the server's end has nothing left unread, a worker has the request
     * and is in its 200 ms of work (workers may still be starting before). */
    long tx, rx = -1;
    for (long long end = tn_now_ms() + 5000; tn_now_ms() < end; usleep(1000))
        if (tn_server_queues(ts.port, busy, &tx, &rx) == 0 && rx == 0)
            break;
    ck_assert_int_eq(rx, 0);
    int idle = tn_connect(ts.port);
    usleep(30 * 1000);
    long long t0 = tn_now_ms();
    ck_assert_int_eq(kill(ts.pid, SIGTERM), 0);
    tn_read_all(busy, reply, sizeof reply);
    close(busy);
    ck_assert_int_eq(tn_status(reply), 200);
    ck_assert_str_eq(tn_body(reply), "Hello, late\n");
    ck_assert_int_eq(ts_wait_exit(&ts, 4000, err, sizeof err), 0);
    ck_assert_msg(tn_now_ms() - t0 < 2000, "shutdown took %lld ms", tn_now_ms() - t0);
    ck_assert_msg(strstr(err, "grace period") == NULL, "%s", err);
    ck_assert_uint_eq(tn_read_all(idle, reply, sizeof reply), 0);  /* EOF, no reply */
    close(idle);
}
END_TEST

#if defined(ACCEPTBENCH_HAVE_URING) && defined(__NR_io_uring_setup)
/* Where io_uring is unavailable (here seccomp fails io_uring_setup with ENOSYS,
 * as container runtimes do), --io uring is refused at start-up with one line,
 * with either model, and never replaced by another backend. */
START_TEST(test_uring_refused)
{
    static const char *const models[] = {"thread", "process"};
    int errp[2], status;
    char err[1024];
    ck_assert_int_eq(pipe(errp), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct sock_filter f[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
        dup2(errp[1], STDERR_FILENO);
        if (!freopen("/dev/null", "w", stdout) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
            _exit(99);
        execl(ACCEPTBENCH_SERVER_BIN, ACCEPTBENCH_SERVER_BIN, "--io", "uring", "--model",
              models[_i], "--listen", "127.0.0.1:0", NULL);
        _exit(98);
    }
    close(errp[1]);
    long long end = tn_now_ms() + 5000;
    while (waitpid(pid, &status, WNOHANG) == 0 && tn_now_ms() < end)
        usleep(1000);
    if (tn_now_ms() >= end) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    ssize_t n = read(errp[0], err, sizeof err - 1);
    close(errp[0]);
    err[n > 0 ? n : 0] = '\0';
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %#x: %s", status, err);
    ck_assert_msg(strncmp(err, "acceptbench-server: --io uring: io_uring_queue_init: ", 53) == 0,
                  "%s", err);
    ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);  /* one line */
}
END_TEST
#endif

/* A worker process that leaves alone, killed (SIGKILL) or asked to stop
 * (SIGTERM, a rolling restart), is reported with its signal or exit status, the
 * others keep serving, and stopping the server leaves no process behind. A shared
 * listener must stay open for the others: shutdown() acts on the socket, not on
 * the leaving process's descriptor; worker 0 leaves because, sharing one, it is
 * the worker through which the listener is shut down at a full stop. Loop index:
 * strategy, then the signal, then the io backend. */
START_TEST(test_child_leaves)
{
    static const char *const strategies[] = {"pool", "shared", "reuseport"};
    int by_kill = (_i / 3) % 2 == 0;
    struct test_server ts;
    static char reply[65536];
    const char *args[] = {"--strategy", strategies[_i % 3], "--io", _i < 6 ? "epoll" : "blocking",
                          "--model", "process", "--workers", "3", NULL};
    ts_start(&ts, args);
    /* The ready file comes once the listeners are up; each worker process
     * publishes its pid when its thread starts, a moment later. */
    pid_t victim = 0, other = 0;
    for (int waited = 0; waited < 5000 && (victim <= 0 || other <= 0); waited += 10) {
        fetch_stats(ts.port, reply, sizeof reply);
        victim = (pid_t)tn_stats_get(reply, "pid", 0);
        other = (pid_t)tn_stats_get(reply, "pid", 2);
        if (victim <= 0 || other <= 0)
            nanosleep(&(struct timespec){.tv_nsec = 10 * 1000000L}, NULL);
    }
    ck_assert_int_gt(victim, 0);
    ck_assert_int_ne(victim, ts.pid);
    ck_assert_int_eq(kill(victim, by_kill ? SIGKILL : SIGTERM), 0);
    char want[128];
    snprintf(want, sizeof want,
             by_kill ? "worker 0 (pid %d) was killed by signal 9 (Killed)\n"
                     : "worker 0 (pid %d) exited with status 0",
             (int)victim);
    ck_assert_msg(ts_wait_stderr(&ts, want, 5000), "no report of the worker that left");
    for (int c = 0; c < 12; c++) {
        tn_request(ts.port, "GET /hello?name=z HTTP/1.1\r\nConnection: close\r\n\r\n", reply,
                   sizeof reply);
        ck_assert_int_eq(tn_status(reply), 200);
        ck_assert_int_ne(tn_worker(reply), 0);
    }
    ck_assert_int_eq(ts_stop(&ts), 0);
    ck_assert_int_eq(kill(other, 0), -1);  /* no orphan: the surviving worker is gone too */
    ck_assert_int_eq(errno, ESRCH);
}
END_TEST

/* CPU steering: with the client pinned to one CPU, every connection's SYN is
 * processed there (loopback), so every connection must reach the worker pinned
 * to that CPU, for each CPU in turn. Loop index: bit 0 selects the steering
 * (CBPF or SO_INCOMING_CPU), bit 1 the model. */
START_TEST(test_cpu_steering)
{
    static char reply[4096];
    struct test_server ts;
    const char *model = _i & 2 ? "process" : "thread";
    const char *cbpf[] = {"--strategy", "reuseport-cpu", "--io", "epoll", "--model", model,
                          "--workers", "2", NULL};
    const char *incoming[] = {"--strategy", "reuseport", "--incoming-cpu", "--io", "epoll",
                              "--model", model, "--workers", "2", NULL};
    cpu_set_t all;
    sched_getaffinity(0, sizeof all, &all);
    if (!CPU_ISSET(0, &all) || !CPU_ISSET(1, &all)) {
        fprintf(stderr, "test_cpu_steering: needs CPUs 0 and 1; not run\n");
        return;
    }
    ts_start(&ts, _i & 1 ? incoming : cbpf);
    for (int cpu = 0; cpu < 2; cpu++) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        ck_assert_int_eq(sched_setaffinity(0, sizeof one, &one), 0);
        for (int c = 0; c < 10; c++) {
            tn_request(ts.port, "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n", reply,
                       sizeof reply);
            ck_assert_int_eq(tn_status(reply), 200);
            ck_assert_int_eq(tn_worker(reply), cpu);
        }
    }
    sched_setaffinity(0, sizeof all, &all);
    ck_assert_int_eq(ts_stop(&ts), 0);
}
END_TEST

/* --measure-locality, with the client on each CPU in turn (on a pinning
 * strategy, each CPU a worker is pinned to): every row says measured, no
 * worker has more local connections than accepted ones, and where workers are
 * pinned every connection is local. On loopback the whole handshake and the
 * request are processed in softirq on the client's CPU, so SO_INCOMING_CPU is
 * that CPU, and the CBPF program (or SO_INCOMING_CPU steering) picked the
 * worker pinned there. The in-band /stats connection is taken back out of
 * both counts, so the sums are exact. */
START_TEST(test_locality)
{
    enum { PER_CPU = 8 };
    static char reply[65536];
    struct test_server ts;
    const struct combo *cb = &combos[_i];
    const int workers = matrix_workers(cb, WORKERS);
    const char *extra[] = {"--measure-locality", NULL};
    int pins = (cb->strategy->v.caps & SRV_CAP_PINS_CPUS) != 0, sent = 0;
    cpu_set_t all;
    ck_assert_int_eq(sched_getaffinity(0, sizeof all, &all), 0);
    START_OR_SKIP(&ts, _i, workers, extra);
    for (int cpu = 0; cpu < CPU_SETSIZE && (!pins || cpu < workers); cpu++) {
        if (!CPU_ISSET(cpu, &all))
            continue;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        ck_assert_int_eq(sched_setaffinity(0, sizeof one, &one), 0);
        for (int c = 0; c < PER_CPU; c++, sent++) {
            tn_request(ts.port, "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n", reply,
                       sizeof reply);
            ck_assert_int_eq(tn_status(reply), 200);
        }
    }
    ck_assert_int_eq(sched_setaffinity(0, sizeof all, &all), 0);
    fetch_stats(ts.port, reply, sizeof reply);
    ck_assert_int_eq(tn_stats_sum(reply, "accepted"), sent);
    for (int w = 0; w < workers; w++) {
        long accepted = tn_stats_get(reply, "accepted", w);
        long local = tn_stats_get(reply, "accepted_local", w);
        ck_assert_int_eq(tn_stats_get(reply, "locality_measured", w), 1);
        ck_assert_int_ge(local, 0);
        if (pins)
            ck_assert_int_eq(local, accepted);
        else
            ck_assert_int_le(local, accepted);
    }
    if (pins)
        ck_assert_int_eq(tn_stats_sum(reply, "accepted_local"), sent);
    ck_assert_int_eq(ts_stop(&ts), 0);
}
END_TEST

/* Is thread tid of pid asleep (state S in /proc/<pid>/task/<tid>/stat)? */
static int thread_asleep(long pid, long tid)
{
    char path[96], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/task/%ld/stat", pid, tid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] == 'S';
}

/* Wait (at most 5 s) until every worker thread named in a /stats reply sleeps. */
static void wait_workers_asleep(const char *stats, int workers)
{
    long long deadline = tn_now_ms() + 5000;
    for (int w = 0; w < workers; w++)
        while (!thread_asleep(tn_stats_get(stats, "pid", w), tn_stats_get(stats, "tid", w))) {
            ck_assert_msg(tn_now_ms() < deadline, "worker %d never went back to sleep", w);
            nanosleep(&(struct timespec){.tv_nsec = 200000}, NULL);
        }
}

/* N connections one at a time to 4 idle workers polling one shared listener,
 * each only once every worker sleeps again: a worker woken twice before it got
 * the CPU would count once, so a loaded machine would hide the herd. Returns
 * the fewest wake-ups any worker had. */
static long herd(const char *io)
{
    enum { N = 20, W = 4 };
    static char before[65536], after[65536], reply[4096];
    struct test_server ts;
    const char *args[] = {"--strategy", "shared", "--io", io, "--workers", "4", NULL};
    ts_start(&ts, args);
    /* Every worker publishes its tid once its thread runs. */
    long long deadline = tn_now_ms() + 5000;
    for (;;) {
        fetch_stats(ts.port, before, sizeof before);
        int ready = 1;
        for (int w = 0; w < W; w++)
            ready &= tn_stats_get(before, "tid", w) > 0;
        if (ready)
            break;
        ck_assert_msg(tn_now_ms() < deadline, "workers did not start");
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    wait_workers_asleep(before, W);
    for (int c = 0; c < N; c++) {
        tn_request(ts.port, "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n", reply,
                   sizeof reply);
        ck_assert_int_eq(tn_status(reply), 200);
        wait_workers_asleep(before, W);
    }
    fetch_stats(ts.port, after, sizeof after);
    long fewest = -1;
    for (int w = 0; w < W; w++) {
        long d = tn_stats_get(after, "wakeups", w) - tn_stats_get(before, "wakeups", w);
        if (fewest < 0 || d < fewest)
            fewest = d;
    }
    ck_assert_int_eq(ts_stop(&ts), 0);
    return fewest;
}

START_TEST(test_herd)
{
    long fewest_plain = herd("epoll"), fewest_excl = herd("epoll-exclusive");
    fprintf(stderr, "test_herd: fewest wake-ups of a worker over 20 connections: epoll %ld, "
            "epoll-exclusive %ld\n", fewest_plain, fewest_excl);
    /* Every worker, even one that accepted nothing, is woken for every one of
     * the 20 connections by the herd... */
    ck_assert_int_ge(fewest_plain, 20);
    /* ...while with EPOLLEXCLUSIVE some worker sleeps through all 20. */
    ck_assert_int_le(fewest_excl, 2);
}
END_TEST

/* --probe: one "feature: answer" line for every axis value that needs a kernel
 * feature (the registry's order), then SO_INCOMING_CPU steering; each answer
 * yes, no (with the reason) or unknown (with what it lacked), exit 0. */
START_TEST(test_probe)
{
    const char *names[MATRIX_MAX];
    size_t nnames = 0;
    for (int a = 0; a < SRV_NAXES; a++)
        for (int i = 0; srv_axes[a].values[i]; i++)
            if (srv_axis_value((enum srv_axis_id)a, i)->probe)
                names[nnames++] = srv_axis_value((enum srv_axis_id)a, i)->feature;
    names[nnames++] = "incoming_cpu_steering";
    char line[512];
    size_t n = 0;
    FILE *p = popen(ACCEPTBENCH_SERVER_BIN " --probe", "r");
    ck_assert_ptr_nonnull(p);
    while (fgets(line, sizeof line, p)) {
        ck_assert_msg(n < nnames, "extra line: %s", line);
        size_t k = strlen(names[n]);
        ck_assert_msg(strncmp(line, names[n], k) == 0 && strncmp(line + k, ": ", 2) == 0,
                      "line %zu: %s", n + 1, line);
        const char *answer = line + k + 2;
        ck_assert_msg(strcmp(answer, "yes\n") == 0 || strncmp(answer, "no (", 4) == 0 ||
                          strncmp(answer, "unknown (", 9) == 0,
                      "%s", line);
        n++;
    }
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_uint_eq(n, nnames);
}
END_TEST

static Suite *server_suite(void)
{
    Suite *s = suite_create("server");
    TCase *tc = tcase_create("combinations");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_counts_exact, 0, ncombos);
    tcase_add_loop_test(tc, test_keepalive, 0, ncombos);
    tcase_add_loop_test(tc, test_bad_input, 0, ncombos);
    tcase_add_loop_test(tc, test_idle_timeout, 0, ncombos);
    tcase_add_loop_test(tc, test_stop_in_flight, 0, ncombos);
#if defined(ACCEPTBENCH_HAVE_URING) && defined(__NR_io_uring_setup)
    tcase_add_loop_test(tc, test_uring_refused, 0, 2);
#endif
    tcase_add_loop_test(tc, test_child_leaves, 0, 12);
    tcase_add_test(tc, test_probe);
    tcase_add_loop_test(tc, test_cpu_steering, 0, 4);
    tcase_add_test(tc, test_herd);
    suite_add_tcase(s, tc);
    tc = tcase_create("locality");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_locality, 0, ncombos);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    ncombos = matrix_build(combos, 1);
    SRunner *sr = srunner_create(server_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
