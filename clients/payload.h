/* payload: what echo and greeter send, from --payload. Pure: no I/O.
 *
 * A value that parses as a byte size ("64", "1k", "4KiB", "1M"; 1024-based) means that
 * many bytes of a fixed pattern, the lower-case letters a..z repeated ("abc...zab...");
 * any other value is sent as given; "text:" in front sends the rest as given even when
 * it looks like a size ("text:64" sends the two bytes "64"). The pattern is lower case
 * so that an echo reply proves the server upper-cased every byte. */
#ifndef ACCEPTBENCH_LOAD_PAYLOAD_H
#define ACCEPTBENCH_LOAD_PAYLOAD_H

#include <stddef.h>

#define PAYLOAD_MAX (64u * 1024 * 1024)   /* bytes; one copy is shared by every thread */
#define PAYLOAD_DEFAULT "Alice"

struct payload {
    char *bytes;               /* owned, not NUL-terminated in general */
    size_t len;
    int is_size;               /* 1: a size of pattern bytes; 0: text */
};

/* Parse --payload. Returns 0, or -1 with a message in err (empty, over PAYLOAD_MAX,
 * out of memory). */
int payload_parse(const char *arg, struct payload *out, char *err, size_t errlen);
void payload_free(struct payload *p);

/* dst[i] = src[i] with a..z turned into A..Z and every other byte unchanged: what
 * the echo server writes back (toupper in the C locale). dst may equal src. */
void payload_upper(char *dst, const char *src, size_t n);

/* Whether p can be a greeter name: 1..max bytes, none of them a control character
 * (a newline would split the server's log line). Returns 0, or -1 with a message. */
int payload_check_name(const struct payload *p, size_t max, char *err, size_t errlen);

#endif
