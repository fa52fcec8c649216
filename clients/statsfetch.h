/* statsfetch: one blocking GET /stats over its own TCP connection, from the main
 * thread while the load is paused, so it never competes with the measured traffic. */
#ifndef ACCEPTBENCH_LOAD_STATSFETCH_H
#define ACCEPTBENCH_LOAD_STATSFETCH_H

#include <stddef.h>

#include "net.h"
#include "srvstats.h"

#define STATSFETCH_MAX_BODY (1u << 20)

enum {
    STATSFETCH_OK = 0,
    STATSFETCH_ERR_CONNECT = -1,   /* could not connect (message names the call) */
    STATSFETCH_ERR_REFUSED = -2,   /* connect refused: nothing listens there */
    STATSFETCH_ERR_REPLY = -3,     /* connected, but no complete reply (timeout, close, ...) */
    STATSFETCH_ERR_NOT_STATS = -4, /* a complete reply that is not a stats table (404, a
                                    * page): a server without /stats, whose log now holds
                                    * that GET */
};

/* GET http://addr/stats within timeout_ms and parse the table into *out (the caller
 * frees it with srvstats_free). Returns STATSFETCH_OK, or an error above with a
 * message in err. */
int statsfetch_get(const struct net_addr *addr, int timeout_ms, struct srvstats *out,
                   char *err, size_t errlen);

#endif
