/* Unit tests for bench/compare: the exact one-sided Mann–Whitney U p-value
 * (separation, ties, partial overlap, dropped values, size limits), reading rules
 * from a thresholds table and its messages, cmp_run's verdicts and exit status on
 * aggregates built from synthetic summary.csv text (regression, noise, improvement,
 * missing configurations, the errors rule, a lower-is-better metric, relative
 * throughput), the messages of a malformed baseline, and the verdict names.
 *
 * Null distributions used below: the number of interleavings of n1 x-values and
 * n2 y-values with U = u pairs x < y is the coefficient of q^u in the Gaussian
 * binomial [n1+n2 choose n1]_q:
 *   2 vs 2 (6):   1 1 2 1 1
 *   3 vs 3 (20):  1 1 2 3 3 3 3 2 1 1
 *   5 vs 5 (252): 1 1 2 3 5 7 9 11 14 16 18 19 20 20 19 18 16 14 11 9 7 5 3 2 1 1
 * so the p-values P(U >= u) are exact fractions of C(n1+n2, n1). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "compare.h"
#include "table.h"
#include "testutil.h"

/* ---- helpers ---- */

/* A summary.csv under construction: every column agg_build requires, plus one
 * error class. Each row completes 10,000 connections, so server_sys_ms_per_1k is
 * server_sys_s * 100. */
struct summary {
    char text[8192];
    size_t len;
};

static void summary_start(struct summary *s)
{
    s->len = (size_t)snprintf(s->text, sizeof s->text, "%s",
                              "strategy,io,workers,connections,rate,partial,completed,"
                              "conn_per_s,total_p50_us,total_p99_us,total_p999_us,"
                              "connect_p99_us,jain_index,server_user_s,server_sys_s,"
                              "server_wasted_wakeups,client_saturated,errors_refused\n");
}

/* One repeat of strategy/epoll w4 c100 r0. p99 is a cell's text ("" for empty). */
static void summary_row(struct summary *s, const char *strategy, double conn_per_s,
                        double server_sys_s, double errors, const char *p99)
{
    int n = snprintf(s->text + s->len, sizeof s->text - s->len,
                     "%s,epoll,4,100,0,0,10000,%.17g,50,%s,900,30,1,0.5,%.17g,0,0,%.17g\n",
                     strategy, conn_per_s, p99, server_sys_s, errors);
    ck_assert(n > 0 && (size_t)n < sizeof s->text - s->len);
    s->len += (size_t)n;
}

/* n repeats with the given conn/s values (server_sys_s 1, no errors, p99 200). */
static void summary_rows(struct summary *s, const char *strategy, const double *conn, size_t n)
{
    for (size_t i = 0; i < n; i++)
        summary_row(s, strategy, conn[i], 1, 0, "200");
}

static const double all_10000[5] = {10000, 10000, 10000, 10000, 10000};
static const double all_5000[5] = {5000, 5000, 5000, 5000, 5000};

/* Build a baseline and a current aggregate of one configuration "pool" from
 * five conn/s values each. */
static void build_pair(struct agg *base, struct agg *cur, const double *b, const double *c)
{
    struct summary s;

    summary_start(&s);
    summary_rows(&s, "pool", b, 5);
    testutil_build_agg(base, s.text);
    summary_start(&s);
    summary_rows(&s, "pool", c, 5);
    testutil_build_agg(cur, s.text);
}

static const struct cmp_rule conn_rule = {AGG_CONN_PER_S, CMP_HIGHER_IS_BETTER, 0.10, 0.01};

/* ---- cmp_mann_whitney_less ---- */

START_TEST(mwu_complete_separation)
{
    const double lo[5] = {1, 2, 3, 4, 5}, hi[5] = {6, 7, 8, 9, 10};

    /* x all smaller: U = 25, the one most extreme of C(10,5) = 252 interleavings. */
    ck_assert_double_eq(cmp_mann_whitney_less(lo, 5, hi, 5), 1.0 / 252);
    /* The reverse: U = 0, and P(U >= 0) is everything. */
    ck_assert_double_eq(cmp_mann_whitney_less(hi, 5, lo, 5), 1.0);
    /* Order within a sample does not matter. */
    const double lo_shuffled[5] = {4, 1, 5, 3, 2}, hi_shuffled[5] = {9, 6, 10, 8, 7};
    ck_assert_double_eq(cmp_mann_whitney_less(lo_shuffled, 5, hi_shuffled, 5), 1.0 / 252);
}
END_TEST

START_TEST(mwu_small_samples)
{
    const double a[3] = {1, 2, 3}, b[3] = {4, 5, 6};

    ck_assert_double_eq(cmp_mann_whitney_less(a, 3, b, 3), 1.0 / 20);    /* C(6,3) = 20 */
    ck_assert_double_eq(cmp_mann_whitney_less(b, 3, a, 3), 1.0);
    /* Unequal sizes: C(n1+n2, n1) either way round. */
    ck_assert_double_eq(cmp_mann_whitney_less(a, 1, b, 3), 1.0 / 4);
    ck_assert_double_eq(cmp_mann_whitney_less(a, 3, b, 1), 1.0 / 4);
    ck_assert_double_eq(cmp_mann_whitney_less(a, 2, b, 3), 1.0 / 10);
    ck_assert_double_eq(cmp_mann_whitney_less(a, 1, b, 1), 1.0 / 2);
}
END_TEST

