/* Server fault suite: every strategy × io the server has (matrix.h) against a peer that misbehaves or a
 * machine that runs short, on loopback, with exact outcomes. Every wait polls a
 * condition (the server's descriptors in /proc/<pid>/fd, its sockets' queues and
 * byte counts from sock_diag, a reply) against a deadline; the only fixed pause is the 1 s
 * over which the CPU of a descriptor-starved server is measured. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "matrix.h"
#include "testnet.h"

static struct combo combos[MATRIX_MAX];
static int ncombos;

static int hands_off(int i) { return combos[i].strategy->source == SRV_SOURCE_HANDOFF; }
static int shares_listener(int i)
{
    return combos[i].strategy->source == SRV_SOURCE_SHARED_LISTENER;
}
static int is_blocking(int i) { return !combo_polls(&combos[i]); }

/* Poll `cond` every 200 µs until it holds; fail the test after `ms`. */
#define WAIT_UNTIL(cond, ms, ...)                                                   \
    do {                                                                            \
        long long deadline_ = tn_now_ms() + (ms);                                   \
        while (!(cond)) {                                                           \
            ck_assert_msg(tn_now_ms() < deadline_, __VA_ARGS__);                    \
            nanosleep(&(struct timespec){.tv_nsec = 200000}, NULL);                 \
        }                                                                           \
    } while (0)

/* Start combination c with `workers` workers plus extra arguments (NULL-ended),
 * under RLIMIT_NOFILE nofile (0: inherited). Returns 1, without starting, when
 * this machine cannot run it (the reason is on stderr): the caller returns. */
static int start(struct test_server *ts, const struct combo *c, int workers, long nofile,
                 const char *const *extra, const char *test)
{
    struct combo_argv argv;
    if (matrix_skip(c, workers, test))
        return 1;
    ts_start_nofile(ts, matrix_args(c, workers, extra, &argv), nofile);
    return 0;
}

/* Raise this process's soft RLIMIT_NOFILE to at least want (children inherit it). */
static void raise_nofile(long want)
{
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur >= (rlim_t)want)
        return;
    ck_assert_msg(rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= (rlim_t)want,
                  "RLIMIT_NOFILE hard limit %llu < %ld needed", (unsigned long long)rl.rlim_max,
                  want);
    rl.rlim_cur = (rlim_t)want;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* The exact /hello reply, given the X-Worker the server chose (checked in range). */
static void assert_hello(const char *reply, const char *name, int close, int workers)
{
    char want[512];
    int w = tn_worker(reply);
    ck_assert_int_ge(w, 0);
    ck_assert_int_lt(w, workers);
    snprintf(want, sizeof want,
             "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
             "X-Worker: %d\r\n%s\r\nHello, %s\n",
             strlen(name) + 8, w, close ? "Connection: close\r\n" : "", name);
    ck_assert_str_eq(reply, want);
}

static void hello_request(char *buf, size_t len, const char *name, int close)
{
    snprintf(buf, len, "GET /hello?name=%s HTTP/1.1\r\nHost: t\r\n%s\r\n", name,
             close ? "Connection: close\r\n" : "");
}

/* Read until EOF, an error or the deadline. Returns the bytes read (buf is
 * NUL-terminated); *err is 0 at EOF, errno on an error, ETIMEDOUT at the deadline. */
static size_t read_to_end(int fd, char *buf, size_t len, int ms, int *err)
{
    long long deadline = tn_now_ms() + ms;
    size_t got = 0;
    *err = ETIMEDOUT;
    while (got + 1 < len) {
        long long left = deadline - tn_now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        ssize_t n = recv(fd, buf + got, len - 1 - got, MSG_DONTWAIT);
        if (n == 0) {
            *err = 0;
            break;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            *err = errno;
            break;
        }
        got += (size_t)n;
    }
    buf[got] = '\0';
    return got;
}

static void fetch_stats(int port, char *buf, size_t len)
{
    tn_request(port, "GET /stats HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", buf, len);
    ck_assert_int_eq(tn_status(buf), 200);
}

static long stats_sum(int port, const char *col)
{
    static char buf[65536];
    fetch_stats(port, buf, sizeof buf);
    return tn_stats_sum(buf, col);
}

/* The server's end of fd has received `bytes` in all and its application has
 * read them (no ACK needed, so delayed ACKs cost nothing). */
static int server_read(int port, int fd, long bytes)
{
    long tx, rx;
    return tn_server_bytes_in(port, fd) == bytes && tn_server_queues(port, fd, &tx, &rx) == 0 &&
           rx == 0;
}

/* Close with SO_LINGER {1, 0}: the peer gets an RST instead of a FIN. */
static void reset_close(int fd)
{
    struct linger l = {.l_onoff = 1, .l_linger = 0};
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l), 0);
    close(fd);
}

/* Number in "dropped at shutdown: N queued connection(s)" of the final stderr
 * table; 0 when the line is absent (the table omits it then). */
static long dropped_reported(const char *err)
{
    const char *p = strstr(err, "dropped at shutdown: ");
    return p ? atol(p + 21) : 0;
}

/* The accepted column of the total row of the final table, or -1. */
static long accepted_reported(const char *err)
{
    const char *p = strstr(err, "\ntotal ");
    long n = -1;
    if (p && sscanf(p + 1, "total %ld", &n) != 1)
        n = -1;
    return n;
}

/* Utime + stime of a process, in clock ticks, from /proc/<pid>/stat. */
static long long cpu_ticks(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    unsigned long long ut, st;
    const char *p = strrchr(buf, ')');
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                            &ut, &st), 2);
    return (long long)(ut + st);
}

/* ---- 1. a request head in 1-byte segments ---- */

/* Each byte is its own segment (TCP_NODELAY), and the next is sent only once the
 * server has received and read the previous one, so the parser sees 1-byte reads. */
