/* Unit tests for bench/agg: grouping a synthetic summary.csv by configuration
 * (first-appearance order, repeats, partial rows skipped), the derived metrics
 * (the optional host columns' among them), the missing-column message, group names
 * with and without a sweep, lookup, metric names, and the median/min/max over
 * finite values. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "table.h"
#include "testutil.h"

/* Every column agg_build requires, in agg.c's order. */
static const char *const required[] = {
    "strategy", "io", "workers", "connections", "rate", "partial", "completed",
    "conn_per_s", "total_p50_us", "total_p99_us", "total_p999_us", "connect_p99_us",
    "jain_index", "server_user_s", "server_sys_s", "server_wasted_wakeups",
    "client_saturated",
};
#define NREQUIRED (sizeof required / sizeof required[0])

/* A summary in its own column order, with extra columns (run_id) and only three
 * of the eight error classes:
 *   r1, r4  pool/epoll w4      two repeats (r3 between them is partial)
 *   r2, r6  reuseport/epoll w4 (r6 has an empty partial cell: not partial)
 *   r5, r8  pool/epoll w8      r5 completed 0, r8 completed empty
 *   r7      reuseport/uring    partial only: no group at all */
static const char summary[] =
    "run_id,strategy,io,workers,connections,rate,partial,completed,conn_per_s,"
    "total_p50_us,total_p99_us,total_p999_us,connect_p99_us,jain_index,client_saturated,"
    "server_user_s,server_sys_s,server_wasted_wakeups,errors_refused,errors_reset,"
    "errors_timeout\n"
    "r1,pool,epoll,4,100,0,0,20000,10000,50,200,900,30,0.5,0,1.5,2,400,1,2,0\n"
    "r2,reuseport,epoll,4,100,0,0,10000,5000,40,100,300,20,1,0,0.25,0.5,0,0,0,0\n"
    "r3,pool,epoll,4,100,0,1,500,250,1,1,1,1,1,1,1,1,1,9,9,9\n"
    "r4,pool,epoll,4,100,0,0,40000,20000,60,250,1000,35,0.75,1,1,4,1000,,5,\n"
    "r5,pool,epoll,8,100,0,0,0,0,,,,,,0,0.1,0.1,7,0,0,4\n"
    "r6,reuseport,epoll,4,100,0,,8000,4000,45,120,350,25,0.5,0,0.125,0.375,16,0,1,0\n"
    "r7,reuseport,uring,4,100,0,1,9000,4500,1,1,1,1,1,0,1,1,1,0,0,0\n"
    "r8,pool,epoll,8,100,0,0,,3000,10,20,30,5,0.875,0,1,1,1,0,0,0\n";

static void check_config(const struct agg_group *g, const char *strategy, const char *io,
                         long workers, long connections, long rate, size_t n)
{
    ck_assert_str_eq(g->strategy, strategy);
    ck_assert_str_eq(g->io, io);
    ck_assert_int_eq(g->workers, workers);
    ck_assert_int_eq(g->connections, connections);
    ck_assert_int_eq(g->rate, rate);
    ck_assert_uint_eq(g->n, n);
}

/* ---- build ---- */

START_TEST(groups_in_first_appearance_order)
{
    struct agg a;

    testutil_build_agg(&a, summary);
    ck_assert_uint_eq(a.n, 3);
    check_config(&a.g[0], "pool", "epoll", 4, 100, 0, 2);
    check_config(&a.g[1], "reuseport", "epoll", 4, 100, 0, 2);
    check_config(&a.g[2], "pool", "epoll", 8, 100, 0, 2);
    agg_free(&a);
    ck_assert_ptr_null(a.g);
    ck_assert_uint_eq(a.n, 0);
}
END_TEST

