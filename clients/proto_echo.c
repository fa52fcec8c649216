/* proto_echo: the client side of the echo protocol (the second classic experiment).
 * A request is the --payload bytes; its reply is the same number of bytes, upper-cased
 * (a..z only, as the server's toupper in the C locale), checked byte for byte. The
 * client closes the connection after the last reply; the server never does. */
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"

static int echo_init(struct proto_req *req, const struct proto_opts *o, char *err,
                     size_t errlen)
{
    if (!o->payload || o->payload_len == 0) {
        snprintf(err, errlen, "echo needs a payload of at least one byte (--payload)");
        return -1;
    }
    /* The request and the expected reply in one allocation, built once: every
     * connection of every thread sends and checks these same bytes. */
    char *mem = malloc(2 * o->payload_len);
    if (!mem) {
        snprintf(err, errlen, "malloc: out of memory for a %zu-byte payload", o->payload_len);
        return -1;
    }
    memcpy(mem, o->payload, o->payload_len);
    payload_upper(mem + o->payload_len, o->payload, o->payload_len);
    req->mem = mem;
    req->mid = req->last = mem;
    req->mid_len = req->last_len = o->payload_len;
    req->expect = mem + o->payload_len;
    req->expect_len = o->payload_len;
    return 0;
}

static void echo_free(struct proto_req *req)
{
    free(req->mem);
    memset(req, 0, sizeof *req);
}

static void echo_reply_start(struct proto_state *st, const struct proto_req *req)
{
    st->phase = 0;
    st->remaining = req->expect_len;
    st->worker = -1;               /* echo names no worker: counts come from /stats */
    st->server_closes = 0;
    st->expect = req->expect;
    st->expect_len = req->expect_len;
}

/* Match the next bytes against the part of the expected reply not yet seen. Bytes
 * beyond the reply are left unused; conn.c reports them as malformed. */
static int echo_consume(struct proto_state *st, const char *buf, size_t len, size_t *used)
{
    size_t take = len < st->remaining ? len : (size_t)st->remaining;
    size_t off = st->expect_len - (size_t)st->remaining;
    if (memcmp(buf, st->expect + off, take) != 0) {
        *used = len;
        return PROTO_ERR_MALFORMED;
    }
    st->remaining -= take;
    *used = take;
    return st->remaining == 0 ? PROTO_DONE : PROTO_MORE;
}

static int echo_eof(struct proto_state *st)
{
    (void)st;
    return PROTO_ERR_SHORT;        /* the server closed in the middle of a reply */
}

const struct proto proto_echo = {
    .name = "echo",
    .takes_payload = 1,
    .init = echo_init,
    .free = echo_free,
    .reply_start = echo_reply_start,
    .consume = echo_consume,
    .eof = echo_eof,
};
