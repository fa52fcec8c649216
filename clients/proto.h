/* proto: the client side of a wire protocol, behind a table of function pointers so
 * the connection state machine (conn.c) never knows which protocol it speaks. A
 * protocol builds its request bytes once (shared read-only by every thread) and then
 * reads replies incrementally; it does no I/O and keeps no global state. */
#ifndef ACCEPTBENCH_LOAD_PROTO_H
#define ACCEPTBENCH_LOAD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* Returns of proto.consume and proto.eof. */
enum proto_rc {
    PROTO_MORE = 0,            /* the reply is not complete yet */
    PROTO_DONE = 1,            /* one complete, successful reply */
    PROTO_ERR_STATUS = -1,     /* a complete reply that reports failure (HTTP non-200) */
    PROTO_ERR_SHORT = -2,      /* the peer closed before the reply was complete */
    PROTO_ERR_MALFORMED = -3,  /* bytes that do not parse as a reply */
};

/* What the user chose that shapes the request bytes. */
struct proto_opts {
    const char *host;          /* Host header value, "127.0.0.1:8080" */
    const char *path;          /* HTTP request target, "/hello" */
    const char *payload;       /* echo, greeter: the bytes sent (--payload, see payload.h) */
    size_t payload_len;
};

/* The request bytes of a run. `mid` is sent for every request but the last of a
 * connection, `last` for the last one (HTTP: it carries "Connection: close").
 * `expect` is the exact reply every request must get, for protocols that know it in
 * advance (echo); NULL otherwise. */
struct proto_req {
    char *mem;                 /* owned storage behind all three */
    const char *mid;  size_t mid_len;
    const char *last; size_t last_len;
    const char *expect; size_t expect_len;
};

/* Per-reply scratch a protocol keeps inside each connection; reset per reply. */
struct proto_state {
    int phase;
    uint64_t remaining;        /* body bytes still expected */
    int worker;                /* worker id the reply named; -1 none, -2 unreadable */
    int server_closes;         /* the server ends the connection after this reply */
    struct http_chunked chunked;  /* http: a chunked body's framing */
    const char *expect;        /* echo: the reply expected (proto_req.expect) */
    size_t expect_len;
};

struct proto {
    const char *name;
    /* After the last request of a connection the client shuts down its write side
     * (shutdown(SHUT_WR)): the server reads until EOF, as the greeter does. */
    int half_close_after_send;
    /* The protocol sends --payload (echo, greeter); 0: --payload is refused. */
    int takes_payload;
    /* --payload is a name the server writes on one line of its log: at most this many
     * bytes, none of them a control character; 0 = any bytes. */
    size_t name_max;
    /* At most this many requests per connection; 0 = no limit (greeter: 1). */
    uint64_t max_requests_per_conn;
    /* The server answers GET /stats on the load port itself (http); otherwise
     * /stats comes only from the server's --admin listener, given with --stats. */
    int stats_in_band;
    /* Build the request bytes. Returns 0, or -1 with a message in err. */
    int (*init)(struct proto_req *req, const struct proto_opts *o, char *err, size_t errlen);
    void (*free)(struct proto_req *req);
    /* Reset st before the reply to one request of req is read. */
    void (*reply_start)(struct proto_state *st, const struct proto_req *req);
    /* Read reply bytes. *used is how many leading bytes the protocol is done with;
     * the caller presents the rest again, with newer bytes appended, on the next
     * call. Returns an enum proto_rc. */
    int (*consume)(struct proto_state *st, const char *buf, size_t len, size_t *used);
    /* The peer closed the connection while a reply was being read: PROTO_DONE when
     * the protocol allows a reply to end that way, else PROTO_ERR_SHORT. */
    int (*eof)(struct proto_state *st);
};

extern const struct proto proto_http;
extern const struct proto proto_echo;
extern const struct proto proto_greeter;

/* The protocol called `name`, or NULL. */
const struct proto *proto_find(const char *name);
/* The table's names joined by ", " ("http, echo, greeter") into buf, for --help and
 * error messages; with payload_only, only the protocols that send --payload. */
void proto_names(char *buf, size_t len, int payload_only);

#endif