START_TEST(repeats_in_row_order)
{
    struct agg a;

    testutil_build_agg(&a, summary);
    /* pool/epoll w4: r1 then r4; r3 (partial) is not among them. */
    const struct agg_group *g = &a.g[0];
    ck_assert_double_eq(g->v[AGG_CONN_PER_S][0], 10000.0);
    ck_assert_double_eq(g->v[AGG_CONN_PER_S][1], 20000.0);
    ck_assert_double_eq(g->v[AGG_TOTAL_P50_US][0], 50.0);
    ck_assert_double_eq(g->v[AGG_TOTAL_P50_US][1], 60.0);
    ck_assert_double_eq(g->v[AGG_TOTAL_P99_US][0], 200.0);
    ck_assert_double_eq(g->v[AGG_TOTAL_P99_US][1], 250.0);
    ck_assert_double_eq(g->v[AGG_TOTAL_P999_US][0], 900.0);
    ck_assert_double_eq(g->v[AGG_TOTAL_P999_US][1], 1000.0);
    ck_assert_double_eq(g->v[AGG_CONNECT_P99_US][0], 30.0);
    ck_assert_double_eq(g->v[AGG_CONNECT_P99_US][1], 35.0);
    ck_assert_double_eq(g->v[AGG_JAIN_INDEX][0], 0.5);
    ck_assert_double_eq(g->v[AGG_JAIN_INDEX][1], 0.75);
    ck_assert_double_eq(g->v[AGG_CLIENT_SATURATED][0], 0.0);
    ck_assert_double_eq(g->v[AGG_CLIENT_SATURATED][1], 1.0);

    /* reuseport/epoll w4: r2 then r6. */
    g = &a.g[1];
    ck_assert_double_eq(g->v[AGG_CONN_PER_S][0], 5000.0);
    ck_assert_double_eq(g->v[AGG_CONN_PER_S][1], 4000.0);

    /* Empty cells stay NAN. */
    g = &a.g[2];
    ck_assert_double_eq(g->v[AGG_CONN_PER_S][0], 0.0);
    ck_assert_double_eq(g->v[AGG_CONN_PER_S][1], 3000.0);
    ck_assert_double_nan(g->v[AGG_TOTAL_P50_US][0]);
    ck_assert_double_eq(g->v[AGG_TOTAL_P50_US][1], 10.0);
    ck_assert_double_nan(g->v[AGG_JAIN_INDEX][0]);
    ck_assert_double_eq(g->v[AGG_JAIN_INDEX][1], 0.875);
    agg_free(&a);
}
END_TEST

START_TEST(partial_rows_skipped)
{
    struct agg a;
    struct agg_group like = {.strategy = "reuseport", .io = "uring", .workers = 4,
                             .connections = 100, .rate = 0};

    testutil_build_agg(&a, summary);
    ck_assert_ptr_null(agg_find(&a, &like));   /* r7 was partial: no group */
    agg_free(&a);

    /* Nothing but partial rows: no groups. */
    char text[2048];
    snprintf(text, sizeof text, "%.*s%s", (int)(strchr(summary, '\n') + 1 - summary), summary,
             "r3,pool,epoll,4,100,0,1,500,250,1,1,1,1,1,1,1,1,1,9,9,9\n");
    testutil_build_agg(&a, text);
    ck_assert_uint_eq(a.n, 0);
    ck_assert_ptr_null(a.g);
    agg_free(&a);
}
END_TEST

