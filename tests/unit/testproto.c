#include "testproto.h"

#include <check.h>
#include <string.h>

int testproto_feed(const struct proto *p, const struct proto_req *req, const char *reply,
                   size_t len, size_t step, struct proto_state *st)
{
    char buf[4096];
    size_t have = 0, pos = 0;
    p->reply_start(st, req);
    while (pos < len) {
        size_t n = len - pos < step ? len - pos : step;
        memcpy(buf + have, reply + pos, n);
        have += n;
        pos += n;
        size_t used = 0;
        int rc = p->consume(st, buf, have, &used);
        ck_assert_uint_le(used, have);
        if (rc != PROTO_MORE)
            return used == have ? rc : -100;
        memmove(buf, buf + used, have - used);
        have -= used;
    }
    return p->eof(st);
}
