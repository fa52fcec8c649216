/* statsfetch: a small blocking HTTP client for GET /stats. A server that answers
 * without a stats table (nginx's 404, a page) has logged the GET like any request:
 * the message says so, since that line in its log is ours. */
#include "statsfetch.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for `events` on fd until the deadline. Returns 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        return r < 0 ? -1 : r;
    }
}

static int do_connect(int fd, const struct net_addr *addr, int64_t deadline, char *err,
                      size_t errlen, const char *where)
{
    if (connect(fd, (const struct sockaddr *)&addr->ss, addr->len) == 0)
        return 0;
    if (errno != EINPROGRESS) {
        int e = errno;
        snprintf(err, errlen, "connect %s: %s", where, strerror(e));
        return e == ECONNREFUSED ? STATSFETCH_ERR_REFUSED : STATSFETCH_ERR_CONNECT;
    }
    int r = wait_fd(fd, POLLOUT, deadline);
    if (r <= 0) {
        snprintf(err, errlen, "connect %s: %s", where, r == 0 ? "timed out" : strerror(errno));
        return STATSFETCH_ERR_CONNECT;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
        soerr = errno;
    if (soerr) {
        snprintf(err, errlen, "connect %s: %s", where, strerror(soerr));
        return soerr == ECONNREFUSED ? STATSFETCH_ERR_REFUSED : STATSFETCH_ERR_CONNECT;
    }
    return 0;
}

/* Read the whole reply: until the head says the body is complete, or EOF. On success
 * *resp is its head and buf[0..*len) its body, NUL-terminated, whatever the status. */
static int read_reply(int fd, int64_t deadline, char *buf, size_t cap, size_t *len,
                      struct http_response *resp_out, char *err, size_t errlen,
                      const char *where)
{
    size_t n = 0;
    struct http_response resp;
    int hl = 0;
    for (;;) {
        if (hl > 0 && resp.content_length >= 0 &&
            n >= (size_t)hl + (size_t)resp.content_length)
            break;
        if (n == cap) {
            snprintf(err, errlen, "GET /stats from %s: reply over %zu bytes", where, cap);
            return STATSFETCH_ERR_REPLY;
        }
        int r = wait_fd(fd, POLLIN, deadline);
        if (r <= 0) {
            snprintf(err, errlen, "read /stats from %s: %s", where,
                     r == 0 ? "timed out" : strerror(errno));
            return STATSFETCH_ERR_REPLY;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got < 0) {
            snprintf(err, errlen, "read /stats from %s: %s", where, strerror(errno));
            return STATSFETCH_ERR_REPLY;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (hl == 0) {
            hl = http_parse_response(buf, n, &resp);
            if (hl < 0) {
                snprintf(err, errlen, "GET /stats from %s: malformed reply head", where);
                return STATSFETCH_ERR_REPLY;
            }
        }
    }
    if (hl <= 0) {
        snprintf(err, errlen, "GET /stats from %s: connection closed before a reply", where);
        return STATSFETCH_ERR_REPLY;
    }
    size_t body = n - (size_t)hl;
    if (resp.content_length >= 0 && body > (size_t)resp.content_length)
        body = (size_t)resp.content_length;
    if (resp.content_length >= 0 && body < (size_t)resp.content_length) {
        snprintf(err, errlen, "GET /stats from %s: body cut short", where);
        return STATSFETCH_ERR_REPLY;
    }
    memmove(buf, buf + hl, body);
    buf[body] = '\0';
    *len = body;
    *resp_out = resp;
    return 0;
}

/* A complete reply: the stats table, or why it is none. */
static int parse_reply(const struct http_response *resp, const char *body, size_t len,
                       struct srvstats *out, char *err, size_t errlen)
{
    char why[160] = "";
    if (resp->status == 200 && resp->chunked) {
        snprintf(why, sizeof why, " (a chunked body, which this reader does not take)");
    } else if (resp->status == 200) {
        char perr[128];
        if (srvstats_parse(body, len, out, perr, sizeof perr) == 0)
            return STATSFETCH_OK;
        snprintf(why, sizeof why, " (%s)", perr);
    }
    snprintf(err, errlen, "GET /stats answered %d, not a stats table%s; that request is in "
             "the server's log (--no-stats skips it)", resp->status, why);
    return STATSFETCH_ERR_NOT_STATS;
}

int statsfetch_get(const struct net_addr *addr, int timeout_ms, struct srvstats *out,
                   char *err, size_t errlen)
{
    char where[64];
    memset(out, 0, sizeof *out);
    net_format_addr(addr, where, sizeof where);
    int64_t deadline = now_ms() + timeout_ms;
    int fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return STATSFETCH_ERR_CONNECT;
    }
    int rc = do_connect(fd, addr, deadline, err, errlen, where);
    if (rc < 0)
        goto out;
    char req[160];
    int rl = snprintf(req, sizeof req,
                      "GET /stats HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", where);
    for (int off = 0; off < rl;) {
        if (wait_fd(fd, POLLOUT, deadline) <= 0) {
            snprintf(err, errlen, "write /stats request to %s: timed out", where);
            rc = STATSFETCH_ERR_REPLY;
            goto out;
        }
        ssize_t w = write(fd, req + off, (size_t)(rl - off));
        if (w < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (w < 0) {
            snprintf(err, errlen, "write /stats request to %s: %s", where, strerror(errno));
            rc = STATSFETCH_ERR_REPLY;
            goto out;
        }
        off += (int)w;
    }
    char *buf = malloc(STATSFETCH_MAX_BODY + HTTP_MAX_HEAD + 1);
    if (!buf) {
        snprintf(err, errlen, "malloc: out of memory");
        rc = STATSFETCH_ERR_CONNECT;
        goto out;
    }
    struct http_response resp;
    size_t len = 0;
    rc = read_reply(fd, deadline, buf, STATSFETCH_MAX_BODY + HTTP_MAX_HEAD, &len, &resp, err,
                    errlen, where);
    if (rc == 0)
        rc = parse_reply(&resp, buf, len, out, err, errlen);
    free(buf);
out:
    close(fd);
    return rc;
}