START_TEST(derived_metrics)
{
    struct agg a;

    testutil_build_agg(&a, summary);
    /* server_*_ms_per_1k = server_*_s * 1e6 / completed;
     * wasted_wakeups_per_1k = server_wasted_wakeups * 1000 / completed. */
    const struct agg_group *g = &a.g[0];
    ck_assert_double_eq(g->v[AGG_SERVER_USER_MS_PER_1K][0], 75.0);    /* 1.5e6 / 20000 */
    ck_assert_double_eq(g->v[AGG_SERVER_SYS_MS_PER_1K][0], 100.0);    /* 2e6 / 20000 */
    ck_assert_double_eq(g->v[AGG_WASTED_PER_1K][0], 20.0);            /* 400e3 / 20000 */
    ck_assert_double_eq(g->v[AGG_SERVER_USER_MS_PER_1K][1], 25.0);    /* 1e6 / 40000 */
    ck_assert_double_eq(g->v[AGG_SERVER_SYS_MS_PER_1K][1], 100.0);    /* 4e6 / 40000 */
    ck_assert_double_eq(g->v[AGG_WASTED_PER_1K][1], 25.0);            /* 1e6 / 40000 */

    g = &a.g[1];
    ck_assert_double_eq(g->v[AGG_SERVER_USER_MS_PER_1K][0], 25.0);    /* 0.25e6 / 10000 */
    ck_assert_double_eq(g->v[AGG_SERVER_SYS_MS_PER_1K][0], 50.0);
    ck_assert_double_eq(g->v[AGG_WASTED_PER_1K][0], 0.0);
    ck_assert_double_eq(g->v[AGG_SERVER_USER_MS_PER_1K][1], 15.625);  /* 0.125e6 / 8000 */
    ck_assert_double_eq(g->v[AGG_SERVER_SYS_MS_PER_1K][1], 46.875);   /* 0.375e6 / 8000 */
    ck_assert_double_eq(g->v[AGG_WASTED_PER_1K][1], 2.0);             /* 16e3 / 8000 */

    /* No completions (0 or empty): per-1k figures are undefined. */
    g = &a.g[2];
    for (size_t i = 0; i < 2; i++) {
        ck_assert_double_nan(g->v[AGG_SERVER_USER_MS_PER_1K][i]);
        ck_assert_double_nan(g->v[AGG_SERVER_SYS_MS_PER_1K][i]);
        ck_assert_double_nan(g->v[AGG_WASTED_PER_1K][i]);
    }
    agg_free(&a);
}
END_TEST

