#include "testnet.h"

#include <arpa/inet.h>
#include <check.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void pause_ms(int ms)
{
    nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L}, NULL);
}

static void spawn(struct test_server *ts, const char *const *args, long nofile)
{
    const char *argv[64];
    int n = 0;
    snprintf(ts->ready_file, sizeof ts->ready_file, "/tmp/ab-test-ready.%d", (int)getpid());
    snprintf(ts->stderr_file, sizeof ts->stderr_file, "/tmp/ab-test-err.%d", (int)getpid());
    unlink(ts->ready_file);
    argv[n++] = ACCEPTBENCH_SERVER_BIN;
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--ready-file";
    argv[n++] = ts->ready_file;
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    ts->pid = fork();
    ck_assert_int_ge(ts->pid, 0);
    if (ts->pid == 0) {
        int out = open("/dev/null", O_WRONLY);
        int err = open(ts->stderr_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(out, 1);
        dup2(err, 2);
        if (nofile > 0) {
            /* Only the server's own descriptors may count against the limit. */
            struct rlimit rl = {.rlim_cur = (rlim_t)nofile, .rlim_max = (rlim_t)nofile};
            close_range(3, ~0U, 0);
            if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                _exit(126);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    /* The server writes the ready file atomically once it listens: wait for it,
     * or for the child to die, for at most 10 s. */
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(ts->ready_file, "r");
        if (f) {
            int pid = 0;
            ck_assert_int_eq(fscanf(f, "port=%d\npid=%d\n", &ts->port, &pid), 2);
            ck_assert_int_eq(pid, ts->pid);
            fclose(f);
            return;
        }
        int status;
        ck_assert_msg(waitpid(ts->pid, &status, WNOHANG) == 0, "server exited at start-up");
        pause_ms(10);
    }
    kill(ts->pid, SIGKILL);
    ck_abort_msg("server did not write its ready file within 10 s");
}

void ts_start(struct test_server *ts, const char *const *args)
{
    spawn(ts, args, 0);
}

void ts_start_nofile(struct test_server *ts, const char *const *args, long nofile)
{
    spawn(ts, args, nofile);
}

int ts_stop(struct test_server *ts)
{
    int status;
    kill(ts->pid, SIGTERM);
    for (int i = 0; i < 1000; i++) {
        if (waitpid(ts->pid, &status, WNOHANG) == ts->pid) {
            unlink(ts->stderr_file);
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        pause_ms(10);
    }
    kill(ts->pid, SIGKILL);
    waitpid(ts->pid, &status, 0);
    return -1;
}

int tn_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_msg(connect(fd, (struct sockaddr *)&a, sizeof a) == 0, "connect: %s",
                  strerror(errno));
    return fd;
}

void tn_send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        ck_assert_msg(n > 0, "send: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
    }
}

size_t tn_read_all(int fd, char *buf, size_t len)
{
    size_t got = 0;
    while (got + 1 < len) {
        ssize_t n = read(fd, buf + got, len - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    return got;
}

size_t tn_request(int port, const char *raw, char *buf, size_t len)
{
    int fd = tn_connect(port);
    tn_send_all(fd, raw, strlen(raw));
    size_t n = tn_read_all(fd, buf, len);
    close(fd);
    return n;
}

int tn_status(const char *reply)
{
    int status;
    return sscanf(reply, "HTTP/1.1 %d ", &status) == 1 ? status : -1;
}

int tn_worker(const char *reply)
{
    const char *h = strstr(reply, "\r\nX-Worker: ");
    return h ? atoi(h + 12) : -1;
}

const char *tn_body(const char *reply)
{
    const char *b = strstr(reply, "\r\n\r\n");
    return b ? b + 4 : "";
}

/* Index of `col` in the CSV header line of a /stats body, or -1. */
static int column(const char *body, const char *col)
{
    int idx = 0;
    size_t cl = strlen(col);
    for (const char *p = body; *p && *p != '\n'; idx++) {
        const char *e = p + strcspn(p, ",\n");
        if ((size_t)(e - p) == cl && memcmp(p, col, cl) == 0)
            return idx;
        p = *e == ',' ? e + 1 : e;
    }
    return -1;
}

static long field(const char *line, int idx)
{
    for (int i = 0; i < idx; i++) {
        line = strchr(line, ',');
        if (!line)
            return -1;
        line++;
    }
    return atol(line);
}

long tn_stats_get(const char *reply, const char *col, int w)
{
    const char *body = tn_body(reply);
    int idx = column(body, col), widx = column(body, "worker");
    if (idx < 0 || widx < 0)
        return -1;
    for (const char *line = strchr(body, '\n'); line && line[1]; line = strchr(line + 1, '\n'))
        if (field(line + 1, widx) == w)
            return field(line + 1, idx);
    return -1;
}

long tn_stats_sum(const char *reply, const char *col)
{
    const char *body = tn_body(reply);
    int idx = column(body, col);
    long sum = 0;
    if (idx < 0)
        return -1;
    for (const char *line = strchr(body, '\n'); line && line[1]; line = strchr(line + 1, '\n'))
        sum += field(line + 1, idx);
    return sum;
}

/* Inodes of the LISTEN sockets on `port`; returns how many (at most max). */
static int listener_inodes(int port, unsigned long *inodes, int max)
{
    static const char *const files[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    int n = 0;
    for (int f = 0; f < 2; f++) {
        FILE *fp = fopen(files[f], "r");
        char line[512];
        if (!fp)
            continue;
        while (fgets(line, sizeof line, fp) && n < max) {
            unsigned lport, state;
            unsigned long inode;
            if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*s %*s %*s %*s %*s %lu",
                       &lport, &state, &inode) == 3 && (int)lport == port && state == 0x0A)
                inodes[n++] = inode;
        }
        fclose(fp);
    }
    return n;
}

int tn_count_listeners(int port)
{
    unsigned long inodes[256];
    return listener_inodes(port, inodes, 256);
}

int ts_wait_exit(struct test_server *ts, unsigned timeout_ms, char *err, size_t errlen)
{
    int status, rc = -1;
    long long deadline = tn_now_ms() + timeout_ms;
    for (;;) {
        if (waitpid(ts->pid, &status, WNOHANG) == ts->pid) {
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            break;
        }
        if (tn_now_ms() >= deadline) {
            kill(ts->pid, SIGKILL);
            waitpid(ts->pid, &status, 0);
            break;
        }
        pause_ms(1);
    }
    if (err && errlen) {
        FILE *f = fopen(ts->stderr_file, "r");
        size_t n = f ? fread(err, 1, errlen - 1, f) : 0;
        err[n] = '\0';
        if (f)
            fclose(f);
    }
    unlink(ts->stderr_file);
    return rc;
}

int ts_count_fds(const struct test_server *ts)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)ts->pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

long long tn_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* One sock_diag dump of IPv4 TCP sockets in `states` (a bit per TCP state) whose
 * local port is sport and, if non-zero, remote port dport; the kernel filters,
 * so the cost does not grow with the machine's TIME_WAIT sockets the way
 * reading /proc/net/tcp does. fn gets each socket's queues and tcp_info
 * (NULL when absent). Returns the number of sockets, or -1. */
static int diag_dump(unsigned states, int sport, int dport,
                     void (*fn)(void *arg, const struct inet_diag_msg *m,
                                const struct tcp_info *ti),
                     void *arg)
{
    int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0)
        return -1;
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 r;
    } req = {
        .nlh = {.nlmsg_len = sizeof req, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
        .r = {.sdiag_family = AF_INET, .sdiag_protocol = IPPROTO_TCP,
              .idiag_ext = 1 << (INET_DIAG_INFO - 1), .idiag_states = states,
              .id = {.idiag_sport = htons((uint16_t)sport),
                     .idiag_dport = htons((uint16_t)dport)}},
    };
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(nl, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        close(nl);
        return -1;
    }
    static char buf[65536];
    int count = 0;
    for (;;) {
        ssize_t n = recv(nl, buf, sizeof buf, 0);
        if (n <= 0) {
            close(nl);
            return -1;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
                close(nl);
                return h->nlmsg_type == NLMSG_DONE ? count : -1;
            }
            const struct inet_diag_msg *m = NLMSG_DATA(h);
            const struct tcp_info *ti = NULL;
            int alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
            for (struct rtattr *a = (struct rtattr *)(m + 1); RTA_OK(a, alen);
                 a = RTA_NEXT(a, alen))
                if (a->rta_type == INET_DIAG_INFO &&
                    RTA_PAYLOAD(a) >= offsetof(struct tcp_info, tcpi_bytes_received) + 8)
                    ti = RTA_DATA(a);
            fn(arg, m, ti);
            count++;
        }
    }
}

