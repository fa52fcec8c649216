/* proto: the table of client-side protocols. Adding one is a proto_<name>.c file and
 * a line here. */
#include "proto.h"

#include <string.h>

static const struct proto_ops *const protos[] = {
    &proto_http,
    &proto_echo,
    &proto_greeter,
};

const struct proto_ops *proto_find(const char *name)
{
    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
        if (strcmp(protos[i]->name, name) == 0)
            return protos[i];
    return NULL;
}

const char *proto_names(void)
{
    return "http, echo, greeter";
}