START_TEST(host_metrics)
{
    struct agg a;

    /* Two repeats with the host columns (the second without --client-cpus: its
     * client cells are empty), one without completions. */
    testutil_build_agg(&a,
                       "strategy,io,workers,connections,rate,partial,completed,conn_per_s,"
                       "total_p50_us,total_p99_us,total_p999_us,connect_p99_us,jain_index,"
                       "server_user_s,server_sys_s,server_wasted_wakeups,client_saturated,"
                       "server_saturated,server_host_user_s,server_host_sys_s,"
                       "server_host_softirq_s,server_host_irq_s,server_host_steal_s,"
                       "server_host_busy_pct,client_host_user_s,client_host_sys_s,"
                       "client_host_softirq_s,client_host_irq_s,client_host_steal_s,"
                       "client_host_busy_pct\n"
                       "pool,epoll,1,1,0,0,20000,1,1,1,1,1,1,1,1,1,0,"
                       "1,0.5,1.5,1.25,0.25,0.5,97.5,1,0.5,0.25,0,0,58.25\n"
                       "pool,epoll,1,1,0,0,10000,1,1,1,1,1,1,1,1,1,1,"
                       "0,0.25,0.5,0.125,0,0,30,,,,,,\n"
                       "pool,epoll,1,1,0,0,0,1,1,1,1,1,1,1,1,1,0,"
                       "0,0.25,0.5,0.125,0,0,30,1,1,1,1,1,10\n");
    ck_assert_uint_eq(a.n, 1);
    const struct agg_group *g = &a.g[0];
    /* ms per 1k = s * 1e6 / completed; busy = user + sys + softirq + irq + steal. */
    ck_assert_double_eq(g->v[AGG_SERVER_HOST_MS_PER_1K][0], 200.0);        /* 4e6 / 20000 */
    ck_assert_double_eq(g->v[AGG_SERVER_HOST_USER_MS_PER_1K][0], 25.0);
    ck_assert_double_eq(g->v[AGG_SERVER_HOST_SYS_MS_PER_1K][0], 75.0);
    ck_assert_double_eq(g->v[AGG_SERVER_HOST_SOFTIRQ_MS_PER_1K][0], 62.5);
    ck_assert_double_eq(g->v[AGG_SERVER_HOST_IRQ_MS_PER_1K][0], 12.5);
    ck_assert_double_eq(g->v[AGG_SERVER_HOST_BUSY_PCT][0], 97.5);
    ck_assert_double_eq(g->v[AGG_SERVER_SATURATED][0], 1.0);
    ck_assert_double_eq(g->v[AGG_CLIENT_HOST_MS_PER_1K][0], 87.5);         /* 1.75e6 / 20000 */
    ck_assert_double_eq(g->v[AGG_CLIENT_HOST_USER_MS_PER_1K][0], 50.0);
    ck_assert_double_eq(g->v[AGG_CLIENT_HOST_SYS_MS_PER_1K][0], 25.0);
    ck_assert_double_eq(g->v[AGG_CLIENT_HOST_SOFTIRQ_MS_PER_1K][0], 12.5);
    ck_assert_double_eq(g->v[AGG_CLIENT_HOST_IRQ_MS_PER_1K][0], 0.0);
    ck_assert_double_eq(g->v[AGG_CLIENT_HOST_BUSY_PCT][0], 58.25);

    ck_assert_double_eq(g->v[AGG_SERVER_HOST_MS_PER_1K][1], 87.5);         /* 0.875e6 / 1e4 */
    ck_assert_double_eq(g->v[AGG_SERVER_SATURATED][1], 0.0);
    for (int m = AGG_CLIENT_HOST_MS_PER_1K; m <= AGG_CLIENT_HOST_BUSY_PCT; m++)
        ck_assert_double_nan(g->v[m][1]);

    /* No completions: no per-1k figures, but the busy share and the flag stand. */
    for (int m = AGG_SERVER_HOST_MS_PER_1K; m <= AGG_SERVER_HOST_IRQ_MS_PER_1K; m++)
        ck_assert_double_nan(g->v[m][2]);
    ck_assert_double_eq(g->v[AGG_SERVER_HOST_BUSY_PCT][2], 30.0);
    ck_assert_double_eq(g->v[AGG_CLIENT_HOST_BUSY_PCT][2], 10.0);
    ck_assert_double_eq(agg_median(g->v[AGG_SERVER_HOST_BUSY_PCT], g->n), 30.0);
    agg_free(&a);

    /* A summary from before the host columns: every host metric NAN, no error. */
    testutil_build_agg(&a, summary);
    for (size_t i = 0; i < a.n; i++)
        for (size_t k = 0; k < a.g[i].n; k++)
            for (int m = AGG_SERVER_HOST_MS_PER_1K; m <= AGG_SERVER_SATURATED; m++)
                ck_assert_double_nan(a.g[i].v[m][k]);
    agg_free(&a);
}
END_TEST

