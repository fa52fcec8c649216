/* Unit tests for bench/kagg: kernel.csv folded over each configuration's repeats
 * (means and medians per side, each run's values, a syscall a run did not make
 * counted as 0 in it, runs without a side's total, partial runs, runs without a
 * summary row, per-thread and netns rows left out), syscalls.csv read back, the
 * chart's names, and the report's sentences, every figure exact: the fixture's
 * values are multiples of 1/16. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "kagg.h"
#include "table.h"
#include "testutil.h"

/* Four configurations, by label:
 *   shared/blocking    a1, a2            both sides counted in both runs
 *   pool/epoll         b1, b2 (c1 partial) b1 has no client rows
 *   reuseport/blocking d1                its only total has no per_conn (completed 0)
 *   reuseport/uring    e1                no kernel rows at all (a run without perf) */
static const char summary[] =
    "run_id,label,strategy,io,workers,connections,rate,partial,completed,conn_per_s,"
    "total_p50_us,total_p99_us,total_p999_us,connect_p99_us,jain_index,server_user_s,"
    "server_sys_s,server_wasted_wakeups,client_saturated\n"
    "a1,shared/blocking,shared,blocking,2,8,0,0,1000,1000,1,1,1,1,1,1,1,0,0\n"
    "b1,pool/epoll,pool,epoll,2,8,0,0,1000,1000,1,1,1,1,1,1,1,0,0\n"
    "d1,reuseport/blocking,reuseport,blocking,2,8,0,0,0,0,,,,,,0,0,0,0\n"
    "e1,reuseport/uring,reuseport,uring,2,8,0,0,1000,1000,1,1,1,1,1,1,1,0,0\n"
    "a2,shared/blocking,shared,blocking,2,8,0,0,1000,1000,1,1,1,1,1,1,1,0,0\n"
    "c1,pool/epoll,pool,epoll,2,8,0,1,10,10,1,1,1,1,1,1,1,0,0\n"
    "b2,pool/epoll,pool,epoll,2,8,0,0,1000,1000,1,1,1,1,1,1,1,0,0\n";

#define K(run, side, thread, counter, per_conn) \
    run ",x,s,i,loopback," side "," thread ",," counter ",0," per_conn ",0\n"
/* kernel.csv in two parts (a C compiler need take no longer string), joined by
 * kernel_text(). */
static const char kernel_a[] =
    "run_id,label,strategy,io,topology,side,thread,worker,counter,value,per_conn,partial\n"
    /* a1 server: 6 calls, the exact blocking sequence; a thread's row and the
     * namespace's counter, which are not the side's totals. */
    K("a1", "server", "all", "syscalls", "6") K("a1", "server", "all", "context_switches", "0.5")
    K("a1", "server", "all", "migrations", "0") K("a1", "server", "all", "syscall:accept4", "1")
    K("a1", "server", "all", "syscall:read", "1") K("a1", "server", "all", "syscall:sendto", "1")
    K("a1", "server", "all", "syscall:close", "1") K("a1", "server", "all", "syscall:setsockopt", "2")
    K("a1", "server", "acceptbench-ser-7", "syscalls", "3")
    K("a1", "server", "acceptbench-ser-7", "syscall:accept4", "0.5")
    K("a1", "server", "netns", "TcpExtListenOverflows", "0.004")
    /* a1 client, with a call too rare to have a colour of its own (brk). */
    K("a1", "client", "all", "syscalls", "10.125") K("a1", "client", "all", "context_switches", "0.5")
    K("a1", "client", "all", "migrations", "0") K("a1", "client", "all", "syscall:socket", "1")
    K("a1", "client", "all", "syscall:connect", "1") K("a1", "client", "all", "syscall:getsockopt", "1")
    K("a1", "client", "all", "syscall:epoll_ctl", "3") K("a1", "client", "all", "syscall:write", "1")
    K("a1", "client", "all", "syscall:read", "1") K("a1", "client", "all", "syscall:close", "1")
    K("a1", "client", "all", "syscall:epoll_wait", "1") K("a1", "client", "all", "syscall:brk", "0.125")
    /* a2: a futex the first run did not make. */
    K("a2", "server", "all", "syscalls", "6.5") K("a2", "server", "all", "context_switches", "0.75")
    K("a2", "server", "all", "migrations", "0.125") K("a2", "server", "all", "syscall:accept4", "1")
    K("a2", "server", "all", "syscall:read", "1") K("a2", "server", "all", "syscall:sendto", "1")
    K("a2", "server", "all", "syscall:close", "1") K("a2", "server", "all", "syscall:setsockopt", "2")
    K("a2", "server", "all", "syscall:futex", "0.5")
    K("a2", "client", "all", "syscalls", "10.5") K("a2", "client", "all", "context_switches", "0.5")
    K("a2", "client", "all", "migrations", "0") K("a2", "client", "all", "syscall:socket", "1")
    K("a2", "client", "all", "syscall:connect", "1") K("a2", "client", "all", "syscall:getsockopt", "1")
    K("a2", "client", "all", "syscall:epoll_ctl", "3") K("a2", "client", "all", "syscall:write", "1")
    K("a2", "client", "all", "syscall:read", "1") K("a2", "client", "all", "syscall:close", "1")
    K("a2", "client", "all", "syscall:epoll_wait", "1.5");
