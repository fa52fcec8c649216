/* HTTP/1.x head parsing for acceptbench: just enough of RFC 9112 for wrk, ab,
 * curl and our own load generator, with strict rejection of everything else so a
 * malformed request can never be mistaken for load. */
#include "http.h"

#include <string.h>
#include <strings.h>

/* Locate the end of the head ("\r\n\r\n", or a bare "\n\n" which some clients
 * send). Returns the head length, 0 when incomplete, or HTTP_ERR_TOO_LARGE. */
static int head_end(const char *buf, size_t len)
{
    size_t limit = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD;
    /* Look ahead only within the limit too, so that a head longer than
     * HTTP_MAX_HEAD is refused however the bytes were split across reads. */
    for (size_t i = 0; i < limit; i++) {
        if (buf[i] != '\n')
            continue;
        if (i + 1 < limit && buf[i + 1] == '\n')
            return (int)(i + 2);
        if (i + 2 < limit && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return (int)(i + 3);
    }
    /* The head may end exactly at the limit: those bytes were searched above. */
    return len >= HTTP_MAX_HEAD ? HTTP_ERR_TOO_LARGE : 0;
}

/* The line at p: sets *ce to the end of its content (before its LF or CRLF) and
 * returns where the next line starts. */
static const char *next_line(const char *p, const char *end, const char **ce)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    *ce = le > p && le[-1] == '\r' ? le - 1 : le;
    return nl ? nl + 1 : end;
}

/* Trim a line of its CR and the optional whitespace around a header value. */
static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
}

static int name_is(const char *s, size_t n, const char *want)
{
    return strlen(want) == n && strncasecmp(s, want, n) == 0;
}

/* Does a comma-separated header value contain `token` (case-insensitive)? */
static int has_token(const char *s, const char *e, const char *token)
{
    size_t tl = strlen(token);
    while (s < e) {
        const char *comma = memchr(s, ',', (size_t)(e - s));
        const char *te = comma ? comma : e, *ts = s;
        trim(&ts, &te);
        if ((size_t)(te - ts) == tl && strncasecmp(ts, token, tl) == 0)
            return 1;
        s = comma ? comma + 1 : e;
    }
    return 0;
}

static int parse_version(const char *s, size_t n, int *minor)
{
    if (n != 8 || memcmp(s, "HTTP/", 5) != 0 || s[6] != '.')
        return HTTP_ERR_BAD;
    if (s[5] < '0' || s[5] > '9' || s[7] < '0' || s[7] > '9')
        return HTTP_ERR_BAD;
    if (s[5] != '1' || (s[7] != '0' && s[7] != '1'))
        return HTTP_ERR_VERSION;
    *minor = s[7] - '0';
    return 0;
}