START_TEST(errors_summed)
{
    struct agg a;

    testutil_build_agg(&a, summary);
    ck_assert_double_eq(a.g[0].v[AGG_ERRORS][0], 3.0);   /* 1 + 2 + 0 */
    ck_assert_double_eq(a.g[0].v[AGG_ERRORS][1], 5.0);   /* empty + 5 + empty */
    ck_assert_double_eq(a.g[1].v[AGG_ERRORS][0], 0.0);
    ck_assert_double_eq(a.g[1].v[AGG_ERRORS][1], 1.0);
    ck_assert_double_eq(a.g[2].v[AGG_ERRORS][0], 4.0);
    ck_assert_double_eq(a.g[2].v[AGG_ERRORS][1], 0.0);
    agg_free(&a);

    /* All eight classes present, each counted once. */
    testutil_build_agg(&a,
                       "strategy,io,workers,connections,rate,partial,completed,conn_per_s,"
                       "total_p50_us,total_p99_us,total_p999_us,connect_p99_us,jain_index,"
                       "server_user_s,server_sys_s,server_wasted_wakeups,client_saturated,"
                       "errors_refused,errors_reset,errors_timeout,errors_addrnotavail,"
                       "errors_status,errors_short,errors_malformed,errors_other\n"
                       "pool,epoll,1,1,0,0,1000,1,1,1,1,1,1,1,1,1,0,1,2,4,8,16,32,64,128\n");
    ck_assert_uint_eq(a.n, 1);
    ck_assert_double_eq(a.g[0].v[AGG_ERRORS][0], 255.0);
    agg_free(&a);

    /* No errors_* column at all: 0, not NAN. */
    testutil_build_agg(&a,
                       "strategy,io,workers,connections,rate,partial,completed,conn_per_s,"
                       "total_p50_us,total_p99_us,total_p999_us,connect_p99_us,jain_index,"
                       "server_user_s,server_sys_s,server_wasted_wakeups,client_saturated\n"
                       "pool,epoll,1,1,0,0,1000,1,1,1,1,1,1,1,1,1,0\n");
    ck_assert_uint_eq(a.n, 1);
    ck_assert_double_eq(a.g[0].v[AGG_ERRORS][0], 0.0);
    agg_free(&a);
}
END_TEST

START_TEST(header_only_no_groups)
{
    struct agg a;

    testutil_build_agg(&a,
                       "strategy,io,workers,connections,rate,partial,completed,conn_per_s,"
                       "total_p50_us,total_p99_us,total_p999_us,connect_p99_us,jain_index,"
                       "server_user_s,server_sys_s,server_wasted_wakeups,client_saturated\n");
    ck_assert_uint_eq(a.n, 0);
    ck_assert_ptr_null(a.g);
    agg_free(&a);
}
END_TEST

START_TEST(missing_column)
{
    for (size_t skip = 0; skip < NREQUIRED; skip++) {
        char header[1024] = "", want[128], err[200] = "";
        struct table t;
        struct agg a;

        for (size_t c = 0; c < NREQUIRED; c++)
            if (c != skip) {
                if (*header)
                    strcat(header, ",");
                strcat(header, required[c]);
            }
        strcat(header, ",errors_refused\n");
        testutil_parse_table(&t, header);
        memset(&a, 0xA5, sizeof a);
        ck_assert_int_eq(agg_build(&t, &a, err, sizeof err), -1);
        snprintf(want, sizeof want, "summary.csv has no column '%s'", required[skip]);
        ck_assert_str_eq(err, want);
        ck_assert_ptr_null(a.g);   /* cleared: agg_free is safe */
        ck_assert_uint_eq(a.n, 0);
        agg_free(&a);
        table_free(&t);
    }
}
END_TEST

START_TEST(missing_column_first_reported)
{
    struct table t;
    struct agg a;
    char err[200] = "";

    /* agg.c checks in its own order: "strategy" comes before "completed". */
    testutil_parse_table(&t, "completed,io\n1,epoll\n");
    ck_assert_int_eq(agg_build(&t, &a, err, sizeof err), -1);
    ck_assert_str_eq(err, "summary.csv has no column 'strategy'");
    table_free(&t);
}
END_TEST

/* ---- names and lookup ---- */

START_TEST(group_name_without_sweep)
{
    struct agg a;

    testutil_build_agg(&a,
                       "strategy,io,workers,connections,rate,partial,completed,conn_per_s,"
                       "total_p50_us,total_p99_us,total_p999_us,connect_p99_us,jain_index,"
                       "server_user_s,server_sys_s,server_wasted_wakeups,client_saturated\n"
                       "pool,epoll,4,100,0,0,1000,1,1,1,1,1,1,1,1,1,0\n"
                       "reuseport,uring,4,100,0,0,1000,1,1,1,1,1,1,1,1,1,0\n"
                       "pool,epoll,4,100,0,0,1000,1,1,1,1,1,1,1,1,1,0\n");
    char buf[64];
    ck_assert_uint_eq(a.n, 2);
    agg_group_name(&a, &a.g[0], buf, sizeof buf);
    ck_assert_str_eq(buf, "pool/epoll");
    agg_group_name(&a, &a.g[1], buf, sizeof buf);
    ck_assert_str_eq(buf, "reuseport/uring");
    agg_free(&a);
}
END_TEST

