/* proto: the table of client-side protocols. Adding one is a proto_<name>.c file and
 * a line here. */
#include "proto.h"

#include <stdio.h>
#include <string.h>

static const struct proto *const protos[] = {
    &proto_http,
    &proto_echo,
    &proto_greeter,
};

#define NPROTOS (sizeof protos / sizeof protos[0])

const struct proto *proto_find(const char *name)
{
    for (size_t i = 0; i < NPROTOS; i++)
        if (strcmp(protos[i]->name, name) == 0)
            return protos[i];
    return NULL;
}

void proto_names(char *buf, size_t len, int payload_only)
{
    size_t used = 0;
    if (len > 0)
        buf[0] = '\0';
    for (size_t i = 0; i < NPROTOS; i++) {
        if (payload_only && !protos[i]->takes_payload)
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", protos[i]->name);
        if (n < 0 || (size_t)n >= len - used) {
            if (len > 0)
                buf[used] = '\0';       /* cut short: whole names only */
            return;
        }
        used += (size_t)n;
    }
}
