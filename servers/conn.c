#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

void conn_reset(struct conn *c, struct worker *w, int fd)
{
    c->fd = fd;
    c->w = w;
    c->in_len = 0;
    c->out_len = c->out_off = 0;
    c->bytes_in = 0;
    c->requests = 0;
    c->closing = 0;
    c->is_admin = 0;
    c->counted_local = srv_counted_local(w, fd);
    c->http10 = 0;
}

void conn_release(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

void conn_free(struct conn *c)
{
    free(c->out);
    c->out = NULL;
    c->out_cap = 0;
}

long conn_read(struct conn *c)
{
    ssize_t n;
    do
        n = read(c->fd, c->in + c->in_len, CONN_IN_CAP - c->in_len);
    while (n < 0 && errno == EINTR && !srv_stopping(c->w->srv));
    if (n < 0)
        return -errno;
    conn_account_read(c, (size_t)n);
    return n;
}

void conn_account_read(struct conn *c, size_t n)
{
    c->in_len += n;
    c->bytes_in += (uint64_t)n;
    if (!c->is_admin)
        stats_add(&c->w->st->bytes_in, (uint64_t)n);
}

void conn_account_write(struct conn *c, size_t n)
{
    c->out_off += n;
    if (!c->is_admin)
        stats_add(&c->w->st->bytes_out, (uint64_t)n);
    if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
}

int conn_flush(struct conn *c)
{
    while (c->out_off < c->out_len) {
        /* send(MSG_NOSIGNAL): a peer that reset mid-reply must cost an error
         * return, not a SIGPIPE. */
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR && !srv_stopping(c->w->srv))
                continue;
            return -errno;
        }
        conn_account_write(c, (size_t)n);
    }
    return 0;
}

int conn_reply(struct conn *c, const char *data, size_t len)
{
    if (c->out_len + len > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 512;
        while (cap < c->out_len + len)
            cap *= 2;
        char *p = realloc(c->out, cap);
        if (!p)
            return -1;
        c->out = p;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
    return 0;
}

void conn_consume(struct conn *c, size_t n)
{
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
}

void conn_mark_admin(struct conn *c)
{
    struct worker_stats *st = c->w->st;
    if (c->is_admin)
        return;
    c->is_admin = 1;
    /* Only the owning worker writes these counters, so a read-modify-write of
     * its own values is race-free. */
    stats_add(&st->accepted, (uint64_t)-1);
    if (c->counted_local)
        stats_add(&st->accepted_local, (uint64_t)-1);
    stats_add(&st->bytes_in, (uint64_t)0 - c->bytes_in);
}
