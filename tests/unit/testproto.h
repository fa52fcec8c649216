/* testproto: feeding a client protocol's reply reader the way the connection
 * state machine does, for the proto_* suites. */
#ifndef ACCEPTBENCH_TESTPROTO_H
#define ACCEPTBENCH_TESTPROTO_H

#include <stddef.h>

#include "proto.h"

/* Feed reply[0..len) to p in pieces of `step` bytes, presenting again what it did
 * not use. Returns its first answer other than PROTO_MORE, or p->eof at the end;
 * -100 when it finished with bytes beyond its reply. */
int testproto_feed(const struct proto *p, const struct proto_req *req, const char *reply,
                   size_t len, size_t step, struct proto_state *st);

#endif