START_TEST(group_name_with_sweep)
{
    struct agg a;
    char buf[64];

    /* The summary sweeps workers only. */
    testutil_build_agg(&a, summary);
    agg_group_name(&a, &a.g[0], buf, sizeof buf);
    ck_assert_str_eq(buf, "pool/epoll w4");
    agg_group_name(&a, &a.g[1], buf, sizeof buf);
    ck_assert_str_eq(buf, "reuseport/epoll w4");
    agg_group_name(&a, &a.g[2], buf, sizeof buf);
    ck_assert_str_eq(buf, "pool/epoll w8");
    agg_free(&a);

    /* Hand-built groups: connections and rate vary, workers do not. */
    struct agg_group g[3] = {
        {.strategy = "pool", .io = "epoll", .workers = 4, .connections = 50, .rate = 0},
        {.strategy = "pool", .io = "epoll", .workers = 4, .connections = 100, .rate = 1000},
        {.strategy = "pool", .io = "epoll", .workers = 4, .connections = 50, .rate = 1000},
    };
    struct agg h = {.g = g, .n = 3};
    agg_group_name(&h, &g[0], buf, sizeof buf);
    ck_assert_str_eq(buf, "pool/epoll c50 r0");
    agg_group_name(&h, &g[1], buf, sizeof buf);
    ck_assert_str_eq(buf, "pool/epoll c100 r1000");
    agg_group_name(&h, &g[2], buf, sizeof buf);
    ck_assert_str_eq(buf, "pool/epoll c50 r1000");

    /* All three swept. */
    g[1].workers = 8;
    agg_group_name(&h, &g[1], buf, sizeof buf);
    ck_assert_str_eq(buf, "pool/epoll w8 c100 r1000");
    agg_group_name(&h, &g[0], buf, sizeof buf);
    ck_assert_str_eq(buf, "pool/epoll w4 c50 r0");
}
END_TEST

START_TEST(group_name_truncated)
{
    struct agg_group g[2] = {
        {.strategy = "pool", .io = "epoll", .workers = 4, .connections = 50, .rate = 0},
        {.strategy = "pool", .io = "epoll", .workers = 8, .connections = 100, .rate = 0},
    };
    struct agg h = {.g = g, .n = 2};
    char buf[32];

    agg_group_name(&h, &g[0], buf, 8);
    ck_assert_str_eq(buf, "pool/ep");
    agg_group_name(&h, &g[0], buf, 12);     /* cut inside " w4" */
    ck_assert_str_eq(buf, "pool/epoll ");
    agg_group_name(&h, &g[0], buf, 14);     /* room for " w4" but not " c50" */
    ck_assert_str_eq(buf, "pool/epoll w4");
    agg_group_name(&h, &g[0], buf, 15);
    ck_assert_str_eq(buf, "pool/epoll w4 ");
}
END_TEST

START_TEST(find_group)
{
    struct agg a;

    testutil_build_agg(&a, summary);
    struct agg_group like = {.strategy = "pool", .io = "epoll", .workers = 8,
                             .connections = 100, .rate = 0};
    ck_assert_ptr_eq(agg_find(&a, &like), &a.g[2]);
    like.workers = 4;
    ck_assert_ptr_eq(agg_find(&a, &like), &a.g[0]);
    snprintf(like.strategy, sizeof like.strategy, "reuseport");
    ck_assert_ptr_eq(agg_find(&a, &like), &a.g[1]);

    /* Any one field different: not found. */
    struct agg_group miss = a.g[0];
    snprintf(miss.strategy, sizeof miss.strategy, "poo");
    ck_assert_ptr_null(agg_find(&a, &miss));
    miss = a.g[0];
    snprintf(miss.io, sizeof miss.io, "uring");
    ck_assert_ptr_null(agg_find(&a, &miss));
    miss = a.g[0];
    miss.workers = 2;
    ck_assert_ptr_null(agg_find(&a, &miss));
    miss = a.g[0];
    miss.connections = 101;
    ck_assert_ptr_null(agg_find(&a, &miss));
    miss = a.g[0];
    miss.rate = 1;
    ck_assert_ptr_null(agg_find(&a, &miss));
    agg_free(&a);

    struct agg empty = {0};
    ck_assert_ptr_null(agg_find(&empty, &like));
}
END_TEST

