/* Helpers for integration tests: start acceptbench-server as a child process on
 * port 0 and talk to it over loopback. Every wait has a deadline. */
#ifndef ACCEPTBENCH_TESTNET_H
#define ACCEPTBENCH_TESTNET_H

#include <stddef.h>
#include <sys/types.h>

struct test_server {
    pid_t pid;
    int port;
    char ready_file[64];
    char stderr_file[64];
};

/* Start the server with the given NULL-terminated extra arguments (after
 * --listen 127.0.0.1:0 --ready-file ...). Fails the test on error. */
void ts_start(struct test_server *ts, const char *const *args);
/* SIGTERM, wait (bounded), return the exit status (or -1 on a signal/timeout). */
int ts_stop(struct test_server *ts);

/* Connect to 127.0.0.1:port with a 5 s receive timeout; fails the test on error. */
int tn_connect(int port);
void tn_send_all(int fd, const void *buf, size_t len);
/* Read until EOF (or len-1 bytes); returns bytes read, buf NUL-terminated. */
size_t tn_read_all(int fd, char *buf, size_t len);
/* One request on a fresh connection, with Connection: close; returns the whole reply. */
size_t tn_request(int port, const char *raw, char *buf, size_t len);
/* Status code of a raw reply, and the value of X-Worker (-1 when absent). */
int tn_status(const char *reply);
int tn_worker(const char *reply);
const char *tn_body(const char *reply);
/* Sum of column `col` over the rows of a /stats reply; -1 if absent. */
long tn_stats_sum(const char *reply, const char *col);
/* Value of column `col` in the row of worker w; -1 if absent. */
long tn_stats_get(const char *reply, const char *col, int w);
/* LISTEN sockets on this port in /proc/net/tcp and tcp6. */
int tn_count_listeners(int port);

#endif
