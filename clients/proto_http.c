/* proto_http: the client side of the HTTP/1.1 subset in docs/protocol.md. One GET per
 * request; a reply is a head (parsed by common/http.c) and a body that is counted and
 * discarded, delimited by Content-Length, the chunked coding (servers other than
 * acceptbench's) or, failing both, by the server's close. */
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

enum { PH_HEAD, PH_BODY, PH_CHUNKED, PH_BODY_TO_EOF };

static int http_init(struct proto_req *req, const struct proto_opts *o, char *err,
                     size_t errlen)
{
    /* Both variants live in one allocation, built once: every connection of every
     * thread sends these same bytes, so nothing is formatted on the hot path. */
    static const char fmt[] = "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n";
    const char *close_hdr = "Connection: close\r\n";
    int mid = snprintf(NULL, 0, fmt, o->path, o->host, "");
    int last = snprintf(NULL, 0, fmt, o->path, o->host, close_hdr);
    if (mid < 0 || last < 0 || (size_t)last > HTTP_MAX_HEAD) {
        snprintf(err, errlen, "request head over %d bytes; shorten --path", HTTP_MAX_HEAD);
        return -1;
    }
    char *mem = malloc((size_t)mid + (size_t)last + 2);
    if (!mem) {
        snprintf(err, errlen, "malloc: out of memory");
        return -1;
    }
    snprintf(mem, (size_t)mid + 1, fmt, o->path, o->host, "");
    snprintf(mem + mid + 1, (size_t)last + 1, fmt, o->path, o->host, close_hdr);
    req->mem = mem;
    req->mid = mem;
    req->mid_len = (size_t)mid;
    req->last = mem + mid + 1;
    req->last_len = (size_t)last;
    return 0;
}

static void http_free(struct proto_req *req)
{
    free(req->mem);
    memset(req, 0, sizeof *req);
}

static void http_reply_start(struct proto_state *st, const struct proto_req *req)
{
    (void)req;
    st->phase = PH_HEAD;
    st->remaining = 0;
    st->worker = -1;
    st->server_closes = 0;
}

/* X-Worker carries a 0-based decimal index; anything else is remembered as
 * unreadable rather than failing the reply, since the header is informational. */
static int parse_worker(const char *s, size_t len)
{
    if (!s)
        return -1;
    if (len == 0 || len > 6)
        return -2;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -2;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int http_consume(struct proto_state *st, const char *buf, size_t len, size_t *used)
{
    size_t off = 0;
    if (st->phase == PH_HEAD) {
        struct http_response r;
        int hl = http_parse_response(buf, len, &r);
        if (hl == 0) {
            *used = 0;
            return PROTO_MORE;
        }
        if (hl < 0) {
            *used = len;
            return PROTO_ERR_MALFORMED;
        }
        st->worker = parse_worker(r.worker, r.worker_len);
        st->server_closes = !r.keep_alive;
        if (r.status != 200) {
            *used = len;
            return PROTO_ERR_STATUS;
        }
        off = (size_t)hl;
        if (r.chunked) {
            st->phase = PH_CHUNKED;
            http_chunked_start(&st->chunked);
        } else if (r.content_length < 0) {
            st->phase = PH_BODY_TO_EOF;
            st->server_closes = 1;
        } else {
            st->phase = PH_BODY;
            st->remaining = (uint64_t)r.content_length;
        }
    }
    size_t avail = len - off;
    if (st->phase == PH_BODY_TO_EOF) {
        *used = len;
        return PROTO_MORE;
    }
    if (st->phase == PH_CHUNKED) {
        int done;
        long n = http_chunked_feed(&st->chunked, buf + off, avail, &done);
        *used = n < 0 ? len : off + (size_t)n;
        return n < 0 ? PROTO_ERR_MALFORMED : done ? PROTO_DONE : PROTO_MORE;
    }
    size_t take = avail < st->remaining ? avail : (size_t)st->remaining;
    st->remaining -= take;
    *used = off + take;
    return st->remaining == 0 ? PROTO_DONE : PROTO_MORE;
}

static int http_eof(struct proto_state *st)
{
    return st->phase == PH_BODY_TO_EOF ? PROTO_DONE : PROTO_ERR_SHORT;
}

const struct proto proto_http = {
    .name = "http",
    .stats_in_band = 1,
    .init = http_init,
    .free = http_free,
    .reply_start = http_reply_start,
    .consume = http_consume,
    .eof = http_eof,
};
