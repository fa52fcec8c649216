/* Which socket options does a connection accepted on Linux take from its
 * listener? The server sets per connection only what is not inherited (one
 * system call per option per connection otherwise), so this pins down, on the
 * kernel the tests run on, what it relies on: a value set on the listener is
 * the accepted socket's, and without it the accepted socket has the default. */
#include <check.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
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

int main(void)
{
    Suite *s = suite_create("inherit");
    TCase *tc = tcase_create("accepted_socket");
    tcase_add_loop_test(tc, inherited, 0, (int)(sizeof options / sizeof options[0]));
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
