/* Unit tests for servers/stats: stats_read copies every counter, and the /stats
 * CSV and the shutdown table come out byte for byte as documented. */
#include <check.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

/* The header as docs/protocol.md lists the columns: plain, unquoted. */
#define HEADER "strategy,io,worker,pid,tid,accepted,requests,bytes_in,bytes_out," \
    "wasted_wakeups,accept_errors,cpu_user_us,cpu_sys_us,process_user_us,"         \
    "process_sys_us,queue_peak,acceptor_errors,wakeups,accepted_local,locality_measured,steered"

static const struct stats_row two_rows[2] = {
    { .worker = 0, .pid = 4242, .tid = 4243, .accepted = 10, .accepted_local = 9, .requests = 20,
      .bytes_in = 300, .bytes_out = 4000, .wasted_wakeups = 3, .accept_errors = 0,
      .cpu_user_us = 1500, .cpu_sys_us = 260, .wakeups = 77 },
    { .worker = 1, .pid = 4242, .tid = 4244, .accepted = 7, .requests = 1000000,
      .bytes_in = 0, .bytes_out = UINT64_MAX, .wasted_wakeups = 0, .accept_errors = 2,
      .cpu_user_us = 0, .cpu_sys_us = 123456 },
};

static const struct stats_process proc = {
    .strategy = "pool", .io = "epoll", .user_us = 2049, .sys_us = 1260,
    .queue_peak = 5, .acceptor_errors = 1, .locality_measured = 1,
};

/* ---- counters ---- */

START_TEST(worker_stats_layout)
{
    /* An array of them gives each worker its own cache lines. */
    ck_assert_uint_eq(alignof(struct worker_stats), 64);
    ck_assert_uint_eq(sizeof(struct worker_stats) % 64, 0);
}
END_TEST

START_TEST(add_accumulates)
{
    struct worker_stats st;

    memset(&st, 0, sizeof(st));
    stats_add(&st.requests, 1);
    stats_add(&st.requests, 41);
    stats_add(&st.bytes_in, 0);
    stats_add(&st.bytes_out, UINT64_MAX - 1);
    stats_add(&st.bytes_out, 1);
    ck_assert_uint_eq(atomic_load(&st.requests), 42);
    ck_assert_uint_eq(atomic_load(&st.bytes_in), 0);
    ck_assert_uint_eq(atomic_load(&st.bytes_out), UINT64_MAX);
    ck_assert_uint_eq(atomic_load(&st.accepted), 0);
}
END_TEST

START_TEST(read_copies_counters)
{
    struct worker_stats st;
    struct stats_row row;

    memset(&st, 0, sizeof(st));
    atomic_store(&st.accepted, 11);
    atomic_store(&st.accepted_local, 10);
    atomic_store(&st.requests, 22);
    atomic_store(&st.bytes_in, 33);
    atomic_store(&st.bytes_out, UINT64_MAX);
    atomic_store(&st.wasted_wakeups, 55);
    atomic_store(&st.accept_errors, 66);
    atomic_store(&st.pid, 777);
    atomic_store(&st.tid, 888);
    atomic_store(&st.exit_user_us, 999);
    atomic_store(&st.exit_sys_us, 1111);
    memset(&row, 0xA5, sizeof(row));

    stats_read(&st, 3, &row);
    ck_assert_int_eq(row.worker, 3);
    ck_assert_int_eq(row.pid, 777);
    ck_assert_int_eq(row.tid, 888);
    ck_assert_uint_eq(row.accepted, 11);
    ck_assert_uint_eq(row.accepted_local, 10);
    ck_assert_uint_eq(row.requests, 22);
    ck_assert_uint_eq(row.bytes_in, 33);
    ck_assert_uint_eq(row.bytes_out, UINT64_MAX);
    ck_assert_uint_eq(row.wasted_wakeups, 55);
    ck_assert_uint_eq(row.accept_errors, 66);
    /* CPU figures are the caller's to fill in: zero, not the exit values. */
    ck_assert_uint_eq(row.cpu_user_us, 0);
    ck_assert_uint_eq(row.cpu_sys_us, 0);
}
END_TEST