START_TEST(mwu_partial_overlap)
{
    /* x = {1,2,4}, y = {3,5,6}: pairs x < y are 1<3,5,6 + 2<3,5,6 + 4<5,6 = 8 of 9.
     * Interleavings with U >= 8: xxxyyy (U = 9) and xxyxyy (U = 8): 2 of 20. */
    const double x[3] = {1, 2, 4}, y[3] = {3, 5, 6};
    ck_assert_double_eq(cmp_mann_whitney_less(x, 3, y, 3), 2.0 / 20);
    /* Swapped: U = 1, so P(U >= 1) = 1 - P(U = 0) = 19/20. */
    ck_assert_double_eq(cmp_mann_whitney_less(y, 3, x, 3), 19.0 / 20);

    /* 5 vs 5: x = {5000,9500,9600,9700,14000} below y = {9000..13000} in
     * 5 + 4 + 4 + 4 + 0 = 17 pairs; P(U >= 17) = (14+11+9+7+5+3+2+1+1)/252. */
    const double cur[5] = {5000, 9500, 9600, 9700, 14000};
    const double base[5] = {9000, 10000, 11000, 12000, 13000};
    ck_assert_double_eq(cmp_mann_whitney_less(cur, 5, base, 5), 53.0 / 252);
    /* The other way: 4 + 1 + 1 + 1 + 1 = 8 pairs; P(U >= 8) = 1 - 39/252. */
    ck_assert_double_eq(cmp_mann_whitney_less(base, 5, cur, 5), 213.0 / 252);
}
END_TEST

START_TEST(mwu_ties)
{
    /* The documented rule: a tie counts half a pair and the total is rounded
     * down, then P(U >= u) is read from the no-ties null distribution.
     *
     * 5 vs 5, all values equal: 25 ties, 2U = 25, U = 12 (not 12.5). The null is
     * symmetric about 12.5, so P(U >= 13) = 126/252 and P(U = 12) = 20/252:
     * P(U >= 12) = 146/252 = 73/126 -- above one half, "not significant". */
    const double same5[5] = {7, 7, 7, 7, 7};
    ck_assert_double_eq(cmp_mann_whitney_less(same5, 5, same5, 5), 146.0 / 252);

    /* 3 vs 3 identical: 2U = 9, U = 4; P(U >= 4) = (3+3+3+2+1+1)/20 = 13/20. */
    const double same3[3] = {2, 2, 2};
    ck_assert_double_eq(cmp_mann_whitney_less(same3, 3, same3, 3), 13.0 / 20);

    /* 2 vs 2 identical: 2U = 4, U = 2 exactly (no rounding); (2+1+1)/6. */
    ck_assert_double_eq(cmp_mann_whitney_less(same3, 2, same3, 2), 4.0 / 6);

    /* One tie: x = {1,2}, y = {2,3}: 1<2, 1<3, 2<3 and half of 2=2, so 2U = 7,
     * U = 3 (rounded down from 3.5): P(U >= 3) = (1+1)/6, where U >= 4 would
     * have been 1/6. */
    const double x[2] = {1, 2}, y[2] = {2, 3};
    ck_assert_double_eq(cmp_mann_whitney_less(x, 2, y, 2), 2.0 / 6);
}
END_TEST

START_TEST(mwu_nonfinite_dropped)
{
    /* NAN and infinities are dropped: {1,2,3} vs {4,5,6} is left. */
    const double x[5] = {NAN, 1, 2, INFINITY, 3};
    const double y[5] = {4, -INFINITY, 5, NAN, 6};
    ck_assert_double_eq(cmp_mann_whitney_less(x, 5, y, 5), 1.0 / 20);
    ck_assert_double_eq(cmp_mann_whitney_less(y, 5, x, 5), 1.0);

    /* Only NAN left on one side: as empty. */
    const double none[2] = {NAN, NAN};
    ck_assert_double_nan(cmp_mann_whitney_less(none, 2, y, 5));
    ck_assert_double_nan(cmp_mann_whitney_less(y, 5, none, 2));
}
END_TEST

START_TEST(mwu_empty_and_too_large)
{
    const double y[3] = {4, 5, 6};
    double big[65];

    ck_assert_double_nan(cmp_mann_whitney_less(NULL, 0, y, 3));
    ck_assert_double_nan(cmp_mann_whitney_less(y, 3, NULL, 0));
    ck_assert_double_nan(cmp_mann_whitney_less(NULL, 0, NULL, 0));

    for (size_t i = 0; i < 65; i++)
        big[i] = (double)i;
    /* 65 values on either side: NAN. */
    ck_assert_double_nan(cmp_mann_whitney_less(big, 65, y, 3));
    ck_assert_double_nan(cmp_mann_whitney_less(y, 3, big, 65));
    /* 64 is still tested: 64 values 0..63 all below one value 100 (U = 64 of
     * 64): the single y must be last, 1 of C(65, 1) = 65 interleavings. */
    const double top[1] = {100};
    ck_assert_double_eq(cmp_mann_whitney_less(big, 64, top, 1), 1.0 / 65);
    ck_assert_double_eq(cmp_mann_whitney_less(top, 1, big, 64), 1.0);
    /* 64 vs 64 completely separated: 1 / C(128, 64), tiny but positive. */
    double hi[64];
    for (size_t i = 0; i < 64; i++)
        hi[i] = 1000.0 + (double)i;
    double p = cmp_mann_whitney_less(big, 64, hi, 64);
    ck_assert_double_eq_tol(p * 2.3951146041928082866e37, 1.0, 1e-9);   /* C(128,64) */
    ck_assert_double_eq(cmp_mann_whitney_less(hi, 64, big, 64), 1.0);
}
END_TEST

