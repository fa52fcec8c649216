/* fuzz_http: libFuzzer target for common/http.c. Every input goes through both head
 * parsers, the query-parameter helper and the URL decoder, and the target checks the
 * contracts of http.h that the server and the load generator rely on, not only the
 * absence of a crash:
 *
 *  - framing: a positive return n is the length of the shortest prefix that ends
 *    with a blank line ("\n\n", or "\n\r\n": bare LF or CRLF line ends, RFC 9112
 *    2.2), so n <= len and n <= HTTP_MAX_HEAD; 0 means no such prefix and fewer
 *    than HTTP_MAX_HEAD bytes; HTTP_ERR_TOO_LARGE means none within the first
 *    HTTP_MAX_HEAD bytes; the other errors mean the head was complete but bad;
 *  - the answer depends on the head alone: the head's bytes by themselves give the
 *    same answer (same fields), one byte fewer gives 0, and any prefix of the input
 *    (a head split across reads) gives 0 or the same answer;
 *  - every returned pointer lies within the head, and the spans are well-formed
 *    (method in A-Z, path starting with '/', no space or control byte);
 *  - http_query_param returns a span of the query that follows "key=" (or is the
 *    empty value of a bare "key") at the start of a '&'-separated parameter;
 *  - http_url_decode writes at most dstlen bytes (the destination is an exact-size
 *    heap block), returns -1 or a length < dstlen and <= len, and a smaller
 *    destination gives the same bytes whenever the result fits in it;
 *  - a well-formed request built from the input (bare LF or CRLF, optional
 *    whitespace, Connection, Content-Length, chunked) parses to exactly the fields
 *    it was built with: the parser accepts what it must, not only rejects safely;
 *  - the chunked-body decoder, fed the input whole, in two pieces at any point, or
 *    a byte at a time, gives the answer of a plain whole-input reading of the
 *    framing of RFC 9112 7.1, with the leniencies http.h lists (spec_chunked:
 *    malformed, the body's end at the same byte, or more needed), and never
 *    claims more bytes than it was given.
 *
 * Each call runs on an exact-size heap copy, so AddressSanitizer catches a read one
 * byte past len. A broken contract prints what broke and aborts, and libFuzzer saves
 * the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do {                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "fuzz_http: %s:%d: contract broken: %s\n", __FILE__,  \
                    __LINE__, #cond);                                             \
            abort();                                                              \
        }                                                                         \
    } while (0)

static char *dup_exact(const uint8_t *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    CHECK(p != NULL);
    if (n)
        memcpy(p, s, n);
    return p;
}

/* Is p[0..n) within [base, base + len)? An empty span may sit at the very end. */
static int span_within(const char *p, size_t n, const char *base, size_t len)
{
    return p >= base && p <= base + len && n <= (size_t)(base + len - p);
}

/* The spec of framing: the length of the shortest prefix of d (at most
 * HTTP_MAX_HEAD bytes) ending with "\n\n" or "\n\r\n"; 0 when there is none. */
static size_t spec_head_end(const uint8_t *d, size_t len)
{
    size_t limit = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD;
    for (size_t m = 2; m <= limit; m++) {
        if (d[m - 1] != '\n')
            continue;
        if (d[m - 2] == '\n' || (m >= 3 && d[m - 2] == '\r' && d[m - 3] == '\n'))
            return m;
    }
    return 0;
}

static void check_framing(int rc, size_t end, size_t len)
{
    if (rc > 0) {
        CHECK((size_t)rc == end);
        CHECK((size_t)rc <= len && rc <= HTTP_MAX_HEAD);
    } else if (rc == 0) {
        CHECK(end == 0 && len < HTTP_MAX_HEAD);
    } else if (rc == HTTP_ERR_TOO_LARGE) {
        CHECK(end == 0 && len >= HTTP_MAX_HEAD);
    } else {
        CHECK(rc == HTTP_ERR_BAD || rc == HTTP_ERR_VERSION);
        CHECK(end > 0);
    }
}

/* A request's result with pointers made offsets, so that parses of different
 * copies of the same bytes compare equal. */
struct req_view {
    int rc;
    size_t method, method_len, path, path_len, query, query_len;
    int minor, keep_alive, chunked;
    long content_length;
};

