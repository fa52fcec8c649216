/* Unit tests for clients/tseries: per-second rows assembled from threads' intervals. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "tseries.h"

static struct hist *interval(uint64_t lo, uint64_t n)
{
    struct hist *h = malloc(sizeof *h);
    ck_assert_ptr_nonnull(h);
    hist_init(h);
    for (uint64_t i = 0; i < n; i++)
        hist_record(h, lo + i);
    return h;
}

START_TEST(row_when_every_thread_added)
{
    struct tseries ts;
    ck_assert_int_eq(tseries_init(&ts, 2), 0);
    struct hist *a = interval(1, 100), *b = interval(101, 100);   /* 1..200 together */
    struct tseries_row row;
    tseries_add(&ts, 1, a, 100, 1);
    ck_assert_int_eq(tseries_latest(&ts, &row), 0);               /* one thread missing */
    tseries_add(&ts, 1, b, 100, 2);
    ck_assert_int_eq(tseries_latest(&ts, &row), 1);
    ck_assert_uint_eq(row.second, 1);
    ck_assert_uint_eq(row.completed, 200);
    ck_assert_uint_eq(row.errors, 3);
    ck_assert_uint_eq(row.p50_us, 100);                           /* merged, not averaged */
    ck_assert_uint_eq(row.p99_us, 198);
    ck_assert(row.interval_s == 1.0);
    free(a);
    free(b);
    tseries_free(&ts);
}
END_TEST

START_TEST(rows_in_order_with_a_lagging_thread)
{
    struct tseries ts;
    ck_assert_int_eq(tseries_init(&ts, 2), 0);
    struct hist *h = interval(10, 1);
    /* Thread 0 runs two seconds ahead of thread 1. */
    tseries_add(&ts, 1, h, 1, 0);
    tseries_add(&ts, 2, h, 1, 0);
    tseries_add(&ts, 3, h, 1, 0);
    ck_assert_uint_eq(ts.nrows, 0);
    tseries_add(&ts, 1, h, 1, 0);
    tseries_add(&ts, 2, h, 1, 0);
    ck_assert_uint_eq(ts.nrows, 2);
    ck_assert_uint_eq(ts.rows[0].second, 1);
    ck_assert_uint_eq(ts.rows[1].second, 2);
    /* Thread 1 stops before second 3; finishing closes it with what it has and
     * gives the last row its true length. */
    tseries_finish(&ts, 2.25);
    ck_assert_uint_eq(ts.nrows, 3);
    ck_assert_uint_eq(ts.rows[2].second, 3);
    ck_assert_uint_eq(ts.rows[2].completed, 1);
    ck_assert(ts.rows[2].interval_s > 0.2499 && ts.rows[2].interval_s < 0.2501);
    free(h);
    tseries_free(&ts);
}
END_TEST

START_TEST(ring_overrun_keeps_order)
{
    struct tseries ts;
    ck_assert_int_eq(tseries_init(&ts, 2), 0);
    struct hist *h = interval(10, 1);
    /* One thread far ahead: the ring must close the old seconds, in order. */
    for (uint64_t s = 1; s <= TSERIES_RING + 3; s++)
        tseries_add(&ts, s, h, 1, 0);
    tseries_finish(&ts, (double)(TSERIES_RING + 3));
    ck_assert_uint_eq(ts.nrows, TSERIES_RING + 3);
    for (size_t i = 0; i < ts.nrows; i++)
        ck_assert_uint_eq(ts.rows[i].second, i + 1);
    free(h);
    tseries_free(&ts);
}
END_TEST

static Suite *tseries_suite(void)
{
    Suite *s = suite_create("tseries");
    TCase *tc = tcase_create("rows");
    tcase_add_test(tc, row_when_every_thread_added);
    tcase_add_test(tc, rows_in_order_with_a_lagging_thread);
    tcase_add_test(tc, ring_overrun_keeps_order);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tseries_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
