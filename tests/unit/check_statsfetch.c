/* Tests of clients/statsfetch against a fake HTTP server that has no /stats, as nginx
 * or python's http.server: what GET /stats makes of a 404, a page and a real table,
 * and (TCase "loadgen", the acceptbench-load binary) that a run against such a server
 * says its GET /stats is in that server's log and counts it nowhere. */
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "statsfetch.h"
#include "table.h"
#include "tally.h"

/* The fake server: one request per connection, counted by path as an access log
 * would; GET /hello gets "Hello", any other path `status` and `body`. */
struct fake {
    int fd;
    struct net_addr addr;
    const char *status;        /* "404 Not Found" */
    const char *body;
    pthread_t th;
    pthread_mutex_t mu;
    unsigned hello, stats, other;
};

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;                      /* the client went away: nothing to count */
        p += w;
        n -= (size_t)w;
    }
}

static void *fake_main(void *arg)
{
    struct fake *f = arg;
    int c;
    /* shutdown() of the listener ends accept() with EINVAL: the stop signal. */
    while ((c = accept(f->fd, NULL, NULL)) >= 0) {
        char req[4096], reply[4200];
        size_t n = 0;
        ssize_t got;
        while (n < sizeof req - 1 && (got = read(c, req + n, sizeof req - 1 - n)) > 0) {
            n += (size_t)got;
            req[n] = '\0';
            if (strstr(req, "\r\n\r\n"))
                break;
        }
        req[n] = '\0';
        int hello = strncmp(req, "GET /hello ", 11) == 0;
        pthread_mutex_lock(&f->mu);
        if (hello)
            f->hello++;
        else if (strncmp(req, "GET /stats ", 11) == 0)
            f->stats++;
        else
            f->other++;
        pthread_mutex_unlock(&f->mu);
        const char *status = hello ? "200 OK" : f->status, *body = hello ? "Hello" : f->body;
        int len = snprintf(reply, sizeof reply, "HTTP/1.1 %s\r\nContent-Length: %zu\r\n"
                           "Connection: close\r\n\r\n%s", status, strlen(body), body);
        write_all(c, reply, (size_t)len);
        close(c);
    }
    return NULL;
}