static const char kernel_b[] =
    /* b1: the server only. */
    K("b1", "server", "all", "syscalls", "9") K("b1", "server", "all", "context_switches", "1")
    K("b1", "server", "all", "migrations", "0.25") K("b1", "server", "all", "syscall:epoll_ctl", "2")
    K("b1", "server", "all", "syscall:epoll_wait", "1.5") K("b1", "server", "all", "syscall:accept4", "1.5")
    K("b1", "server", "all", "syscall:read", "1") K("b1", "server", "all", "syscall:sendto", "1")
    K("b1", "server", "all", "syscall:close", "1") K("b1", "server", "all", "syscall:futex", "0.5")
    K("b1", "server", "all", "syscall:write", "0.5")
    /* c1 is partial: none of it counts. */
    K("c1", "server", "all", "syscalls", "100") K("c1", "server", "all", "syscall:futex", "90")
    K("c1", "client", "all", "syscalls", "100")
    K("b2", "server", "all", "syscalls", "9.5") K("b2", "server", "all", "context_switches", "1.5")
    K("b2", "server", "all", "migrations", "0.25") K("b2", "server", "all", "syscall:epoll_ctl", "2")
    K("b2", "server", "all", "syscall:epoll_wait", "2") K("b2", "server", "all", "syscall:accept4", "1.5")
    K("b2", "server", "all", "syscall:read", "1") K("b2", "server", "all", "syscall:sendto", "1")
    K("b2", "server", "all", "syscall:close", "1") K("b2", "server", "all", "syscall:futex", "0.5")
    K("b2", "server", "all", "syscall:write", "0.5")
    K("b2", "client", "all", "syscalls", "10") K("b2", "client", "all", "context_switches", "0.25")
    K("b2", "client", "all", "migrations", "0") K("b2", "client", "all", "syscall:socket", "1")
    K("b2", "client", "all", "syscall:connect", "1") K("b2", "client", "all", "syscall:getsockopt", "1")
    K("b2", "client", "all", "syscall:epoll_ctl", "3") K("b2", "client", "all", "syscall:write", "1")
    K("b2", "client", "all", "syscall:read", "1") K("b2", "client", "all", "syscall:close", "1")
    K("b2", "client", "all", "syscall:epoll_wait", "1")
    /* d1 completed nothing: its per_conn is empty, so it counted no side. */
    K("d1", "server", "all", "syscalls", "") K("d1", "server", "all", "syscall:close", "")
    /* A run summary.csv does not have (killed between the two files). */
    K("zz", "server", "all", "syscalls", "50");

