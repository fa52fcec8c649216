/* statsfetch: one blocking GET /stats over its own TCP connection, from the main
 * thread while the load is paused, so it never competes with the measured traffic. */
#ifndef ACCEPTBENCH_LOAD_STATSFETCH_H
#define ACCEPTBENCH_LOAD_STATSFETCH_H

#include <stddef.h>

#include "net.h"

#define STATSFETCH_MAX_BODY (1u << 20)

enum {
    STATSFETCH_OK = 0,
    STATSFETCH_ERR_CONNECT = -1,   /* could not connect (message names the call) */
    STATSFETCH_ERR_REFUSED = -2,   /* connect refused: nothing listens there */
    STATSFETCH_ERR_REPLY = -3,     /* connected, but no usable /stats reply (non-200, ...) */
};

/* Fetch http://addr/stats within timeout_ms. On success *body (malloc'd, NUL-terminated,
 * the caller frees it) holds the CSV body and *len its length. */
int statsfetch_get(const struct net_addr *addr, int timeout_ms, char **body, size_t *len,
                   char *err, size_t errlen);

#endif
