/* Unit tests for common/http: exact head lengths for complete, split and pipelined
 * heads, the keep-alive rules, body framing fields, strict rejection of malformed
 * heads, the 8192-byte head limit, response parsing, and the query helpers.
 *
 * Every parse runs on a heap copy of exactly the bytes offered, so under
 * AddressSanitizer a read one byte past `len` fails the test. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

/* A heap block holding exactly n bytes of s (no NUL after them). */
static char *dup_exact(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);

    ck_assert_ptr_nonnull(p);
    memcpy(p, s, n);
    return p;
}

/* Parse the first n bytes of s as a request, discarding the result. */
static int req_rc(const char *s, size_t n)
{
    struct http_request r;
    char *copy = dup_exact(s, n);
    int rc = http_parse_request(copy, n, &r);

    free(copy);
    return rc;
}

static int resp_rc(const char *s, size_t n)
{
    struct http_response r;
    char *copy = dup_exact(s, n);
    int rc = http_parse_response(copy, n, &r);

    free(copy);
    return rc;
}

/* A span (pointer, length) must hold exactly `want`. */
#define ck_span_eq(ptr, len, want) do {                                          \
        const char *ck_p_ = (ptr), *ck_w_ = (want);                               \
        size_t ck_n_ = (len);                                                     \
        ck_assert_msg(ck_n_ == strlen(ck_w_), "%s: length %zu, want %zu ('%s')", \
                      #ptr, ck_n_, strlen(ck_w_), ck_w_);                        \
        ck_assert_msg(memcmp(ck_p_, ck_w_, ck_n_) == 0, "%s: '%.*s', want '%s'", \
                      #ptr, (int)ck_n_, ck_p_, ck_w_);                            \
    } while (0)

/* Parse the whole of s as a request into *r; the copy stays alive in *copy. */
static int req_parse(const char *s, char **copy, struct http_request *r)
{
    size_t n = strlen(s);

    *copy = dup_exact(s, n);
    memset(r, 0xA5, sizeof(*r));   /* every field must be written */
    return http_parse_request(*copy, n, r);
}

static int resp_parse(const char *s, char **copy, struct http_response *r)
{
    size_t n = strlen(s);

    *copy = dup_exact(s, n);
    memset(r, 0xA5, sizeof(*r));
    return http_parse_response(*copy, n, r);
}

/* ---- http_parse_request: complete and incremental heads ---- */

START_TEST(request_complete)
{
    static const char s[] = "GET /hello?name=Alice HTTP/1.1\r\nHost: localhost\r\n"
                            "User-Agent: check\r\n\r\n";
    struct http_request r;
    char *buf;

    ck_assert_int_eq(req_parse(s, &buf, &r), (int)strlen(s));
    ck_assert_int_eq((int)strlen(s), 70);
    ck_assert_ptr_eq(r.method, buf);
    ck_span_eq(r.method, r.method_len, "GET");
    ck_assert_ptr_eq(r.path, buf + 4);
    ck_span_eq(r.path, r.path_len, "/hello");
    ck_assert_ptr_eq(r.query, buf + 11);
    ck_span_eq(r.query, r.query_len, "name=Alice");
    ck_assert_int_eq(r.minor, 1);
    ck_assert_int_eq(r.keep_alive, 1);
    ck_assert_int_eq(r.content_length, -1);
    ck_assert_int_eq(r.chunked, 0);
    free(buf);
}
END_TEST

START_TEST(request_minimal_and_bare_lf)
{
    struct http_request r;
    char *buf;

    ck_assert_int_eq(req_parse("GET / HTTP/1.1\r\n\r\n", &buf, &r), 18);
    ck_span_eq(r.path, r.path_len, "/");
    ck_assert_uint_eq(r.query_len, 0);
    free(buf);

    /* Some clients end lines with a bare LF. */
    ck_assert_int_eq(req_parse("GET /x HTTP/1.0\nHost: a\n\n", &buf, &r), 25);
    ck_span_eq(r.path, r.path_len, "/x");
    ck_assert_int_eq(r.minor, 0);
    free(buf);

    /* CRLF lines ended by a bare LF blank line. */
    ck_assert_int_eq(req_parse("HEAD / HTTP/1.1\r\nHost: a\r\n\n", &buf, &r), 27);
    ck_span_eq(r.method, r.method_len, "HEAD");
    free(buf);
}
END_TEST

START_TEST(request_body_bytes_excluded)
{
    static const char s[] = "POST /up HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
    struct http_request r;
    char *buf;

    ck_assert_int_eq(req_parse(s, &buf, &r), (int)strlen(s) - 5);
    ck_span_eq(r.method, r.method_len, "POST");
    ck_assert_int_eq(r.content_length, 5);
    free(buf);
}
END_TEST

/* Offer every prefix of s: 0 until the last byte, then exactly strlen(s). */
static void every_split(const char *s)
{
    size_t n = strlen(s);

    for (size_t k = 0; k < n; k++)
        ck_assert_msg(req_rc(s, k) == 0, "prefix of %zu/%zu bytes gave %d", k, n,
                      req_rc(s, k));
    ck_assert_int_eq(req_rc(s, n), (int)n);
}

START_TEST(request_split_every_byte)
{
    every_split("GET /hello?name=Alice HTTP/1.1\r\nHost: localhost\r\n"
                "Connection: keep-alive\r\n\r\n");
    every_split("GET / HTTP/1.0\n\n");
    every_split("GET /a HTTP/1.1\r\nX-A: 1\r\nX-B:\r\n\r\n");
}
END_TEST

START_TEST(request_split_bad_head)
{
    /* A malformed head is only judged once complete: prefixes are "need more". */
    static const char s[] = "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n";
    size_t n = strlen(s);

    for (size_t k = 0; k < n; k++)
        ck_assert_int_eq(req_rc(s, k), 0);
    ck_assert_int_eq(req_rc(s, n), HTTP_ERR_BAD);
}
END_TEST

/* ---- http_parse_request: keep-alive ---- */

static void keep_alive_is(const char *s, int want)
{
    struct http_request r;
    char *buf;

    ck_assert_msg(req_parse(s, &buf, &r) == (int)strlen(s), "rejected: %s", s);
    ck_assert_msg(r.keep_alive == want, "keep_alive %d, want %d: %s", r.keep_alive, want, s);
    free(buf);
}

START_TEST(keep_alive_http11)
{
    keep_alive_is("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1);
    keep_alive_is("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 0);
    keep_alive_is("GET / HTTP/1.1\r\nconnection: CLOSE\r\n\r\n", 0);
    keep_alive_is("GET / HTTP/1.1\r\nConnection:close\r\n\r\n", 0);
    keep_alive_is("GET / HTTP/1.1\r\nConnection: \tclose \t\r\n\r\n", 0);
    keep_alive_is("GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n", 1);
    /* A token, not a substring. */
    keep_alive_is("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", 1);
    keep_alive_is("GET / HTTP/1.1\r\nConnection: x-close\r\n\r\n", 1);
    keep_alive_is("GET / HTTP/1.1\r\nX-Connection: close\r\n\r\n", 1);
}
END_TEST

START_TEST(keep_alive_http10)
{
    keep_alive_is("GET / HTTP/1.0\r\n\r\n", 0);
    keep_alive_is("GET / HTTP/1.0\r\nHost: a\r\n\r\n", 0);
    keep_alive_is("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1);
    keep_alive_is("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1);
    keep_alive_is("GET / HTTP/1.0\r\nConnection: upgrade\r\n\r\n", 0);
    keep_alive_is("GET / HTTP/1.0\r\nConnection: keep-alives\r\n\r\n", 0);
}
END_TEST

START_TEST(keep_alive_token_lists)
{
    keep_alive_is("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n", 0);
    keep_alive_is("GET / HTTP/1.1\r\nConnection: foo,close\r\n\r\n", 0);
    keep_alive_is("GET / HTTP/1.1\r\nConnection: close, foo\r\n\r\n", 0);
    keep_alive_is("GET / HTTP/1.1\r\nConnection: foo , bar\r\n\r\n", 1);
    keep_alive_is("GET / HTTP/1.1\r\nConnection: ,,\r\n\r\n", 1);
    /* close wins over keep-alive, in one field or across two. */
    keep_alive_is("GET / HTTP/1.1\r\nConnection: keep-alive, close\r\n\r\n", 0);
    keep_alive_is("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", 0);
    keep_alive_is("GET / HTTP/1.1\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", 0);
    keep_alive_is("GET / HTTP/1.0\r\nConnection: foo, keep-alive\r\n\r\n", 1);
    keep_alive_is("GET / HTTP/1.0\r\nConnection: foo\r\nConnection: keep-alive\r\n\r\n", 1);
}
END_TEST

/* ---- http_parse_request: pipelining and targets ---- */

START_TEST(request_pipelined)
{
    static const char s[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                            "GET /b?x=1 HTTP/1.1\r\nConnection: close\r\n\r\n"
                            "GET /c HTTP/1.1\r\n";
    size_t n = strlen(s);
    char *buf = dup_exact(s, n);
    struct http_request r;
    int first, second;

    first = http_parse_request(buf, n, &r);
    ck_assert_int_eq(first, 28);
    ck_span_eq(r.path, r.path_len, "/a");
    ck_assert_int_eq(r.keep_alive, 1);

    second = http_parse_request(buf + first, n - (size_t)first, &r);
    ck_assert_int_eq(second, 42);
    ck_assert_ptr_eq(r.path, buf + first + 4);
    ck_span_eq(r.path, r.path_len, "/b");
    ck_span_eq(r.query, r.query_len, "x=1");
    ck_assert_int_eq(r.keep_alive, 0);

    /* The third head is still incomplete. */
    ck_assert_int_eq(http_parse_request(buf + first + second, n - (size_t)(first + second), &r), 0);
    ck_assert_uint_eq(n - (size_t)(first + second), 17);
    free(buf);
}
END_TEST

static void target_is(const char *s, const char *path, const char *query)
{
    struct http_request r;
    char *buf;

    ck_assert_msg(req_parse(s, &buf, &r) == (int)strlen(s), "rejected: %s", s);
    ck_span_eq(r.path, r.path_len, path);
    ck_span_eq(r.query, r.query_len, query);
    free(buf);
}

START_TEST(request_path_query)
{
    target_is("GET /hello HTTP/1.1\r\n\r\n", "/hello", "");
    target_is("GET /hello? HTTP/1.1\r\n\r\n", "/hello", "");
    target_is("GET /hello?a=1&b=2 HTTP/1.1\r\n\r\n", "/hello", "a=1&b=2");
    target_is("GET /?q HTTP/1.1\r\n\r\n", "/", "q");
    /* Only the first '?' splits. */
    target_is("GET /p?a=?b HTTP/1.1\r\n\r\n", "/p", "a=?b");
    target_is("GET /a/b%20c HTTP/1.1\r\n\r\n", "/a/b%20c", "");
}
END_TEST

START_TEST(request_empty_query_points_into_buffer)
{
    struct http_request r;
    char *buf;

    ck_assert_int_eq(req_parse("GET /x HTTP/1.1\r\n\r\n", &buf, &r), 19);
    ck_assert_uint_eq(r.query_len, 0);
    ck_assert_ptr_eq(r.query, buf + 6);   /* the space before the version */
    free(buf);
}
END_TEST

/* ---- http_parse_request: body framing fields ---- */

START_TEST(request_content_length)
{
    struct http_request r;
    char *buf;

    ck_assert_int_eq(req_parse("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &buf, &r), 38);
    ck_assert_int_eq(r.content_length, 0);
    ck_assert_int_eq(r.chunked, 0);
    free(buf);

    ck_assert_int_eq(req_parse("POST / HTTP/1.1\r\ncontent-length:  1234 \r\n\r\n", &buf, &r), 43);
    ck_assert_int_eq(r.content_length, 1234);
    free(buf);

    /* The same value twice is one length. */
    ck_assert_int_eq(req_parse("POST / HTTP/1.1\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n",
                               &buf, &r), 57);
    ck_assert_int_eq(r.content_length, 7);
    free(buf);
}
END_TEST

START_TEST(request_content_length_bad)
{
    static const char *const bad[] = {
        "POST / HTTP/1.1\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 10\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 5x\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(req_rc(bad[i], strlen(bad[i])) == HTTP_ERR_BAD, "accepted: %s", bad[i]);
}
END_TEST

START_TEST(request_chunked)
{
    struct http_request r;
    char *buf;

    ck_assert_int_eq(req_parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &buf, &r),
                     47);
    ck_assert_int_eq(r.chunked, 1);
    ck_assert_int_eq(r.content_length, -1);
    free(buf);

    ck_assert_int_eq(req_parse("POST / HTTP/1.1\r\ntransfer-encoding: gzip, Chunked\r\n\r\n",
                               &buf, &r), 53);
    ck_assert_int_eq(r.chunked, 1);
    free(buf);

    /* A coding we cannot frame is malformed. */
    ck_assert_int_eq(req_rc("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 44), HTTP_ERR_BAD);
    ck_assert_int_eq(req_rc("POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", 39), HTTP_ERR_BAD);
    /* chunked, but not as the final coding: the body's end is not chunked's;
     * and chunked twice. */
    ck_assert_int_eq(req_rc("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 53),
                     HTTP_ERR_BAD);
    ck_assert_int_eq(req_rc("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                            "Transfer-Encoding: gzip\r\n\r\n", 72), HTTP_ERR_BAD);
    ck_assert_int_eq(req_rc("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 56),
                     HTTP_ERR_BAD);
    /* Codings over two lines, and an empty list element, are fine. */
    ck_assert_int_eq(req_parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n"
                               "Transfer-Encoding: chunked,\r\n\r\n", &buf, &r), 73);
    ck_assert_int_eq(r.chunked, 1);
    free(buf);
}
END_TEST

START_TEST(request_chunked_and_length)
{
    static const char a[] = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                            "Content-Length: 5\r\n\r\n";
    static const char b[] = "POST / HTTP/1.1\r\nContent-Length: 5\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n";
    static const char c[] = "POST / HTTP/1.1\r\nContent-Length: 0\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n";

    ck_assert_int_eq(req_rc(a, strlen(a)), HTTP_ERR_BAD);
    ck_assert_int_eq(req_rc(b, strlen(b)), HTTP_ERR_BAD);
    ck_assert_int_eq(req_rc(c, strlen(c)), HTTP_ERR_BAD);
}
END_TEST

/* ---- http_parse_request: malformed heads and versions ---- */

START_TEST(request_malformed)
{
    static const char *const bad[] = {
        "hello\r\n\r\n",                               /* no spaces at all */
        "\r\n\r\n",                                    /* empty request line */
        "\n\n",
        "get / HTTP/1.1\r\n\r\n",                      /* lowercase method */
        "Get / HTTP/1.1\r\n\r\n",
        "G3T / HTTP/1.1\r\n\r\n",
        " / HTTP/1.1\r\n\r\n",                         /* empty method */
        "GET HTTP/1.1\r\n\r\n",                        /* missing target */
        "GET  HTTP/1.1\r\n\r\n",                       /* empty target */
        "GET  / HTTP/1.1\r\n\r\n",                     /* two spaces */
        "GET /\r\n\r\n",                               /* HTTP/0.9 */
        "GET / \r\n\r\n",                              /* empty version */
        "GET x HTTP/1.1\r\n\r\n",                      /* target not starting with '/' */
        "GET http://a/ HTTP/1.1\r\n\r\n",
        "GET * HTTP/1.1\r\n\r\n",
        "GET /a\tb HTTP/1.1\r\n\r\n",                  /* control in target */
        "GET /\x7f HTTP/1.1\r\n\r\n",
        "GET /\xc3\xa9 HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1 \r\n\r\n",                     /* trailing space */
        "GET / HTTP/1.1 x\r\n\r\n",
        "GET / http/1.1\r\n\r\n",
        "GET / HTTP/1\r\n\r\n",
        "GET / HTTP/1.10\r\n\r\n",
        "GET / HTTP/1.x\r\n\r\n",
        "GET / HTTP/x.1\r\n\r\n",
        "GET / HTTP/1,1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost\r\n\r\n",              /* header without colon */
        "GET / HTTP/1.1\r\nHost localhost\r\n\r\n",
        "GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
        "GET / HTTP/1.1\r\nX Y: 1\r\n\r\n",            /* space in header name */
        "GET / HTTP/1.1\r\nHost : a\r\n\r\n",          /* space before the colon */
        "GET / HTTP/1.1\r\nX\tY: 1\r\n\r\n",
        "GET / HTTP/1.1\r\nX-\x01: 1\r\n\r\n",
        "GET / HTTP/1.1\r\nX-\xff: 1\r\n\r\n",
        "GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", /* obs-fold */
        "GET / HTTP/1.1\r\nX-A: 1\r\n\tfolded\r\n\r\n",
        "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
        "GET / HTTP/1.1\r\r\n\r\n",                    /* stray CR */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(req_rc(bad[i], strlen(bad[i])) == HTTP_ERR_BAD, "case %zu gave %d: %s",
                      i, req_rc(bad[i], strlen(bad[i])), bad[i]);
}
END_TEST

START_TEST(request_garbage_bytes)
{
    static const char nul[] = "\0\0\0\r\n\r\n";
    static const char bin[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n\n";  /* TLS-ish */
    static const char nulmethod[] = "GE\0 / HTTP/1.1\r\n\r\n";

    ck_assert_int_eq(req_rc(nul, sizeof(nul) - 1), HTTP_ERR_BAD);
    ck_assert_int_eq(req_rc(bin, sizeof(bin) - 1), HTTP_ERR_BAD);
    ck_assert_int_eq(req_rc(nulmethod, sizeof(nulmethod) - 1), HTTP_ERR_BAD);
    /* Garbage with no end of head is still "need more" below the limit. */
    ck_assert_int_eq(req_rc("\x16\x03\x01\x02\x00", 5), 0);
}
END_TEST

START_TEST(request_version)
{
    static const char *const unsupported[] = {
        "GET / HTTP/2.0\r\n\r\n", "GET / HTTP/0.9\r\n\r\n", "GET / HTTP/1.2\r\n\r\n",
        "GET / HTTP/1.9\r\n\r\n", "GET / HTTP/3.0\r\n\r\n", "GET / HTTP/9.1\r\n\r\n",
    };
    struct http_request r;
    char *buf;

    for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
        ck_assert_msg(req_rc(unsupported[i], strlen(unsupported[i])) == HTTP_ERR_VERSION,
                      "not 505: %s", unsupported[i]);
    ck_assert_int_eq(req_parse("GET / HTTP/1.0\r\n\r\n", &buf, &r), 18);
    ck_assert_int_eq(r.minor, 0);
    free(buf);
    ck_assert_int_eq(req_parse("GET / HTTP/1.1\r\n\r\n", &buf, &r), 18);
    ck_assert_int_eq(r.minor, 1);
    free(buf);
}
END_TEST

/* ---- http_parse_request: the head size limit ---- */

/* A request of exactly `total` bytes: a request line, one padding header, and the
 * end of the head (`end`, e.g. "\r\n\r\n") as its last bytes when `end` is given,
 * else padding to the last byte. Returns a malloc'd block of `total` bytes. */
static char *padded_head(size_t total, const char *end)
{
    static const char start[] = "GET / HTTP/1.1\r\nX-Pad: ";
    size_t sl = strlen(start), el = end ? strlen(end) : 0;
    char *p = malloc(total);

    ck_assert_ptr_nonnull(p);
    ck_assert_uint_ge(total, sl + el);
    memcpy(p, start, sl);
    memset(p + sl, 'a', total - sl - el);
    if (end != NULL)
        memcpy(p + total - el, end, el);
    return p;
}

static int parse_padded(size_t total, const char *end, size_t offered)
{
    char *p = padded_head(total, end);
    int rc = req_rc(p, offered);

    free(p);
    return rc;
}

START_TEST(limit_exact_fits)
{
    ck_assert_int_eq(HTTP_MAX_HEAD, 8192);
    ck_assert_int_eq(parse_padded(8192, "\r\n\r\n", 8192), 8192);
    ck_assert_int_eq(parse_padded(8192, "\r\n\n", 8192), 8192);
    ck_assert_int_eq(parse_padded(8192, "\n\n", 8192), 8192);
    ck_assert_int_eq(parse_padded(8191, "\r\n\r\n", 8191), 8191);
    /* One byte short of the end: still incomplete, not too large. */
    ck_assert_int_eq(parse_padded(8192, "\r\n\r\n", 8191), 0);
}
END_TEST

START_TEST(limit_exact_fits_with_more_bytes)
{
    /* An 8192-byte head followed by the start of the next request. */
    char *p = malloc(8192 + 16);

    ck_assert_ptr_nonnull(p);
    char *h = padded_head(8192, "\r\n\r\n");
    memcpy(p, h, 8192);
    memcpy(p + 8192, "GET / HTTP/1.1\r\n", 16);
    ck_assert_int_eq(req_rc(p, 8192 + 16), 8192);
    free(h);
    free(p);
}
END_TEST

START_TEST(limit_no_end)
{
    ck_assert_int_eq(parse_padded(8191, NULL, 8191), 0);
    ck_assert_int_eq(parse_padded(8192, NULL, 8192), HTTP_ERR_TOO_LARGE);
    ck_assert_int_eq(parse_padded(8193, NULL, 8193), HTTP_ERR_TOO_LARGE);
    ck_assert_int_eq(parse_padded(20000, NULL, 20000), HTTP_ERR_TOO_LARGE);
}
END_TEST

START_TEST(limit_end_past_limit)
{
    /* Heads of 8193 and 8194 bytes whose end straddles the limit must be refused
     * however many bytes are offered, not accepted once the read goes past it. */
    static const char *const ends[] = { "\r\n\r\n", "\r\n\n", "\n\n" };

    for (size_t e = 0; e < sizeof(ends) / sizeof(ends[0]); e++) {
        for (size_t total = 8193; total <= 8196; total++) {
            for (size_t offered = 8192; offered <= total; offered++)
                ck_assert_msg(parse_padded(total, ends[e], offered) == HTTP_ERR_TOO_LARGE,
                              "head of %zu bytes, %zu offered, end %zu gave %d", total,
                              offered, e, parse_padded(total, ends[e], offered));
        }
    }
}
END_TEST

START_TEST(limit_split_reads_agree)
{
    /* The verdict on a buffer never depends on how much of it arrived at once:
     * once a prefix is refused, every longer prefix is refused the same way. */
    char *p = padded_head(8194, "\r\n\r\n");

    ck_assert_int_eq(req_rc(p, 8191), 0);
    ck_assert_int_eq(req_rc(p, 8192), HTTP_ERR_TOO_LARGE);
    ck_assert_int_eq(req_rc(p, 8193), HTTP_ERR_TOO_LARGE);
    ck_assert_int_eq(req_rc(p, 8194), HTTP_ERR_TOO_LARGE);
    free(p);
}
END_TEST

/* ---- http_parse_response ---- */

START_TEST(response_basic)
{
    static const char s[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                            "Content-Length: 13\r\nX-Worker: 3\r\n\r\nHello, world\n";
    struct http_response r;
    char *buf;

    ck_assert_int_eq(resp_parse(s, &buf, &r), (int)strlen(s) - 13);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(r.minor, 1);
    ck_assert_int_eq(r.keep_alive, 1);
    ck_assert_int_eq(r.content_length, 13);
    ck_assert_int_eq(r.chunked, 0);
    ck_assert_ptr_eq(r.worker, buf + 73);
    ck_span_eq(r.worker, r.worker_len, "3");
    free(buf);
}
END_TEST

START_TEST(response_worker)
{
    struct http_response r;
    char *buf;

    ck_assert_int_eq(resp_parse("HTTP/1.1 200 OK\r\nx-worker:  \t12 \t\r\n\r\n", &buf, &r), 37);
    ck_assert_ptr_eq(r.worker, buf + 29);
    ck_span_eq(r.worker, r.worker_len, "12");
    free(buf);

    ck_assert_int_eq(resp_parse("HTTP/1.1 200 OK\r\nX-Worker:\r\n\r\n", &buf, &r), 30);
    ck_assert_ptr_nonnull(r.worker);
    ck_assert_uint_eq(r.worker_len, 0);
    free(buf);

    ck_assert_int_eq(resp_parse("HTTP/1.1 200 OK\r\nX-Workers: 5\r\n\r\n", &buf, &r), 33);
    ck_assert_ptr_null(r.worker);
    ck_assert_uint_eq(r.worker_len, 0);
    free(buf);

    ck_assert_int_eq(resp_parse("HTTP/1.1 404 Not Found\r\n\r\n", &buf, &r), 26);
    ck_assert_int_eq(r.status, 404);
    ck_assert_ptr_null(r.worker);
    ck_assert_uint_eq(r.worker_len, 0);
    ck_assert_int_eq(r.content_length, -1);
    free(buf);
}
END_TEST

START_TEST(response_keep_alive)
{
    struct http_response r;
    char *buf;

    ck_assert_int_eq(resp_parse("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", &buf, &r), 38);
    ck_assert_int_eq(r.keep_alive, 0);
    free(buf);
    ck_assert_int_eq(resp_parse("HTTP/1.0 200 OK\r\n\r\n", &buf, &r), 19);
    ck_assert_int_eq(r.minor, 0);
    ck_assert_int_eq(r.keep_alive, 0);
    free(buf);
    ck_assert_int_eq(resp_parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", &buf, &r), 43);
    ck_assert_int_eq(r.keep_alive, 1);
    free(buf);
    ck_assert_int_eq(resp_parse("HTTP/1.1 400 Bad Request\r\nConnection: x, close\r\n\r\n",
                                &buf, &r), 50);
    ck_assert_int_eq(r.status, 400);
    ck_assert_int_eq(r.keep_alive, 0);
    free(buf);
}
END_TEST

START_TEST(response_status_line_forms)
{
    struct http_response r;
    char *buf;

    /* The reason phrase is optional, and may be empty after its space. */
    ck_assert_int_eq(resp_parse("HTTP/1.1 204\r\n\r\n", &buf, &r), 16);
    ck_assert_int_eq(r.status, 204);
    free(buf);
    ck_assert_int_eq(resp_parse("HTTP/1.1 100 \r\n\r\n", &buf, &r), 17);
    ck_assert_int_eq(r.status, 100);
    free(buf);
    ck_assert_int_eq(resp_parse("HTTP/1.1 599 Custom Reason Words\n\n", &buf, &r), 34);
    ck_assert_int_eq(r.status, 599);
    free(buf);
    ck_assert_int_eq(resp_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", &buf, &r),
                     47);
    ck_assert_int_eq(r.chunked, 1);
    ck_assert_int_eq(r.content_length, -1);
    free(buf);
}
END_TEST

START_TEST(response_incomplete)
{
    static const char s[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Worker: 0\r\n\r\n";
    size_t n = strlen(s);

    for (size_t k = 0; k < n; k++)
        ck_assert_msg(resp_rc(s, k) == 0, "prefix %zu gave %d", k, resp_rc(s, k));
    ck_assert_int_eq(resp_rc(s, n), (int)n);
}
END_TEST

START_TEST(response_malformed)
{
    static const char *const bad[] = {
        "HTTP/1.1 20 OK\r\n\r\n",          /* two digits */
        "HTTP/1.1 2000 OK\r\n\r\n",        /* four digits */
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 -20 OK\r\n\r\n",
        "HTTP/1.1 099 Low\r\n\r\n",        /* below 100 */
        "HTTP/1.1 000\r\n\r\n",
        "HTTP/1.1  200 OK\r\n\r\n",        /* two spaces */
        "HTTP/1.1\t200 OK\r\n\r\n",
        "HTTP/1.1 200OK\r\n\r\n",
        "HTTP/1.1 20\r\n\r\n",             /* too short */
        "HTTP/1.1\r\n\r\n",
        "\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n",
        "HTTP/1.x 200 OK\r\n\r\n",
        "HTTP/11 200 OK\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNo colon\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(resp_rc(bad[i], strlen(bad[i])) == HTTP_ERR_BAD, "case %zu gave %d: %s",
                      i, resp_rc(bad[i], strlen(bad[i])), bad[i]);
}
END_TEST

START_TEST(response_version)
{
    ck_assert_int_eq(resp_rc("HTTP/2.0 200 OK\r\n\r\n", 19), HTTP_ERR_VERSION);
    ck_assert_int_eq(resp_rc("HTTP/1.2 200 OK\r\n\r\n", 19), HTTP_ERR_VERSION);
    ck_assert_int_eq(resp_rc("HTTP/0.9 200 OK\r\n\r\n", 19), HTTP_ERR_VERSION);
}
END_TEST

START_TEST(response_limit)
{
    char *p = malloc(9000);

    ck_assert_ptr_nonnull(p);
    memcpy(p, "HTTP/1.1 200 OK\r\nX-Pad: ", 24);
    memset(p + 24, 'a', 9000 - 24);
    ck_assert_int_eq(resp_rc(p, 8191), 0);
    ck_assert_int_eq(resp_rc(p, 8192), HTTP_ERR_TOO_LARGE);
    ck_assert_int_eq(resp_rc(p, 9000), HTTP_ERR_TOO_LARGE);
    memcpy(p + 8192 - 4, "\r\n\r\n", 4);
    ck_assert_int_eq(resp_rc(p, 9000), 8192);
    free(p);
}
END_TEST

/* ---- http_query_param ---- */

/* Look `key` up in query (the whole string, or its first qlen bytes). */
static void param_is(const char *query, size_t qlen, const char *key, const char *want,
                     size_t want_off)
{
    const char *val = NULL;
    size_t vlen = 999;

    ck_assert_msg(http_query_param(query, qlen, key, &val, &vlen) == 1, "'%s' not in '%.*s'",
                  key, (int)qlen, query);
    ck_assert_ptr_eq(val, query + want_off);
    ck_span_eq(val, vlen, want);
}

static void param_absent(const char *query, size_t qlen, const char *key)
{
    const char *val = NULL;
    size_t vlen = 999;

    ck_assert_msg(http_query_param(query, qlen, key, &val, &vlen) == 0, "'%s' found in '%.*s'",
                  key, (int)qlen, query);
}

START_TEST(query_param_found)
{
    const char *q = "name=Alice&x=1";

    param_is(q, strlen(q), "name", "Alice", 5);
    param_is(q, strlen(q), "x", "1", 13);
    q = "names=1&xname=2&name=Bob";
    param_is(q, strlen(q), "name", "Bob", 21);
    q = "name=a&name=b";                       /* the first one wins */
    param_is(q, strlen(q), "name", "a", 5);
    q = "a=1&&name=%41+b&";
    param_is(q, strlen(q), "name", "%41+b", 10);  /* raw, still encoded */
    q = "name=";
    param_is(q, strlen(q), "name", "", 5);
    q = "flag&x=1";                            /* a bare key has an empty value */
    param_is(q, strlen(q), "flag", "", 4);
    q = "x=1&flag";
    param_is(q, strlen(q), "flag", "", 8);
    q = "n=a=b";                               /* the value runs to the '&' */
    param_is(q, strlen(q), "n", "a=b", 2);
}
END_TEST

START_TEST(query_param_absent)
{
    const char *q = "names=1&xname=2&nam=3";

    param_absent(q, strlen(q), "name");
    param_absent("", 0, "name");
    param_absent("&&&", 3, "name");
    param_absent("NAME=1", 6, "name");         /* keys are case-sensitive */
    param_absent("=name", 5, "name");
}
END_TEST

START_TEST(query_param_respects_length)
{
    /* Not NUL-terminated at query_len: nothing past it is looked at. */
    const char *q = "name=Alice&x=1";

    param_is(q, 7, "name", "Al", 5);
    param_is(q, 4, "name", "", 4);
    param_absent(q, 3, "name");
    param_absent(q, 10, "x");
}
END_TEST

/* ---- http_url_decode ---- */

static void decodes_to(const char *src, const char *want, long want_len)
{
    char dst[64];

    memset(dst, 'X', sizeof(dst));
    ck_assert_msg(http_url_decode(src, strlen(src), dst, sizeof(dst)) == want_len,
                  "'%s' gave %ld, want %ld", src,
                  http_url_decode(src, strlen(src), dst, sizeof(dst)), want_len);
    ck_assert_mem_eq(dst, want, (size_t)want_len);
    ck_assert_int_eq(dst[want_len], '\0');
}

static void decode_fails(const char *src, size_t len, size_t dstlen)
{
    char dst[64];

    ck_assert_uint_le(dstlen, sizeof(dst));
    ck_assert_msg(http_url_decode(src, len, dst, dstlen) == -1, "'%.*s' into %zu decoded",
                  (int)len, src, dstlen);
}

START_TEST(url_decode_ok)
{
    decodes_to("", "", 0);
    decodes_to("Alice", "Alice", 5);
    decodes_to("Hello%20World", "Hello World", 11);
    decodes_to("a+b", "a b", 3);
    decodes_to("++", "  ", 2);
    decodes_to("%2B", "+", 1);                 /* an encoded '+' stays a '+' */
    decodes_to("%41%62%2f%2F", "Ab//", 4);     /* either hex case */
    decodes_to("%25", "%", 1);
    decodes_to("%c3%a9", "\xc3\xa9", 2);
    decodes_to("x%00y", "x\0y", 3);            /* NUL decodes like any byte */
    decodes_to("%e2%82%ac=%3D&", "\xe2\x82\xac==&", 6);
}
END_TEST

START_TEST(url_decode_bad_escape)
{
    decode_fails("%", 1, 64);
    decode_fails("%4", 2, 64);                 /* truncated */
    decode_fails("abc%4", 5, 64);
    decode_fails("abc%", 4, 64);
    decode_fails("%zz", 3, 64);                /* not hex */
    decode_fails("%4g", 3, 64);
    decode_fails("%g4", 3, 64);
    decode_fails("% 41", 4, 64);
    decode_fails("%%41", 4, 64);
    decode_fails("ok%20then%2", 11, 64);
    /* The escape is judged within len, not by what follows in memory. */
    decode_fails("%41", 2, 64);
}
END_TEST

START_TEST(url_decode_dst_size)
{
    char dst[16];

    /* dstlen - 1 bytes fit, one more does not. */
    memset(dst, 'X', sizeof(dst));
    ck_assert_int_eq(http_url_decode("abcd", 4, dst, 5), 4);
    ck_assert_str_eq(dst, "abcd");
    ck_assert_int_eq(dst[5], 'X');

    memset(dst, 'X', sizeof(dst));
    ck_assert_int_eq(http_url_decode("abcde", 5, dst, 5), -1);
    for (size_t i = 5; i < sizeof(dst); i++)
        ck_assert_msg(dst[i] == 'X', "byte %zu past dstlen written", i);

    /* Size counts decoded bytes: "%41%42" is 2 bytes. */
    ck_assert_int_eq(http_url_decode("%41%42", 6, dst, 3), 2);
    ck_assert_str_eq(dst, "AB");
    ck_assert_int_eq(http_url_decode("%41%42", 6, dst, 2), -1);

    /* Room for the NUL only. */
    memset(dst, 'X', sizeof(dst));
    ck_assert_int_eq(http_url_decode("", 0, dst, 1), 0);
    ck_assert_int_eq(dst[0], '\0');
    ck_assert_int_eq(dst[1], 'X');
    ck_assert_int_eq(http_url_decode("a", 1, dst, 1), -1);

    /* No room at all. */
    memset(dst, 'X', sizeof(dst));
    ck_assert_int_eq(http_url_decode("", 0, dst, 0), -1);
    ck_assert_int_eq(dst[0], 'X');

    /* The server's name limit: 256 decoded bytes fit a 257-byte buffer. */
    char src[3 * 257 + 1], big[257];
    for (int i = 0; i < 257; i++)
        memcpy(src + 3 * i, "%61", 3);
    ck_assert_int_eq(http_url_decode(src, 3 * 256, big, sizeof(big)), 256);
    ck_assert_int_eq(big[255], 'a');
    ck_assert_int_eq(big[256], '\0');
    ck_assert_int_eq(http_url_decode(src, 3 * 257, big, sizeof(big)), -1);
}
END_TEST

/* ---- chunked bodies ---- */

/* Feed a whole body in pieces of `step` bytes; returns the bytes the decoder took
 * in all (stopping at the end of the body), or HTTP_ERR_BAD; *done as it left it. */
static long chunked_feed_steps(const char *body, size_t len, size_t step, int *done)
{
    struct http_chunked c;
    long total = 0;
    http_chunked_start(&c);
    *done = 0;
    for (size_t pos = 0; pos < len && !*done; pos += step) {
        size_t n = len - pos < step ? len - pos : step;
        long used = http_chunked_feed(&c, body + pos, n, done);
        if (used < 0)
            return used;
        ck_assert_msg(*done || (size_t)used == n, "used %ld of %zu without ending", used, n);
        total += used;
    }
    return total;
}

START_TEST(chunked_any_split)
{
    static const char *const bodies[] = {
        "5\r\nhello\r\n0\r\n\r\n",
        "5;name=\"v\"\r\nhello\r\n10 ; x\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\nY: 2\r\n\r\n",
        "a\nabcdefghij\n0\n\n",                           /* bare LF line ends */
        "00000001\r\n!\r\nA\r\n0123456789\r\n0;last\r\n\r\n",
        "3 \t;q=\"a b\"\r\nxyz\r\n0 \r\n\r\n",     /* whitespace before ';', quoted */
    };
    for (size_t b = 0; b < sizeof bodies / sizeof bodies[0]; b++) {
        size_t len = strlen(bodies[b]);
        for (size_t step = 1; step <= len; step++) {
            int done;
            ck_assert_int_eq(chunked_feed_steps(bodies[b], len, step, &done), (long)len);
            ck_assert_msg(done, "body %zu step %zu", b, step);
        }
    }
}
END_TEST

START_TEST(chunked_stops_at_its_end)
{
    /* Whatever follows the body (the next reply) is left to the caller. */
    static const char two[] = "3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n";
    struct http_chunked c;
    int done;
    http_chunked_start(&c);
    ck_assert_int_eq(http_chunked_feed(&c, two, strlen(two), &done), 13);
    ck_assert_int_eq(done, 1);
    /* Incomplete: everything is used, nothing ends; then the end, and no more. */
    http_chunked_start(&c);
    ck_assert_int_eq(http_chunked_feed(&c, two, 11, &done), 11);
    ck_assert_int_eq(done, 0);
    ck_assert_int_eq(http_chunked_feed(&c, two + 11, 0, &done), 0);  /* nothing: no change */
    ck_assert_int_eq(done, 0);
    ck_assert_int_eq(http_chunked_feed(&c, two + 11, 4, &done), 2);
    ck_assert_int_eq(done, 1);
    /* A chunk of 2^64 - 1 bytes is only skipped, never buffered. */
    http_chunked_start(&c);
    static const char huge[] = "ffffffffffffffff\r\nabc";
    ck_assert_int_eq(http_chunked_feed(&c, huge, strlen(huge), &done), (long)strlen(huge));
    ck_assert_int_eq(done, 0);
    ck_assert(c.size == 0xffffffffffffffffULL - 3);
}
END_TEST

START_TEST(chunked_malformed)
{
    static const char *const bad[] = {
        "\r\n",                          /* no size */
        "x\r\nabc",                      /* not hex */
        "5x\r\nhello\r\n0\r\n\r\n",      /* junk after the size */
        "-5\r\n",                        /* a sign */
        "3\r\nabcX\r\n",                 /* data longer than its size */
        "3\r\nabc\rX",                   /* CR not followed by LF */
        "10000000000000000\r\n",         /* 17 digits: over 64 bits */
        "5 7\r\nhello\r\n0\r\n\r\n",     /* a second number after whitespace */
        "5\r\r\nhello\r\n0\r\n\r\n",     /* CR not followed by LF, size line */
        "1;a\x01b\r\nz\r\n0\r\n\r\n",    /* a control byte in an extension */
        "1\r\nz\r\n0\r\nX: a\rb\r\n\r\n", /* a bare CR in a trailer field */
        "1\r\nz\r\n0\r\n\r\r\n",          /* ... and in the final line */
    };
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        int done;
        size_t len = strlen(bad[b]);
        for (size_t step = 1; step <= len; step++)
            ck_assert_msg(chunked_feed_steps(bad[b], len, step, &done) == HTTP_ERR_BAD,
                          "body %zu step %zu", b, step);
    }
}
END_TEST

START_TEST(chunked_line_limits)
{
    static char body[2 * HTTP_CHUNK_LINE_MAX + 64];
    int done;
    /* An extension of exactly the limit passes; one byte more fails. */
    for (int over = 0; over <= 1; over++) {
        size_t n = (size_t)snprintf(body, sizeof body, "1;");
        memset(body + n, 'e', HTTP_CHUNK_LINE_MAX - 2 + (size_t)over);
        n += HTTP_CHUNK_LINE_MAX - 2 + (size_t)over;
        n += (size_t)snprintf(body + n, sizeof body - n, "\r\nz\r\n0\r\n\r\n");
        ck_assert_int_eq(chunked_feed_steps(body, n, 7, &done), over ? HTTP_ERR_BAD : (long)n);
    }
    /* The same for the size's own digits (leading zeros) and whitespace. */
    for (int over = 0; over <= 1; over++) {
        memset(body, '0', HTTP_CHUNK_LINE_MAX - 1 + (size_t)over);
        size_t n = HTTP_CHUNK_LINE_MAX - 1 + (size_t)over;
        n += (size_t)snprintf(body + n, sizeof body - n, "1\r\nz\r\n0\r\n\r\n");
        ck_assert_int_eq(chunked_feed_steps(body, n, 9, &done), over ? HTTP_ERR_BAD : (long)n);
        n = (size_t)snprintf(body, sizeof body, "1");
        memset(body + n, ' ', HTTP_CHUNK_LINE_MAX - 1 + (size_t)over);
        n += HTTP_CHUNK_LINE_MAX - 1 + (size_t)over;
        n += (size_t)snprintf(body + n, sizeof body - n, "\r\nz\r\n0\r\n\r\n");
        ck_assert_int_eq(chunked_feed_steps(body, n, 9, &done), over ? HTTP_ERR_BAD : (long)n);
    }
    /* The same for a trailer field. */
    for (int over = 0; over <= 1; over++) {
        size_t n = (size_t)snprintf(body, sizeof body, "0\r\n");
        memset(body + n, 't', HTTP_CHUNK_LINE_MAX + (size_t)over);
        n += HTTP_CHUNK_LINE_MAX + (size_t)over;
        n += (size_t)snprintf(body + n, sizeof body - n, "\r\n\r\n");
        ck_assert_int_eq(chunked_feed_steps(body, n, 5, &done), over ? HTTP_ERR_BAD : (long)n);
    }
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc;

    tc = tcase_create("parse_request");
    tcase_add_test(tc, request_complete);
    tcase_add_test(tc, request_minimal_and_bare_lf);
    tcase_add_test(tc, request_body_bytes_excluded);
    tcase_add_test(tc, request_split_every_byte);
    tcase_add_test(tc, request_split_bad_head);
    tcase_add_test(tc, request_pipelined);
    tcase_add_test(tc, request_path_query);
    tcase_add_test(tc, request_empty_query_points_into_buffer);
    suite_add_tcase(s, tc);

    tc = tcase_create("keep_alive");
    tcase_add_test(tc, keep_alive_http11);
    tcase_add_test(tc, keep_alive_http10);
    tcase_add_test(tc, keep_alive_token_lists);
    suite_add_tcase(s, tc);

    tc = tcase_create("body_fields");
    tcase_add_test(tc, request_content_length);
    tcase_add_test(tc, request_content_length_bad);
    tcase_add_test(tc, request_chunked);
    tcase_add_test(tc, request_chunked_and_length);
    suite_add_tcase(s, tc);

    tc = tcase_create("reject");
    tcase_add_test(tc, request_malformed);
    tcase_add_test(tc, request_garbage_bytes);
    tcase_add_test(tc, request_version);
    suite_add_tcase(s, tc);

    tc = tcase_create("head_limit");
    tcase_add_test(tc, limit_exact_fits);
    tcase_add_test(tc, limit_exact_fits_with_more_bytes);
    tcase_add_test(tc, limit_no_end);
    tcase_add_test(tc, limit_end_past_limit);
    tcase_add_test(tc, limit_split_reads_agree);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse_response");
    tcase_add_test(tc, response_basic);
    tcase_add_test(tc, response_worker);
    tcase_add_test(tc, response_keep_alive);
    tcase_add_test(tc, response_status_line_forms);
    tcase_add_test(tc, response_incomplete);
    tcase_add_test(tc, response_malformed);
    tcase_add_test(tc, response_version);
    tcase_add_test(tc, response_limit);
    suite_add_tcase(s, tc);

    tc = tcase_create("query_param");
    tcase_add_test(tc, query_param_found);
    tcase_add_test(tc, query_param_absent);
    tcase_add_test(tc, query_param_respects_length);
    suite_add_tcase(s, tc);

    tc = tcase_create("chunked");
    tcase_add_test(tc, chunked_any_split);
    tcase_add_test(tc, chunked_stops_at_its_end);
    tcase_add_test(tc, chunked_malformed);
    tcase_add_test(tc, chunked_line_limits);
    suite_add_tcase(s, tc);

    tc = tcase_create("url_decode");
    tcase_add_test(tc, url_decode_ok);
    tcase_add_test(tc, url_decode_bad_escape);
    tcase_add_test(tc, url_decode_dst_size);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(http_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