/* ---- cmp_rules_from_table ---- */

/* Parse a thresholds text that must be refused with exactly `want`. */
static void rules_fail(const char *text, size_t max, const char *want)
{
    struct table t;
    struct cmp_rule rules[8];
    char err[200] = "";

    testutil_parse_table(&t, text);
    ck_assert_int_eq(cmp_rules_from_table(&t, rules, max, err, sizeof err), -1);
    ck_assert_str_eq(err, want);
    table_free(&t);
}

START_TEST(rules_good_table)
{
    static const char text[] =
        "metric,direction,max_change,alpha,why\n"
        "conn_per_s_rel,higher,0.15,0.01,\"relative, so the machine's speed, cancels\"\n"
        "server_sys_ms_per_1k,lower,0.25,0.05,\"kernel CPU, per 1000 connections\"\n"
        "errors,zero,0,0.01,\"must stay zero, always\"\n"
        "jain_index,higher,0,0.5,\n";
    struct table t;
    struct cmp_rule rules[8];
    char err[200] = "";

    testutil_parse_table(&t, text);
    ck_assert_uint_eq(t.cols, 5);   /* the commas inside quotes are not separators */
    ck_assert_int_eq(cmp_rules_from_table(&t, rules, 8, err, sizeof err), 4);
    ck_assert_int_eq(rules[0].metric, AGG_CONN_PER_S_REL);
    ck_assert_int_eq(rules[0].direction, CMP_HIGHER_IS_BETTER);
    ck_assert_double_eq(rules[0].max_change, 0.15);
    ck_assert_double_eq(rules[0].alpha, 0.01);
    ck_assert_int_eq(rules[1].metric, AGG_SERVER_SYS_MS_PER_1K);
    ck_assert_int_eq(rules[1].direction, CMP_LOWER_IS_BETTER);
    ck_assert_double_eq(rules[1].max_change, 0.25);
    ck_assert_double_eq(rules[1].alpha, 0.05);
    ck_assert_int_eq(rules[2].metric, AGG_ERRORS);
    ck_assert_int_eq(rules[2].direction, CMP_MUST_BE_ZERO);
    ck_assert_double_eq(rules[2].max_change, 0.0);
    ck_assert_double_eq(rules[2].alpha, 0.01);
    ck_assert_int_eq(rules[3].metric, AGG_JAIN_INDEX);
    ck_assert_double_eq(rules[3].max_change, 0.0);   /* 0 is allowed */
    ck_assert_double_eq(rules[3].alpha, 0.5);
    ck_assert_str_eq(err, "");
    table_free(&t);

    /* Columns in another order, and no "why" at all. */
    testutil_parse_table(&t,
                         "alpha,max_change,direction,metric\n0.02,0.3,lower,total_p99_us\n");
    ck_assert_int_eq(cmp_rules_from_table(&t, rules, 1, err, sizeof err), 1);
    ck_assert_int_eq(rules[0].metric, AGG_TOTAL_P99_US);
    ck_assert_int_eq(rules[0].direction, CMP_LOWER_IS_BETTER);
    ck_assert_double_eq(rules[0].max_change, 0.3);
    ck_assert_double_eq(rules[0].alpha, 0.02);
    table_free(&t);

    /* A header alone: no rules. */
    testutil_parse_table(&t, "metric,direction,max_change,alpha,why\n");
    ck_assert_int_eq(cmp_rules_from_table(&t, rules, 0, err, sizeof err), 0);
    table_free(&t);
}
END_TEST

START_TEST(rules_unknown_metric)
{
    rules_fail("metric,direction,max_change,alpha,why\nfoo,higher,0.1,0.01,x\n", 8,
               "line 2: unknown metric 'foo'");
    /* The line is the file's: header on 1, the second rule on 3. */
    rules_fail("metric,direction,max_change,alpha,why\n"
               "conn_per_s,higher,0.1,0.01,\"fine, this one\"\n"
               "server_sys_s,lower,0.1,0.01,a column not a metric\n",
               8, "line 3: unknown metric 'server_sys_s'");
    rules_fail("metric,direction,max_change,alpha\n,higher,0.1,0.01\n", 8,
               "line 2: unknown metric ''");
}
END_TEST

START_TEST(rules_bad_direction)
{
    rules_fail("metric,direction,max_change,alpha,why\nconn_per_s,up,0.1,0.01,x\n", 8,
               "line 2: direction 'up' (use higher, lower or zero)");
    rules_fail("metric,direction,max_change,alpha,why\nconn_per_s,Higher,0.1,0.01,x\n", 8,
               "line 2: direction 'Higher' (use higher, lower or zero)");
    rules_fail("metric,direction,max_change,alpha,why\n"
               "errors,zero,0,0.01,x\n"
               "conn_per_s,,0.1,0.01,x\n",
               8, "line 3: direction '' (use higher, lower or zero)");
}
END_TEST