static const char *kernel_text(void)
{
    static char text[sizeof kernel_a + sizeof kernel_b];
    snprintf(text, sizeof text, "%s%s", kernel_a, kernel_b);
    return text;
}

/* The fixture's tables, the configurations and their kernel counters. */
struct fixture {
    struct table sum, kern;
    struct agg a;
    struct kagg k;
};

static void fixture_build(struct fixture *f)
{
    char err[200] = "";
    testutil_parse_table(&f->sum, summary);
    testutil_parse_table(&f->kern, kernel_text());
    ck_assert_msg(agg_build(&f->sum, &f->a, err, sizeof err) == 0, "agg_build: %s", err);
    ck_assert_msg(kagg_build(&f->kern, &f->sum, &f->a, &f->k, err, sizeof err) == 0,
                  "kagg_build: %s", err);
}

static void fixture_free(struct fixture *f)
{
    kagg_free(&f->k);
    agg_free(&f->a);
    table_free(&f->kern);
    table_free(&f->sum);
}

/* A side's counters in order: "name=per_conn name=per_conn ...". */
static void side_text(const struct kagg_side *s, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < s->n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s=%g", i ? " " : "", s->c[i].name, s->c[i].per_conn);
    }
}

/* ---- build ---- */

START_TEST(means_per_side)
{
    struct fixture f;
    char text[1024];

    fixture_build(&f);
    ck_assert_uint_eq(f.a.n, 4);
    ck_assert_uint_eq(f.k.n, 4);

    /* Totals first, then by mean, highest first, equals by name; futex's mean is
     * over both runs (0 in a1): 0.25. */
    ck_assert_uint_eq(f.k.g[0][KAGG_SERVER].runs, 2);
    side_text(&f.k.g[0][KAGG_SERVER], text, sizeof text);
    ck_assert_str_eq(text, "syscalls=6.25 context_switches=0.625 migrations=0.0625 "
                           "syscall:setsockopt=2 syscall:accept4=1 syscall:close=1 "
                           "syscall:read=1 syscall:sendto=1 syscall:futex=0.25");
    ck_assert_uint_eq(f.k.g[0][KAGG_CLIENT].runs, 2);
    side_text(&f.k.g[0][KAGG_CLIENT], text, sizeof text);
    ck_assert_str_eq(text, "syscalls=10.3125 context_switches=0.5 migrations=0 "
                           "syscall:epoll_ctl=3 syscall:epoll_wait=1.25 syscall:close=1 "
                           "syscall:connect=1 syscall:getsockopt=1 syscall:read=1 "
                           "syscall:socket=1 syscall:write=1 syscall:brk=0.0625");

    /* pool/epoll: c1 (partial) adds nothing; the client was counted in b2 only. */
    ck_assert_uint_eq(f.k.g[1][KAGG_SERVER].runs, 2);
    side_text(&f.k.g[1][KAGG_SERVER], text, sizeof text);
    ck_assert_str_eq(text, "syscalls=9.25 context_switches=1.25 migrations=0.25 "
                           "syscall:epoll_ctl=2 syscall:epoll_wait=1.75 syscall:accept4=1.5 "
                           "syscall:close=1 syscall:read=1 syscall:sendto=1 "
                           "syscall:futex=0.5 syscall:write=0.5");
    ck_assert_uint_eq(f.k.g[1][KAGG_CLIENT].runs, 1);
    side_text(&f.k.g[1][KAGG_CLIENT], text, sizeof text);
    ck_assert_str_eq(text, "syscalls=10 context_switches=0.25 migrations=0 "
                           "syscall:epoll_ctl=3 syscall:close=1 syscall:connect=1 "
                           "syscall:epoll_wait=1 syscall:getsockopt=1 syscall:read=1 "
                           "syscall:socket=1 syscall:write=1");

    /* No per_conn, no rows: not counted, nothing kept. */
    for (size_t g = 2; g < 4; g++)
        for (int s = 0; s < KAGG_SIDES; s++) {
            ck_assert_uint_eq(f.k.g[g][s].runs, 0);
            ck_assert_uint_eq(f.k.g[g][s].n, 0);
        }
    ck_assert_int_eq(kagg_any(&f.k), 1);
    fixture_free(&f);
}
END_TEST