/* Kernel TCP states (include/net/tcp_states.h): TIME_WAIT 6, LISTEN 10. */
#define TCPF_LISTEN (1u << 10)
#define TCPF_CONNECTED (0xFFFu & ~(1u << 10) & ~(1u << 6))

static void add_rqueue(void *arg, const struct inet_diag_msg *m, const struct tcp_info *ti)
{
    (void)ti;
    *(int *)arg += (int)m->idiag_rqueue;
}

int tn_listen_queued(int port)
{
    int sum = 0;
    return diag_dump(TCPF_LISTEN, port, 0, add_rqueue, &sum) < 0 ? -1 : sum;
}

struct peer_q {
    long tx, rx, bytes_in;
};

static void get_peer_q(void *arg, const struct inet_diag_msg *m, const struct tcp_info *ti)
{
    struct peer_q *q = arg;
    q->tx = (long)m->idiag_wqueue;
    q->rx = (long)m->idiag_rqueue;
    q->bytes_in = ti ? (long)ti->tcpi_bytes_received : -1;
}

int tn_server_queues(int port, int fd, long *tx, long *rx)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    struct peer_q q;
    if (getsockname(fd, (struct sockaddr *)&a, &len) < 0 ||
        diag_dump(TCPF_CONNECTED, port, ntohs(a.sin_port), get_peer_q, &q) != 1)
        return -1;
    *tx = q.tx;
    *rx = q.rx;
    return 0;
}