START_TEST(test_split_head)
{
    struct test_server ts;
    static char reply[4096];
    char req[128];
    int one = 1, err;
    if (start(&ts, &combos[_i], 2, 0, NULL, __func__))
        return;
    hello_request(req, sizeof req, "split", 1);
    size_t len = strlen(req);
    int fd = tn_connect(ts.port);
    ck_assert_int_eq(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), 0);
    for (size_t k = 0; k < len; k++) {
        tn_send_all(fd, req + k, 1);
        if (k + 1 < len)
            WAIT_UNTIL(server_read(ts.port, fd, (long)k + 1), 5000, "server did not read byte %zu",
                       k);
    }
    read_to_end(fd, reply, sizeof reply, 5000, &err);
    close(fd);
    ck_assert_int_eq(err, 0);
    assert_hello(reply, "split", 1, 2);
    fetch_stats(ts.port, reply, sizeof reply);
    ck_assert_int_eq(tn_stats_sum(reply, "accepted"), 1);
    ck_assert_int_eq(tn_stats_sum(reply, "requests"), 1);
    ck_assert_int_eq(tn_stats_sum(reply, "bytes_in"), (long)len);
    ck_assert_int_eq(ts_stop(&ts), 0);
}
END_TEST

/* ---- 2. a client that resets mid-reply ---- */

/* A good request after the reset gets its exact reply. */
static void assert_still_serving(struct test_server *ts)
{
    static char reply[4096];
    tn_request(ts->port, "GET /hello?name=after HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
               reply, sizeof reply);
    assert_hello(reply, "after", 1, 2);
}

/* The reply has arrived (unread) when the client resets: the server's next read
 * fails, it closes the connection and serves the next one. */
START_TEST(test_reset_after_reply)
{
    struct test_server ts;
    char req[128];
    if (start(&ts, &combos[_i], 2, 0, NULL, __func__))
        return;
    int base = ts_count_fds(&ts);
    int fd = tn_connect(ts.port);
    hello_request(req, sizeof req, "rst", 0);
    tn_send_all(fd, req, strlen(req));
    struct pollfd p = {.fd = fd, .events = POLLIN};
    ck_assert_int_eq(poll(&p, 1, 5000), 1);
    reset_close(fd);
    WAIT_UNTIL(ts_count_fds(&ts) == base, 5000, "server kept the reset connection open");
    assert_still_serving(&ts);
    ck_assert_int_eq(stats_sum(ts.port, "accepted"), 2);
    ck_assert_int_eq(stats_sum(ts.port, "requests"), 2);
    ck_assert_int_eq(ts_stop(&ts), 0);
}
END_TEST

/* A pipeline whose replies cannot fit: the client never reads, with a small
 * receive buffer, until the server holds reply bytes it cannot deliver and has
 * stopped reading requests (stuck writing); then the client resets. */
START_TEST(test_reset_mid_reply)
{
    struct test_server ts;
    static char chunk[40 * 100];
    const char *req = "GET /hello?name=big HTTP/1.1\r\nHost: t\r\n\r\n";
    size_t rlen = strlen(req), clen = 0;
    int small = 4096;
    if (start(&ts, &combos[_i], 2, 0, NULL, __func__))
        return;
    int base = ts_count_fds(&ts);
    while (clen + rlen <= sizeof chunk) {
        memcpy(chunk + clen, req, rlen);
        clen += rlen;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)ts.port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert(connect(fd, (struct sockaddr *)&a, sizeof a) == 0 || errno == EINPROGRESS);
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    ck_assert_int_eq(poll(&p, 1, 5000), 1);
    size_t off = 0;  /* position in the repeating request stream */
    long long deadline = tn_now_ms() + 20000;
    for (;;) {
        ssize_t n = send(fd, chunk + off, clen - off, MSG_NOSIGNAL);
        if (n > 0) {
            off = (off + (size_t)n) % clen;
            continue;
        }
        ck_assert_msg(n < 0 && errno == EAGAIN, "send: %s", strerror(errno));
        long tx, rx;
        int inq = 0;
        ck_assert_int_eq(ioctl(fd, FIONREAD, &inq), 0);
        if (inq > 0 && tn_server_queues(ts.port, fd, &tx, &rx) == 0 && tx > 0 && rx > 0)
            break;
        ck_assert_msg(tn_now_ms() < deadline, "the server never got stuck writing");
        p.events = POLLOUT;
        poll(&p, 1, 10);
    }
    reset_close(fd);
    WAIT_UNTIL(ts_count_fds(&ts) == base, 5000, "server kept the reset connection open");
    long before = stats_sum(ts.port, "requests");
    ck_assert_int_ge(before, 1);
    assert_still_serving(&ts);
    ck_assert_int_eq(stats_sum(ts.port, "requests"), before + 1);
    ck_assert_int_eq(stats_sum(ts.port, "accepted"), 2);
    ck_assert_int_eq(ts_stop(&ts), 0);
}
END_TEST

/* ---- 3. a half-closed client ---- */

/* Requests, then shutdown(SHUT_WR): every reply in full (keep-alive ones, since
 * the server answers before it sees the FIN), then EOF. */
START_TEST(test_half_close)
{
    struct test_server ts;
    static char reply[4096], want[4096];
    char req[256];
    int err;
    if (start(&ts, &combos[_i], 2, 0, NULL, __func__))
        return;

    int fd = tn_connect(ts.port);
    hello_request(req, sizeof req, "half", 0);
    tn_send_all(fd, req, strlen(req));
    ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
    read_to_end(fd, reply, sizeof reply, 5000, &err);
    close(fd);
    ck_assert_int_eq(err, 0);
    assert_hello(reply, "half", 0, 2);

    /* Two pipelined requests and the FIN, possibly in one read. */
    fd = tn_connect(ts.port);
    hello_request(req, sizeof req, "h1", 0);
    hello_request(req + strlen(req), sizeof req - strlen(req), "h2", 0);
    tn_send_all(fd, req, strlen(req));
    ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
    read_to_end(fd, reply, sizeof reply, 5000, &err);
    close(fd);
    ck_assert_int_eq(err, 0);
    int w = tn_worker(reply);
    ck_assert_int_ge(w, 0);
    ck_assert_int_lt(w, 2);
    snprintf(want, sizeof want,
             "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n"
             "X-Worker: %d\r\n\r\nHello, h1\n"
             "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n"
             "X-Worker: %d\r\n\r\nHello, h2\n", w, w);
    ck_assert_str_eq(reply, want);

    ck_assert_int_eq(stats_sum(ts.port, "accepted"), 2);
    ck_assert_int_eq(stats_sum(ts.port, "requests"), 3);
    ck_assert_int_eq(ts_stop(&ts), 0);
}
END_TEST