static int parse_long(const char *s, const char *e, long *out)
{
    long v = 0;
    if (s == e)
        return -1;
    for (; s < e; s++) {
        if (*s < '0' || *s > '9' || v > (1L << 40))
            return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 0;
}

/* Header fields shared by requests and responses. */
struct fields {
    int conn_close, conn_keep_alive;
    int transfer_encoding, chunked;   /* a Transfer-Encoding line; chunked is its last coding */
    long content_length;
    const char *worker;
    size_t worker_len;
};

/* One Transfer-Encoding line's codings, after those of earlier lines. The body is
 * framed by chunked only when it is the last coding and comes once (RFC 9112 6.1);
 * empty list elements are ignored (RFC 9110 5.6.1). */
static int add_codings(const char *s, const char *e, struct fields *f)
{
    f->transfer_encoding = 1;
    while (s < e) {
        const char *comma = memchr(s, ',', (size_t)(e - s));
        const char *te = comma ? comma : e, *ts = s;
        trim(&ts, &te);
        if (te > ts) {
            if (f->chunked)
                return HTTP_ERR_BAD;  /* a coding after chunked, or chunked twice */
            f->chunked = te - ts == 7 && strncasecmp(ts, "chunked", 7) == 0;
        }
        s = comma ? comma + 1 : e;
    }
    return 0;
}

static int parse_fields(const char *p, const char *end, struct fields *f)
{
    memset(f, 0, sizeof *f);
    f->content_length = -1;
    while (p < end) {
        const char *ce, *next = next_line(p, end, &ce);
        if (ce == p)          /* the blank line ending the head */
            break;
        if (*p == ' ' || *p == '\t')
            return HTTP_ERR_BAD;  /* obsolete line folding */
        const char *colon = memchr(p, ':', (size_t)(ce - p));
        if (!colon || colon == p)
            return HTTP_ERR_BAD;
        for (const char *c = p; c < colon; c++)
            if (*c <= ' ' || *c >= 127)
                return HTTP_ERR_BAD;  /* no whitespace or controls in a name */
        const char *vs = colon + 1, *ve = ce;
        trim(&vs, &ve);
        size_t nl = (size_t)(colon - p);
        if (name_is(p, nl, "Connection")) {
            f->conn_close |= has_token(vs, ve, "close");
            f->conn_keep_alive |= has_token(vs, ve, "keep-alive");
        } else if (name_is(p, nl, "Content-Length")) {
            long v;
            if (parse_long(vs, ve, &v) < 0 ||
                (f->content_length >= 0 && f->content_length != v))
                return HTTP_ERR_BAD;
            f->content_length = v;
        } else if (name_is(p, nl, "Transfer-Encoding")) {
            if (add_codings(vs, ve, f) < 0)
                return HTTP_ERR_BAD;
        } else if (name_is(p, nl, "X-Worker")) {
            f->worker = vs;
            f->worker_len = (size_t)(ve - vs);
        }
        p = next;
    }
    if (f->transfer_encoding && !f->chunked)
        return HTTP_ERR_BAD;  /* a body framed by a coding this parser cannot read */
    if (f->chunked && f->content_length >= 0)
        return HTTP_ERR_BAD;  /* RFC 9112 6.3: a request smuggling vector */
    return 0;
}

static int keep_alive(int minor, const struct fields *f)
{
    if (f->conn_close)
        return 0;
    return minor == 1 || f->conn_keep_alive;
}

int http_parse_request(const char *buf, size_t len, struct http_request *req)
{
    int hl = head_end(buf, len);
    if (hl <= 0)
        return hl;
    const char *end = buf + hl, *ce, *fields = next_line(buf, end, &ce);
    /* request-line = method SP request-target SP HTTP-version */
    const char *sp1 = memchr(buf, ' ', (size_t)(ce - buf));
    if (!sp1 || sp1 == buf)
        return HTTP_ERR_BAD;
    const char *target = sp1 + 1;
    const char *sp2 = memchr(target, ' ', (size_t)(ce - target));
    if (!sp2 || sp2 == target || *target != '/')
        return HTTP_ERR_BAD;
    for (const char *c = buf; c < sp1; c++)
        if (*c < 'A' || *c > 'Z')
            return HTTP_ERR_BAD;
    for (const char *c = target; c < sp2; c++)
        if (*c <= ' ' || *c >= 127)
            return HTTP_ERR_BAD;
    int rc = parse_version(sp2 + 1, (size_t)(ce - sp2 - 1), &req->minor);
    if (rc < 0)
        return rc;

    struct fields f;
    if ((rc = parse_fields(fields, end, &f)) < 0)
        return rc;
    req->method = buf;
    req->method_len = (size_t)(sp1 - buf);
    const char *q = memchr(target, '?', (size_t)(sp2 - target));
    req->path = target;
    req->path_len = (size_t)((q ? q : sp2) - target);
    req->query = q ? q + 1 : sp2;
    req->query_len = q ? (size_t)(sp2 - q - 1) : 0;
    req->keep_alive = keep_alive(req->minor, &f);
    req->content_length = f.content_length;
    req->chunked = f.chunked;
    return hl;
}

int http_parse_response(const char *buf, size_t len, struct http_response *resp)
{
    int hl = head_end(buf, len);
    if (hl <= 0)
        return hl;
    const char *end = buf + hl, *ce, *fields = next_line(buf, end, &ce);
    /* status-line = HTTP-version SP status-code SP [reason-phrase] */
    if (ce - buf < 12 || buf[8] != ' ' || (ce - buf > 12 && buf[12] != ' '))
        return HTTP_ERR_BAD;
    int rc = parse_version(buf, 8, &resp->minor);
    if (rc < 0)
        return rc;
    long status;
    if (parse_long(buf + 9, buf + 12, &status) < 0 || status < 100)
        return HTTP_ERR_BAD;
    struct fields f;
    if ((rc = parse_fields(fields, end, &f)) < 0)
        return rc;
    resp->status = (int)status;
    resp->keep_alive = keep_alive(resp->minor, &f);
    resp->content_length = f.content_length;
    resp->chunked = f.chunked;
    resp->worker = f.worker;
    resp->worker_len = f.worker_len;
    return hl;
}

int http_query_param(const char *query, size_t query_len, const char *key,
                     const char **val, size_t *val_len)
{
    size_t kl = strlen(key);
    const char *p = query, *end = query + query_len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp ? amp : end;
        if ((size_t)(pe - p) > kl && memcmp(p, key, kl) == 0 && p[kl] == '=') {
            *val = p + kl + 1;
            *val_len = (size_t)(pe - p - kl - 1);
            return 1;
        }
        if ((size_t)(pe - p) == kl && memcmp(p, key, kl) == 0) {
            *val = pe;
            *val_len = 0;
            return 1;
        }
        p = amp ? amp + 1 : end;
    }
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The decoder's states. A size line is hex digits, optional whitespace, then
 * optional ";" extensions, then CRLF or LF; a CR anywhere else in a line is
 * malformed (RFC 9112 2.2). */
enum {
    CK_SIZE,        /* reading the chunk size's hex digits */
    CK_SIZE_WS,     /* whitespace after them: only ";" or the line's end may follow */
    CK_EXT,         /* extensions, skipped up to the line's end */
    CK_SIZE_LF,     /* a CR ended the size line: LF must follow */
    CK_DATA,        /* skipping the chunk's data */
    CK_DATA_END,    /* CRLF or LF after the data */
    CK_DATA_LF,
    CK_TRAILER,     /* a trailer field, or the empty line that ends the body */
    CK_TRAILER_LF,
};

void http_chunked_start(struct http_chunked *c)
{
    c->state = CK_SIZE;
    c->line_len = 0;
    c->size = 0;
}

/* Another byte of the current size or trailer line: within the limit? */
static int line_byte(struct http_chunked *c)
{
    return ++c->line_len <= HTTP_CHUNK_LINE_MAX;
}

/* The size line ended: the data follows, or for size 0 the trailer section. */
static void size_line_done(struct http_chunked *c)
{
    c->line_len = 0;
    c->state = c->size ? CK_DATA : CK_TRAILER;
}

/* A control byte, which no extension or trailer field may hold (HTAB aside). */
static int is_ctl(char ch)
{
    return ((unsigned char)ch < 0x20 && ch != '\t') || ch == 0x7f;
}

long http_chunked_feed(struct http_chunked *c, const char *buf, size_t len, int *done)
{
    size_t i = 0;
    *done = 0;
    while (i < len) {
        if (c->state == CK_DATA) {
            size_t take = len - i < c->size ? len - i : (size_t)c->size;
            c->size -= take;
            i += take;
            if (c->size == 0)
                c->state = CK_DATA_END;
            continue;
        }
        char ch = buf[i++];
        int d;
        switch (c->state) {
        case CK_SIZE:
            if ((d = hexval(ch)) >= 0) {
                if (c->size >> 60 || !line_byte(c))
                    return HTTP_ERR_BAD;  /* over 64 bits, or endless leading zeros */
                c->size = c->size * 16 + (unsigned)d;
                break;
            }
            if (c->line_len == 0)
                return HTTP_ERR_BAD;      /* no digit */
            /* What may follow the digits is what may follow whitespace. */
            /* fall through */
        case CK_SIZE_WS:
            if (ch == '\r')
                c->state = CK_SIZE_LF;
            else if (ch == '\n')
                size_line_done(c);
            else if ((ch != ' ' && ch != '\t' && ch != ';') || !line_byte(c))
                return HTTP_ERR_BAD;
            else
                c->state = ch == ';' ? CK_EXT : CK_SIZE_WS;
            break;
        case CK_EXT:
            if (ch == '\r')
                c->state = CK_SIZE_LF;
            else if (ch == '\n')
                size_line_done(c);
            else if (is_ctl(ch) || !line_byte(c))
                return HTTP_ERR_BAD;
            break;
        case CK_SIZE_LF:
            if (ch != '\n')
                return HTTP_ERR_BAD;
            size_line_done(c);
            break;
        case CK_DATA_END:
            if (ch == '\r')
                c->state = CK_DATA_LF;
            else if (ch == '\n')
                c->state = CK_SIZE;
            else
                return HTTP_ERR_BAD;      /* data longer than its size */
            break;
        case CK_DATA_LF:
            if (ch != '\n')
                return HTTP_ERR_BAD;
            c->state = CK_SIZE;
            break;
        case CK_TRAILER_LF:
            if (ch != '\n')
                return HTTP_ERR_BAD;
            /* fall through */
        case CK_TRAILER:
            if (ch == '\r') {
                c->state = CK_TRAILER_LF;
            } else if (ch == '\n') {
                if (c->line_len == 0) {
                    *done = 1;
                    return (long)i;
                }
                c->line_len = 0;
                c->state = CK_TRAILER;
            } else if (is_ctl(ch) || !line_byte(c)) {
                return HTTP_ERR_BAD;
            }
            break;
        }
    }
    return (long)i;
}

long http_url_decode(const char *src, size_t len, char *dst, size_t dstlen)
{
    size_t o = 0;
    if (dstlen == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '%') {
            if (i + 2 >= len)
                return -1;  /* truncated escape */
            int hi = hexval(src[i + 1]), lo = hexval(src[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (o + 1 >= dstlen)
            return -1;
        dst[o++] = c;
    }
    dst[o] = '\0';
    return (long)o;
}
