/* conn: the client connection state machine. */
#include "conn.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define CHUNK_CONNS 64
#define SPILL_MIN 4096

struct conn {
    uv_tcp_t tcp;                 /* tcp.data points back here */
    uv_connect_t creq;
    uv_write_t wreq;
    uv_shutdown_t sreq;           /* half_close_after_send protocols */
    struct loop_thread *t;
    struct conn *prev, *next;     /* active list, or free list (next only) */
    uint64_t deadline_ns;
    uint64_t t_sched, t_start, t_connect, t_first;
    uint64_t reqs_done;
    int got_first;
    struct proto_state ps;
    char *spill;                  /* an incomplete reply, kept across reads */
    size_t spill_len, spill_cap;
};

struct conn_chunk {
    struct conn_chunk *next;
    struct conn c[CHUNK_CONNS];
};

/* ---- slot pool and active list ---- */

static struct conn *pool_get(struct loop_thread *t)
{
    if (!t->free_list) {
        struct conn_chunk *ch = calloc(1, sizeof *ch);
        if (!ch)
            return NULL;
        ch->next = t->chunks;
        t->chunks = ch;
        for (int i = CHUNK_CONNS - 1; i >= 0; i--) {
            ch->c[i].next = t->free_list;
            t->free_list = &ch->c[i];
        }
    }
    struct conn *c = t->free_list;
    t->free_list = c->next;
    return c;
}

static void pool_put(struct loop_thread *t, struct conn *c)
{
    c->next = t->free_list;
    t->free_list = c;
}

/* Deadlines are now + one fixed timeout, so appending keeps the list sorted and the
 * sweep only ever looks at the head: O(1) per operation, no timer per connection. */
static void active_append(struct loop_thread *t, struct conn *c, uint64_t deadline)
{
    c->deadline_ns = deadline;
    c->next = NULL;
    c->prev = t->act_tail;
    if (t->act_tail)
        t->act_tail->next = c;
    else
        t->act_head = c;
    t->act_tail = c;
}

static void active_remove(struct loop_thread *t, struct conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        t->act_head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        t->act_tail = c->prev;
    c->prev = c->next = NULL;
}

/* ---- accounting ---- */

static int classify(int uverr)
{
    switch (uverr) {
    case UV_ECONNREFUSED:
        return TALLY_ERR_REFUSED;
    case UV_ECONNRESET:
    case UV_EPIPE:
    case UV_ECONNABORTED:
        return TALLY_ERR_RESET;
    case UV_ETIMEDOUT:
        return TALLY_ERR_TIMEOUT;
    case UV_EADDRNOTAVAIL:
    case UV_EADDRINUSE:           /* bind/connect found no free port either way */
        return TALLY_ERR_ADDRNOTAVAIL;
    default:
        return TALLY_ERR_OTHER;
    }
}

static void count_error(struct loop_thread *t, int cls)
{
    if (!t->counting)
        return;
    t->tally.errors[cls]++;
    t->iv_errors++;
}

static void on_close(uv_handle_t *h)
{
    struct conn *c = h->data;
    struct loop_thread *t = c->t;
    pool_put(t, c);
    t->closing--;
    loop_conn_closed(t);
}

/* The connection is over: stop its clock, close the handle, let the driver refill. */
static void conn_end(struct conn *c)
{
    struct loop_thread *t = c->t;
    active_remove(t, c);
    c->spill_len = 0;
    t->inflight--;
    t->closing++;
    uv_close((uv_handle_t *)&c->tcp, on_close);
    loop_conn_done(t);
}

static void conn_fail(struct conn *c, int cls)
{
    count_error(c->t, cls);
    conn_end(c);
}

static void conn_complete(struct conn *c, uint64_t now)
{
    struct loop_thread *t = c->t;
    if (t->counting) {
        struct tally *y = &t->tally;
        uint64_t total_us = (now - c->t_sched) / 1000;
        y->completed++;
        y->requests += c->reqs_done;
        hist_record(&y->connect, (c->t_connect - c->t_start) / 1000);
        hist_record(&y->first_byte, (c->t_first - c->t_sched) / 1000);
        hist_record(&y->total, total_us);
        tally_worker(y, c->ps.worker);
        hist_record(&t->iv_hist, total_us);
        t->iv_completed++;
    }
    conn_end(c);
}

/* ---- the exchange ---- */