START_TEST(read_leaves_source_alone)
{
    struct worker_stats st;
    struct stats_row row;

    memset(&st, 0, sizeof(st));
    atomic_store(&st.accepted, 5);
    stats_read(&st, 0, &row);
    stats_read(&st, 0, &row);
    ck_assert_uint_eq(atomic_load(&st.accepted), 5);
    ck_assert_uint_eq(row.accepted, 5);
    ck_assert_uint_eq(row.requests, 0);
    ck_assert_int_eq(row.pid, 0);
}
END_TEST

/* ---- the /stats CSV ---- */

START_TEST(csv_header_constant)
{
    ck_assert_str_eq(STATS_CSV_HEADER, HEADER);
}
END_TEST

START_TEST(csv_two_rows)
{
    static const char want[] =
        HEADER "\n"
        "pool,epoll,0,4242,4243,10,20,300,4000,3,0,1500,260,2049,1260,5,1,77,9,1,\n"
        "pool,epoll,1,4242,4244,7,1000000,0,18446744073709551615,0,2,0,123456,2049,1260,5,1,0,0,"
        "1,\n";
    struct csv_buf b;

    csv_init(&b);
    stats_format_csv(&b, two_rows, 2, &proc);
    ck_assert_int_eq(b.oom, 0);
    ck_assert_str_eq(b.data, want);
    ck_assert_uint_eq(b.len, strlen(want));
    csv_free(&b);
}
END_TEST

START_TEST(csv_header_unquoted)
{
    /* The first line is the bare header: gnuplot and run_bench.sh select columns
     * by these names, and a quoted line would be one column named after all. */
    struct csv_buf b;
    const char *nl;

    csv_init(&b);
    stats_format_csv(&b, two_rows, 1, &proc);
    nl = strchr(b.data, '\n');
    ck_assert_ptr_nonnull(nl);
    ck_assert_int_ne(b.data[0], '"');
    ck_assert_uint_eq((size_t)(nl - b.data), strlen(HEADER));
    ck_assert_mem_eq(b.data, HEADER, strlen(HEADER));
    csv_free(&b);
}
END_TEST

START_TEST(csv_no_rows)
{
    struct csv_buf b;

    csv_init(&b);
    stats_format_csv(&b, two_rows, 0, &proc);
    ck_assert_str_eq(b.data, HEADER "\n");
    csv_free(&b);
}
END_TEST

START_TEST(csv_negative_ids_and_reuse)
{
    /* pid/tid are written as signed numbers; the buffer can be reset and reused. */
    struct stats_row r = { .worker = 2, .pid = -1, .tid = 0 };
    struct stats_process p = { .strategy = "reuseport", .io = "blocking" };
    struct csv_buf b;

    csv_init(&b);
    stats_format_csv(&b, two_rows, 2, &proc);
    csv_reset(&b);
    stats_format_csv(&b, &r, 1, &p);
    ck_assert_str_eq(b.data,
                     HEADER "\n" "reuseport,blocking,2,-1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,\n");
    csv_free(&b);
}
END_TEST

START_TEST(csv_steered)
{
    /* A strategy that steers fills the last column, 0 included; others leave it
     * empty (csv_two_rows). */
    struct stats_row r[2] = { { .worker = 0, .accepted = 5, .steered = 6 }, { .worker = 1 } };
    struct stats_process p = { .strategy = "s", .io = "epoll", .steering = 1 };
    struct csv_buf b;

    csv_init(&b);
    stats_format_csv(&b, r, 2, &p);
    ck_assert_str_eq(b.data, HEADER "\n"
                     "s,epoll,0,0,0,5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,6\n"
                     "s,epoll,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n");
    csv_free(&b);
}
END_TEST

/* ---- the shutdown table ---- */

/* Run stats_format_table into memory and return the text (caller frees). */
static char *table(const struct stats_row *rows, int n, const struct stats_process *p)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    ck_assert_ptr_nonnull(f);
    stats_format_table(f, rows, n, p);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_uint_eq(strlen(text), len);
    return text;
}

/* Field widths: %-7s/%-7d, then %10 %10 %8 %8 %9.1f %9.1f, one space apart. */
#define TABLE_HEAD "worker " " " "  accepted" " " "  requests" " " "  wasted" " " \
    "  errors" " " "  user_ms" " " "   sys_ms" "\n"