START_TEST(metric_names)
{
    static const char *const names[AGG_NMETRICS] = {
        "conn_per_s", "total_p50_us", "total_p99_us", "total_p999_us", "connect_p99_us",
        "jain_index", "server_user_ms_per_1k", "server_sys_ms_per_1k",
        "wasted_wakeups_per_1k", "errors", "client_saturated", "conn_per_s_rel",
        "server_host_ms_per_1k", "server_host_user_ms_per_1k", "server_host_sys_ms_per_1k",
        "server_host_softirq_ms_per_1k", "server_host_irq_ms_per_1k", "server_host_busy_pct",
        "client_host_ms_per_1k", "client_host_user_ms_per_1k", "client_host_sys_ms_per_1k",
        "client_host_softirq_ms_per_1k", "client_host_irq_ms_per_1k", "client_host_busy_pct",
        "server_saturated", "server_syscalls_per_conn", "server_context_switches_per_conn",
        "server_migrations_per_conn", "client_syscalls_per_conn",
        "client_context_switches_per_conn", "client_migrations_per_conn",
        "tcp_listen_overflows", "tcp_listen_drops", "tcp_req_q_full_drop",
        "tcp_req_q_full_do_cookies", "tcp_syncookies_sent", "tcp_syn_retrans",
        "tcp_time_wait_overflow", "tcp_abort_on_data", "tcp_abort_on_close",
        "tcp_abort_on_timeout", "tcp_backlog_drop", "tcp_attempt_fails", "tcp_estab_resets",
        "tcp_out_rsts", "tcp_retrans_segs",
    };

    for (int m = 0; m < AGG_NMETRICS; m++) {
        ck_assert_str_eq(agg_metric_name((enum agg_metric)m), names[m]);
        ck_assert_int_eq(agg_metric_by_name(names[m]), m);
        ck_assert_int_eq(agg_metric_by_name(agg_metric_name((enum agg_metric)m)), m);
    }
    ck_assert_int_eq(agg_metric_by_name("conn_per_sec"), -1);
    ck_assert_int_eq(agg_metric_by_name("Conn_per_s"), -1);
    ck_assert_int_eq(agg_metric_by_name("conn"), -1);
    ck_assert_int_eq(agg_metric_by_name(""), -1);
    ck_assert_int_eq(agg_metric_by_name("server_sys_s"), -1);   /* a column, not a metric */
}
END_TEST

/* ---- stats ---- */

START_TEST(median_values)
{
    const double odd[] = {3, 1, 2};
    const double even[] = {4, 1, 3, 2};
    const double gaps[] = {NAN, 5, 1, NAN, 3};
    const double gaps_even[] = {NAN, 10, 2};
    const double infs[] = {INFINITY, 1, 2, -INFINITY};
    const double none[] = {NAN, NAN};
    const double one[] = {7.5};
    const double neg[] = {-2, -8, -4, -6};

    ck_assert_double_eq(agg_median(odd, 3), 2.0);
    ck_assert_double_eq(agg_median(even, 4), 2.5);
    ck_assert_double_eq(agg_median(gaps, 5), 3.0);
    ck_assert_double_eq(agg_median(gaps_even, 3), 6.0);
    ck_assert_double_eq(agg_median(infs, 4), 1.5);     /* only finite values */
    ck_assert_double_nan(agg_median(none, 2));
    ck_assert_double_nan(agg_median(NULL, 0));
    ck_assert_double_eq(agg_median(one, 1), 7.5);
    ck_assert_double_eq(agg_median(neg, 4), -5.0);
    ck_assert_double_eq(agg_median(even, 3), 3.0);     /* only the first n count */
    /* The input is left unsorted. */
    ck_assert_double_eq(odd[0], 3.0);
    ck_assert_double_eq(odd[1], 1.0);
    ck_assert_double_eq(odd[2], 2.0);
}
END_TEST