static void fake_start(struct fake *f, const char *status, const char *body)
{
    memset(f, 0, sizeof *f);
    f->status = status;
    f->body = body;
    pthread_mutex_init(&f->mu, NULL);
    struct sockaddr_in *sin = (struct sockaddr_in *)&f->addr.ss;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    f->addr.len = sizeof *sin;
    f->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(f->fd, 0);
    ck_assert_int_eq(bind(f->fd, (struct sockaddr *)&f->addr.ss, f->addr.len), 0);
    ck_assert_int_eq(listen(f->fd, 64), 0);
    f->addr.len = sizeof f->addr.ss;
    ck_assert_int_eq(getsockname(f->fd, (struct sockaddr *)&f->addr.ss, &f->addr.len), 0);
    ck_assert_int_eq(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake *f)
{
    shutdown(f->fd, SHUT_RDWR);
    pthread_join(f->th, NULL);
    close(f->fd);
    pthread_mutex_destroy(&f->mu);
}

/* The requests the fake has seen: "hello stats other". */
static const char *fake_counts(struct fake *f)
{
    static char s[64];
    pthread_mutex_lock(&f->mu);
    snprintf(s, sizeof s, "%u %u %u", f->hello, f->stats, f->other);
    pthread_mutex_unlock(&f->mu);
    return s;
}

#define NOT_STATS_LOG "; that request is in the server's log (--no-stats skips it)"

START_TEST(not_found)
{
    struct fake f;
    struct srvstats st;
    char err[256];
    fake_start(&f, "404 Not Found", "<h1>404 Not Found</h1>");
    ck_assert_int_eq(statsfetch_get(&f.addr, 5000, &st, err, sizeof err),
                     STATSFETCH_ERR_NOT_STATS);
    ck_assert_str_eq(err, "GET /stats answered 404, not a stats table" NOT_STATS_LOG);
    ck_assert_str_eq(fake_counts(&f), "0 1 0");
    fake_stop(&f);
}
END_TEST

START_TEST(page_not_table)
{
    struct fake f;
    struct srvstats st;
    char err[256];
    fake_start(&f, "200 OK", "<html>every path has a page</html>\n");
    ck_assert_int_eq(statsfetch_get(&f.addr, 5000, &st, err, sizeof err),
                     STATSFETCH_ERR_NOT_STATS);
    ck_assert_str_eq(err, "GET /stats answered 200, not a stats table (/stats header lacks "
                          "the worker or accepted column)" NOT_STATS_LOG);
    ck_assert_str_eq(fake_counts(&f), "0 1 0");
    fake_stop(&f);
}
END_TEST

START_TEST(table)
{
    struct fake f;
    struct srvstats st;
    char err[256] = "";
    fake_start(&f, "200 OK", "worker,accepted\n1,7\n0,5\n");
    ck_assert_int_eq(statsfetch_get(&f.addr, 5000, &st, err, sizeof err), STATSFETCH_OK);
    ck_assert_str_eq(err, "");
    ck_assert_uint_eq(st.nworkers, 2);
    ck_assert_int_eq(st.w[0].worker, 0);
    ck_assert_uint_eq(st.w[0].v[SRVSTATS_ACCEPTED], 5);
    ck_assert_uint_eq(srvstats_sum(&st, SRVSTATS_ACCEPTED), 12);
    srvstats_free(&st);
    fake_stop(&f);
}
END_TEST

START_TEST(refused)
{
    struct fake f;
    struct srvstats st;
    char err[256], want[256], where[64];
    fake_start(&f, "404 Not Found", "");
    fake_stop(&f);                       /* its port is closed now */
    net_format_addr(&f.addr, where, sizeof where);
    ck_assert_int_eq(statsfetch_get(&f.addr, 5000, &st, err, sizeof err),
                     STATSFETCH_ERR_REFUSED);
    snprintf(want, sizeof want, "connect %s: Connection refused", where);
    ck_assert_str_eq(err, want);
}
END_TEST

/* ---- acceptbench-load against the fake ---- */

struct run {
    char dir[64];              /* mkdtemp: --out DIR and stdout */
    char out[8192];            /* what it printed */
    int status;                /* exit status */
};

static void load(struct run *r, const struct fake *f, const char *extra)
{
    char target[64], outfile[128];
    net_format_addr(&f->addr, target, sizeof target);
    snprintf(outfile, sizeof outfile, "%s/stdout", r->dir);
    char *argv[] = {ACCEPTBENCH_LOAD_BIN, "--no-progress", "--target", target,
                    "-c", "1", "-n", "10", "--out", r->dir, (char *)extra, NULL};
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(outfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2(fd, 1) < 0)
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    int ws;
    ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
    r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    FILE *o = fopen(outfile, "r");
    ck_assert_ptr_nonnull(o);
    size_t n = fread(r->out, 1, sizeof r->out - 1, o);
    r->out[n] = '\0';
    fclose(o);
}

/* Column `col` of the last summary.csv row; "errors" sums the errors_* columns. */
static double last_num(const struct run *r, const char *col)
{
    char path[128], err[256];
    struct table t;
    snprintf(path, sizeof path, "%s/summary.csv", r->dir);
    ck_assert_msg(table_load(&t, path, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_ge(t.rows, 1);
    double v = 0;
    for (int i = 0; i < TALLY_ERR_COUNT && strcmp(col, "errors") == 0; i++) {
        char name[64];
        snprintf(name, sizeof name, "errors_%s", tally_err_name(i));
        ck_assert_int_ge(table_col(&t, name), 0);
        v += table_num(&t, t.rows - 1, table_col(&t, name));
    }
    if (strcmp(col, "errors") != 0) {
        ck_assert_int_ge(table_col(&t, col), 0);
        v = table_num(&t, t.rows - 1, table_col(&t, col));
    }
    table_free(&t);
    return v;
}

START_TEST(loadgen_no_stats)
{
    struct fake f;
    struct run r;
    snprintf(r.dir, sizeof r.dir, "/tmp/check_statsfetch.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(r.dir));
    fake_start(&f, "404 Not Found", "<h1>404 Not Found</h1>");

    /* -c 1 with no -t: one thread, the 10 connections, and one GET /stats, which the
     * summary line owns up to and no figure counts. */
    load(&r, &f, NULL);
    ck_assert_msg(r.status == 0, "exit status %d: %s", r.status, r.out);
    ck_assert_ptr_nonnull(strstr(r.out, "\n  10 connections in "));
    ck_assert_ptr_nonnull(strstr(r.out, "s, 10 requests, "));
    ck_assert_ptr_nonnull(strstr(r.out, "\n  Server: no /stats figures: GET /stats answered "
                                        "404, not a stats table" NOT_STATS_LOG "\n"));
    ck_assert_ptr_null(strstr(r.out, "Errors"));
    ck_assert_str_eq(fake_counts(&f), "10 1 0");
    ck_assert_double_eq(last_num(&r, "threads"), 1);
    ck_assert_double_eq(last_num(&r, "completed"), 10);
    ck_assert_double_eq(last_num(&r, "requests"), 10);
    ck_assert_double_eq(last_num(&r, "errors"), 0);

    /* --no-stats: no GET /stats at all, and nothing to own up to. */
    load(&r, &f, "--no-stats");
    ck_assert_msg(r.status == 0, "--no-stats: exit status %d: %s", r.status, r.out);
    ck_assert_ptr_null(strstr(r.out, "/stats figures"));
    ck_assert_str_eq(fake_counts(&f), "20 1 0");
    ck_assert_double_eq(last_num(&r, "completed"), 10);
    ck_assert_double_eq(last_num(&r, "errors"), 0);

    fake_stop(&f);
    static const char *const files[] = {"stdout", "summary.csv", "workers.csv",
                                        "latency.csv", "timeseries.csv", "kernel.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", r.dir, files[i]);
        unlink(path);
    }
    ck_assert_int_eq(rmdir(r.dir), 0);
}
END_TEST

static Suite *statsfetch_suite(void)
{
    Suite *s = suite_create("statsfetch");
    TCase *tc = tcase_create("statsfetch");
    tcase_add_test(tc, not_found);
    tcase_add_test(tc, page_not_table);
    tcase_add_test(tc, table);
    tcase_add_test(tc, refused);
    suite_add_tcase(s, tc);
    tc = tcase_create("loadgen");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, loadgen_no_stats);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(statsfetch_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