static int req_same(const struct req_view *a, const struct req_view *b)
{
    return a->rc == b->rc && a->method == b->method && a->method_len == b->method_len &&
           a->path == b->path && a->path_len == b->path_len && a->query == b->query &&
           a->query_len == b->query_len && a->minor == b->minor &&
           a->keep_alive == b->keep_alive && a->chunked == b->chunked &&
           a->content_length == b->content_length;
}

static struct req_view parse_req(const uint8_t *d, size_t len)
{
    struct req_view v;
    struct http_request r;
    char *buf = dup_exact(d, len);

    memset(&v, 0, sizeof v);
    memset(&r, 0xA5, sizeof r);
    v.rc = http_parse_request(buf, len, &r);
    if (v.rc > 0) {
        size_t hl = (size_t)v.rc;
        CHECK(r.method == buf && r.method_len >= 1);
        CHECK(span_within(r.method, r.method_len, buf, hl));
        for (size_t i = 0; i < r.method_len; i++)
            CHECK(r.method[i] >= 'A' && r.method[i] <= 'Z');
        CHECK(span_within(r.path, r.path_len, buf, hl));
        CHECK(r.path_len >= 1 && r.path[0] == '/');
        CHECK(r.path > r.method + r.method_len);
        for (size_t i = 0; i < r.path_len; i++)
            CHECK(r.path[i] > ' ' && r.path[i] < 127 && r.path[i] != '?');
        CHECK(span_within(r.query, r.query_len, buf, hl));
        /* The query is what follows the first '?' of the target; without one it
         * is empty and sits right after the path. */
        if (r.query == r.path + r.path_len)
            CHECK(r.query_len == 0);
        else
            CHECK(r.query == r.path + r.path_len + 1 && r.query[-1] == '?');
        for (size_t i = 0; i < r.query_len; i++)
            CHECK(r.query[i] > ' ' && r.query[i] < 127);
        CHECK(r.minor == 0 || r.minor == 1);
        CHECK(r.keep_alive == 0 || r.keep_alive == 1);
        CHECK(r.chunked == 0 || r.chunked == 1);
        CHECK(r.content_length >= -1);
        CHECK(!(r.chunked && r.content_length >= 0));
        v.method = 0;
        v.method_len = r.method_len;
        v.path = (size_t)(r.path - buf);
        v.path_len = r.path_len;
        v.query = (size_t)(r.query - buf);
        v.query_len = r.query_len;
        v.minor = r.minor;
        v.keep_alive = r.keep_alive;
        v.chunked = r.chunked;
        v.content_length = r.content_length;
    }
    free(buf);
    return v;
}

struct resp_view {
    int rc;
    int status, minor, keep_alive, chunked;
    long content_length;
    int has_worker;
    size_t worker, worker_len;
};

static int resp_same(const struct resp_view *a, const struct resp_view *b)
{
    return a->rc == b->rc && a->status == b->status && a->minor == b->minor &&
           a->keep_alive == b->keep_alive && a->chunked == b->chunked &&
           a->content_length == b->content_length && a->has_worker == b->has_worker &&
           a->worker == b->worker && a->worker_len == b->worker_len;
}

static struct resp_view parse_resp(const uint8_t *d, size_t len)
{
    struct resp_view v;
    struct http_response r;
    char *buf = dup_exact(d, len);

    memset(&v, 0, sizeof v);
    memset(&r, 0xA5, sizeof r);
    v.rc = http_parse_response(buf, len, &r);
    if (v.rc > 0) {
        size_t hl = (size_t)v.rc;
        CHECK(r.status >= 100 && r.status <= 999);
        CHECK(r.minor == 0 || r.minor == 1);
        CHECK(r.keep_alive == 0 || r.keep_alive == 1);
        CHECK(r.chunked == 0 || r.chunked == 1);
        CHECK(r.content_length >= -1);
        CHECK(!(r.chunked && r.content_length >= 0));
        if (r.worker) {
            CHECK(span_within(r.worker, r.worker_len, buf, hl));
            CHECK(r.worker > buf + 12);   /* not in the status line */
            if (r.worker_len) {          /* optional whitespace trimmed */
                char first = r.worker[0], last = r.worker[r.worker_len - 1];
                CHECK(first != ' ' && first != '\t');
                CHECK(last != ' ' && last != '\t' && last != '\r' && last != '\n');
            }
            v.has_worker = 1;
            v.worker = (size_t)(r.worker - buf);
            v.worker_len = r.worker_len;
        }
        v.status = r.status;
        v.minor = r.minor;
        v.keep_alive = r.keep_alive;
        v.chunked = r.chunked;
        v.content_length = r.content_length;
    }
    free(buf);
    return v;
}

