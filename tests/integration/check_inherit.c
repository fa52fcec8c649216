/* Which socket options does a connection accepted on Linux take from its
 * listener? The server sets per connection only what is not inherited (one
 * system call per option per connection otherwise): TCP_NODELAY and the idle
 * timeouts (SO_RCVTIMEO, SO_SNDTIMEO) are set once on each listener
 * (servers/listener.c). This pins down, on the kernel the tests run on, what
 * that relies on: a value set on the listener is the accepted socket's, also
 * once the socket is passed to another process (SCM_RIGHTS, as the pool hands
 * off to worker processes), and without it the accepted socket has the
 * default; and SO_RCVTIMEO on a listener bounds a blocking accept() (EAGAIN),
 * but not a non-blocking one. */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct option_case {
    const char *name;
    int level, opt;
    int is_timeval;  /* else an int flag */
};

static const struct option_case options[] = {
    {"TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, 0},
    {"SO_RCVTIMEO", SOL_SOCKET, SO_RCVTIMEO, 1},
    {"SO_SNDTIMEO", SOL_SOCKET, SO_SNDTIMEO, 1},
    {"SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, 0},
};

/* Whole seconds: the kernel keeps timeouts in jiffies, so 5.25 s reads back as
 * 5.252 s where HZ is 250. */
static const struct timeval five_s = {.tv_sec = 5, .tv_usec = 0};

static void set_option(int fd, const struct option_case *o)
{
    int one = 1;
    int rc = o->is_timeval ? setsockopt(fd, o->level, o->opt, &five_s, sizeof five_s)
                           : setsockopt(fd, o->level, o->opt, &one, sizeof one);
    ck_assert_msg(rc == 0, "setsockopt %s on the listener", o->name);
}

/* 1 when fd has the value set_option sets, 0 when it has the default (0 / no
 * timeout); anything else fails. */
static int has_option(int fd, const struct option_case *o)
{
    if (o->is_timeval) {
        struct timeval tv;
        socklen_t len = sizeof tv;
        ck_assert_int_eq(getsockopt(fd, o->level, o->opt, &tv, &len), 0);
        if (tv.tv_sec == 0 && tv.tv_usec == 0)
            return 0;
        ck_assert_msg(tv.tv_sec == five_s.tv_sec && tv.tv_usec == five_s.tv_usec,
                      "%s: %ld.%06ld s", o->name, (long)tv.tv_sec, (long)tv.tv_usec);
        return 1;
    }
    int v = -1;
    socklen_t len = sizeof v;
    ck_assert_int_eq(getsockopt(fd, o->level, o->opt, &v, &len), 0);
    ck_assert_msg(v == 0 || v == 1, "%s: %d", o->name, v);
    return v;
}

/* Accept one loopback connection on a listener with (or without) the option. */
static int accepted_with(const struct option_case *o, int set_on_listener)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(l, 0);
    if (set_on_listener)
        set_option(l, o);
    ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(l, 4), 0);
    ck_assert_int_eq(getsockname(l, (struct sockaddr *)&a, &len), 0);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_eq(connect(c, (struct sockaddr *)&a, sizeof a), 0);
    int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    ck_assert_int_ge(s, 0);
    close(c);
    close(l);
    return s;
}

START_TEST(inherited)
{
    const struct option_case *o = &options[_i];
    int s = accepted_with(o, 1);
    ck_assert_msg(has_option(s, o) == 1, "%s set on the listener is not inherited", o->name);
    close(s);
    s = accepted_with(o, 0);
    ck_assert_msg(has_option(s, o) == 0, "%s is on without being set", o->name);
    close(s);
}
END_TEST

/* fd sent over a Unix socket pair and received: a new descriptor for the same
 * socket, as a pool's worker process gets it (servers/fdpass.c). */
static int passed(int fd)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    char byte = 'f';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    ck_assert_int_eq(sendmsg(sv[0], &msg, 0), 1);
    close(fd);  /* the receiver's descriptor is the only one left */
    memset(&ctl, 0, sizeof ctl);
    ck_assert_int_eq(recvmsg(sv[1], &msg, MSG_CMSG_CLOEXEC), 1);
    c = CMSG_FIRSTHDR(&msg);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->cmsg_type, SCM_RIGHTS);
    int got;
    memcpy(&got, CMSG_DATA(c), sizeof got);
    close(sv[0]);
    close(sv[1]);
    return got;
}

START_TEST(inherited_after_pass)
{
    const struct option_case *o = &options[_i];
    int s = passed(accepted_with(o, 1));
    ck_assert_msg(has_option(s, o) == 1, "%s lost when the socket was passed", o->name);
    close(s);
}
END_TEST

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* accept() on a listener with SO_RCVTIMEO of timeout_ms and nothing queued:
 * returns how long it took, and fails unless it failed with EAGAIN. */
static long long empty_accept_ms(int nonblocking, long timeout_ms)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000};
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    ck_assert_int_ge(l, 0);
    ck_assert_int_eq(setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(l, 4), 0);
    long long t0 = now_ms();
    int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    int err = errno;
    long long took = now_ms() - t0;
    ck_assert_msg(c < 0 && err == EAGAIN, "accept on an empty listener: %d, %s", c, strerror(err));
    close(l);
    return took;
}

/* What listener_accept relies on: a blocking accept() gives up with EAGAIN
 * after the listener's SO_RCVTIMEO (so the server waits again), and a
 * non-blocking one answers at once, as without it. */
START_TEST(accept_timeout)
{
    long long blocking = empty_accept_ms(0, 200), nonblocking = empty_accept_ms(1, 2000);
    ck_assert_msg(blocking >= 190 && blocking < 5000, "blocking accept: EAGAIN after %lld ms "
                  "with a 200 ms SO_RCVTIMEO", blocking);
    ck_assert_msg(nonblocking < 1000, "non-blocking accept: EAGAIN after %lld ms with a 2 s "
                  "SO_RCVTIMEO", nonblocking);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("inherit");
    TCase *tc = tcase_create("accepted_socket");
    tcase_add_loop_test(tc, inherited, 0, (int)(sizeof options / sizeof options[0]));
    tcase_add_loop_test(tc, inherited_after_pass, 0, (int)(sizeof options / sizeof options[0]));
    suite_add_tcase(s, tc);
    TCase *tl = tcase_create("listener");
    tcase_add_test(tl, accept_timeout);
    suite_add_tcase(s, tl);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