START_TEST(rules_bad_numbers)
{
    static const char *const bad[] = {
        "conn_per_s,higher,0.1,0,x\n",      /* alpha must be > 0 */
        "conn_per_s,higher,0.1,1,x\n",      /* and < 1 */
        "conn_per_s,higher,0.1,1.5,x\n",
        "conn_per_s,higher,0.1,-0.01,x\n",
        "conn_per_s,higher,0.1,,x\n",       /* empty: NAN */
        "conn_per_s,higher,0.1,often,x\n",  /* not a number: NAN */
        "conn_per_s,higher,-0.1,0.01,x\n",  /* max_change must be >= 0 */
        "conn_per_s,higher,,0.01,x\n",
        "conn_per_s,higher,ten,0.01,x\n",
    };
    char text[256];

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "metric,direction,max_change,alpha,why\n%s", bad[i]);
        rules_fail(text, 8, "line 2: max_change must be >= 0 and alpha in (0, 1)");
    }
}
END_TEST

START_TEST(rules_missing_columns)
{
    static const char *const headers[] = {
        "direction,max_change,alpha,why\nhigher,0.1,0.01,x\n",
        "metric,max_change,alpha,why\nconn_per_s,0.1,0.01,x\n",
        "metric,direction,alpha,why\nconn_per_s,higher,0.01,x\n",
        "metric,direction,max_change,why\nconn_per_s,higher,0.1,x\n",
        "Metric,Direction,Max_change,Alpha\nconn_per_s,higher,0.1,0.01\n",   /* case matters */
        "why\nx\n",
    };

    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++)
        rules_fail(headers[i], 8, "thresholds need the columns metric, direction, max_change, alpha");
}
END_TEST

START_TEST(rules_too_many)
{
    rules_fail("metric,direction,max_change,alpha\n"
               "conn_per_s,higher,0.1,0.01\n"
               "errors,zero,0,0.01\n"
               "jain_index,higher,0.05,0.01\n",
               2, "more than 2 thresholds");
}
END_TEST

/* ---- cmp_run ---- */

START_TEST(run_clear_regression)
{
    struct agg base, cur;
    struct cmp_result r[1];

    build_pair(&base, &cur, all_10000, all_5000);
    memset(r, 0xA5, sizeof r);
    ck_assert_int_eq(cmp_run(&base, &cur, &conn_rule, 1, r), 1);
    ck_assert_uint_eq(r[0].base_group, 0);
    ck_assert_ptr_eq(r[0].rule, &conn_rule);
    ck_assert_double_eq(r[0].base_median, 10000.0);
    ck_assert_double_eq(r[0].cur_median, 5000.0);
    ck_assert_double_eq(r[0].change, -0.5);
    ck_assert_double_eq(r[0].p, 1.0 / 252);
    ck_assert_int_eq(r[0].verdict, CMP_REGRESSION);

    /* The change must exceed the threshold: exactly -50% against 0.50 is ok. */
    const struct cmp_rule half = {AGG_CONN_PER_S, CMP_HIGHER_IS_BETTER, 0.50, 0.01};
    ck_assert_int_eq(cmp_run(&base, &cur, &half, 1, r), 0);
    ck_assert_double_eq(r[0].p, 1.0 / 252);
    ck_assert_int_eq(r[0].verdict, CMP_OK);

    /* And p must be below alpha: 1/252 is not below 1/252. */
    const struct cmp_rule strict = {AGG_CONN_PER_S, CMP_HIGHER_IS_BETTER, 0.10, 1.0 / 252};
    ck_assert_int_eq(cmp_run(&base, &cur, &strict, 1, r), 0);
    ck_assert_int_eq(r[0].verdict, CMP_NOISE);
    agg_free(&base);
    agg_free(&cur);
}
END_TEST

START_TEST(run_three_repeats_never_significant)
{
    /* With 3 repeats each the smallest possible p is 1/20 = 0.05: a halving is
     * beyond the threshold but can only be noise at alpha 0.01. */
    struct summary s;
    struct agg base, cur;
    struct cmp_result r[1];

    summary_start(&s);
    summary_rows(&s, "pool", all_10000, 3);
    testutil_build_agg(&base, s.text);
    summary_start(&s);
    summary_rows(&s, "pool", all_5000, 3);
    testutil_build_agg(&cur, s.text);
    ck_assert_int_eq(cmp_run(&base, &cur, &conn_rule, 1, r), 0);
    ck_assert_double_eq(r[0].p, 1.0 / 20);
    ck_assert_double_eq(r[0].change, -0.5);
    ck_assert_int_eq(r[0].verdict, CMP_NOISE);
    agg_free(&base);
    agg_free(&cur);
}
END_TEST

START_TEST(run_within_threshold)
{
    /* -5% against a 10% threshold: ok, although the samples separate
     * completely (p = 1/252): significance alone is not a regression. */
    const double cur_v[5] = {9500, 9500, 9500, 9500, 9500};
    struct agg base, cur;
    struct cmp_result r[1];

    build_pair(&base, &cur, all_10000, cur_v);
    ck_assert_int_eq(cmp_run(&base, &cur, &conn_rule, 1, r), 0);
    ck_assert_double_eq(r[0].base_median, 10000.0);
    ck_assert_double_eq(r[0].cur_median, 9500.0);
    ck_assert_double_eq(r[0].change, -0.05);
    ck_assert_double_eq(r[0].p, 1.0 / 252);
    ck_assert_int_eq(r[0].verdict, CMP_OK);
    agg_free(&base);
    agg_free(&cur);

    /* Identical runs: change 0, p by the tie rule (73/126), ok. */
    build_pair(&base, &cur, all_10000, all_10000);
    ck_assert_int_eq(cmp_run(&base, &cur, &conn_rule, 1, r), 0);
    ck_assert_double_eq(r[0].change, 0.0);
    ck_assert_double_eq(r[0].p, 146.0 / 252);
    ck_assert_int_eq(r[0].verdict, CMP_OK);
    agg_free(&base);
    agg_free(&cur);
}
END_TEST

