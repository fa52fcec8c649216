/* payload: --payload parsing and the echo server's upper-casing. */
#include "payload.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

#define TEXT_PREFIX "text:"

int payload_parse(const char *arg, struct payload *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *text = arg;
    uint64_t size = 0;
    char ignored[64];
    if (strncmp(arg, TEXT_PREFIX, strlen(TEXT_PREFIX)) == 0)
        text = arg + strlen(TEXT_PREFIX);
    else if (arg[0] >= '0' && arg[0] <= '9' &&
             units_parse_size(arg, &size, ignored, sizeof ignored) == 0)
        out->is_size = 1;
    size_t len = out->is_size ? (size_t)(size < PAYLOAD_MAX + 1ULL ? size : PAYLOAD_MAX + 1ULL)
                              : strlen(text);
    if (len == 0) {
        snprintf(err, errlen, "'%s' is empty: give at least one byte", arg);
        return -1;
    }
    if (len > PAYLOAD_MAX) {
        snprintf(err, errlen, "'%.32s' is over %u bytes", arg, PAYLOAD_MAX);
        return -1;
    }
    out->bytes = malloc(len);
    if (!out->bytes) {
        snprintf(err, errlen, "malloc: out of memory for %zu payload bytes", len);
        return -1;
    }
    if (out->is_size)
        for (size_t i = 0; i < len; i++)
            out->bytes[i] = (char)('a' + i % 26);
    else
        memcpy(out->bytes, text, len);
    out->len = len;
    return 0;
}

void payload_free(struct payload *p)
{
    free(p->bytes);
    memset(p, 0, sizeof *p);
}

void payload_upper(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = src[i];
        dst[i] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
    }
}

int payload_check_name(const struct payload *p, size_t max, char *err, size_t errlen)
{
    if (p->len == 0 || p->len > max) {
        snprintf(err, errlen, "a greeter name is 1..%zu bytes, this one %zu", max, p->len);
        return -1;
    }
    for (size_t i = 0; i < p->len; i++) {
        unsigned char ch = (unsigned char)p->bytes[i];
        if (ch < 0x20 || ch == 0x7f) {
            snprintf(err, errlen, "a greeter name must not contain control characters "
                     "(byte %zu is 0x%02x)", i, ch);
            return -1;
        }
    }
    return 0;
}
