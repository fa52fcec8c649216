#include "testnet.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void pause_ms(int ms)
{
    nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L}, NULL);
}

void ts_start(struct test_server *ts, const char *const *args)
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

int tn_count_listeners(int port)
{
    static const char *const files[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    int count = 0;
    for (int f = 0; f < 2; f++) {
        FILE *fp = fopen(files[f], "r");
        char line[512];
        if (!fp)
            continue;
        while (fgets(line, sizeof line, fp)) {
            unsigned lport, state;
            /* "  sl  local_address rem_address   st ..." — local is ADDR:PORT in hex */
            if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", &lport, &state) == 2 &&
                (int)lport == port && state == 0x0A)
                count++;
        }
        fclose(fp);
    }
    return count;
}
