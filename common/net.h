/* net: thin wrappers over socket calls, in the manner of redis' anet.c. Each
 * returns a descriptor or 0 on success, or -1 after writing a message that names
 * the failing call ("bind 127.0.0.1:8080: Address already in use") into err. */
#ifndef ACCEPTBENCH_NET_H
#define ACCEPTBENCH_NET_H

#include <stddef.h>
#include <sys/socket.h>

struct net_addr {
    struct sockaddr_storage ss;
    socklen_t len;
};

enum {
    NET_REUSEPORT = 1 << 0,   /* SO_REUSEPORT before bind: one socket of a group */
    NET_NONBLOCK  = 1 << 1,
};

/* "127.0.0.1:8080", "[::1]:8080", "localhost:8080"; port 0 is allowed. */
int net_parse_addr(const char *s, struct net_addr *a, char *err, size_t errlen);
/* "127.0.0.1:8080" / "[::1]:8080", for messages and the ready file. */
void net_format_addr(const struct net_addr *a, char *buf, size_t len);
int net_addr_port(const struct net_addr *a);
void net_addr_set_port(struct net_addr *a, int port);

/* socket + SO_REUSEADDR (+ SO_REUSEPORT) + bind + listen. */
int net_listen(char *err, size_t errlen, const struct net_addr *a, int backlog, int flags);
/* The address a bound socket actually got (resolves port 0). */
int net_local_addr(char *err, size_t errlen, int fd, struct net_addr *out);

#endif
