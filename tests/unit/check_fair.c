/* Unit tests for common/fair: exact figures on vectors whose answers are known by
 * hand, and the undefined (NAN) and infinite cases. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "fair.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(even)
{
    static const uint64_t c[] = { 1, 1, 1, 1 };
    struct fair f;

    fair_compute(c, N(c), &f);
    ck_assert_double_eq(f.jain, 1.0);
    ck_assert_double_eq(f.cv, 0.0);
    ck_assert_double_eq(f.max_min, 1.0);
    ck_assert_double_eq(f.mean, 1.0);
    ck_assert_uint_eq(f.min, 1);
    ck_assert_uint_eq(f.max, 1);
    ck_assert_uint_eq(f.sum, 4);
}
END_TEST

START_TEST(one_takes_all)
{
    static const uint64_t c4[] = { 4, 0, 0, 0 };
    static const uint64_t c8[] = { 0, 0, 0, 0, 0, 0, 0, 8 };
    struct fair f;

    /* Jain's index bottoms out at 1/n. */
    fair_compute(c4, N(c4), &f);
    ck_assert_double_eq(f.jain, 0.25);
    /* mean 1, deviations 3,-1,-1,-1: variance 12/4 = 3, cv = sqrt(3). */
    ck_assert_double_eq(f.cv, sqrt(3.0));
    ck_assert_double_infinite(f.max_min);
    ck_assert_double_gt(f.max_min, 0.0);
    ck_assert_double_eq(f.mean, 1.0);
    ck_assert_uint_eq(f.min, 0);
    ck_assert_uint_eq(f.max, 4);
    ck_assert_uint_eq(f.sum, 4);

    /* mean 1, deviations 7 and seven -1s: variance 56/8 = 7. */
    fair_compute(c8, N(c8), &f);
    ck_assert_double_eq(f.jain, 0.125);
    ck_assert_double_eq(f.cv, sqrt(7.0));
    ck_assert_double_infinite(f.max_min);
}
END_TEST

START_TEST(uneven)
{
    static const uint64_t c[] = { 1, 2, 3, 4 };
    static const uint64_t two[] = { 1, 3 };
    struct fair f;

    /* sum 10, sum of squares 30: 100 / (4 * 30). */
    fair_compute(c, N(c), &f);
    ck_assert_double_eq(f.jain, 100.0 / 120.0);
    /* mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, variance 1.25. */
    ck_assert_double_eq(f.cv, sqrt(1.25) / 2.5);
    ck_assert_double_eq(f.max_min, 4.0);
    ck_assert_double_eq(f.mean, 2.5);
    ck_assert_uint_eq(f.sum, 10);

    /* 16 / (2 * 10) = 0.8; stddev 1 over mean 2. */
    fair_compute(two, N(two), &f);
    ck_assert_double_eq(f.jain, 16.0 / 20.0);
    ck_assert_double_eq(f.cv, 0.5);
    ck_assert_double_eq(f.max_min, 3.0);
}
END_TEST

START_TEST(large_equal_counts)
{
    /* Near 2^40 the one-pass variance sum(x^2)/n - mean^2 loses every digit;
     * the two-pass one must still say exactly 0. */
    static const uint64_t c[] = { 1099511627777ULL, 1099511627777ULL, 1099511627777ULL };
    struct fair f;

    fair_compute(c, N(c), &f);
    ck_assert_double_eq(f.cv, 0.0);
    ck_assert_double_eq_tol(f.jain, 1.0, 1e-15);   /* x^2 rounds at this size */
    ck_assert_double_eq(f.max_min, 1.0);
    ck_assert_uint_eq(f.sum, 3 * 1099511627777ULL);
}
END_TEST

START_TEST(single_worker)
{
    static const uint64_t c[] = { 7 };
    struct fair f;

    fair_compute(c, N(c), &f);
    ck_assert_double_eq(f.jain, 1.0);
    ck_assert_double_eq(f.cv, 0.0);
    ck_assert_double_eq(f.max_min, 1.0);
    ck_assert_double_eq(f.mean, 7.0);
}
END_TEST

START_TEST(all_zero)
{
    static const uint64_t c[] = { 0, 0, 0 };
    struct fair f;

    /* No connections at all: the ratios are undefined, not "perfectly fair". */
    fair_compute(c, N(c), &f);
    ck_assert_double_nan(f.jain);
    ck_assert_double_nan(f.cv);
    ck_assert_double_nan(f.max_min);
    ck_assert_double_eq(f.mean, 0.0);
    ck_assert_uint_eq(f.min, 0);
    ck_assert_uint_eq(f.max, 0);
    ck_assert_uint_eq(f.sum, 0);
}
END_TEST

START_TEST(no_workers)
{
    struct fair f;

    fair_compute(NULL, 0, &f);
    ck_assert_double_nan(f.jain);
    ck_assert_double_nan(f.cv);
    ck_assert_double_nan(f.max_min);
    ck_assert_double_nan(f.mean);
    ck_assert_uint_eq(f.min, 0);
    ck_assert_uint_eq(f.max, 0);
    ck_assert_uint_eq(f.sum, 0);
}
END_TEST

static Suite *fair_suite(void)
{
    Suite *s = suite_create("fair");
    TCase *tc;

    tc = tcase_create("compute");
    tcase_add_test(tc, even);
    tcase_add_test(tc, one_takes_all);
    tcase_add_test(tc, uneven);
    tcase_add_test(tc, large_equal_counts);
    tcase_add_test(tc, single_worker);
    suite_add_tcase(s, tc);

    tc = tcase_create("undefined");
    tcase_add_test(tc, all_zero);
    tcase_add_test(tc, no_workers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fair_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