/* A deterministic split point in [0, size], so that a saved input replays. */
static size_t split_point(const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    return size ? h % (size + 1) : 0;
}

/* prefix_rc: what a parse of the first k bytes must return, given the full
 * input's answer rc and its head end `end`. */
static int prefix_rc(int rc, size_t end, size_t k)
{
    if (end > 0)
        return k >= end ? rc : 0;
    return k >= HTTP_MAX_HEAD ? HTTP_ERR_TOO_LARGE : 0;
}

static void fuzz_request(const uint8_t *data, size_t size, size_t end, size_t k)
{
    struct req_view full = parse_req(data, size);
    check_framing(full.rc, end, size);
    if (end > 0) {
        /* The head alone, and one byte fewer. */
        struct req_view head = parse_req(data, end);
        CHECK(req_same(&head, &full));
        CHECK(parse_req(data, end - 1).rc == 0);
    }
    struct req_view part = parse_req(data, k);
    CHECK(part.rc == prefix_rc(full.rc, end, k));
    if (part.rc != 0)
        CHECK(req_same(&part, &full));
}

static void fuzz_response(const uint8_t *data, size_t size, size_t end, size_t k)
{
    struct resp_view full = parse_resp(data, size);
    check_framing(full.rc, end, size);
    if (end > 0) {
        struct resp_view head = parse_resp(data, end);
        CHECK(resp_same(&head, &full));
        CHECK(parse_resp(data, end - 1).rc == 0);
    }
    struct resp_view part = parse_resp(data, k);
    CHECK(part.rc == prefix_rc(full.rc, end, k));
    if (part.rc != 0)
        CHECK(resp_same(&part, &full));
}

static void fuzz_query_param(const uint8_t *q, size_t qlen, const char *key)
{
    char *buf = dup_exact(q, qlen);
    const char *val = NULL;
    size_t val_len = 0, kl = strlen(key);

    if (http_query_param(buf, qlen, key, &val, &val_len)) {
        CHECK(span_within(val, val_len, buf, qlen));
        CHECK(memchr(val, '&', val_len) == NULL);
        const char *end = val + val_len;
        CHECK(end == buf + qlen || *end == '&');
        const char *start;
        if ((size_t)(val - buf) > kl && val[-1] == '=' &&
            memcmp(val - 1 - kl, key, kl) == 0) {
            start = val - 1 - kl;           /* key=value */
        } else {
            CHECK(val_len == 0);            /* a bare key */
            CHECK((size_t)(val - buf) >= kl && memcmp(val - kl, key, kl) == 0);
            start = val - kl;
        }
        CHECK(start == buf || start[-1] == '&');
    }
    free(buf);
}

static void fuzz_url_decode(const uint8_t *src, size_t len, size_t small)
{
    char *in = dup_exact(src, len);
    char *big = malloc(len + 1);
    CHECK(big != NULL);

    long rb = http_url_decode(in, len, big, len + 1);
    CHECK(rb >= -1 && rb <= (long)len);
    if (rb >= 0)
        CHECK(big[rb] == '\0');
    if (rb >= 0 && memchr(in, '%', len) == NULL) {
        CHECK((size_t)rb == len);
        for (size_t i = 0; i < len; i++)
            CHECK(big[i] == (in[i] == '+' ? ' ' : in[i]));
    }

    /* An exact-size smaller destination: the same answer when it fits, else -1. */
    char *dst = malloc(small ? small : 1);
    CHECK(dst != NULL);
    long rs = http_url_decode(in, len, dst, small);
    CHECK(rs >= -1 && rs <= (long)len);
    if (rb >= 0 && (size_t)rb < small) {
        CHECK(rs == rb);
        CHECK(memcmp(dst, big, (size_t)rb + 1) == 0);
    } else {
        CHECK(rs == -1);
    }
    free(dst);
    free(big);
    free(in);
}

/* Bytes of the input, taken one at a time (0 once used up). */
struct reader {
    const uint8_t *p;
    size_t n;
};

