/* greet_once: one greeter connection per process, like the client of the first
 * classic experiment, which a shell script ran 40,000 times. Connects to
 * ADDR:PORT (ADDR an IPv4 address, 127.0.0.1 when not given; reproduce_greeter.sh
 * --net veth gives the server's veth address), sends NAME (default Alice), shuts down
 * its write side, waits for the server's close. Exit 0 when the server closed without a byte of reply, 1 on any
 * failure (one line on stderr), 2 on bad usage. No timeout of its own: callers bound
 * it (reproduce_greeter.sh runs it under timeout(1)). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what)
{
    fprintf(stderr, "greet_once: %s: %s\n", what, strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: greet_once [ADDR:]PORT [NAME]\n");
        return 2;
    }
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    const char *port_text = argv[1], *colon = strrchr(argv[1], ':');
    if (colon) {
        char addr[INET_ADDRSTRLEN];
        size_t len = (size_t)(colon - argv[1]);
        if (len >= sizeof addr) {
            fprintf(stderr, "greet_once: '%.*s' is not an IPv4 address\n", (int)len, argv[1]);
            return 2;
        }
        memcpy(addr, argv[1], len);
        addr[len] = '\0';
        if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
            fprintf(stderr, "greet_once: '%s' is not an IPv4 address\n", addr);
            return 2;
        }
        port_text = colon + 1;
    }
    char *end;
    long port = strtol(port_text, &end, 10);
    if (!*port_text || *end || port < 1 || port > 65535) {
        fprintf(stderr, "greet_once: PORT must be 1..65535, not '%s'\n", port_text);
        return 2;
    }
    sin.sin_port = htons((uint16_t)port);
    const char *name = argc == 3 ? argv[2] : "Alice";
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return fail("socket");
    if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
        return fail("connect");
    for (size_t off = 0, len = strlen(name); off < len;) {
        ssize_t w = write(fd, name + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return fail("write");
        off += (size_t)w;
    }
    if (shutdown(fd, SHUT_WR) < 0)
        return fail("shutdown");
    char buf[64];
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return fail("read");
        if (r > 0) {
            fprintf(stderr, "greet_once: the server replied; a greeter never does\n");
            return 1;
        }
        return 0;                  /* EOF: the server recorded the name and closed */
    }
}