START_TEST(run_noise)
{
    /* Median 11000 -> 9600 (-12.7%, beyond 10%), but the samples overlap:
     * p = 53/252 (see mwu_partial_overlap), not below 0.01. */
    const double base_v[5] = {9000, 10000, 11000, 12000, 13000};
    const double cur_v[5] = {5000, 9500, 9600, 9700, 14000};
    struct agg base, cur;
    struct cmp_result r[1];

    build_pair(&base, &cur, base_v, cur_v);
    ck_assert_int_eq(cmp_run(&base, &cur, &conn_rule, 1, r), 0);
    ck_assert_double_eq(r[0].base_median, 11000.0);
    ck_assert_double_eq(r[0].cur_median, 9600.0);
    ck_assert_double_eq(r[0].change, (9600.0 - 11000.0) / 11000.0);
    ck_assert_double_eq(r[0].p, 53.0 / 252);
    ck_assert_int_eq(r[0].verdict, CMP_NOISE);
    agg_free(&base);
    agg_free(&cur);

    /* The mirror image, an overlapping improvement of +14.6%: not significant
     * (p_better = 53/252), so ok rather than improved. The p reported is the
     * bad direction's: P(U >= 8) = 213/252. */
    build_pair(&base, &cur, cur_v, base_v);
    ck_assert_int_eq(cmp_run(&base, &cur, &conn_rule, 1, r), 0);
    ck_assert_double_eq(r[0].change, (11000.0 - 9600.0) / 9600.0);
    ck_assert_double_eq(r[0].p, 213.0 / 252);
    ck_assert_int_eq(r[0].verdict, CMP_OK);
    agg_free(&base);
    agg_free(&cur);
}
END_TEST

START_TEST(run_improved)
{
    const double cur_v[5] = {15000, 15000, 15000, 15000, 15000};
    struct agg base, cur;
    struct cmp_result r[1];

    build_pair(&base, &cur, all_10000, cur_v);
    ck_assert_int_eq(cmp_run(&base, &cur, &conn_rule, 1, r), 0);
    ck_assert_double_eq(r[0].cur_median, 15000.0);
    ck_assert_double_eq(r[0].change, 0.5);
    ck_assert_double_eq(r[0].p, 1.0);     /* the bad direction's p */
    ck_assert_int_eq(r[0].verdict, CMP_IMPROVED);
    agg_free(&base);
    agg_free(&cur);
}
END_TEST

START_TEST(run_missing_configuration)
{
    /* Baseline: reuseport (first) and pool; the current run has only pool,
     * which regresses. Missing wins: status 2. */
    const struct cmp_rule rules[2] = {
        {AGG_CONN_PER_S, CMP_HIGHER_IS_BETTER, 0.10, 0.01},
        {AGG_ERRORS, CMP_MUST_BE_ZERO, 0, 0.01},
    };
    struct summary s;
    struct agg base, cur;
    struct cmp_result r[4];

    summary_start(&s);
    for (int k = 0; k < 5; k++) {
        summary_row(&s, "reuseport", 10000, 1, 0, "200");
        summary_row(&s, "pool", 10000, 1, 0, "200");
    }
    testutil_build_agg(&base, s.text);
    summary_start(&s);
    summary_rows(&s, "pool", all_5000, 5);
    testutil_build_agg(&cur, s.text);
    ck_assert_uint_eq(base.n, 2);

    ck_assert_int_eq(cmp_run(&base, &cur, rules, 2, r), 2);
    /* reuseport: nothing to compare with. */
    for (int i = 0; i < 2; i++) {
        ck_assert_uint_eq(r[i].base_group, 0);
        ck_assert_ptr_eq(r[i].rule, &rules[i]);
        ck_assert_double_nan(r[i].cur_median);
        ck_assert_double_nan(r[i].change);
        ck_assert_double_nan(r[i].p);
        ck_assert_int_eq(r[i].verdict, CMP_MISSING);
    }
    ck_assert_double_eq(r[0].base_median, 10000.0);
    ck_assert_double_eq(r[1].base_median, 0.0);
    /* pool: still compared. */
    ck_assert_uint_eq(r[2].base_group, 1);
    ck_assert_ptr_eq(r[2].rule, &rules[0]);
    ck_assert_int_eq(r[2].verdict, CMP_REGRESSION);
    ck_assert_double_eq(r[2].p, 1.0 / 252);
    ck_assert_uint_eq(r[3].base_group, 1);
    ck_assert_int_eq(r[3].verdict, CMP_OK);
    agg_free(&base);

    /* The regression before the missing configuration: still 2. */
    summary_start(&s);
    for (int k = 0; k < 5; k++) {
        summary_row(&s, "pool", 10000, 1, 0, "200");
        summary_row(&s, "reuseport", 10000, 1, 0, "200");
    }
    testutil_build_agg(&base, s.text);
    ck_assert_int_eq(cmp_run(&base, &cur, rules, 2, r), 2);
    ck_assert_int_eq(r[0].verdict, CMP_REGRESSION);
    ck_assert_int_eq(r[1].verdict, CMP_OK);
    ck_assert_int_eq(r[2].verdict, CMP_MISSING);
    ck_assert_int_eq(r[3].verdict, CMP_MISSING);
    agg_free(&base);
    agg_free(&cur);
}
END_TEST

