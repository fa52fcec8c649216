/* proto_greeter: the client side of the greeter protocol (the first classic
 * experiment). A connection sends one name (--payload, "Alice" by default) and shuts
 * down its write side; the server reads until EOF, records the greeting and closes
 * without a byte of reply. Success is that close; any byte received is malformed. It
 * needs nothing from the server but the close, so it drives the original program. */
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int greeter_init(struct proto_req *req, const struct proto_opts *o, char *err,
                        size_t errlen)
{
    if (!o->payload || o->payload_len == 0) {
        snprintf(err, errlen, "greeter needs a name of at least one byte (--payload)");
        return -1;
    }
    char *mem = malloc(o->payload_len);
    if (!mem) {
        snprintf(err, errlen, "malloc: out of memory for a %zu-byte name", o->payload_len);
        return -1;
    }
    memcpy(mem, o->payload, o->payload_len);
    memset(req, 0, sizeof *req);
    req->mem = mem;
    req->mid = req->last = mem;
    req->mid_len = req->last_len = o->payload_len;
    return 0;
}

static void greeter_free(struct proto_req *req)
{
    free(req->mem);
    memset(req, 0, sizeof *req);
}

static void greeter_reply_start(struct proto_state *st, const struct proto_req *req)
{
    (void)req;
    st->phase = 0;
    st->remaining = 0;
    st->worker = -1;
    st->server_closes = 1;
    st->expect = NULL;
    st->expect_len = 0;
}

static int greeter_consume(struct proto_state *st, const char *buf, size_t len, size_t *used)
{
    (void)st;
    (void)buf;
    *used = len;
    return PROTO_ERR_MALFORMED;    /* the greeter never replies */
}

static int greeter_eof(struct proto_state *st)
{
    (void)st;
    return PROTO_DONE;             /* the server's close is the whole reply */
}

const struct proto proto_greeter = {
    .name = "greeter",
    .half_close_after_send = 1,
    .takes_payload = 1,
    .name_max = 256,               /* the server's GREETER_NAME_MAX */
    .max_requests_per_conn = 1,
    .init = greeter_init,
    .free = greeter_free,
    .reply_start = greeter_reply_start,
    .consume = greeter_consume,
    .eof = greeter_eof,
};
