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
/* ts_start with RLIMIT_NOFILE set to nofile (soft and hard) in the child before
 * exec; nofile <= 0 leaves the inherited limit. */
void ts_start_nofile(struct test_server *ts, const char *const *args, long nofile);
/* Wait at most timeout_ms for the server to exit without signalling it (SIGKILL
 * after that); copy its stderr into err (NUL-terminated, may be NULL) and remove
 * the file. Returns the exit status, or -1 on a signal or timeout. */
int ts_wait_exit(struct test_server *ts, unsigned timeout_ms, char *err, size_t errlen);
/* Descriptors the server process has open (entries of /proc/<pid>/fd), or -1. */
int ts_count_fds(const struct test_server *ts);
/* CLOCK_MONOTONIC in milliseconds, for deadlines. */
long long tn_now_ms(void);

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
/* How many distinct processes hold those LISTEN sockets (via /proc/<pid>/fd). */
int tn_count_listener_pids(int port);
/* Wait up to timeout_ms for the server's stderr to contain `text`; 1 if it does. */
int ts_wait_stderr(struct test_server *ts, const char *text, int timeout_ms);
/* From sock_diag (IPv4): connections waiting in the accept queues of the
 * listeners on this port, summed, or -1. */
int tn_listen_queued(int port);
/* The same, for the listeners process pid holds a descriptor of. */
int tn_listen_queued_by(int port, pid_t pid);
/* The server's end of the client connection fd to this port: tx = bytes it has
 * not had acknowledged, rx = bytes it has not read yet. Returns 0, or -1 when
 * there is no such socket. */
int tn_server_queues(int port, int fd, long *tx, long *rx);
/* Bytes the server's end of fd has received (tcpi_bytes_received), or -1. */
long tn_server_bytes_in(int port, int fd);

#endif