START_TEST(min_max_values)
{
    const double v[] = {3, -1, NAN, 7, 0};
    const double infs[] = {INFINITY, 4, -INFINITY, 2};
    const double none[] = {NAN, NAN, NAN};
    const double first_nan[] = {NAN, 9};

    ck_assert_double_eq(agg_min(v, 5), -1.0);
    ck_assert_double_eq(agg_max(v, 5), 7.0);
    ck_assert_double_eq(agg_min(v, 1), 3.0);
    ck_assert_double_eq(agg_max(v, 1), 3.0);
    ck_assert_double_eq(agg_min(infs, 4), 2.0);
    ck_assert_double_eq(agg_max(infs, 4), 4.0);
    ck_assert_double_eq(agg_min(first_nan, 2), 9.0);
    ck_assert_double_eq(agg_max(first_nan, 2), 9.0);
    ck_assert_double_nan(agg_min(none, 3));
    ck_assert_double_nan(agg_max(none, 3));
    ck_assert_double_nan(agg_min(NULL, 0));
    ck_assert_double_nan(agg_max(NULL, 0));
}
END_TEST

START_TEST(stats_over_groups)
{
    struct agg a;

    testutil_build_agg(&a, summary);
    const struct agg_group *g = &a.g[0];
    ck_assert_double_eq(agg_median(g->v[AGG_CONN_PER_S], g->n), 15000.0);
    ck_assert_double_eq(agg_min(g->v[AGG_CONN_PER_S], g->n), 10000.0);
    ck_assert_double_eq(agg_max(g->v[AGG_CONN_PER_S], g->n), 20000.0);
    ck_assert_double_eq(agg_median(g->v[AGG_SERVER_SYS_MS_PER_1K], g->n), 100.0);
    g = &a.g[2];
    ck_assert_double_eq(agg_median(g->v[AGG_TOTAL_P50_US], g->n), 10.0);
    ck_assert_double_nan(agg_median(g->v[AGG_SERVER_USER_MS_PER_1K], g->n));
    ck_assert_double_nan(agg_min(g->v[AGG_WASTED_PER_1K], g->n));
    agg_free(&a);
}
END_TEST

static Suite *agg_suite(void)
{
    Suite *s = suite_create("agg");
    TCase *tc;

    tc = tcase_create("build");
    tcase_add_test(tc, groups_in_first_appearance_order);
    tcase_add_test(tc, repeats_in_row_order);
    tcase_add_test(tc, partial_rows_skipped);
    tcase_add_test(tc, derived_metrics);
    tcase_add_test(tc, host_metrics);
    tcase_add_test(tc, errors_summed);
    tcase_add_test(tc, header_only_no_groups);
    tcase_add_test(tc, missing_column);
    tcase_add_test(tc, missing_column_first_reported);
    suite_add_tcase(s, tc);

    tc = tcase_create("names");
    tcase_add_test(tc, group_name_without_sweep);
    tcase_add_test(tc, group_name_with_sweep);
    tcase_add_test(tc, group_name_truncated);
    tcase_add_test(tc, find_group);
    tcase_add_test(tc, metric_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("stats");
    tcase_add_test(tc, median_values);
    tcase_add_test(tc, min_max_values);
    tcase_add_test(tc, stats_over_groups);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(agg_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
