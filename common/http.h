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

/* A body in the chunked transfer coding (RFC 9112 section 7.1), read
 * incrementally without copying: chunk data, extensions and trailer fields are
 * skipped, only the framing is checked. Lenient where framing does not depend
 * on it: lines may end in a bare LF (as heads may), whitespace may follow the
 * size without a ';', and extensions and trailer fields are not parsed, only
 * kept free of control bytes and bounded in length. A CR must be followed by LF. */
struct http_chunked {
    int state;
    unsigned line_len;   /* bytes of the current size or trailer line so far */
    unsigned long long size;  /* the chunk size being read, then its bytes still to skip */
};
#define HTTP_CHUNK_LINE_MAX 4096  /* longest chunk-size line or trailer field, CR/LF apart */

void http_chunked_start(struct http_chunked *c);
/* Read the next len bytes of the body. Returns how many were part of it (all of
 * them, or fewer when the body ended inside buf, *done then set), or
 * HTTP_ERR_BAD when the framing is malformed. */
long http_chunked_feed(struct http_chunked *c, const char *buf, size_t len, int *done);

/* Find query parameter `key` in a query string; on success point *val at its raw
 * (still percent-encoded) value and return 1, else 0. */
int http_query_param(const char *query, size_t query_len, const char *key,
                     const char **val, size_t *val_len);
/* Percent-decode (and '+' to space) into dst, NUL-terminated; returns bytes
 * written, or -1 on a malformed escape or when the result needs more than
 * dstlen-1 bytes (dst is then not a string). */
long http_url_decode(const char *src, size_t len, char *dst, size_t dstlen);

#endif