/* ---- 4. 1,000 idle connections ---- */

#define IDLE 1000

/* epoll: the good request is answered while all 1,000 stay open. blocking: a
 * worker holds one connection until --idle-timeout (50 ms), so each of the
 * 1,000 gets EOF with no bytes in turn, and the good request is answered after. */
START_TEST(test_idle_thousand)
{
    struct test_server ts;
    static char reply[4096];
    static int fds[IDLE];
    int err;
    raise_nofile(3 * IDLE);
    if (is_blocking(_i)) {
        const char *extra[] = {"--idle-timeout", "50", NULL};
        if (start(&ts, &combos[_i], 16, 3 * IDLE, extra, __func__))
            return;
    } else {
        const char *extra[] = {"--idle-timeout", "60000", NULL};
        if (start(&ts, &combos[_i], 2, 3 * IDLE, extra, __func__))
            return;
    }
    int base = ts_count_fds(&ts);
    for (int k = 0; k < IDLE; k++)
        fds[k] = tn_connect(ts.port);

    if (!is_blocking(_i)) {
        WAIT_UNTIL(ts_count_fds(&ts) == base + IDLE, 20000, "server holds %d of %d connections",
                   ts_count_fds(&ts) - base, IDLE);
        tn_request(ts.port, "GET /hello?name=busy HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                   reply, sizeof reply);
        assert_hello(reply, "busy", 1, 2);
        /* Still open: nothing to read, no hang-up, no error. */
        for (int k = 0; k < IDLE; k++) {
            struct pollfd p = {.fd = fds[k], .events = POLLIN};
            ck_assert_int_eq(poll(&p, 1, 0), 0);
        }
        WAIT_UNTIL(stats_sum(ts.port, "accepted") == IDLE + 1, 10000, "accepted count");
        for (int k = 0; k < IDLE; k++)
            close(fds[k]);
    } else {
        int good = tn_connect(ts.port);
        const char *req = "GET /hello?name=busy HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
        tn_send_all(good, req, strlen(req));
        for (int k = 0; k < IDLE; k++) {
            char b[64];
            ck_assert_uint_eq(read_to_end(fds[k], b, sizeof b, 30000, &err), 0);
            ck_assert_msg(err == 0, "idle connection %d: %s", k, strerror(err));
            close(fds[k]);
        }
        read_to_end(good, reply, sizeof reply, 30000, &err);
        close(good);
        ck_assert_int_eq(err, 0);
        assert_hello(reply, "busy", 1, 16);
        ck_assert_int_eq(stats_sum(ts.port, "accepted"), IDLE + 1);
    }
    ck_assert_int_eq(stats_sum(ts.port, "requests"), 1);
    ck_assert_int_eq(ts_stop(&ts), 0);
}
END_TEST

/* ---- 5. descriptors exhausted ---- */

#define NOFILE 64
#define FLOOD 100

/* Utime + stime of the server over 1 s must stay under 20% of the interval: a
 * server that retries accept() at once spins at ~100% of a CPU. Generous, as
 * other tests may load the machine (this measures the server's own CPU). */
static void assert_backs_off(const struct test_server *ts)
{
    long long t0 = tn_now_ms(), c0 = cpu_ticks(ts->pid);
    nanosleep(&(struct timespec){.tv_sec = 1}, NULL);
    long long t1 = tn_now_ms(), c1 = cpu_ticks(ts->pid);
    long long used_ms = (c1 - c0) * 1000 / sysconf(_SC_CLK_TCK);
    ck_assert_msg(used_ms * 5 < t1 - t0, "server used %lld ms of CPU in %lld ms out of fds",
                  used_ms, t1 - t0);
}

/* Descriptors are free again: a new request gets its reply, every flooded
 * connection is eventually accepted (and found closed), and only the new one
 * was a request. Leaves the /stats reply in buf for the error counters. */
static void assert_recovers(const struct test_server *ts, int workers, char *buf, size_t len)
{
    int err, fd = tn_connect(ts->port);
    const char *req = "GET /hello?name=again HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    tn_send_all(fd, req, strlen(req));
    read_to_end(fd, buf, len, 10000, &err);
    close(fd);
    ck_assert_int_eq(err, 0);
    assert_hello(buf, "again", 1, workers);
    WAIT_UNTIL(stats_sum(ts->port, "accepted") == FLOOD + 1, 10000, "accepted count");
    fetch_stats(ts->port, buf, len);
    ck_assert_int_eq(tn_stats_sum(buf, "requests"), 1);
}

/* Pollers and the pool's acceptor accept until the descriptors run out: start
 * the server under RLIMIT_NOFILE 64 and flood it; the server holds 64 open, the
 * rest wait in the backlog; closing the flood frees them. */
static void exhaust_by_connections(int i)
{
    struct test_server ts;
    static char reply[4096];
    int fds[FLOOD];
    const char *extra[] = {"--idle-timeout", "60000", NULL};
    if (start(&ts, &combos[i], 2, NOFILE, extra, __func__))
        return;
    for (int k = 0; k < FLOOD; k++)
        fds[k] = tn_connect(ts.port);
    WAIT_UNTIL(ts_count_fds(&ts) == NOFILE, 10000, "server has %d of %d descriptors open",
               ts_count_fds(&ts), NOFILE);
    assert_backs_off(&ts);
    ck_assert_int_eq(ts_count_fds(&ts), NOFILE);
    ck_assert_int_gt(tn_listen_queued(ts.port), 0);

    for (int k = 0; k < FLOOD; k++)
        close(fds[k]);
    assert_recovers(&ts, 2, reply, sizeof reply);
    if (hands_off(i))
        ck_assert_int_gt(tn_stats_get(reply, "acceptor_errors", 0), 0);
    else
        ck_assert_int_gt(tn_stats_sum(reply, "accept_errors"), 0);
    ck_assert_int_eq(ts_stop(&ts), 0);
}

#define MAX_FD 4096

/* Which descriptor numbers (< MAX_FD) the server has open. */
static void open_fds(const struct test_server *ts, unsigned char *open)
{
    char path[64];
    memset(open, 0, MAX_FD);
    snprintf(path, sizeof path, "/proc/%d/fd", (int)ts->pid);
    DIR *d = opendir(path);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.' && atoi(e->d_name) < MAX_FD)
            open[atoi(e->d_name)] = 1;
    closedir(d);
}

/* A blocking worker that accepts on its own holds one connection at a time, and
 * its accept() reserves a descriptor while it waits: connections alone cannot
 * exhaust the descriptors of a server that started. What can is a limit lowered
 * under it, as here (prlimit to exactly the descriptors open when idle): every
 * worker finishing a connection then gets EMFILE on its next accept(), the
 * backlog waits, and raising the limit again lets the workers drain it. */
static void exhaust_by_limit(int i)
{
    struct test_server ts;
    static char reply[4096];
    int fds[FLOOD];
    const char *extra[] = {"--idle-timeout", "60000", NULL};
    static unsigned char idle_set[MAX_FD], busy_set[MAX_FD];
    if (start(&ts, &combos[i], 4, 0, extra, __func__))
        return;
    int base = ts_count_fds(&ts);
    open_fds(&ts, idle_set);
    for (int k = 0; k < FLOOD; k++)
        fds[k] = tn_connect(ts.port);
    /* Each of the 4 workers holds one (reuseport: 100 connections over 4
     * listeners leave none empty but with probability ~1e-12). */
    WAIT_UNTIL(ts_count_fds(&ts) == base + 4 && tn_listen_queued(ts.port) == FLOOD - 4, 10000,
               "server holds %d, %d queued", ts_count_fds(&ts) - base, tn_listen_queued(ts.port));
    /* The limit: the lowest number that is free now or a connection's (free once
     * the worker closes it), so that no number under it will be free. */
    open_fds(&ts, busy_set);
    int limit = 0;
    while (limit < MAX_FD && busy_set[limit] && idle_set[limit])
        limit++;
    struct rlimit old, tight = {.rlim_cur = (rlim_t)limit};
    ck_assert_int_eq(prlimit(ts.pid, RLIMIT_NOFILE, NULL, &old), 0);
    tight.rlim_max = old.rlim_max;
    ck_assert_int_eq(prlimit(ts.pid, RLIMIT_NOFILE, &tight, NULL), 0);
    for (int k = 0; k < FLOOD; k++)
        close(fds[k]);
    /* The workers close their connections; none can accept another. */
    WAIT_UNTIL(ts_count_fds(&ts) == base, 10000, "server has %d open", ts_count_fds(&ts));
    assert_backs_off(&ts);
    ck_assert_int_eq(ts_count_fds(&ts), base);
    ck_assert_int_eq(tn_listen_queued(ts.port), FLOOD - 4);

    ck_assert_int_eq(prlimit(ts.pid, RLIMIT_NOFILE, &old, NULL), 0);
    assert_recovers(&ts, 4, reply, sizeof reply);
    ck_assert_int_gt(tn_stats_sum(reply, "accept_errors"), 0);
    ck_assert_int_eq(ts_stop(&ts), 0);
}

/* Is some thread of pid inside system call nr (/proc/<pid>/task/<tid>/syscall)? */
static int thread_in_syscall(pid_t pid, long nr)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    int found = 0;
    for (struct dirent *e; d && !found && (e = readdir(d));) {
        char file[600];
        long cur;
        if (e->d_name[0] == '.')
            continue;
        snprintf(file, sizeof file, "%s/%s/syscall", path, e->d_name);
        FILE *f = fopen(file, "r");
        found = f && fscanf(f, "%ld", &cur) == 1 && cur == nr;
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
    return found;
}

/* With worker processes the pool's acceptor runs in the parent, and a worker
 * process answers /stats: the acceptor's failures must reach it (shared
 * memory). The parent's limit is lowered to its lowest free descriptor number,
 * which its blocked accept() has reserved: that accept completes, and every
 * later one fails (EMFILE) while a second connection waits. Raised again, the
 * second is served, and /stats counts the failures. */
static void exhaust_pool_parent(int i)
{
    struct test_server ts;
    static char reply[4096];
    static unsigned char open[MAX_FD];
    const char *extra[] = {"--model", "process", NULL};
    if (start(&ts, &combos[i], 2, 0, extra, __func__))
        return;
    /* The acceptor has reserved its descriptor once it waits in accept4. */
    WAIT_UNTIL(thread_in_syscall(ts.pid, SYS_accept4), 5000, "the acceptor is not in accept4");
    open_fds(&ts, open);
    int limit = 0;
    while (limit < MAX_FD && open[limit])
        limit++;
    struct rlimit old, tight = {.rlim_cur = (rlim_t)limit};
    ck_assert_int_eq(prlimit(ts.pid, RLIMIT_NOFILE, NULL, &old), 0);
    tight.rlim_max = old.rlim_max;
    ck_assert_int_eq(prlimit(ts.pid, RLIMIT_NOFILE, &tight, NULL), 0);
    tn_request(ts.port, "GET /hello?name=first HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
               reply, sizeof reply);
    assert_hello(reply, "first", 1, 2);
    int fd = tn_connect(ts.port), err;
    const char *req = "GET /hello?name=second HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    tn_send_all(fd, req, strlen(req));
    WAIT_UNTIL(tn_listen_queued(ts.port) == 1, 5000, "%d queued", tn_listen_queued(ts.port));
    assert_backs_off(&ts);
    ck_assert_int_eq(tn_listen_queued(ts.port), 1);
    ck_assert_int_eq(prlimit(ts.pid, RLIMIT_NOFILE, &old, NULL), 0);
    read_to_end(fd, reply, sizeof reply, 10000, &err);
    close(fd);
    ck_assert_int_eq(err, 0);
    assert_hello(reply, "second", 1, 2);
    fetch_stats(ts.port, reply, sizeof reply);
    ck_assert_int_eq(tn_stats_sum(reply, "accepted"), 2);
    ck_assert_int_gt(tn_stats_get(reply, "acceptor_errors", 0), 0);
    ck_assert_int_ne(tn_stats_get(reply, "pid", 0), ts.pid);  /* answered by a worker process */
    ck_assert_int_eq(ts_stop(&ts), 0);
}

START_TEST(test_fd_exhaustion)
{
    if (is_blocking(_i) && !hands_off(_i))
        exhaust_by_limit(_i);
    else
        exhaust_by_connections(_i);
    if (hands_off(_i))
        exhaust_pool_parent(_i);
}
END_TEST

/* ---- 6. SIGTERM with requests in flight ---- */

#define INFLIGHT 4
#define WORK_US "400000"
#define GRACE_MS 3000

/* Four connections on two workers, each request 400 ms of work. Connections the
 * server has accepted are in flight: each gets its complete reply, also those
 * whose request arrived while their worker was busy. With blocking shared or
 * reuseport a worker holds one connection, so the others wait in a listener's
 * queue: those are reset at shutdown, and the server reports exactly as many. */
START_TEST(test_sigterm_inflight)
{
    struct test_server ts;
    static char reply[4096], errtext[8192];
    int fds[INFLIGHT], err;
    char req[128], name[16];
    const char *extra[] = {"--work-us", WORK_US, "--grace", "3000", "--idle-timeout", "60000",
                           NULL};
    if (start(&ts, &combos[_i], 2, 0, extra, __func__))
        return;
    int base = ts_count_fds(&ts);
    for (int k = 0; k < INFLIGHT; k++)
        fds[k] = tn_connect(ts.port);
    /* Pollers and the pool's acceptor take all four; two blocking workers on
     * one listener take the first two (FIFO) and leave two queued; blocking
     * reuseport leaves queued whatever the hash put behind a worker's first. */
    int expect_dropped = -1;
    if (!is_blocking(_i) || hands_off(_i)) {
        WAIT_UNTIL(ts_count_fds(&ts) == base + INFLIGHT && tn_listen_queued(ts.port) == 0, 5000,
                   "not all accepted");
        expect_dropped = 0;
    } else if (shares_listener(_i)) {
        WAIT_UNTIL(ts_count_fds(&ts) == base + 2 && tn_listen_queued(ts.port) == INFLIGHT - 2,
                   5000, "two accepted, two queued");
        expect_dropped = INFLIGHT - 2;
    } else {
        WAIT_UNTIL(ts_count_fds(&ts) > base &&
                   ts_count_fds(&ts) - base + tn_listen_queued(ts.port) == INFLIGHT, 5000,
                   "connections neither accepted nor queued");
    }

    /* The first request is in progress (read by the server) before the others
     * are sent, so for a poller they arrive while it is busy. */
    hello_request(req, sizeof req, "c0", 1);
    tn_send_all(fds[0], req, strlen(req));
    WAIT_UNTIL(server_read(ts.port, fds[0], (long)strlen(req)), 5000, "first request not read");
    for (int k = 1; k < INFLIGHT; k++) {
        snprintf(name, sizeof name, "c%d", k);
        hello_request(req, sizeof req, name, 1);
        tn_send_all(fds[k], req, strlen(req));
    }
    for (int k = 1; k < INFLIGHT; k++)
        WAIT_UNTIL(tn_server_bytes_in(ts.port, fds[k]) == (long)strlen(req), 5000,
                   "request %d not received", k);

    long long t0 = tn_now_ms();
    ck_assert_int_eq(kill(ts.pid, SIGTERM), 0);
    int ok = 0, dropped = 0;
    for (int k = 0; k < INFLIGHT; k++) {
        size_t n = read_to_end(fds[k], reply, sizeof reply, GRACE_MS + 2000, &err);
        close(fds[k]);
        if (n == 0) {
            ck_assert_msg(err == 0 || err == ECONNRESET, "connection %d: %s", k, strerror(err));
            dropped++;
            continue;
        }
        ck_assert_int_eq(err, 0);
        snprintf(name, sizeof name, "c%d", k);
        assert_hello(reply, name, 1, 2);
        ok++;
    }
    ck_assert_int_eq(ts_wait_exit(&ts, GRACE_MS + 5000, errtext, sizeof errtext), 0);
    long long took = tn_now_ms() - t0;
    ck_assert_msg(took < GRACE_MS, "exit took %lld ms", took);
    ck_assert_msg(!strstr(errtext, "grace period"), "%s", errtext);
    ck_assert_int_ge(ok, 1);
    ck_assert_int_eq(ok + dropped, INFLIGHT);
    if (expect_dropped >= 0)
        ck_assert_int_eq(dropped, expect_dropped);
    /* What the clients saw is what the server reports. */
    ck_assert_int_eq(dropped_reported(errtext), dropped);
}
END_TEST

/* ---- 7. connections queued at shutdown are dropped, and counted ---- */

#define BACKLOGGED 5

/* One worker busy on a 3 s request (two, sharing one listener); five more
 * connections wait in the listener's queue (a busy worker, blocking or polling,
 * accepts nothing). SIGTERM: the busy requests complete, the five are reset, and
 * the final table says so, once, whether the workers are threads or processes
 * (which count into shared memory). Where the kernel accepts for the worker
 * (io_uring's multishot accept runs at its next return from an interrupt), the
 * queue drains into the worker while it is busy: each of the five is then
 * either counted as dropped or accepted and closed unanswered, and the two
 * figures add up to five. The
 * pool's acceptor empties the backlog into its queue instead, which workers
 * drain. The request is long so that SIGTERM lands while it runs even when other
 * tests keep this process off the CPU for a while. */
static void dropped_at_shutdown(int i, const struct model *model)
{
    struct test_server ts;
    static char reply[4096], errtext[8192];
    int fds[BACKLOGGED], busy[2], err;
    char req[128];
    /* With a shared listener, two workers: both busy, both stopping, and the
     * queue they share must be counted once (by one process of the two). */
    int nbusy = shares_listener(i) ? 2 : 1;
    const char *extra[] = {"--work-us", "3000000", "--grace", "6000", NULL};
    struct combo c = combos[i];
    c.model = model;
    if (start(&ts, &c, nbusy, 0, extra, __func__))
        return;
    hello_request(req, sizeof req, "busy", 1);
    for (int k = 0; k < nbusy; k++) {
        busy[k] = tn_connect(ts.port);
        tn_send_all(busy[k], req, strlen(req));
        WAIT_UNTIL(server_read(ts.port, busy[k], (long)strlen(req)), 5000, "request not read");
    }
    for (int k = 0; k < BACKLOGGED; k++)
        fds[k] = tn_connect(ts.port);
    /* Loopback completes each handshake inside connect(): each of the five
     * is now queued or, where the kernel accepts for the worker, accepted. */
    int kernel_accepts = (combos[i].io->v.caps & SRV_CAP_KERNEL_ACCEPTS) != 0;
    if (!kernel_accepts)
        WAIT_UNTIL(tn_listen_queued(ts.port) == BACKLOGGED, 5000, "%d queued",
                   tn_listen_queued(ts.port));
    ck_assert_int_eq(kill(ts.pid, SIGTERM), 0);
    for (int k = 0; k < nbusy; k++) {
        read_to_end(busy[k], reply, sizeof reply, 5000, &err);
        close(busy[k]);
        ck_assert_int_eq(err, 0);
        assert_hello(reply, "busy", 1, nbusy);
    }
    for (int k = 0; k < BACKLOGGED; k++) {
        ck_assert_uint_eq(read_to_end(fds[k], reply, sizeof reply, 5000, &err), 0);
        ck_assert_msg(err == 0 || err == ECONNRESET, "queued connection %d: %s", k,
                      strerror(err));
        close(fds[k]);
    }
    ck_assert_int_eq(ts_wait_exit(&ts, 10000, errtext, sizeof errtext), 0);
    if (kernel_accepts) {
        /* The queue is counted just before the listener is shut down, and the
         * kernel may accept for the ring between the two calls: such a connection
         * is in both figures (seen once in a CI run under load: 5 dropped, 1
         * accepted). So every one of the five is in one figure or both, and no
         * more than the five were counted dropped. */
        int dropped = dropped_reported(errtext), taken = accepted_reported(errtext) - nbusy;
        ck_assert_msg(dropped <= BACKLOGGED && dropped + taken >= BACKLOGGED &&
                      taken <= BACKLOGGED, "stderr: %s", errtext);
        return;
    }
    ck_assert_msg(strstr(errtext, "\ndropped at shutdown: 5 queued connections\n"), "stderr: %s",
                  errtext);
    ck_assert_int_eq(dropped_reported(errtext), BACKLOGGED);
}

START_TEST(test_dropped_at_shutdown)
{
    if (hands_off(_i))
        return;
    for (int m = 0; srv_axes[SRV_MODEL].values[m]; m++)
        dropped_at_shutdown(_i, srv_axes[SRV_MODEL].values[m]);
}
END_TEST

/* ---- 8. one worker process leaves: its queue is reset, or migrated ---- */

#define LEAVE_QUEUED 6      /* at least this many wait on the leaving worker */
#define LEAVE_MAX_CONNS 64
#define MIGRATE_REQ "/proc/sys/net/ipv4/tcp_migrate_req"

/* A network namespace of this test's own (Check runs each test in a forked
 * process, so it ends with the test), with loopback up and
 * net.ipv4.tcp_migrate_req set, without touching the machine's setting. */
static void enter_netns(int migrate)
{
    ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr = {0};
    ck_assert_int_ge(fd, 0);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    ck_assert_int_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
    ifr.ifr_flags |= IFF_UP;
    ck_assert_int_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
    close(fd);
    FILE *f = fopen(MIGRATE_REQ, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_gt(fprintf(f, "%d\n", migrate), 0);
    ck_assert_int_eq(fclose(f), 0);
}

/* Every thread of pid is in the stopped state (a SIGSTOP reaches each thread on
 * its own way out of the kernel, so the process's own state is not enough). */
static int all_threads_stopped(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    int all = d != NULL;
    for (struct dirent *e; d && all && (e = readdir(d));) {
        char stat[600], buf[512];
        if (e->d_name[0] == '.')
            continue;
        snprintf(stat, sizeof stat, "%s/%s/stat", path, e->d_name);
        FILE *f = fopen(stat, "r");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f)
            fclose(f);
        buf[n] = '\0';
        const char *p = strrchr(buf, ')');
        all = p && p[1] == ' ' && p[2] == 'T';
    }
    if (d)
        closedir(d);
    return all;
}

/* A client connection read without blocking until EOF or an error. */
struct peer {
    int fd, done, err;
    size_t len;
    char buf[1024];
};

static int peer_poll(struct peer *p)
{
    while (!p->done) {
        ssize_t n = recv(p->fd, p->buf + p->len, sizeof p->buf - 1 - p->len, MSG_DONTWAIT);
        if (n > 0) {
            p->len += (size_t)n;
            p->buf[p->len] = '\0';
        } else {
            if (n == 0 || errno != EAGAIN) {
                p->done = 1;
                p->err = n == 0 ? 0 : errno;
            }
            break;
        }
    }
    return p->done;
}

static int peers_done(struct peer *peers, int n)
{
    int done = 0;
    for (int k = 0; k < n; k++)
        done += peer_poll(&peers[k]);
    return done;
}

/* Process-model reuseport with 2 workers, each iteration in its own network
 * namespace. Loop index: bit 0 is net.ipv4.tcp_migrate_req; (_i >> 1) % 3 the
 * event: worker 1 leaves by SIGTERM, by SIGKILL, or the whole server stops;
 * _i >= 6 epoll rather than blocking io.
 *
 * The workers whose listeners will close are stopped (SIGSTOP) while requests
 * arrive, so that those hashed to their listeners wait there (counted per
 * process through sock_diag) while a running worker 0 answers the rest. Before
 * a graceful close each stopped worker is resumed until it has taken a
 * connection: the 200 ms of work per request then keep it from accepting while
 * its listener is counted and shut down, so the server's count is exact. Every
 * queued connection must then come out one way, reset or answered, and the
 * server's count of what was queued as the listeners closed must equal the
 * resets the clients saw; a worker leaving with migrate 1 loses none (the
 * survivor answers them). A whole stop with migrate 1 checks that a queue
 * handed from one closing listener to another is counted once, by the last. */
enum { LEAVE_TERM, LEAVE_KILL, WHOLE_STOP };

START_TEST(test_worker_leaves)
{
    int migrate = _i & 1, event = (_i >> 1) % 3;
    const char *io = _i >= 6 ? "epoll" : "blocking";
    static struct peer peers[LEAVE_MAX_CONNS];
    static char reply[65536], errtext[8192];
    char req[128], want[256];
    struct test_server ts;
    enter_netns(migrate);
    const char *args[] = {"--model", "process", "--strategy", "reuseport", "--io", io,
                          "--workers", "2", "--work-us", "200000", "--accept-batch", "1",
                          "--grace", "6000", NULL};
    ts_start(&ts, args);
    /* A worker process publishes its pid once its thread runs, which may be
     * just after the ready file. */
    WAIT_UNTIL((fetch_stats(ts.port, reply, sizeof reply),
                tn_stats_get(reply, "pid", 0) > 0 && tn_stats_get(reply, "pid", 1) > 0),
               5000, "workers have no pid in /stats");
    pid_t pid[2] = {(pid_t)tn_stats_get(reply, "pid", 0), (pid_t)tn_stats_get(reply, "pid", 1)};
    int first = event == WHOLE_STOP ? 0 : 1;   /* the stopped workers: first..1 */
    for (int k = first; k < 2; k++) {
        ck_assert_int_eq(kill(pid[k], SIGSTOP), 0);
        WAIT_UNTIL(all_threads_stopped(pid[k]), 5000, "worker %d did not stop", k);
    }

    int n = 0, queued[2] = {0, 0};
    for (int k = first; k < 2; k++)
        while (tn_listen_queued_by(ts.port, pid[k]) < LEAVE_QUEUED) {
            ck_assert_msg(n < LEAVE_MAX_CONNS, "%d connections, %d queued on worker %d", n,
                          tn_listen_queued_by(ts.port, pid[k]), k);
            memset(&peers[n], 0, sizeof peers[n]);
            peers[n].fd = tn_connect(ts.port);
            snprintf(want, sizeof want, "c%d", n);
            hello_request(req, sizeof req, want, 1);
            tn_send_all(peers[n].fd, req, strlen(req));
            n++;
        }
    /* Settled: worker 0, if running, has answered everything not queued. */
    WAIT_UNTIL(peers_done(peers, n) + tn_listen_queued_by(ts.port, pid[0]) * (first == 0) +
                       tn_listen_queued_by(ts.port, pid[1]) == n,
               30000, "%d of %d answered", peers_done(peers, n), n);
    for (int k = first; k < 2; k++)
        queued[k] = tn_listen_queued_by(ts.port, pid[k]);
    for (int k = 0; k < n; k++)
        if (peers[k].done) {
            ck_assert_int_eq(peers[k].err, 0);
            ck_assert_int_eq(tn_worker(peers[k].buf), 0);
        }
    int answered_before = n - queued[0] - queued[1];

    if (event != LEAVE_KILL)
        for (int k = first; k < 2; k++) {
            ck_assert_int_eq(kill(pid[k], SIGCONT), 0);
            WAIT_UNTIL(tn_listen_queued_by(ts.port, pid[k]) < queued[k], 5000,
                       "worker %d took nothing", k);
        }
    ck_assert_int_eq(event == LEAVE_TERM ? kill(pid[1], SIGTERM)
                     : event == LEAVE_KILL ? kill(pid[1], SIGKILL)
                                           : kill(ts.pid, SIGTERM),
                     0);
    WAIT_UNTIL(peers_done(peers, n) == n, 30000, "%d of %d done", peers_done(peers, n), n);
    int by_worker[2] = {0, 0}, resets = 0;
    for (int k = 0; k < n; k++) {
        if (peers[k].len == 0) {
            ck_assert_msg(peers[k].err == ECONNRESET, "connection %d: no reply, %s", k,
                          strerror(peers[k].err));
            resets++;
            continue;
        }
        ck_assert_int_eq(peers[k].err, 0);
        snprintf(want, sizeof want, "c%d", k);
        assert_hello(peers[k].buf, want, 1, 2);
        by_worker[tn_worker(peers[k].buf)]++;
    }
    by_worker[0] -= answered_before;

    long reported = 0;
    if (event == WHOLE_STOP) {
        ck_assert_int_eq(ts_wait_exit(&ts, 10000, errtext, sizeof errtext), 0);
        reported = dropped_reported(errtext);
        ck_assert_int_ge(reported, 1);
    } else if (event == LEAVE_KILL) {
        snprintf(want, sizeof want, "worker 1 (pid %d) was killed by signal 9 (Killed)\n",
                 (int)pid[1]);
        ck_assert_msg(ts_wait_stderr(&ts, want, 5000), "no line: %s", want);
        reported = queued[1];  /* the kernel's doing alone: what was queued */
    } else {
        snprintf(want, sizeof want, "worker 1 (pid %d) exited with status 0; its listener closed with ",
                 (int)pid[1]);
        ck_assert_msg(ts_wait_stderr(&ts, want, 5000), "no line: %s", want);
        int fd = open(ts.stderr_file, O_RDONLY);
        ssize_t got = read(fd, errtext, sizeof errtext - 1);
        close(fd);
        errtext[got > 0 ? got : 0] = '\0';
        const char *line = strstr(errtext, want);
        reported = atol(line + strlen(want));
        char fate[160];
        snprintf(fate, sizeof fate, "%ld queued connection%s, %s\n", reported,
                 reported == 1 ? "" : "s",
                 migrate ? "moved to the others (net.ipv4.tcp_migrate_req=1)"
                         : "reset (net.ipv4.tcp_migrate_req=0)");
        ck_assert_msg(strncmp(line + strlen(want), fate, strlen(fate)) == 0, "stderr: %s", line);
        ck_assert_int_ge(reported, 1);
    }
    fprintf(stderr, "worker_leaves: %s, %s, tcp_migrate_req=%d: queued %d + %d; %ld counted "
            "as the listeners closed; answered by worker 0 %d, worker 1 %d; reset %d\n", io,
            event == LEAVE_TERM ? "SIGTERM to worker 1" : event == LEAVE_KILL ? "SIGKILL to worker 1"
                                                                              : "whole stop",
            migrate, queued[0], queued[1], reported, by_worker[0], by_worker[1], resets);
    for (int k = 0; k < n; k++)
        close(peers[k].fd);
    if (event == WHOLE_STOP) {
        /* Every queued connection was reset or answered by the worker that took
         * it, and the count is of the resets, each once. */
        ck_assert_int_eq(resets, reported);
        return;
    }
    /* Whatever worker 1 took before its listener closed, it answered. */
    ck_assert_int_eq(by_worker[1] + reported, queued[1]);
    ck_assert_int_eq(resets, migrate ? 0 : reported);
    ck_assert_int_eq(by_worker[0], migrate ? reported : 0);

    tn_request(ts.port, "GET /hello?name=after HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
               reply, sizeof reply);
    assert_hello(reply, "after", 1, 2);
    ck_assert_int_eq(tn_worker(reply), 0);
    /* Nothing waits now: the leaver's count was its own, not the shutdown's. */
    ck_assert_int_eq(kill(ts.pid, SIGTERM), 0);
    ck_assert_int_eq(ts_wait_exit(&ts, 10000, errtext, sizeof errtext), 0);
    ck_assert_msg(dropped_reported(errtext) == 0, "stderr: %s", errtext);
}
END_TEST

/* ---- 9. a client that sends requests but never reads the replies ---- */

#define STALL_IDLE_MS 1000

/* Pipelined requests until both directions are full: the server has replies it
 * cannot send and requests it has not read, and the client cannot send more.
 * With one worker, a second client is answered once the stalled connection is
 * dropped: after --idle-timeout without progress, writing as reading (a blocking
 * worker's send() would otherwise wait for ever). The stalled client then reads
 * to the end of what was sent: an EOF, or a reset when the server closed with
 * requests still unread in its socket. */
START_TEST(test_stalled_reader)
{
    struct test_server ts;
    static char reply[4096], chunk[65536];
    char idle[16];
    snprintf(idle, sizeof idle, "%d", STALL_IDLE_MS);
    const char *extra[] = {"--idle-timeout", idle, NULL};
    if (start(&ts, &combos[_i], 1, 0, extra, __func__))
        return;

    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), small = 4096;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)ts.port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&to, sizeof to), 0);
    const char *one = "GET /hello?name=s HTTP/1.1\r\nHost: t\r\n\r\n";
    size_t len = strlen(one), fill = 0;
    while (fill + len <= sizeof chunk) {
        memcpy(chunk + fill, one, len);
        fill += len;
    }
    long tx = 0, rx = 0;
    long long deadline = tn_now_ms() + 20000;
    for (;;) {
        ssize_t n = send(fd, chunk, fill, MSG_DONTWAIT | MSG_NOSIGNAL);
        /* A reset here means the server already dropped the stalled connection
         * (this process was kept off the CPU for an idle timeout): still a pass
         * of this part. */
        if (n < 0 && (errno == ECONNRESET || errno == EPIPE))
            break;
        ck_assert_msg(n > 0 || errno == EAGAIN, "send: %s", strerror(errno));
        if (n < 0 && tn_server_queues(ts.port, fd, &tx, &rx) == 0 && tx > 0 && rx > 0)
            break;  /* n may have cut a request short: the rest never goes */
        ck_assert_msg(tn_now_ms() < deadline, "no stall: server tx %ld rx %ld", tx, rx);
        if (n < 0)
            nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }

    long long t0 = tn_now_ms();
    tn_request(ts.port, "GET /hello?name=next HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
               reply, sizeof reply);
    assert_hello(reply, "next", 1, 1);

    /* The stalled connection: what was sent to it, then its end. */
    int err = ETIMEDOUT;
    while (tn_now_ms() < t0 + STALL_IDLE_MS + 10000) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t n = recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n > 0 || (n < 0 && errno == EAGAIN))
            continue;
        err = n == 0 ? 0 : errno;
        break;
    }
    close(fd);
    ck_assert_msg(err == 0 || err == ECONNRESET, "stalled connection: %s", strerror(err));
    ck_assert_int_eq(stats_sum(ts.port, "accepted"), 2);  /* the stalled one, "next" */
    ck_assert_int_eq(ts_stop(&ts), 0);
}
END_TEST

