/* The HTTP/1.1 side of a connection: GET /hello and GET /stats, keep-alive and
 * pipelining, and an exact error for everything else (docs/protocol.md). */
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "cpu.h"
#include "csv.h"
#include "server.h"

#define NAME_MAX_BYTES 256

/* Append one response. `close` adds Connection: close; HEAD drops the body. */
static int respond(struct conn *c, int status, const char *reason, const char *ctype,
                   const char *extra, const char *body, size_t body_len, int head_only,
                   int close)
{
    char head[256];
    /* An HTTP/1.0 client that asked to keep the connection (ab -k) assumes the
     * server will close it unless the reply says otherwise. */
    const char *conn_hdr = close ? "Connection: close\r\n"
                           : c->http10 ? "Connection: keep-alive\r\n" : "";
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "X-Worker: %d\r\n%s%s\r\n",
                     status, reason, ctype, body_len, c->w->id, extra, conn_hdr);
    if (conn_reply(c, head, (size_t)n) < 0 ||
        (!head_only && conn_reply(c, body, body_len) < 0))
        return -1;
    return 0;
}

static int respond_error(struct conn *c, int status, const char *reason, const char *why,
                         const char *extra)
{
    char body[128];
    int n = snprintf(body, sizeof body, "%s\n", why);
    c->closing = 1;
    return respond(c, status, reason, "text/plain", extra, body, (size_t)n, 0, 1);
}

static int serve_stats(struct conn *c, int head_only, int close)
{
    struct csv_buf b;
    csv_init(&b);
    srv_stats_csv(c->w->srv, &b);
    int rc = b.oom ? -1 : respond(c, 200, "OK", "text/csv", "", b.data, b.len, head_only, close);
    csv_free(&b);
    return rc;
}

static int serve_hello(struct conn *c, const struct http_request *req, int head_only,
                       int close)
{
    char name[NAME_MAX_BYTES + 1] = "world", body[NAME_MAX_BYTES + 16];
    const char *raw;
    size_t raw_len;
    if (http_query_param(req->query, req->query_len, "name", &raw, &raw_len) &&
        http_url_decode(raw, raw_len, name, sizeof name) < 0)
        return respond_error(c, 400, "Bad Request", "bad name: percent-encode it, at most 256 bytes", "");
    cpu_spin_us(c->w->srv->cfg.work_us);
    int n = snprintf(body, sizeof body, "Hello, %s\n", name);
    return respond(c, 200, "OK", "text/plain", "", body, (size_t)n, head_only, close);
}

/* Answer one complete request head. */
static int serve(struct conn *c, const struct http_request *req)
{
    const struct srv *s = c->w->srv;
    int head_only = req->method_len == 4 && memcmp(req->method, "HEAD", 4) == 0;
    int get = req->method_len == 3 && memcmp(req->method, "GET", 3) == 0;
    if (!get && !head_only)
        return respond_error(c, 405, "Method Not Allowed", "only GET and HEAD are served",
                             "Allow: GET, HEAD\r\n");
    if (req->content_length > 0 || req->chunked)
        return respond_error(c, 400, "Bad Request", "request bodies are not accepted", "");

    c->http10 = req->minor == 0;
    int is_stats = req->path_len == 6 && memcmp(req->path, "/stats", 6) == 0;
    if (is_stats && c->requests == 0)
        conn_mark_admin(c);
    c->requests++;
    if (!c->is_admin)
        stats_add(&c->w->st->requests, 1);
    if (!req->keep_alive || srv_stopping(s) ||
        (s->cfg.max_requests && c->requests >= s->cfg.max_requests))
        c->closing = 1;

    if (is_stats)
        return serve_stats(c, head_only, c->closing);
    if (req->path_len == 6 && memcmp(req->path, "/hello", 6) == 0)
        return serve_hello(c, req, head_only, c->closing);
    static const char nf[] = "not found\n";
    return respond(c, 404, "Not Found", "text/plain", "", nf, sizeof nf - 1, head_only,
                   c->closing);
}

static int http_on_input(struct conn *c)
{
    while (!c->closing && c->in_len > 0) {
        struct http_request req;
        int hl = http_parse_request(c->in, c->in_len, &req);
        if (hl == 0)
            return 0;
        if (hl < 0) {
            /* A bad head is still a request answered; the connection then closes
             * because nothing after it can be framed reliably. */
            c->requests++;
            if (!c->is_admin)
                stats_add(&c->w->st->requests, 1);
            if (hl == HTTP_ERR_TOO_LARGE)
                respond_error(c, 431, "Request Header Fields Too Large",
                              "request head over 8192 bytes", "");
            else if (hl == HTTP_ERR_VERSION)
                respond_error(c, 505, "HTTP Version Not Supported",
                              "only HTTP/1.0 and HTTP/1.1 are served", "");
            else
                respond_error(c, 400, "Bad Request", "malformed request head", "");
            return -1;
        }
        if (serve(c, &req) < 0)
            return -1;
        conn_consume(c, (size_t)hl);
    }
    return c->closing ? -1 : 0;
}

static int http_on_eof(struct conn *c)
{
    (void)c;
    return -1;
}

const struct proto proto_http = {
    .v = {.name = "http", .summary = "GET /hello?name=X and GET /stats (docs/protocol.md)",
          .compared = 1},
    .on_input = http_on_input,
    .on_eof = http_on_eof,
};