START_TEST(run_missing_metric)
{
    /* The configuration is there but the metric has no current samples:
     * missing. A metric the baseline never had is ok either way. */
    const struct cmp_rule p99 = {AGG_TOTAL_P99_US, CMP_LOWER_IS_BETTER, 0.75, 0.01};
    struct summary s;
    struct agg base, cur;
    struct cmp_result r[1];

    summary_start(&s);
    for (int k = 0; k < 5; k++)
        summary_row(&s, "pool", 10000, 1, 0, "200");
    testutil_build_agg(&base, s.text);
    summary_start(&s);
    for (int k = 0; k < 5; k++)
        summary_row(&s, "pool", 10000, 1, 0, "");
    testutil_build_agg(&cur, s.text);
    ck_assert_int_eq(cmp_run(&base, &cur, &p99, 1, r), 2);
    ck_assert_double_eq(r[0].base_median, 200.0);
    ck_assert_double_nan(r[0].cur_median);
    ck_assert_int_eq(r[0].verdict, CMP_MISSING);

    /* Swapped: the baseline lacks it, the current run has it: ok, untested. */
    ck_assert_int_eq(cmp_run(&cur, &base, &p99, 1, r), 0);
    ck_assert_double_nan(r[0].base_median);
    ck_assert_double_eq(r[0].cur_median, 200.0);
    ck_assert_double_nan(r[0].change);
    ck_assert_double_nan(r[0].p);
    ck_assert_int_eq(r[0].verdict, CMP_OK);

    /* Neither has it: ok. */
    ck_assert_int_eq(cmp_run(&cur, &cur, &p99, 1, r), 0);
    ck_assert_int_eq(r[0].verdict, CMP_OK);
    agg_free(&base);
    agg_free(&cur);
}
END_TEST

START_TEST(run_errors_must_be_zero)
{
    const struct cmp_rule errs = {AGG_ERRORS, CMP_MUST_BE_ZERO, 0, 0.01};
    struct summary s;
    struct agg base, cur;
    struct cmp_result r[1];

    summary_start(&s);
    for (int k = 0; k < 5; k++)
        summary_row(&s, "pool", 10000, 1, 0, "200");
    testutil_build_agg(&base, s.text);
    /* One error in one of five repeats: the median is still 0, and it is a
     * regression all the same, with no test and no change. */
    summary_start(&s);
    for (int k = 0; k < 5; k++)
        summary_row(&s, "pool", 10000, 1, k == 3, "200");
    testutil_build_agg(&cur, s.text);
    ck_assert_int_eq(cmp_run(&base, &cur, &errs, 1, r), 1);
    ck_assert_double_eq(r[0].base_median, 0.0);
    ck_assert_double_eq(r[0].cur_median, 0.0);
    ck_assert_double_nan(r[0].change);   /* base is 0 */
    ck_assert_double_nan(r[0].p);
    ck_assert_int_eq(r[0].verdict, CMP_REGRESSION);

    /* Errors in the baseline, none now: ok. */
    ck_assert_int_eq(cmp_run(&cur, &base, &errs, 1, r), 0);
    ck_assert_int_eq(r[0].verdict, CMP_OK);
    /* None either side: ok. */
    ck_assert_int_eq(cmp_run(&base, &base, &errs, 1, r), 0);
    ck_assert_int_eq(r[0].verdict, CMP_OK);
    agg_free(&base);
    agg_free(&cur);
}
END_TEST

START_TEST(run_lower_is_better)
{
    /* server_sys_ms_per_1k = server_sys_s * 1e6 / 10000: 1 s -> 100, 2 s -> 200. */
    const struct cmp_rule sys = {AGG_SERVER_SYS_MS_PER_1K, CMP_LOWER_IS_BETTER, 0.25, 0.01};
    struct summary s;
    struct agg base, cur, better;
    struct cmp_result r[1];

    summary_start(&s);
    for (int k = 0; k < 5; k++)
        summary_row(&s, "pool", 10000, 1, 0, "200");
    testutil_build_agg(&base, s.text);
    summary_start(&s);
    for (int k = 0; k < 5; k++)
        summary_row(&s, "pool", 10000, 2, 0, "200");
    testutil_build_agg(&cur, s.text);
    summary_start(&s);
    for (int k = 0; k < 5; k++)
        summary_row(&s, "pool", 10000, 0.5, 0, "200");
    testutil_build_agg(&better, s.text);

    ck_assert_int_eq(cmp_run(&base, &cur, &sys, 1, r), 1);
    ck_assert_double_eq(r[0].base_median, 100.0);
    ck_assert_double_eq(r[0].cur_median, 200.0);
    ck_assert_double_eq(r[0].change, 1.0);
    ck_assert_double_eq(r[0].p, 1.0 / 252);
    ck_assert_int_eq(r[0].verdict, CMP_REGRESSION);

    /* Less kernel CPU: improved, and the bad direction's p is 1. */
    ck_assert_int_eq(cmp_run(&base, &better, &sys, 1, r), 0);
    ck_assert_double_eq(r[0].cur_median, 50.0);
    ck_assert_double_eq(r[0].change, -0.5);
    ck_assert_double_eq(r[0].p, 1.0);
    ck_assert_int_eq(r[0].verdict, CMP_IMPROVED);

    /* The same doubling under a higher-is-better rule would be an improvement. */
    const struct cmp_rule wrong_way = {AGG_SERVER_SYS_MS_PER_1K, CMP_HIGHER_IS_BETTER, 0.25, 0.01};
    ck_assert_int_eq(cmp_run(&base, &cur, &wrong_way, 1, r), 0);
    ck_assert_int_eq(r[0].verdict, CMP_IMPROVED);
    agg_free(&base);
    agg_free(&cur);
    agg_free(&better);
}
END_TEST

