/* Unit tests for clients/pace: the open-loop schedule arithmetic and the split of
 * counts over threads. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "pace.h"

START_TEST(offset_exact)
{
    ck_assert_uint_eq(pace_offset_ns(0, 1000), 0);
    ck_assert_uint_eq(pace_offset_ns(1, 1000), 1000000);
    ck_assert_uint_eq(pace_offset_ns(1000, 1000), 1000000000ULL);
    ck_assert_uint_eq(pace_offset_ns(1, 3), 333333333);
    ck_assert_uint_eq(pace_offset_ns(3, 3), 1000000000ULL);
    ck_assert_uint_eq(pace_offset_ns(7, 3), 2333333333ULL);
}
END_TEST

START_TEST(offset_no_overflow_no_drift)
{
    /* A day at 10M/s: n * 1e9 would overflow 64 bits; the split form must not. */
    uint64_t n = 864000000000ULL;
    ck_assert_uint_eq(pace_offset_ns(n, 10000000), 86400ULL * 1000000000ULL);
    /* Monotonic, and never more than 1 ns from the real value at odd rates. */
    uint64_t prev = 0;
    for (uint64_t i = 1; i < 100000; i++) {
        uint64_t o = pace_offset_ns(i, 7919);
        ck_assert_uint_gt(o, prev);
        long double exact = (long double)i * 1e9L / 7919.0L;
        ck_assert(exact - (long double)o < 1.0L && exact - (long double)o >= 0.0L);
        prev = o;
    }
}
END_TEST

START_TEST(share_splits_evenly)
{
    ck_assert_uint_eq(pace_share(10, 3, 0), 4);
    ck_assert_uint_eq(pace_share(10, 3, 1), 3);
    ck_assert_uint_eq(pace_share(10, 3, 2), 3);
    ck_assert_uint_eq(pace_share(2, 4, 3), 0);
    for (unsigned t = 1; t <= 9; t++) {
        uint64_t sum = 0;
        for (unsigned i = 0; i < t; i++)
            sum += pace_share(12345, t, i);
        ck_assert_uint_eq(sum, 12345);
    }
}
END_TEST

START_TEST(threads_interleave)
{
    /* Three threads at 3000/s: together they start one connection every 1/3 ms, and
     * each thread's own starts are exactly the n with n % 3 == index. */
    struct pace p[3];
    for (unsigned i = 0; i < 3; i++)
        pace_init(&p[i], 1000, 3000, 3, i, 0);
    uint64_t due;
    for (uint64_t n = 0; n < 30; n++) {
        struct pace *mine = &p[n % 3];
        ck_assert_uint_eq(pace_due_ns(mine), 1000 + pace_offset_ns(n, 3000));
        ck_assert_int_eq(pace_take(mine, UINT64_MAX - 1, &due), 1);
        ck_assert_uint_eq(due, 1000 + pace_offset_ns(n, 3000));
    }
}
END_TEST

START_TEST(take_only_when_due)
{
    struct pace p;
    uint64_t due = 0;
    pace_init(&p, 5000000, 1000, 1, 0, 0);    /* one per ms from t = 5 ms */
    ck_assert_int_eq(pace_take(&p, 4999999, &due), 0);
    ck_assert_int_eq(pace_take(&p, 5000000, &due), 1);
    ck_assert_uint_eq(due, 5000000);
    /* Late by 3.5 ms: the connections due meanwhile are all still owed, each with its
     * own scheduled time (latency counts from it: no coordinated omission). */
    int taken = 0;
    while (pace_take(&p, 9500000, &due))
        ck_assert_uint_eq(due, 5000000 + 1000000ULL * (uint64_t)++taken);
    ck_assert_int_eq(taken, 4);
    ck_assert_uint_eq(pace_due_ns(&p), 10000000);
}
END_TEST

START_TEST(count_ends_schedule)
{
    /* --count 5 over 2 threads: thread 0 owns n = 0, 2, 4 and thread 1 owns 1, 3. */
    struct pace a, b;
    uint64_t due;
    int na = 0, nb = 0;
    pace_init(&a, 0, 100, 2, 0, 5);
    pace_init(&b, 0, 100, 2, 1, 5);
    while (pace_take(&a, UINT64_MAX - 1, &due))
        na++;
    while (pace_take(&b, UINT64_MAX - 1, &due))
        nb++;
    ck_assert_int_eq(na, 3);
    ck_assert_int_eq(nb, 2);
    ck_assert_uint_eq(pace_due_ns(&a), UINT64_MAX);
    ck_assert_uint_eq(pace_due_ns(&b), UINT64_MAX);
}
END_TEST

static Suite *pace_suite(void)
{
    Suite *s = suite_create("pace");
    TCase *tc = tcase_create("arithmetic");
    tcase_add_test(tc, offset_exact);
    tcase_add_test(tc, offset_no_overflow_no_drift);
    tcase_add_test(tc, share_splits_evenly);
    suite_add_tcase(s, tc);
    tc = tcase_create("schedule");
    tcase_add_test(tc, threads_interleave);
    tcase_add_test(tc, take_only_when_due);
    tcase_add_test(tc, count_ends_schedule);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pace_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