/* The namespace test needs CAP_SYS_ADMIN (root) and a kernel with
 * tcp_migrate_req (5.14): say why and exit 77 (a CTest skip) when either lacks. */
static int worker_leaves_skip(void)
{
    const char *only = getenv("CK_RUN_CASE");
    if (!only || strcmp(only, "worker_leaves") != 0)
        return 0;
    if (access(MIGRATE_REQ, F_OK) != 0) {
        fprintf(stderr, "SKIP: this kernel has no net.ipv4.tcp_migrate_req (Linux 5.14+)\n");
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0)
        _exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "SKIP: cannot create a network namespace (run as root)\n");
        return 1;
    }
    return 0;
}

static Suite *faults_suite(void)
{
    Suite *s = suite_create("server_faults");
    const struct {
        const char *name;
        const TTest *test;
        int timeout;
    } cases[] = {
        {"split_head", test_split_head, 60},
        {"reset_after_reply", test_reset_after_reply, 30},
        {"reset_mid_reply", test_reset_mid_reply, 60},
        {"half_close", test_half_close, 30},
        {"idle_thousand", test_idle_thousand, 120},
        {"fd_exhaustion", test_fd_exhaustion, 60},
        {"sigterm_inflight", test_sigterm_inflight, 30},
        {"dropped_at_shutdown", test_dropped_at_shutdown, 45},
        {"stalled_reader", test_stalled_reader, 40},
    };
    /* One TCase per fault, so CK_RUN_CASE (and CTest, one test each) picks one. */
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        TCase *tc = tcase_create(cases[k].name);
        tcase_set_timeout(tc, cases[k].timeout);
        tcase_add_loop_test(tc, cases[k].test, 0, ncombos);
        suite_add_tcase(s, tc);
    }
    TCase *tc = tcase_create("worker_leaves");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_worker_leaves, 0, 12);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (worker_leaves_skip())
        return 77;
    ncombos = matrix_build(combos, 0);
    SRunner *sr = srunner_create(faults_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
