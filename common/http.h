/* http: incremental parsers for the HTTP/1.x heads acceptbench exchanges. They read
 * a buffer that may hold a partial head and never copy: results point into it. */
#ifndef ACCEPTBENCH_HTTP_H
#define ACCEPTBENCH_HTTP_H

#include <stddef.h>

#define HTTP_MAX_HEAD 8192   /* request or response head, request line included */

enum http_status {            /* negative returns of the parsers */
    HTTP_ERR_BAD = -400,      /* malformed */
    HTTP_ERR_TOO_LARGE = -431,/* no end of head within HTTP_MAX_HEAD bytes */
    HTTP_ERR_VERSION = -505,  /* not HTTP/1.0 or HTTP/1.1 */
};

struct http_request {
    const char *method;  size_t method_len;
    const char *path;    size_t path_len;    /* target up to '?' */
    const char *query;   size_t query_len;   /* after '?', may be empty */
    int minor;                               /* 0 or 1 */
    int keep_alive;                          /* after Connection and version rules */
    long content_length;                     /* -1 when absent */
    int chunked;                             /* Transfer-Encoding: chunked */
};

struct http_response {
    int status;
    int minor;
    int keep_alive;
    long content_length;                     /* -1 when absent */
    int chunked;
    const char *worker;  size_t worker_len;  /* X-Worker value; NULL when absent */
};

/* Return the head's length (through the blank line) once complete, 0 when more
 * bytes are needed, or a negative enum http_status. */
int http_parse_request(const char *buf, size_t len, struct http_request *req);
int http_parse_response(const char *buf, size_t len, struct http_response *resp);

/* Find query parameter `key` in a query string; on success point *val at its raw
 * (still percent-encoded) value and return 1, else 0. */
int http_query_param(const char *query, size_t query_len, const char *key,
                     const char **val, size_t *val_len);
/* Percent-decode (and '+' to space) into dst, NUL-terminated; returns bytes
 * written, or -1 on a malformed escape or when the result needs more than
 * dstlen-1 bytes (dst is then not a string). */
long http_url_decode(const char *src, size_t len, char *dst, size_t dstlen);

#endif