START_TEST(get_values)
{
    struct fixture f;

    fixture_build(&f);
    ck_assert_double_eq(kagg_get(&f.k, 0, KAGG_SERVER, "syscalls"), 6.25);
    ck_assert_double_eq(kagg_get(&f.k, 0, KAGG_SERVER, "context_switches"), 0.625);
    ck_assert_double_eq(kagg_get(&f.k, 1, KAGG_SERVER, "migrations"), 0.25);
    ck_assert_double_eq(kagg_get(&f.k, 1, KAGG_CLIENT, "syscall:epoll_wait"), 1.0);
    /* A call the side never made is 0; a counter kagg does not know, NAN. */
    ck_assert_double_eq(kagg_get(&f.k, 0, KAGG_SERVER, "syscall:epoll_wait"), 0.0);
    ck_assert_double_nan(kagg_get(&f.k, 0, KAGG_SERVER, "TcpExtListenOverflows"));
    ck_assert_double_nan(kagg_get(&f.k, 0, KAGG_SERVER, "syscall:"));
    /* Uncounted sides and configurations out of range: NAN, even by name. */
    ck_assert_double_nan(kagg_get(&f.k, 2, KAGG_SERVER, "syscalls"));
    ck_assert_double_nan(kagg_get(&f.k, 3, KAGG_CLIENT, "syscall:close"));
    ck_assert_double_nan(kagg_get(&f.k, 4, KAGG_SERVER, "syscalls"));
    ck_assert_int_eq(kagg_baseline(&f.k), 0);
    fixture_free(&f);
}
END_TEST

START_TEST(medians_per_run)
{
    /* Three runs of one configuration: the median is the middle run's, where the
     * mean is pulled by the odd one; a call only one run made is 0 in the others,
     * so its median is 0. Each run's values are kept, in summary.csv's order. */
    static const char sum3[] =
        "run_id,label,strategy,io,workers,connections,rate,partial,completed,conn_per_s,"
        "total_p50_us,total_p99_us,total_p999_us,connect_p99_us,jain_index,server_user_s,"
        "server_sys_s,server_wasted_wakeups,client_saturated\n"
        "r1,pool/epoll,pool,epoll,2,8,0,0,1000,1000,1,1,1,1,1,1,1,0,0\n"
        "r2,pool/epoll,pool,epoll,2,8,0,0,1000,1000,1,1,1,1,1,1,1,0,0\n"
        "r3,pool/epoll,pool,epoll,2,8,0,0,1000,1000,1,1,1,1,1,1,1,0,0\n";
    static const char kern3[] =
        "run_id,label,strategy,io,topology,side,thread,worker,counter,value,per_conn,partial\n"
        K("r3", "server", "all", "syscalls", "6.5")
        K("r3", "server", "all", "syscall:epoll_wait", "0.5")
        K("r1", "server", "all", "syscalls", "9")
        K("r1", "server", "all", "syscall:epoll_wait", "3")
        K("r1", "server", "all", "syscall:getpid", "1.5")
        K("r2", "server", "all", "syscalls", "6.75")
        K("r2", "server", "all", "syscall:epoll_wait", "0.75");
    struct table sum, kern;
    struct agg a;
    struct kagg k;
    char err[200] = "";

    testutil_parse_table(&sum, sum3);
    testutil_parse_table(&kern, kern3);
    ck_assert_int_eq(agg_build(&sum, &a, err, sizeof err), 0);
    ck_assert_int_eq(kagg_build(&kern, &sum, &a, &k, err, sizeof err), 0);
    ck_assert_uint_eq(k.g[0][KAGG_SERVER].runs, 3);
    ck_assert_double_eq(kagg_get(&k, 0, KAGG_SERVER, "syscall:epoll_wait"), 4.25 / 3);
    ck_assert_double_eq(kagg_median(&k, 0, KAGG_SERVER, "syscall:epoll_wait"), 0.75);
    ck_assert_double_eq(kagg_get(&k, 0, KAGG_SERVER, "syscalls"), 22.25 / 3);
    ck_assert_double_eq(kagg_median(&k, 0, KAGG_SERVER, "syscalls"), 6.75);
    ck_assert_double_eq(kagg_get(&k, 0, KAGG_SERVER, "syscall:getpid"), 0.5);
    ck_assert_double_eq(kagg_median(&k, 0, KAGG_SERVER, "syscall:getpid"), 0.0);
    /* Under kagg_get's rules: a call never made is 0, an uncounted side NAN. */
    ck_assert_double_eq(kagg_median(&k, 0, KAGG_SERVER, "syscall:futex"), 0.0);
    ck_assert_double_nan(kagg_median(&k, 0, KAGG_SERVER, "context_switches"));
    ck_assert_double_nan(kagg_median(&k, 0, KAGG_CLIENT, "syscalls"));
    ck_assert_double_nan(kagg_median(&k, 1, KAGG_SERVER, "syscalls"));
    /* The runs' values, r1 r2 r3 as summary.csv lists them. */
    const struct kagg_side *s = &k.g[0][KAGG_SERVER];
    ck_assert_str_eq(s->c[1].name, "syscall:epoll_wait");
    ck_assert_double_eq(s->c[1].run[0], 3.0);
    ck_assert_double_eq(s->c[1].run[1], 0.75);
    ck_assert_double_eq(s->c[1].run[2], 0.5);
    ck_assert_str_eq(s->c[2].name, "syscall:getpid");
    ck_assert_double_eq(s->c[2].run[0], 1.5);
    ck_assert_double_eq(s->c[2].run[1], 0.0);
    ck_assert_double_eq(s->c[2].run[2], 0.0);
    kagg_free(&k);
    agg_free(&a);
    table_free(&kern);
    table_free(&sum);
}
END_TEST