static void on_write(uv_write_t *req, int status)
{
    struct conn *c = req->data;
    if (status < 0 && status != UV_ECANCELED)
        conn_fail(c, classify(status));
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    struct conn *c = req->data;
    if (status < 0 && status != UV_ECANCELED)
        conn_fail(c, classify(status));
}

/* After the last request of a half-closing protocol: shut down the write side once
 * the request is out (libuv waits for queued writes). Returns 0, or -1 when the
 * connection has been failed. */
static int half_close(struct conn *c, int last)
{
    if (!last || !c->t->cfg->proto->half_close_after_send)
        return 0;
    c->sreq.data = c;
    int r = uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_shutdown);
    if (r == 0)
        return 0;
    conn_fail(c, classify(r));
    return -1;
}

/* Send the next request. Returns 0, or -1 when the connection has been failed. */
static int send_request(struct conn *c, uint64_t now)
{
    struct loop_thread *t = c->t;
    int last = c->reqs_done + 1 >= t->cfg->requests_per_conn;
    const char *p = last ? t->req->last : t->req->mid;
    size_t len = last ? t->req->last_len : t->req->mid_len;
    t->cfg->proto->reply_start(&c->ps, t->req);
    active_remove(t, c);
    active_append(t, c, now + t->timeout_ns);
    if (t->counting)
        t->tally.bytes_out += len;

    /* A request is far smaller than the socket buffer, so a direct write almost always
     * takes it whole and no write request is queued at all. */
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)len);
    int r = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (r == (int)len)
        return half_close(c, last);
    if (r >= 0 || r == UV_EAGAIN) {
        size_t off = r > 0 ? (size_t)r : 0;
        b = uv_buf_init((char *)p + off, (unsigned)(len - off));
        c->wreq.data = c;
        r = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_write);
        if (r == 0)
            return half_close(c, last);
    }
    conn_fail(c, classify(r));
    return -1;
}

static int spill_reserve(struct conn *c, size_t need)
{
    if (c->spill_cap - c->spill_len >= need)
        return 0;
    size_t cap = c->spill_cap ? c->spill_cap : SPILL_MIN;
    while (cap - c->spill_len < need)
        cap *= 2;
    char *s = realloc(c->spill, cap);
    if (!s)
        return -1;
    c->spill = s;
    c->spill_cap = cap;
    return 0;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct conn *c = h->data;
    (void)suggested;
    if (c->spill_len == 0) {
        *buf = uv_buf_init(c->t->rbuf, sizeof c->t->rbuf);
        return;
    }
    /* The reply so far is incomplete: read straight behind it. */
    if (spill_reserve(c, SPILL_MIN) < 0) {
        *buf = uv_buf_init(NULL, 0);   /* libuv reports UV_ENOBUFS to on_read */
        return;
    }
    *buf = uv_buf_init(c->spill + c->spill_len, (unsigned)(c->spill_cap - c->spill_len));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    struct loop_thread *t = c->t;
    const struct proto *proto = t->cfg->proto;
    if (nread == 0)
        return;
    if (nread < 0) {
        if (nread == UV_EOF && proto->eof(&c->ps) == PROTO_DONE) {
            uint64_t now = uv_hrtime();
            if (!c->got_first) {          /* a reply that is only a close (greeter) */
                c->got_first = 1;
                c->t_first = now;
            }
            c->reqs_done++;
            conn_complete(c, now);
        } else {
            conn_fail(c, nread == UV_EOF ? TALLY_ERR_SHORT : classify((int)nread));
        }
        return;
    }
    uint64_t now = uv_hrtime();
    if (!c->got_first) {
        c->got_first = 1;
        c->t_first = now;
    }
    if (t->counting)
        t->tally.bytes_in += (uint64_t)nread;

    const char *data = buf->base;
    size_t len = (size_t)nread;
    if (buf->base != t->rbuf) {
        data = c->spill;
        len += c->spill_len;
    }
    size_t used = 0;
    int rc = proto->consume(&c->ps, data, len, &used);
    if (rc == PROTO_MORE) {
        size_t left = len - used;
        if (data == c->spill) {
            memmove(c->spill, c->spill + used, left);
        } else if (left > 0) {
            if (spill_reserve(c, left) < 0) {
                conn_fail(c, TALLY_ERR_OTHER);
                return;
            }
            memcpy(c->spill, data + used, left);
        }
        c->spill_len = left;
        return;
    }
    c->spill_len = 0;
    if (rc != PROTO_DONE) {
        conn_fail(c, rc == PROTO_ERR_STATUS ? TALLY_ERR_STATUS
                     : rc == PROTO_ERR_SHORT ? TALLY_ERR_SHORT : TALLY_ERR_MALFORMED);
        return;
    }
    if (used < len) {
        /* Bytes beyond the one reply that was asked for. */
        conn_fail(c, TALLY_ERR_MALFORMED);
        return;
    }
    c->reqs_done++;
    if (c->reqs_done >= t->cfg->requests_per_conn || c->ps.server_closes)
        conn_complete(c, now);
    else
        send_request(c, now);
}

