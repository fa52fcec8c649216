/* echo: every byte read is written back upper-cased, until the client closes
 * (the second classic experiment's server). No framing: a "request" is whatever
 * one read returned, so only bytes are counted. */
#include <ctype.h>

#include "conn.h"
#include "server.h"

static int echo_on_input(struct conn *c)
{
    for (size_t i = 0; i < c->in_len; i++)
        c->in[i] = (char)toupper((unsigned char)c->in[i]);
    int rc = conn_reply(c, c->in, c->in_len);
    conn_consume(c, c->in_len);
    return rc;
}

static int echo_on_eof(struct conn *c)
{
    (void)c;
    return -1;
}

const struct proto proto_echo = {
    .v = {.name = "echo",
          .summary = "write back every byte upper-cased until the client closes"},
    .on_input = echo_on_input,
    .on_eof = echo_on_eof,
};