START_TEST(table_two_rows)
{
    static const char want[] =
        TABLE_HEAD
        "0      " " " "        10" " " "        20" " " "       3" " " "       0" " "
        "      1.5" " " "      0.3" "\n"
        "1      " " " "         7" " " "   1000000" " " "       0" " " "       2" " "
        "      0.0" " " "    123.5" "\n"
        "total  " " " "        17" " " "   1000020" " " "       3" " " "       2" " "
        "      2.0" " " "      1.3" "\n"
        "locality: 9 of 17 accepted on the worker's own CPU (52.9%)\n"
        "acceptor: queue peak depth 5, accept errors 1\n";
    char *text = table(two_rows, 2, &proc);

    ck_assert_str_eq(text, want);
    free(text);
}
END_TEST

START_TEST(table_header_literal)
{
    /* The same header spelled out, so the width macro above cannot drift. */
    char *text = table(NULL, 0, &(struct stats_process){ 0 });

    ck_assert_str_eq(text,
                     "worker    accepted   requests   wasted   errors   user_ms    sys_ms\n"
                     "total            0          0        0        0       0.0       0.0\n");
    free(text);
}
END_TEST

START_TEST(table_acceptor_line)
{
    struct stats_row r = { .worker = 0, .accepted = 1, .requests = 1 };
    struct stats_process p = { .strategy = "pool", .io = "blocking" };
    static const char rows[] =
        TABLE_HEAD
        "0      " " " "         1" " " "         1" " " "       0" " " "       0" " "
        "      0.0" " " "      0.0" "\n"
        "total  " " " "         1" " " "         1" " " "       0" " " "       0" " "
        "      0.0" " " "      0.0" "\n";
    char *text;

    /* Neither figure set: no acceptor line. */
    text = table(&r, 1, &p);
    ck_assert_str_eq(text, rows);
    free(text);

    /* Either one alone prints it, with both figures. */
    p.queue_peak = 64;
    text = table(&r, 1, &p);
    ck_assert_mem_eq(text, rows, strlen(rows));
    ck_assert_str_eq(text + strlen(rows), "acceptor: queue peak depth 64, accept errors 0\n");
    free(text);

    p.queue_peak = 0;
    p.acceptor_errors = 3;
    text = table(&r, 1, &p);
    ck_assert_mem_eq(text, rows, strlen(rows));
    ck_assert_str_eq(text + strlen(rows), "acceptor: queue peak depth 0, accept errors 3\n");
    free(text);
}
END_TEST

START_TEST(table_dropped_line)
{
    struct stats_row r = { .worker = 0, .accepted = 1, .requests = 1 };
    struct stats_process p = { .strategy = "shared", .io = "blocking" };
    char *plain = table(&r, 1, &p), *text;

    /* None dropped: no line. One, then several: singular and plural, last. */
    p.dropped_at_shutdown = 1;
    text = table(&r, 1, &p);
    ck_assert_mem_eq(text, plain, strlen(plain));
    ck_assert_str_eq(text + strlen(plain), "dropped at shutdown: 1 queued connection\n");
    free(text);

    p.dropped_at_shutdown = 5;
    p.acceptor_errors = 2;
    text = table(&r, 1, &p);
    ck_assert_str_eq(strstr(text, "acceptor: "),
                     "acceptor: queue peak depth 0, accept errors 2\n"
                     "dropped at shutdown: 5 queued connections\n");
    free(text);
    free(plain);
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc;

    tc = tcase_create("counters");
    tcase_add_test(tc, worker_stats_layout);
    tcase_add_test(tc, add_accumulates);
    tcase_add_test(tc, read_copies_counters);
    tcase_add_test(tc, read_leaves_source_alone);
    suite_add_tcase(s, tc);

    tc = tcase_create("format_csv");
    tcase_add_test(tc, csv_header_constant);
    tcase_add_test(tc, csv_two_rows);
    tcase_add_test(tc, csv_header_unquoted);
    tcase_add_test(tc, csv_no_rows);
    tcase_add_test(tc, csv_negative_ids_and_reuse);
    tcase_add_test(tc, csv_steered);
    suite_add_tcase(s, tc);

    tc = tcase_create("format_table");
    tcase_add_test(tc, table_two_rows);
    tcase_add_test(tc, table_header_literal);
    tcase_add_test(tc, table_acceptor_line);
    tcase_add_test(tc, table_dropped_line);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stats_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