static void on_connect(uv_connect_t *req, int status)
{
    struct conn *c = req->data;
    if (status == UV_ECANCELED)
        return;                    /* closed by us (timeout or teardown) */
    if (status < 0) {
        conn_fail(c, classify(status));
        return;
    }
    c->t_connect = uv_hrtime();
    send_request(c, c->t_connect);
}

/* Open the handle; with --source-ips bind it first. IP_BIND_ADDRESS_NO_PORT defers
 * the port choice to connect(), where the kernel picks it for the whole 4-tuple, so
 * every source address gets its own full port range. *opened says whether the handle
 * was initialized (and so must be closed) even when a later step failed. */
static int open_handle(struct loop_thread *t, struct conn *c, int *opened)
{
    const struct config *cfg = t->cfg;
    *opened = 0;
    if (cfg->n_source_ips == 0) {
        int r = uv_tcp_init(&t->loop, &c->tcp);
        *opened = r == 0;
        return r;
    }
    const struct net_addr *src = &cfg->source_ips[t->src_next];
    t->src_next = (t->src_next + 1) % (unsigned)cfg->n_source_ips;
    int r = uv_tcp_init_ex(&t->loop, &c->tcp, src->ss.ss_family);
    if (r < 0)
        return r;
    *opened = 1;
    uv_os_fd_t fd;
    int one = 1;
    if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
        (void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    return uv_tcp_bind(&c->tcp, (const struct sockaddr *)&src->ss, 0);
}

int conn_start(struct loop_thread *t, uint64_t sched_ns)
{
    struct conn *c = pool_get(t);
    if (!c) {
        count_error(t, TALLY_ERR_OTHER);
        return UV_ENOMEM;
    }
    c->t = t;
    c->t_start = uv_hrtime();
    c->t_sched = sched_ns ? sched_ns : c->t_start;
    c->reqs_done = 0;
    c->got_first = 0;
    c->spill_len = 0;
    c->ps.worker = -1;
    int opened;
    int r = open_handle(t, c, &opened);
    c->tcp.data = c;
    if (r == 0) {
        c->creq.data = c;
        r = uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&t->cfg->target.ss,
                           on_connect);
    }
    /* Reading starts with the connect, so libuv registers the socket for POLLIN and
     * POLLOUT in one epoll_ctl; starting it in on_connect would cost a failed ADD and
     * a MOD per connection. Nothing arrives before the request is sent. */
    if (r == 0)
        r = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (r < 0) {
        count_error(t, classify(r));
        if (opened) {
            t->closing++;
            uv_close((uv_handle_t *)&c->tcp, on_close);
        } else {
            pool_put(t, c);
        }
        return r;
    }
    t->inflight++;
    active_append(t, c, c->t_start + t->timeout_ns);
    return 0;
}

void conn_sweep(struct loop_thread *t, uint64_t now_ns)
{
    while (t->act_head && t->act_head->deadline_ns <= now_ns)
        conn_fail(t->act_head, TALLY_ERR_TIMEOUT);
}

void conn_abort_all(struct loop_thread *t)
{
    while (t->act_head) {
        struct conn *c = t->act_head;
        active_remove(t, c);
        t->inflight--;
        t->closing++;
        uv_close((uv_handle_t *)&c->tcp, on_close);
    }
}

void conn_pool_free(struct loop_thread *t)
{
    while (t->chunks) {
        struct conn_chunk *ch = t->chunks;
        t->chunks = ch->next;
        for (int i = 0; i < CHUNK_CONNS; i++)
            free(ch->c[i].spill);
        free(ch);
    }
    t->free_list = NULL;
}