START_TEST(no_counters)
{
    struct table sum, kern;
    struct agg a;
    struct kagg k;
    char err[200] = "";

    /* A header alone (no run counted), and runs whose perf counted nothing. */
    testutil_parse_table(&sum, summary);
    testutil_parse_table(&kern, "run_id,label,strategy,io,topology,side,thread,worker,"
                                "counter,value,per_conn,partial\n"
                                "a1,x,s,i,loopback,server,netns,,TcpOutRsts,3,0.003,0\n");
    ck_assert_int_eq(agg_build(&sum, &a, err, sizeof err), 0);
    ck_assert_int_eq(kagg_build(&kern, &sum, &a, &k, err, sizeof err), 0);
    ck_assert_uint_eq(k.n, 4);
    ck_assert_int_eq(kagg_any(&k), 0);
    ck_assert_int_eq(kagg_baseline(&k), -1);
    char names[4][64], line[256] = "x";
    ck_assert_uint_eq(kagg_chart_names(&k, names, 4), 0);
    kagg_explain(&k, &a, 0, line, sizeof line);
    ck_assert_str_eq(line, "");
    kagg_free(&k);
    ck_assert_ptr_null(k.g);
    ck_assert_uint_eq(k.n, 0);
    agg_free(&a);
    table_free(&kern);
    table_free(&sum);
}
END_TEST