START_TEST(run_relative_throughput)
{
    /* Two configurations, repeats interleaved as run_bench.sh does. Baseline:
     * both 10000. Now pool stays at 10000 and reuseport drops to 5000: the
     * geometric mean per repeat is sqrt(5e7), so pool's share rises to sqrt(2)
     * and reuseport's falls to 1/sqrt(2). */
    const struct cmp_rule rules[2] = {
        {AGG_CONN_PER_S_REL, CMP_HIGHER_IS_BETTER, 0.15, 0.01},
        {AGG_CONN_PER_S, CMP_HIGHER_IS_BETTER, 0.10, 0.01},
    };
    struct summary s;
    struct agg base, cur, slow;
    struct cmp_result r[4];

    summary_start(&s);
    for (int k = 0; k < 5; k++) {
        summary_row(&s, "pool", 10000, 1, 0, "200");
        summary_row(&s, "reuseport", 10000, 1, 0, "200");
    }
    testutil_build_agg(&base, s.text);
    summary_start(&s);
    for (int k = 0; k < 5; k++) {
        summary_row(&s, "pool", 10000, 1, 0, "200");
        summary_row(&s, "reuseport", 5000, 1, 0, "200");
    }
    testutil_build_agg(&cur, s.text);

    ck_assert_int_eq(cmp_run(&base, &cur, rules, 2, r), 1);
    /* pool: relatively faster (not a regression), absolute unchanged. */
    ck_assert_double_eq_tol(r[0].base_median, 1.0, 1e-12);
    ck_assert_double_eq_tol(r[0].cur_median, sqrt(2.0), 1e-12);
    ck_assert_double_eq_tol(r[0].change, sqrt(2.0) - 1, 1e-12);
    ck_assert_double_eq(r[0].p, 1.0);
    ck_assert_int_eq(r[0].verdict, CMP_IMPROVED);
    ck_assert_double_eq(r[1].change, 0.0);
    ck_assert_int_eq(r[1].verdict, CMP_OK);
    /* reuseport: regresses both ways. */
    ck_assert_double_eq_tol(r[2].cur_median, sqrt(0.5), 1e-12);
    ck_assert_double_eq_tol(r[2].change, sqrt(0.5) - 1, 1e-12);
    ck_assert_double_eq(r[2].p, 1.0 / 252);
    ck_assert_int_eq(r[2].verdict, CMP_REGRESSION);
    ck_assert_double_eq(r[3].change, -0.5);
    ck_assert_int_eq(r[3].verdict, CMP_REGRESSION);

    /* A machine half as fast for everything: absolute throughput regresses,
     * the relative share does not move. */
    summary_start(&s);
    for (int k = 0; k < 5; k++) {
        summary_row(&s, "pool", 5000, 1, 0, "200");
        summary_row(&s, "reuseport", 5000, 1, 0, "200");
    }
    testutil_build_agg(&slow, s.text);
    ck_assert_int_eq(cmp_run(&base, &slow, rules, 2, r), 1);
    ck_assert_int_eq(r[0].verdict, CMP_OK);
    ck_assert_double_eq_tol(r[0].change, 0.0, 1e-12);
    ck_assert_int_eq(r[1].verdict, CMP_REGRESSION);
    ck_assert_int_eq(r[2].verdict, CMP_OK);
    ck_assert_double_eq_tol(r[2].change, 0.0, 1e-12);
    ck_assert_int_eq(r[3].verdict, CMP_REGRESSION);
    agg_free(&base);
    agg_free(&cur);
    agg_free(&slow);
}
END_TEST

START_TEST(run_from_thresholds_table)
{
    /* End to end: rules read from a thresholds text, then a run where only
     * errors appear. */
    struct table t;
    struct cmp_rule rules[4];
    struct summary s;
    struct agg base, cur;
    struct cmp_result r[2];
    char err[200] = "";

    testutil_parse_table(&t,
                         "metric,direction,max_change,alpha,why\n"
                         "conn_per_s,higher,0.50,0.01,\"absolute, so only a collapse\"\n"
                         "errors,zero,0,0.01,\"every class, added up\"\n");
    ck_assert_int_eq(cmp_rules_from_table(&t, rules, 4, err, sizeof err), 2);
    table_free(&t);
    summary_start(&s);
    summary_rows(&s, "pool", all_10000, 5);
    testutil_build_agg(&base, s.text);
    summary_start(&s);
    for (int k = 0; k < 5; k++)
        summary_row(&s, "pool", 6000, 1, 2, "200");
    testutil_build_agg(&cur, s.text);
    ck_assert_int_eq(cmp_run(&base, &cur, rules, 2, r), 1);
    ck_assert_int_eq(r[0].verdict, CMP_OK);           /* -40% within 50% */
    ck_assert_double_eq(r[0].p, 1.0 / 252);
    ck_assert_int_eq(r[1].verdict, CMP_REGRESSION);
    ck_assert_double_eq(r[1].cur_median, 2.0);
    agg_free(&base);
    agg_free(&cur);
}
END_TEST

