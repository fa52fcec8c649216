/* The admin listener: GET /stats on a port of its own, served one connection at a
 * time by a thread of its own. Echo and greeter have no way to ask for /stats in
 * band, and even with HTTP a separate port keeps the observer's connections out of
 * the workers' accept queues. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "http.h"
#include "server.h"

struct admin {
    int fd;
    pthread_t thread;
};

static void reply(int fd, int status, const char *reason, const char *ctype,
                  const char *body, size_t len)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n", status, reason, ctype, len);
    if (send(fd, head, (size_t)n, MSG_NOSIGNAL) == n && len)
        send(fd, body, len, MSG_NOSIGNAL);
}

static void serve(struct srv *s, int fd)
{
    char buf[HTTP_MAX_HEAD];
    size_t len = 0;
    struct timeval tv = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof buf - len);
        if (n <= 0)
            return;
        len += (size_t)n;
        struct http_request req;
        int hl = http_parse_request(buf, len, &req);
        if (hl == 0)
            continue;
        if (hl > 0 && req.path_len == 6 && memcmp(req.path, "/stats", 6) == 0) {
            struct csv_buf b;
            csv_init(&b);
            srv_stats_csv(s, &b);
            if (!b.oom)
                reply(fd, 200, "OK", "text/csv", b.data, b.len);
            csv_free(&b);
        } else if (hl > 0) {
            reply(fd, 404, "Not Found", "text/plain", "not found\n", 10);
        } else {
            reply(fd, 400, "Bad Request", "text/plain", "malformed request head\n", 23);
        }
        return;
    }
}

static void *admin_main(void *arg)
{
    struct srv *s = arg;
    struct admin *a = s->admin;
    for (;;) {
        int fd = accept4(a->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (srv_stopping(s))
                return NULL;
            if (errno != EINTR && errno != ECONNABORTED) {
                /* Out of descriptors: the workers matter more; try again soon. */
                nanosleep(&(struct timespec){.tv_nsec = 10 * 1000000L}, NULL);
            }
            continue;
        }
        serve(s, fd);
        close(fd);
    }
}

int admin_start(struct srv *s, char *err, size_t errlen)
{
    struct admin *a = calloc(1, sizeof *a);
    struct net_addr bound;
    if (!a) {
        snprintf(err, errlen, "--admin: out of memory");
        return -1;
    }
    if ((a->fd = net_listen(err, errlen, &s->cfg.admin, 64, 0)) < 0) {
        free(a);
        return -1;
    }
    if (net_local_addr(err, errlen, a->fd, &bound) < 0) {
        close(a->fd);
        free(a);
        return -1;
    }
    s->admin_port = net_addr_port(&bound);
    s->admin = a;
    int rc = pthread_create(&a->thread, NULL, admin_main, s);
    if (rc != 0) {
        snprintf(err, errlen, "pthread_create admin: %s", strerror(rc));
        close(a->fd);
        free(a);
        s->admin = NULL;
        return -1;
    }
    return 0;
}

void admin_stop(struct srv *s)
{
    struct admin *a = s->admin;
    if (!a)
        return;
    shutdown(a->fd, SHUT_RD);  /* wakes the blocked accept() */
    pthread_join(a->thread, NULL);
    close(a->fd);
    free(a);
    s->admin = NULL;
}
