/* greeter: the first classic experiment's server. The client sends a name and
 * shuts down its write side; at EOF the server records "Hello, <name>" (in the
 * worker's log file with --log-dir) and closes without replying. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "server.h"

#define GREETER_NAME_MAX 256

static int greeter_on_input(struct conn *c)
{
    /* Keep reading until EOF; a name longer than the bound is not a greeting. */
    return c->in_len > GREETER_NAME_MAX ? -1 : 0;
}

static int greeter_on_eof(struct conn *c)
{
    struct worker *w = c->w;
    size_t n = c->in_len;
    while (n > 0 && (c->in[n - 1] == '\n' || c->in[n - 1] == '\r'))
        n--;
    stats_add(&w->st->requests, 1);
    if (w->log_fd >= 0) {
        char line[GREETER_NAME_MAX + 16];
        memcpy(line, "Hello, ", 7);
        memcpy(line + 7, c->in, n);
        line[7 + n] = '\n';
        /* One write() per line on an O_APPEND file: whole lines, even if the
         * process dies, so `wc -l` counts exactly the greetings recorded. */
        ssize_t rc;
        do
            rc = write(w->log_fd, line, n + 8);
        while (rc < 0 && errno == EINTR);
    }
    conn_consume(c, c->in_len);
    return -1;
}

const struct proto proto_greeter = {
    .v = {.name = "greeter",
          .summary = "read a name until EOF, record \"Hello, <name>\", close without reply",
          .caps = SRV_CAP_LOGS},
    .on_input = greeter_on_input,
    .on_eof = greeter_on_eof,
};