START_TEST(run_empty_baseline)
{
    /* No baseline groups: nothing compared, nothing written, pass. */
    struct agg empty = {0}, cur;
    struct summary s;
    struct cmp_result r[1];

    summary_start(&s);
    summary_rows(&s, "pool", all_10000, 5);
    testutil_build_agg(&cur, s.text);
    struct cmp_result before[1];

    memset(r, 0xA5, sizeof r);
    memcpy(before, r, sizeof r);
    ck_assert_int_eq(cmp_run(&empty, &cur, &conn_rule, 1, r), 0);
    ck_assert_int_eq(memcmp(before, r, sizeof r), 0);   /* untouched */
    agg_free(&cur);
}
END_TEST

/* ---- malformed baseline ---- */

START_TEST(baseline_missing_column)
{
    /* What `compare` reports for such a baseline's summary.csv (after the path). */
    struct table t;
    struct agg a;
    char err[200] = "";

    testutil_parse_table(&t,
                         "strategy,io,workers,connections,rate,partial,completed,"
                         "total_p50_us,total_p99_us,total_p999_us,connect_p99_us,jain_index,"
                         "server_user_s,server_sys_s,server_wasted_wakeups,client_saturated\n"
                         "pool,epoll,4,100,0,0,10000,50,200,900,30,1,0.5,1,0,0\n");
    ck_assert_int_eq(agg_build(&t, &a, err, sizeof err), -1);
    ck_assert_str_eq(err, "summary.csv has no column 'conn_per_s'");
    ck_assert_ptr_null(a.g);
    ck_assert_uint_eq(a.n, 0);
    agg_free(&a);
    table_free(&t);
}
END_TEST

START_TEST(baseline_bad_row)
{
    struct summary s;
    struct table t;
    char err[200] = "";

    summary_start(&s);
    summary_row(&s, "pool", 10000, 1, 0, "200");
    /* One field too many on line 3. */
    summary_row(&s, "pool", 10000, 1, 0, "200,7");
    summary_row(&s, "pool", 10000, 1, 0, "200");
    ck_assert_int_eq(table_parse(&t, s.text, s.len, err, sizeof err), -1);
    ck_assert_str_eq(err, "line 3: field count differs from the header");

    /* One too few on line 2. */
    summary_start(&s);
    s.len += (size_t)snprintf(s.text + s.len, sizeof s.text - s.len, "pool,epoll,4\n");
    ck_assert_int_eq(table_parse(&t, s.text, s.len, err, sizeof err), -1);
    ck_assert_str_eq(err, "line 2: field count differs from the header");
}
END_TEST

/* ---- names ---- */

START_TEST(verdict_names)
{
    ck_assert_str_eq(cmp_verdict_name(CMP_OK), "ok");
    ck_assert_str_eq(cmp_verdict_name(CMP_NOISE), "noise");
    ck_assert_str_eq(cmp_verdict_name(CMP_IMPROVED), "improved");
    ck_assert_str_eq(cmp_verdict_name(CMP_REGRESSION), "REGRESSION");
    ck_assert_str_eq(cmp_verdict_name(CMP_MISSING), "MISSING");
}
END_TEST

static Suite *compare_suite(void)
{
    Suite *s = suite_create("compare");
    TCase *tc;

    tc = tcase_create("mann_whitney");
    tcase_add_test(tc, mwu_complete_separation);
    tcase_add_test(tc, mwu_small_samples);
    tcase_add_test(tc, mwu_partial_overlap);
    tcase_add_test(tc, mwu_ties);
    tcase_add_test(tc, mwu_nonfinite_dropped);
    tcase_add_test(tc, mwu_empty_and_too_large);
    suite_add_tcase(s, tc);

    tc = tcase_create("rules");
    tcase_add_test(tc, rules_good_table);
    tcase_add_test(tc, rules_unknown_metric);
    tcase_add_test(tc, rules_bad_direction);
    tcase_add_test(tc, rules_bad_numbers);
    tcase_add_test(tc, rules_missing_columns);
    tcase_add_test(tc, rules_too_many);
    suite_add_tcase(s, tc);

    tc = tcase_create("run");
    tcase_add_test(tc, run_clear_regression);
    tcase_add_test(tc, run_three_repeats_never_significant);
    tcase_add_test(tc, run_within_threshold);
    tcase_add_test(tc, run_noise);
    tcase_add_test(tc, run_improved);
    tcase_add_test(tc, run_missing_configuration);
    tcase_add_test(tc, run_missing_metric);
    tcase_add_test(tc, run_errors_must_be_zero);
    tcase_add_test(tc, run_lower_is_better);
    tcase_add_test(tc, run_relative_throughput);
    tcase_add_test(tc, run_from_thresholds_table);
    tcase_add_test(tc, run_empty_baseline);
    suite_add_tcase(s, tc);

    tc = tcase_create("baseline");
    tcase_add_test(tc, baseline_missing_column);
    tcase_add_test(tc, baseline_bad_row);
    suite_add_tcase(s, tc);

    tc = tcase_create("names");
    tcase_add_test(tc, verdict_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(compare_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
