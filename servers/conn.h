/* conn: one client connection, the same object whatever strategy delivered it and
 * whatever io backend waits on it. The io backend moves bytes (conn_read,
 * conn_flush); the protocol turns input into output (proto->on_input). */
#ifndef ACCEPTBENCH_CONN_H
#define ACCEPTBENCH_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

struct worker;

#define CONN_IN_CAP HTTP_MAX_HEAD

struct conn {
    int fd;
    struct worker *w;
    size_t in_len;
    char *out;                 /* pending reply bytes [out_off, out_len) */
    size_t out_len, out_off, out_cap;
    uint64_t bytes_in;         /* on this connection, for un-counting /stats */
    unsigned requests;
    int closing;               /* close once out is flushed */
    int is_admin;              /* carried /stats: not load */
    int counted_local;         /* counted in accepted_local (srv_counted_local) */
    int http10;                /* the last request was HTTP/1.0 */
    uint64_t idle_deadline_ms; /* used by pollable io backends */
    struct conn *prev, *next;  /* its place in a connlist */
    char in[CONN_IN_CAP];
};

void conn_reset(struct conn *c, struct worker *w, int fd);
void conn_release(struct conn *c);                   /* close fd, keep buffers */
void conn_free(struct conn *c);                      /* free buffers */
/* read() into the free part of c->in. n > 0 bytes, 0 at EOF, or -errno. */
long conn_read(struct conn *c);
/* write() pending output. 0 when all written, -EAGAIN, or -errno. */
int conn_flush(struct conn *c);
/* For io backends that move the bytes themselves (io_uring): count n bytes just
 * received into the free part of c->in, or n bytes of c->out just sent (the
 * buffer is reset once everything is sent), as conn_read and conn_flush do. */
void conn_account_read(struct conn *c, size_t n);
void conn_account_write(struct conn *c, size_t n);
static inline int conn_has_output(const struct conn *c) { return c->out_off < c->out_len; }
/* Queue reply bytes; returns 0 or -1 when out of memory (the caller closes). */
int conn_reply(struct conn *c, const char *data, size_t len);
/* Drop n consumed bytes from the front of c->in. */
void conn_consume(struct conn *c, size_t n);
/* Reclassify the connection as an admin (/stats) one: take it out of the load
 * counters so the measurement does not count its own observer. */
void conn_mark_admin(struct conn *c);

#endif