START_TEST(missing_columns)
{
    static const char *const need[] = {"run_id", "side", "thread", "counter", "per_conn"};
    struct table sum, kern;
    struct agg a;
    struct kagg k;
    char err[200], want[200], header[256];

    testutil_parse_table(&sum, summary);
    ck_assert_int_eq(agg_build(&sum, &a, err, sizeof err), 0);
    for (size_t skip = 0; skip < 5; skip++) {
        header[0] = '\0';
        for (size_t c = 0; c < 5; c++)
            if (c != skip)
                snprintf(header + strlen(header), sizeof header - strlen(header), "%s%s",
                         header[0] ? "," : "", need[c]);
        strcat(header, "\n");
        testutil_parse_table(&kern, header);
        memset(&k, 0xA5, sizeof k);
        ck_assert_int_eq(kagg_build(&kern, &sum, &a, &k, err, sizeof err), -1);
        snprintf(want, sizeof want, "kernel.csv has no column '%s'", need[skip]);
        ck_assert_str_eq(err, want);
        ck_assert_ptr_null(k.g);   /* cleared: kagg_free is safe */
        kagg_free(&k);
        table_free(&kern);
    }
    /* The join needs the summary's run_id. */
    struct table nosum;
    struct agg na;
    testutil_parse_table(&nosum, "strategy,io,workers,connections,rate,partial,completed,"
                                 "conn_per_s,total_p50_us,total_p99_us,total_p999_us,"
                                 "connect_p99_us,jain_index,server_user_s,server_sys_s,"
                                 "server_wasted_wakeups,client_saturated\n");
    ck_assert_int_eq(agg_build(&nosum, &na, err, sizeof err), 0);
    testutil_parse_table(&kern, kernel_text());
    ck_assert_int_eq(kagg_build(&kern, &nosum, &na, &k, err, sizeof err), -1);
    ck_assert_str_eq(err, "summary.csv has no column 'run_id'");
    kagg_free(&k);
    table_free(&kern);
    agg_free(&na);
    table_free(&nosum);
    agg_free(&a);
    table_free(&sum);
}
END_TEST

/* ---- syscalls.csv read back ---- */

START_TEST(parse_derived)
{
    struct table t;
    struct kagg k;
    char err[200] = "", text[512];

    /* Rows as report_kernel.c writes them (any order; the group columns it writes
     * before these are not needed). */
    testutil_parse_table(&t, "group_index,side,counter,per_conn,runs\n"
                             "1,server,syscalls,7.5000,3\n"
                             "1,server,syscall:read,1.0000,3\n"
                             "1,server,syscall:epoll_ctl,2.0000,3\n"
                             "1,server,context_switches,0.5000,3\n"
                             "1,client,syscalls,9.8000,2\n");
    ck_assert_int_eq(kagg_parse(&t, 3, &k, err, sizeof err), 0);
    ck_assert_uint_eq(k.n, 3);
    ck_assert_uint_eq(k.g[0][KAGG_SERVER].runs, 0);
    ck_assert_uint_eq(k.g[1][KAGG_SERVER].runs, 3);
    ck_assert_uint_eq(k.g[1][KAGG_CLIENT].runs, 2);
    side_text(&k.g[1][KAGG_SERVER], text, sizeof text);
    ck_assert_str_eq(text, "syscalls=7.5 context_switches=0.5 syscall:epoll_ctl=2 syscall:read=1");
    ck_assert_double_eq(kagg_get(&k, 1, KAGG_CLIENT, "syscalls"), 9.8);
    /* syscalls.csv holds means only: no median, no runs' values. */
    ck_assert_double_nan(kagg_median(&k, 1, KAGG_CLIENT, "syscalls"));
    ck_assert_ptr_null(k.g[1][KAGG_CLIENT].c[0].run);
    ck_assert_int_eq(kagg_baseline(&k), 1);
    kagg_free(&k);
    table_free(&t);

    /* A configuration summary.csv does not have: a stale file. */
    testutil_parse_table(&t, "group_index,side,counter,per_conn,runs\n"
                             "0,server,syscalls,7.5,1\n"
                             "3,server,syscalls,7.5,1\n");
    ck_assert_int_eq(kagg_parse(&t, 3, &k, err, sizeof err), -1);
    ck_assert_str_eq(err, "syscalls.csv line 3: no configuration 3, side 'server' in "
                          "summary.csv (run acceptbench-report aggregate again)");
    ck_assert_ptr_null(k.g);
    table_free(&t);
    testutil_parse_table(&t, "group_index,side,counter,per_conn,runs\n"
                             "0,both,syscalls,7.5,1\n");
    ck_assert_int_eq(kagg_parse(&t, 3, &k, err, sizeof err), -1);
    ck_assert_str_eq(err, "syscalls.csv line 2: no configuration 0, side 'both' in "
                          "summary.csv (run acceptbench-report aggregate again)");
    table_free(&t);
    testutil_parse_table(&t, "group_index,side,counter,per_conn\n");
    ck_assert_int_eq(kagg_parse(&t, 3, &k, err, sizeof err), -1);
    ck_assert_str_eq(err, "syscalls.csv has no column 'runs'");
    table_free(&t);
}
END_TEST