long tn_server_bytes_in(int port, int fd)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    struct peer_q q;
    if (getsockname(fd, (struct sockaddr *)&a, &len) < 0 ||
        diag_dump(TCPF_CONNECTED, port, ntohs(a.sin_port), get_peer_q, &q) != 1)
        return -1;
    return q.bytes_in;
}

/* Does the process whose /proc directory is `dir` hold a socket whose inode is
 * one of inodes[0..n)? */
static int holds_any(const char *dir, const unsigned long *inodes, int n)
{
    char path[320], target[64];
    snprintf(path, sizeof path, "%s/fd", dir);
    DIR *fds = opendir(path);
    struct dirent *fe;
    int holds = 0;
    while (fds && !holds && (fe = readdir(fds))) {
        char link[600];
        snprintf(link, sizeof link, "%s/%s", path, fe->d_name);
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        unsigned long inode;
        if (sscanf(target, "socket:[%lu]", &inode) == 1)
            for (int i = 0; i < n; i++)
                holds |= inode == inodes[i];
    }
    if (fds)
        closedir(fds);
    return holds;
}

int tn_count_listener_pids(int port)
{
    unsigned long inodes[256];
    int ninodes = listener_inodes(port, inodes, 256), npids = 0;
    DIR *proc = opendir("/proc");
    struct dirent *pe;
    while (proc && (pe = readdir(proc))) {
        char dir[300];
        if (pe->d_name[0] < '0' || pe->d_name[0] > '9')
            continue;
        snprintf(dir, sizeof dir, "/proc/%s", pe->d_name);
        npids += holds_any(dir, inodes, ninodes);
    }
    if (proc)
        closedir(proc);
    return npids;
}

struct queued_by {
    char dir[64];   /* /proc/<pid> */
    int sum;
};

static void add_rqueue_if_held(void *arg, const struct inet_diag_msg *m,
                               const struct tcp_info *ti)
{
    struct queued_by *q = arg;
    unsigned long inode = m->idiag_inode;
    (void)ti;
    if (holds_any(q->dir, &inode, 1))
        q->sum += (int)m->idiag_rqueue;
}

int tn_listen_queued_by(int port, pid_t pid)
{
    struct queued_by q = {.sum = 0};
    snprintf(q.dir, sizeof q.dir, "/proc/%d", (int)pid);
    return diag_dump(TCPF_LISTEN, port, 0, add_rqueue_if_held, &q) < 0 ? -1 : q.sum;
}

int ts_wait_stderr(struct test_server *ts, const char *text, int timeout_ms)
{
    char buf[8192];
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        FILE *f = fopen(ts->stderr_file, "r");
        if (f) {
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[n] = '\0';
            if (strstr(buf, text))
                return 1;
        }
        pause_ms(10);
    }
    return 0;
}