static unsigned take(struct reader *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

/* Append a string to the request being built (the caller sizes the buffer). */
static void put(char *buf, size_t *len, const char *s)
{
    size_t n = strlen(s);
    memcpy(buf + *len, s, n);
    *len += n;
}

/* The acceptance side: a well-formed request built from the input must parse to
 * exactly the fields it was built with, whatever follows it in the buffer. This
 * catches a parser that rejects what it should take, which no crash shows. */
static void fuzz_valid_request(const uint8_t *data, size_t size)
{
    static const char *const methods[] = { "GET", "HEAD", "POST", "X" };
    static const char *const ows[] = { "", " ", "\t", "  \t " };
    struct reader r = { data, size };
    char req[512];
    size_t len = 0;
    unsigned flags = take(&r);
    const char *eol = (flags & 1) ? "\n" : "\r\n";
    int minor = (flags >> 1) & 1;

    const char *method = methods[take(&r) % 4];
    put(req, &len, method);
    put(req, &len, " /");
    size_t path_len = 1 + take(&r) % 24, query_len = 0;
    for (size_t i = 1; i < path_len; i++) {
        char c = (char)(0x21 + take(&r) % 94);   /* visible ASCII */
        req[len++] = c == '?' ? '/' : c;
    }
    int has_query = (flags >> 2) & 1;
    if (has_query) {
        req[len++] = '?';
        query_len = take(&r) % 24;
        for (size_t i = 0; i < query_len; i++)
            req[len++] = (char)(0x21 + take(&r) % 94);
    }
    put(req, &len, minor ? " HTTP/1.1" : " HTTP/1.0");
    put(req, &len, eol);

    unsigned conn = (flags >> 3) & 3;   /* none, close, keep-alive, both */
    if (conn) {
        put(req, &len, "Connection:");
        put(req, &len, ows[take(&r) % 4]);
        put(req, &len, conn == 1 ? "close" : conn == 2 ? "Keep-Alive" : "keep-alive, CLOSE");
        put(req, &len, ows[take(&r) % 4]);
        put(req, &len, eol);
    }
    long content_length = -1;
    if ((flags >> 5) & 1) {
        unsigned hi = take(&r);
        content_length = (long)(hi * 1000u + take(&r));
        char num[24];
        snprintf(num, sizeof num, "content-length: %ld", content_length);
        put(req, &len, num);
        put(req, &len, eol);
    }
    int chunked = content_length < 0 && ((flags >> 6) & 1);
    if (chunked) {
        put(req, &len, "Transfer-Encoding: gzip,chunked");
        put(req, &len, eol);
    }
    put(req, &len, "X-Other: ");
    put(req, &len, ows[take(&r) % 4]);
    put(req, &len, "v:a,l");
    put(req, &len, eol);
    put(req, &len, eol);
    size_t head = len;
    for (size_t i = 0; i < 16; i++)    /* whatever comes next: pipelined bytes */
        req[len++] = (char)take(&r);

    char *buf = dup_exact((const uint8_t *)req, len);
    struct http_request q;
    int rc = http_parse_request(buf, len, &q);
    if (rc != (int)head)
        fprintf(stderr, "fuzz_http: request %.*s parsed as %d\n", (int)head, req, rc);
    CHECK(rc == (int)head);
    CHECK(q.method == buf && q.method_len == strlen(method));
    CHECK(q.path == buf + q.method_len + 1 && q.path_len == path_len);
    if (has_query)
        CHECK(q.query == q.path + path_len + 1 && q.query_len == query_len);
    else
        CHECK(q.query_len == 0);
    CHECK(q.minor == minor);
    CHECK(q.keep_alive == (conn == 0 ? minor : conn == 2));
    CHECK(q.content_length == content_length);
    CHECK(q.chunked == chunked);
    free(buf);
}

static int spec_hex(uint8_t c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static int spec_ctl(uint8_t c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* The end of a line at d[*p] (CRLF or LF): 1 when it is there (consumed), 0 when
 * d ends first, -1 for a CR without its LF, 2 when the byte is not a line end. */
static int spec_eol(const uint8_t *d, size_t n, size_t *p)
{
    if (*p == n)
        return 0;
    if (d[*p] == '\n') {
        ++*p;
        return 1;
    }
    if (d[*p] != '\r')
        return 2;
    if (*p + 1 == n)
        return 0;
    if (d[*p + 1] != '\n')
        return -1;
    *p += 2;
    return 1;
}

/* The spec of chunked framing, read over the whole input at once: the body's
 * length, 0 when the input ends before the body does, HTTP_ERR_BAD when it is
 * malformed. Lines: the size (hex digits, then spaces or tabs, then ";" and
 * extensions free of control bytes), then the data and its line end, until size
 * 0; then trailer fields free of control bytes, until an empty line. A size or
 * trailer line may hold HTTP_CHUNK_LINE_MAX bytes besides its CR/LF. */
static long spec_chunked(const uint8_t *d, size_t n)
{
    size_t p = 0;
    for (;;) {
        unsigned long long size = 0;
        size_t line = 0;
        int e, ext = 0;
        for (; p < n && spec_hex(d[p]) >= 0; p++) {
            if (size >> 60 || ++line > HTTP_CHUNK_LINE_MAX)
                return HTTP_ERR_BAD;
            size = size * 16 + (unsigned)spec_hex(d[p]);
        }
        if (p == n)
            return 0;
        if (line == 0)
            return HTTP_ERR_BAD;
        while ((e = spec_eol(d, n, &p)) == 2) {
            uint8_t c = d[p++];
            if (ext ? spec_ctl(c) : c != ';' && c != ' ' && c != '\t')
                return HTTP_ERR_BAD;
            ext |= c == ';';
            if (++line > HTTP_CHUNK_LINE_MAX)
                return HTTP_ERR_BAD;
        }
        if (e <= 0)
            return e < 0 ? HTTP_ERR_BAD : 0;
        if (size == 0)
            break;
        if (n - p <= size)
            return 0;
        p += size;
        if ((e = spec_eol(d, n, &p)) != 1)
            return e == 0 ? 0 : HTTP_ERR_BAD;
    }
    for (;;) {
        size_t line = 0;
        int e;
        while ((e = spec_eol(d, n, &p)) == 2)
            if (spec_ctl(d[p++]) || ++line > HTTP_CHUNK_LINE_MAX)
                return HTTP_ERR_BAD;
        if (e <= 0)
            return e < 0 ? HTTP_ERR_BAD : 0;
        if (line == 0)
            return (long)p;
    }
}

/* Feed d[0..size) to a fresh chunked decoder in pieces of at most `step` bytes,
 * first a piece of `first` bytes. Returns the bytes of the body (> 0 when it
 * ended), 0 when it wants more, HTTP_ERR_BAD when malformed. */
static long chunked_pieces(const char *d, size_t size, size_t first, size_t step)
{
    struct http_chunked c;
    size_t pos = 0;
    http_chunked_start(&c);
    while (pos < size) {
        size_t n = pos == 0 && first ? first : step;
        if (n > size - pos)
            n = size - pos;
        int done;
        long used = http_chunked_feed(&c, d + pos, n, &done);
        if (used < 0)
            return used;
        CHECK((size_t)used <= n);
        CHECK(done || (size_t)used == n);
        pos += (size_t)used;
        if (done)
            return (long)pos;
    }
    return 0;
}

static void fuzz_chunked(const uint8_t *data, size_t size, size_t k)
{
    char *buf = dup_exact(data, size);
    long whole = chunked_pieces(buf, size, 0, size ? size : 1);
    CHECK(whole == spec_chunked(data, size));
    CHECK(chunked_pieces(buf, size, k, size ? size : 1) == whole);
    CHECK(chunked_pieces(buf, size, 0, 1) == whole);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t end = spec_head_end(data, size);
    size_t k = split_point(data, size);

    fuzz_request(data, size, end, k);
    fuzz_response(data, size, end, k);
    fuzz_valid_request(data, size);

    /* The query helpers, on the input as a raw query string and, as the server
     * uses them, on the query of a parsed request. */
    static const char *const keys[] = { "name", "a", "" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        fuzz_query_param(data, size, keys[i]);
    fuzz_url_decode(data, size, k);
    fuzz_chunked(data, size, k);

    struct http_request r;
    char *buf = dup_exact(data, size);
    if (http_parse_request(buf, size, &r) > 0) {
        size_t qoff = (size_t)(r.query - buf);
        const char *val;
        size_t val_len;
        fuzz_query_param(data + qoff, r.query_len, "name");
        if (http_query_param(r.query, r.query_len, "name", &val, &val_len))
            fuzz_url_decode(data + (val - buf), val_len, 257);   /* the server's name[] */
    }
    free(buf);
    return 0;
}