START_TEST(side_names)
{
    ck_assert_str_eq(kagg_side_name(KAGG_SERVER), "server");
    ck_assert_str_eq(kagg_side_name(KAGG_CLIENT), "client");
    ck_assert_int_eq(kagg_side_by_name("server"), KAGG_SERVER);
    ck_assert_int_eq(kagg_side_by_name("client"), KAGG_CLIENT);
    ck_assert_int_eq(kagg_side_by_name("Server"), -1);
    ck_assert_int_eq(kagg_side_by_name(""), -1);
}
END_TEST

/* ---- chart ---- */

START_TEST(chart_share)
{
    struct table t;
    struct kagg k;
    char err[200] = "", names[8][64];

    /* 1% of a bar is enough (futex, 0.09 of 8), under it is "other" (mprotect, 0.079). */
    testutil_parse_table(&t, "group_index,side,counter,per_conn,runs\n"
                             "0,server,syscalls,8.0000,1\n"
                             "0,server,syscall:accept4,7.8400,1\n"
                             "0,server,syscall:futex,0.0900,1\n"
                             "0,server,syscall:mprotect,0.0790,1\n");
    ck_assert_int_eq(kagg_parse(&t, 1, &k, err, sizeof err), 0);
    ck_assert_uint_eq(kagg_chart_names(&k, names, 8), 2);
    ck_assert_str_eq(names[0], "accept4");
    ck_assert_str_eq(names[1], "futex");
    kagg_free(&k);
    table_free(&t);
}
END_TEST

START_TEST(chart_names)
{
    struct fixture f;
    char names[20][64];

    fixture_build(&f);
    /* Ordered by the sum of the four bars' means (epoll_ctl 3 + 2 + 3 = 8; close,
     * epoll_wait, read 4; accept4, write 2.5; connect, getsockopt, sendto,
     * setsockopt, socket 2; futex 0.75); brk, 0.6% of its bar, is "other". */
    static const char *const want[] = {"epoll_ctl", "close", "epoll_wait", "read", "accept4",
                                       "write", "connect", "getsockopt", "sendto",
                                       "setsockopt", "socket", "futex"};
    size_t n = kagg_chart_names(&f.k, names, 20);
    ck_assert_uint_eq(n, 12);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(names[i], want[i]);
    /* At most max, the largest kept. */
    ck_assert_uint_eq(kagg_chart_names(&f.k, names, 3), 3);
    ck_assert_str_eq(names[0], "epoll_ctl");
    ck_assert_str_eq(names[2], "epoll_wait");
    ck_assert_uint_eq(kagg_chart_names(&f.k, names, 0), 0);
    fixture_free(&f);
}
END_TEST

/* ---- sentences ---- */

START_TEST(explain_fixture)
{
    struct fixture f;
    char line[512];

    fixture_build(&f);
    kagg_explain(&f.k, &f.a, 0, line, sizeof line);
    ck_assert_str_eq(line, "shared/blocking: 6.25 calls per connection, the fewest: "
                           "setsockopt 2.00, accept4 1.00, close 1.00, read 1.00, sendto 1.00.");
    /* Ties by name: epoll_ctl +2 before setsockopt -2; then five at most (futex,
     * +0.25, is left out). */
    kagg_explain(&f.k, &f.a, 1, line, sizeof line);
    ck_assert_str_eq(line, "pool/epoll: 3.00 more calls per connection than shared/blocking: "
                           "epoll_ctl +2.00, setsockopt -2.00, epoll_wait +1.75, "
                           "accept4 +0.50, write +0.50.");
    kagg_explain(&f.k, &f.a, 2, line, sizeof line);
    ck_assert_str_eq(line, "");
    kagg_explain(&f.k, &f.a, 3, line, sizeof line);
    ck_assert_str_eq(line, "");
    kagg_explain(&f.k, &f.a, 4, line, sizeof line);
    ck_assert_str_eq(line, "");
    /* A short buffer is cut, never overrun. */
    kagg_explain(&f.k, &f.a, 1, line, 21);
    ck_assert_str_eq(line, "pool/epoll: 3.00 mor");
    fixture_free(&f);
}
END_TEST

START_TEST(explain_equal_and_hidden)
{
    struct table sum, t;
    struct agg a;
    struct kagg k;
    char err[200] = "", line[512];

    /* reuseport/blocking makes as many calls as shared/blocking (the first of
     * equals is the baseline), in the same calls; pool/epoll's 0.004 more is "as
     * many" at 2 decimals, its futex not named; reuseport/uring's 0.05 futex is
     * named, its 0.0499 mprotect and -0.03 setsockopt are not. */
    testutil_parse_table(&sum, summary);
    ck_assert_int_eq(agg_build(&sum, &a, err, sizeof err), 0);
    testutil_parse_table(&t, "group_index,side,counter,per_conn,runs\n"
                             "0,server,syscalls,6.0000,1\n"
                             "0,server,syscall:accept4,1.0000,1\n"
                             "0,server,syscall:setsockopt,2.0000,1\n"
                             "2,server,syscalls,6.0000,1\n"
                             "2,server,syscall:accept4,1.0000,1\n"
                             "2,server,syscall:setsockopt,2.0000,1\n"
                             "1,server,syscalls,6.0040,1\n"
                             "1,server,syscall:accept4,1.0000,1\n"
                             "1,server,syscall:setsockopt,2.0000,1\n"
                             "1,server,syscall:futex,0.0040,1\n"
                             "3,server,syscalls,6.0699,1\n"
                             "3,server,syscall:accept4,1.0000,1\n"
                             "3,server,syscall:setsockopt,1.9700,1\n"
                             "3,server,syscall:futex,0.0500,1\n"
                             "3,server,syscall:mprotect,0.0499,1\n");
    ck_assert_int_eq(kagg_parse(&t, a.n, &k, err, sizeof err), 0);
    ck_assert_int_eq(kagg_baseline(&k), 0);
    kagg_explain(&k, &a, 2, line, sizeof line);
    ck_assert_str_eq(line, "reuseport/blocking: as many calls per connection as "
                           "shared/blocking (6.00).");
    kagg_explain(&k, &a, 1, line, sizeof line);
    ck_assert_str_eq(line, "pool/epoll: as many calls per connection as shared/blocking (6.00).");
    kagg_explain(&k, &a, 3, line, sizeof line);
    ck_assert_str_eq(line, "reuseport/uring: 0.07 more calls per connection than "
                           "shared/blocking: futex +0.05.");
    kagg_free(&k);
    table_free(&t);
    agg_free(&a);
    table_free(&sum);
}
END_TEST

static Suite *kagg_suite(void)
{
    Suite *s = suite_create("kagg");
    TCase *tc;

    tc = tcase_create("build");
    tcase_add_test(tc, means_per_side);
    tcase_add_test(tc, get_values);
    tcase_add_test(tc, medians_per_run);
    tcase_add_test(tc, no_counters);
    tcase_add_test(tc, missing_columns);
    tcase_add_test(tc, parse_derived);
    tcase_add_test(tc, side_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("chart");
    tcase_add_test(tc, chart_names);
    tcase_add_test(tc, chart_share);
    suite_add_tcase(s, tc);

    tc = tcase_create("explain");
    tcase_add_test(tc, explain_fixture);
    tcase_add_test(tc, explain_equal_and_hidden);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kagg_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
