/* Unit tests for bench/compare: the exact one-sided Mann–Whitney U p-value
 * (separation, ties, partial overlap, dropped values, size limits); the
 * Hodges–Lehmann ratio and its confidence interval; reading the thresholds table
 * and its messages; the counts verdicts on a baseline and a current folder built
 * from synthetic summary.csv and kernel.csv text (one extra call per connection,
 * named; timing-dependent counters moving within their thresholds; errors; a
 * missing configuration, side or threshold; a new configuration); the A/B verdicts
 * (a head twice as slow, identical samples, too few rounds to be significant, an
 * improvement, the derived server CPU metric, missing and refused configurations);
 * and the verdict names.
 *
 * Null distributions used below: the number of interleavings of n1 x-values and
 * n2 y-values with U = u pairs x < y is the coefficient of q^u in the Gaussian
 * binomial [n1+n2 choose n1]_q:
 *   1 vs 2 (3):   1 1 1
 *   2 vs 2 (6):   1 1 2 1 1
 *   3 vs 3 (20):  1 1 2 3 3 3 3 2 1 1
 *   5 vs 5 (252): 1 1 2 3 5 7 9 11 14 16 18 19 20 20 19 18 16 14 11 9 7 5 3 2 1 1
 * so the p-values P(U >= u) are exact fractions of C(n1+n2, n1), and the
 * coverage of the interval [r_(k), r_(nm+1-k)] of the sorted pairwise ratios is
 * 1 - 2·P(U <= k-1): with 3 vs 3, k = 1 gives 1 - 2/20 = 0.9 and k = 2 gives
 * 1 - 2·2/20 = 0.8; with 5 vs 5, k = 3 gives 1 - 2·4/252 = 0.968 and k = 4 gives
 * 1 - 2·7/252 = 0.944, so a 95% interval is k = 3. */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "compare.h"
#include "kagg.h"
#include "table.h"
#include "testutil.h"

/* ---- helpers ---- */

/* The thresholds of these tests, in bench/thresholds.csv's shape. */
static const char thresholds[] =
    "compare,metric,direction,max_change,alpha,why\n"
    "counts,errors,zero,0,,\"must stay zero\"\n"
    "counts,server_syscalls,lower,1.5,,\n"
    "counts,server_context_switches,lower,1.0,,\n"
    "counts,server_syscall:epoll_wait,lower,0.6,,\"timing's, so wide\"\n"
    "counts,server_syscall:*,lower,0.1,,\"exact\"\n"
    "counts,client_syscalls,lower,0.5,,\n"
    "counts,client_context_switches,lower,0.5,,\n"
    "counts,client_syscall:*,lower,0.1,,\n"
    "ab,conn_per_s,higher,0.25,0.05,\n"
    "ab,server_cpu_ms_per_1k,lower,0.25,0.05,\n"
    "ab,server_host_ms_per_1k,lower,0.25,0.05,\n"
    "ab,total_p99_us,lower,0.5,0.05,\n";
#define NRULES 12

static void load_rules(struct cmp_rule *rules)
{
    struct table t;
    char err[200] = "";
    testutil_parse_table(&t, thresholds);
    ck_assert_msg(cmp_rules_from_table(&t, rules, NRULES, err, sizeof err) == NRULES,
                  "cmp_rules_from_table: %s", err);
    table_free(&t);
}

/* The strings, one after the other, in buf. */
static const char *join(char *buf, size_t len, ...)
{
    va_list ap;
    size_t used = 0;
    buf[0] = '\0';
    va_start(ap, len);
    for (const char *s; (s = va_arg(ap, const char *));) {
        int n = snprintf(buf + used, len - used, "%s", s);
        ck_assert(n >= 0 && (size_t)n < len - used);
        used += (size_t)n;
    }
    va_end(ap);
    return buf;
}

/* A summary.csv under construction for the A/B tests: every column agg_build
 * requires, plus one error class. Each row completes 10,000 connections, so
 * server_user_ms_per_1k is 50 (0.5 s) and server_sys_ms_per_1k is
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

/* One round of strategy/epoll w4 c100 r0. */
static void summary_row(struct summary *s, const char *strategy, double conn_per_s,
                        double server_sys_s, double p99)
{
    int n = snprintf(s->text + s->len, sizeof s->text - s->len,
                     "%s,epoll,4,100,0,0,10000,%.17g,50,%.17g,900,30,1,0.5,%.17g,0,0,0\n",
                     strategy, conn_per_s, p99, server_sys_s);
    ck_assert(n > 0 && (size_t)n < sizeof s->text - s->len);
    s->len += (size_t)n;
}

/* n rounds of "pool" with the given conn/s, sys 1 s and p99 200 us each. */
static void build_rounds(struct agg *a, const double *conn, size_t n)
{
    struct summary s;
    summary_start(&s);
    for (size_t i = 0; i < n; i++)
        summary_row(&s, "pool", conn[i], 1, 200);
    testutil_build_agg(a, s.text);
}

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


/* ---- cmp_hodges_lehmann ---- */

START_TEST(hl_three_by_three)
{
    /* head/base pairwise: 20/{10,20,40} = 2 1 0.5, 40/{..} = 4 2 1, 80/{..} = 8 4 2;
     * sorted 0.5 1 1 2 2 2 4 4 8: the median (5th of 9) is 2. */
    const double head[3] = {20, 40, 80}, base[3] = {10, 20, 40};
    struct cmp_hl hl;

    ck_assert_int_eq(cmp_hodges_lehmann(head, 3, base, 3, 0.95, &hl), 0);
    ck_assert_double_eq(hl.ratio, 2.0);
    /* 95% is out of reach: the widest interval, k = 1, [r_1, r_9], covers 90%. */
    ck_assert_double_eq(hl.lo, 0.5);
    ck_assert_double_eq(hl.hi, 8.0);
    ck_assert_double_eq(hl.confidence, 1 - 2.0 / 20);
    /* At 80%, k = 2 reaches it exactly: [r_2, r_8]. */
    ck_assert_int_eq(cmp_hodges_lehmann(head, 3, base, 3, 0.8, &hl), 0);
    ck_assert_double_eq(hl.ratio, 2.0);
    ck_assert_double_eq(hl.lo, 1.0);
    ck_assert_double_eq(hl.hi, 4.0);
    ck_assert_double_eq(hl.confidence, 1 - 4.0 / 20);
    /* Swapped, everything inverts. */
    ck_assert_int_eq(cmp_hodges_lehmann(base, 3, head, 3, 0.95, &hl), 0);
    ck_assert_double_eq(hl.ratio, 0.5);
    ck_assert_double_eq(hl.lo, 0.125);
    ck_assert_double_eq(hl.hi, 2.0);
}
END_TEST

START_TEST(hl_five_by_five)
{
    /* head_i/base_j = 2^(i-j+1): exponent -3 once, -2 twice, -1 3x, 0 4x, 1 5x,
     * 2 4x, 3 3x, 4 twice, 5 once. The 13th of 25 is 2^1; a 95% interval is
     * k = 3 (96.8%): r_3 = 2^-2, r_23 = 2^4. */
    const double base[5] = {1, 2, 4, 8, 16}, head[5] = {2, 4, 8, 16, 32};
    struct cmp_hl hl;

    ck_assert_int_eq(cmp_hodges_lehmann(head, 5, base, 5, 0.95, &hl), 0);
    ck_assert_double_eq(hl.ratio, 2.0);
    ck_assert_double_eq(hl.lo, 0.25);
    ck_assert_double_eq(hl.hi, 16.0);
    ck_assert_double_eq(hl.confidence, 1 - 8.0 / 252);
    /* 94% is reached one step further in: k = 4, [r_4, r_22] = [2^-1, 2^3]. */
    ck_assert_int_eq(cmp_hodges_lehmann(head, 5, base, 5, 0.94, &hl), 0);
    ck_assert_double_eq(hl.lo, 0.5);
    ck_assert_double_eq(hl.hi, 8.0);
    ck_assert_double_eq(hl.confidence, 1 - 14.0 / 252);
}
END_TEST

START_TEST(hl_even_count)
{
    /* 2 vs 2: ratios 1/1 1/4 4/1 4/4 sorted 0.25 1 1 4; the median of the logs is
     * the geometric mean of the middle two, 1; k = 1 covers 1 - 2/6. */
    const double v[2] = {1, 4};
    struct cmp_hl hl;

    ck_assert_int_eq(cmp_hodges_lehmann(v, 2, v, 2, 0.95, &hl), 0);
    ck_assert_double_eq(hl.ratio, 1.0);
    ck_assert_double_eq(hl.lo, 0.25);
    ck_assert_double_eq(hl.hi, 4.0);
    ck_assert_double_eq(hl.confidence, 1 - 2.0 / 6);
    /* 2 vs 1: ratios 2 and 8, median sqrt(2·8) = 4 (not their mean, 5); 1 - 2/3. */
    const double head[2] = {2, 8}, base[1] = {1};
    ck_assert_int_eq(cmp_hodges_lehmann(head, 2, base, 1, 0.95, &hl), 0);
    ck_assert_double_eq(hl.ratio, 4.0);
    ck_assert_double_eq(hl.lo, 2.0);
    ck_assert_double_eq(hl.hi, 8.0);
    ck_assert_double_eq(hl.confidence, 1 - 2.0 / 3);
}
END_TEST

START_TEST(hl_dropped_and_refused)
{
    /* Not finite, or not positive: dropped; {20,40,80} vs {10,20,40} is left. */
    const double head[6] = {20, NAN, 40, 0, 80, INFINITY}, base[5] = {-1, 10, 20, NAN, 40};
    const double none[2] = {0, NAN};
    double big[65];
    struct cmp_hl hl;

    ck_assert_int_eq(cmp_hodges_lehmann(head, 6, base, 5, 0.95, &hl), 0);
    ck_assert_double_eq(hl.ratio, 2.0);
    ck_assert_double_eq(hl.lo, 0.5);
    ck_assert_double_eq(hl.hi, 8.0);
    /* Nothing left on one side, or too many values: -1, every field NAN. */
    ck_assert_int_eq(cmp_hodges_lehmann(none, 2, base, 5, 0.95, &hl), -1);
    ck_assert_double_nan(hl.ratio);
    ck_assert_double_nan(hl.lo);
    ck_assert_double_nan(hl.hi);
    ck_assert_double_nan(hl.confidence);
    ck_assert_int_eq(cmp_hodges_lehmann(head, 6, NULL, 0, 0.95, &hl), -1);
    for (size_t i = 0; i < 65; i++)
        big[i] = 1.0 + (double)i;
    ck_assert_int_eq(cmp_hodges_lehmann(big, 65, base, 5, 0.95, &hl), -1);
    ck_assert_int_eq(cmp_hodges_lehmann(big, 64, base, 5, 0.95, &hl), 0);
}
END_TEST

/* ---- cmp_rules_from_table ---- */

/* Parse a thresholds text that must be refused with exactly `want`. */
static void rules_fail(const char *text, size_t max, const char *want)
{
    struct table t;
    struct cmp_rule rules[8];
    char err[300] = "";

    testutil_parse_table(&t, text);
    ck_assert_int_eq(cmp_rules_from_table(&t, rules, max, err, sizeof err), -1);
    ck_assert_str_eq(err, want);
    table_free(&t);
}

#define HEADER "compare,metric,direction,max_change,alpha,why\n"

START_TEST(rules_good_table)
{
    struct cmp_rule rules[NRULES];
    struct table t;
    char err[200] = "";

    load_rules(rules);
    ck_assert_int_eq(rules[0].kind, CMP_COUNTS);
    ck_assert_str_eq(rules[0].metric, "errors");
    ck_assert_int_eq(rules[0].direction, CMP_MUST_BE_ZERO);
    ck_assert_double_eq(rules[0].max_change, 0.0);
    ck_assert_double_nan(rules[0].alpha);
    ck_assert_int_eq(rules[0].agg_metric, -1);
    ck_assert_str_eq(rules[3].metric, "server_syscall:epoll_wait");
    ck_assert_int_eq(rules[3].direction, CMP_LOWER_IS_BETTER);
    ck_assert_double_eq(rules[3].max_change, 0.6);
    ck_assert_str_eq(rules[4].metric, "server_syscall:*");
    ck_assert_int_eq(rules[8].kind, CMP_AB);
    ck_assert_str_eq(rules[8].metric, "conn_per_s");
    ck_assert_int_eq(rules[8].agg_metric, AGG_CONN_PER_S);
    ck_assert_int_eq(rules[8].direction, CMP_HIGHER_IS_BETTER);
    ck_assert_double_eq(rules[8].max_change, 0.25);
    ck_assert_double_eq(rules[8].alpha, 0.05);
    ck_assert_str_eq(rules[9].metric, CMP_SERVER_CPU);
    ck_assert_int_eq(rules[9].agg_metric, -1);
    ck_assert_int_eq(rules[10].agg_metric, AGG_SERVER_HOST_MS_PER_1K);
    ck_assert_int_eq(rules[11].agg_metric, AGG_TOTAL_P99_US);

    /* Columns in another order, and no "why" at all. */
    testutil_parse_table(&t, "alpha,max_change,metric,direction,compare\n"
                             "0.02,0.3,total_p99_us,lower,ab\n,2,client_syscalls,higher,counts\n");
    ck_assert_int_eq(cmp_rules_from_table(&t, rules, 2, err, sizeof err), 2);
    ck_assert_int_eq(rules[0].kind, CMP_AB);
    ck_assert_double_eq(rules[0].alpha, 0.02);
    ck_assert_double_eq(rules[0].max_change, 0.3);
    ck_assert_int_eq(rules[1].kind, CMP_COUNTS);
    ck_assert_int_eq(rules[1].direction, CMP_HIGHER_IS_BETTER);
    ck_assert_double_eq(rules[1].max_change, 2.0);
    table_free(&t);

    /* A header alone: no rules. */
    testutil_parse_table(&t, HEADER);
    ck_assert_int_eq(cmp_rules_from_table(&t, rules, 0, err, sizeof err), 0);
    table_free(&t);
}
END_TEST

START_TEST(rules_refused)
{
    /* The line is the file's: the header is line 1. */
    rules_fail(HEADER "times,conn_per_s,higher,0.1,0.01,x\n", 8,
               "line 2: compare 'times' (use counts or ab)");
    rules_fail(HEADER "counts,errors,zero,0,,\nab,foo,higher,0.1,0.01,x\n", 8,
               "line 3: unknown metric 'foo'");
    rules_fail(HEADER "counts,syscalls,lower,0.1,,x\n", 8,
               "line 2: counts metric 'syscalls' (use errors, or server_ or client_ and "
               "syscalls, context_switches or syscall:NAME)");
    rules_fail(HEADER "ab,conn_per_s,up,0.1,0.01,x\n", 8,
               "line 2: direction 'up' (use higher, lower)");
    rules_fail(HEADER "ab,errors,zero,0,0.01,x\n", 8,
               "line 2: direction 'zero' (use higher, lower)");
    rules_fail(HEADER "counts,errors,Zero,0,,x\n", 8,
               "line 2: direction 'Zero' (use higher, lower or zero)");
    rules_fail(HEADER "counts,server_syscalls,lower,0.5,0.01,x\n", 8,
               "line 2: alpha is for ab rows (counts have no test): leave it empty");
    rules_fail(HEADER "counts,server_syscalls,lower,-0.5,,x\n", 8,
               "line 2: max_change must be a number >= 0");
    rules_fail(HEADER "counts,server_syscalls,lower,,,x\n", 8,
               "line 2: max_change must be a number >= 0");
    /* 64 characters: one more than a rule holds. */
#define LONG_NAME "server_syscall:" "0123456789012345678901234567890123456789012345678"
    rules_fail(HEADER "counts," LONG_NAME ",lower,0.5,,x\n", 8,
               "line 2: metric '" LONG_NAME "' is too long");
    static const char *const alphas[] = {"0", "1", "1.5", "-0.01", "", "often"};
    char text[256];
    for (size_t i = 0; i < sizeof alphas / sizeof alphas[0]; i++) {
        snprintf(text, sizeof text, HEADER "ab,conn_per_s,higher,0.1,%s,x\n", alphas[i]);
        rules_fail(text, 8, "line 2: alpha must be in (0, 1)");
    }
}
END_TEST

START_TEST(rules_missing_columns)
{
    static const char *const headers[] = {
        "metric,direction,max_change,alpha,why\nconn_per_s,higher,0.1,0.01,x\n",
        "compare,direction,max_change,alpha\nab,higher,0.1,0.01\n",
        "compare,metric,max_change,alpha\nab,conn_per_s,0.1,0.01\n",
        "compare,metric,direction,alpha\nab,conn_per_s,higher,0.01\n",
        "compare,metric,direction,max_change\nab,conn_per_s,higher,0.1\n",
        "Compare,Metric,Direction,Max_change,Alpha\nab,conn_per_s,higher,0.1,0.01\n",
    };

    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++)
        rules_fail(headers[i], 8, "thresholds need the columns compare, metric, direction, "
                                  "max_change, alpha");
    rules_fail(HEADER "counts,errors,zero,0,,\nab,conn_per_s,higher,0.1,0.01,\n"
                      "ab,total_p99_us,lower,0.5,0.01,\n",
               2, "more than 2 thresholds");
}
END_TEST

/* ---- cmp_counts ---- */

/* A results folder in text: summary.csv rows (1,000 connections each) and
 * kernel.csv's thread=all rows. Values are multiples of 1/8, so every median and
 * difference is exact. */
#define SUMMARY_HEADER                                                                      \
    "run_id,label,strategy,io,workers,connections,rate,partial,completed,conn_per_s,"     \
    "total_p50_us,total_p99_us,total_p999_us,connect_p99_us,jain_index,server_user_s,"    \
    "server_sys_s,server_wasted_wakeups,client_saturated,errors_refused\n"
#define S(run, strategy, io, errors)                                                      \
    run "," strategy "/" io "," strategy "," io                                            \
        ",2,32,0,0,1000,1000,1,100,1,1,1,0.05,0.5,0,0," errors "\n"
#define KERNEL_HEADER \
    "run_id,label,strategy,io,topology,side,thread,worker,counter,value,per_conn,partial\n"
#define K(run, side, counter, per_conn) \
    run ",x,s,i,loopback," side ",all,," counter ",0," per_conn ",0\n"
/* shared/blocking's server: the exact blocking sequence, 4 calls. */
#define BLOCKING(run)                                                                     \
    K(run, "server", "syscalls", "4") K(run, "server", "context_switches", "0.125")        \
    K(run, "server", "migrations", "0") K(run, "server", "syscall:accept4", "1")           \
    K(run, "server", "syscall:read", "1") K(run, "server", "syscall:sendto", "1")          \
    K(run, "server", "syscall:close", "1")
/* pool/epoll's server: epoll_wait (timing's) and the total and context switches
 * that follow it. */
#define EPOLL(run, total, switches, wait)                                                 \
    K(run, "server", "syscalls", total) K(run, "server", "context_switches", switches)    \
    K(run, "server", "syscall:epoll_ctl", "2") K(run, "server", "syscall:accept4", "1")   \
    K(run, "server", "syscall:read", "1") K(run, "server", "syscall:sendto", "1")          \
    K(run, "server", "syscall:close", "1") K(run, "server", "syscall:epoll_wait", wait)
#define CLIENT(run)                                                                       \
    K(run, "client", "syscalls", "3") K(run, "client", "context_switches", "0.25")         \
    K(run, "client", "syscall:socket", "1") K(run, "client", "syscall:connect", "1")       \
    K(run, "client", "syscall:close", "1")

/* The baseline: three runs of each configuration, repeats interleaved. */
static const char base_summary[] =
    SUMMARY_HEADER S("b1", "shared", "blocking", "0") S("b2", "pool", "epoll", "0")
    S("b3", "shared", "blocking", "0") S("b4", "pool", "epoll", "0")
    S("b5", "shared", "blocking", "0") S("b6", "pool", "epoll", "0");
static const char base_kernel_a[] =
    KERNEL_HEADER BLOCKING("b1") CLIENT("b1") BLOCKING("b3") CLIENT("b3") BLOCKING("b5")
    CLIENT("b5");
static const char base_kernel_b[] =
    EPOLL("b2", "6.5", "0.5", "0.5") CLIENT("b2") EPOLL("b4", "6.5", "0.5", "0.5") CLIENT("b4")
    EPOLL("b6", "6.5", "0.5", "0.5") CLIENT("b6");

/* The current folder's two configurations, its runs named c1.. */
static const char cur_summary[] =
    SUMMARY_HEADER S("c1", "shared", "blocking", "0") S("c2", "pool", "epoll", "0")
    S("c3", "shared", "blocking", "0") S("c4", "pool", "epoll", "0")
    S("c5", "shared", "blocking", "0") S("c6", "pool", "epoll", "0");
/* pool/epoll as timing moves it: epoll_wait 0.5, 1, 0.625 (median 0.625, +0.125;
 * the mean would be 0.708), the total with it, context switches 1.25 (+0.75),
 * all within their thresholds (0.6, 1.5, 1.0). */
static const char cur_epoll_noise[] =
    EPOLL("c2", "6.5", "1.25", "0.5") CLIENT("c2") EPOLL("c4", "7", "1.25", "1")
    CLIENT("c4") EPOLL("c6", "6.625", "1.25", "0.625") CLIENT("c6");
static const char cur_blocking_same[] =
    BLOCKING("c1") CLIENT("c1") BLOCKING("c3") CLIENT("c3") BLOCKING("c5") CLIENT("c5");
/* One getpid per connection more in every run of shared/blocking. */
#define GETPID(run) K(run, "server", "syscall:getpid", "1")
static const char cur_blocking_getpid[] =
    K("c1", "server", "syscalls", "5") K("c1", "server", "context_switches", "0.125")
    K("c1", "server", "syscall:accept4", "1") K("c1", "server", "syscall:read", "1")
    K("c1", "server", "syscall:sendto", "1") K("c1", "server", "syscall:close", "1")
    GETPID("c1") CLIENT("c1")
    K("c3", "server", "syscalls", "5") K("c3", "server", "context_switches", "0.125")
    K("c3", "server", "syscall:accept4", "1") K("c3", "server", "syscall:read", "1")
    K("c3", "server", "syscall:sendto", "1") K("c3", "server", "syscall:close", "1")
    GETPID("c3") CLIENT("c3")
    K("c5", "server", "syscalls", "5") K("c5", "server", "context_switches", "0.125")
    K("c5", "server", "syscall:accept4", "1") K("c5", "server", "syscall:read", "1")
    K("c5", "server", "syscall:sendto", "1") K("c5", "server", "syscall:close", "1")
    GETPID("c5") CLIENT("c5");

/* A folder's tables, configurations and kernel counters. */
struct folder {
    struct table sum, kern;
    struct agg a;
    struct kagg k;
};

static void folder_build(struct folder *f, const char *summary, const char *kernel)
{
    char err[200] = "";
    testutil_parse_table(&f->sum, summary);
    testutil_parse_table(&f->kern, kernel);
    ck_assert_msg(agg_build(&f->sum, &f->a, err, sizeof err) == 0, "agg_build: %s", err);
    ck_assert_msg(kagg_build(&f->kern, &f->sum, &f->a, &f->k, err, sizeof err) == 0,
                  "kagg_build: %s", err);
}

static void folder_free(struct folder *f)
{
    kagg_free(&f->k);
    agg_free(&f->a);
    table_free(&f->kern);
    table_free(&f->sum);
}

static void base_build(struct folder *f)
{
    char kernel[16384];
    folder_build(f, base_summary,
                 join(kernel, sizeof kernel, base_kernel_a, base_kernel_b, (char *)NULL));
}

/* The rows as text, one a line: "configuration|counter|base|cur|change|verdict". */
static void counts_text(const struct cmp_counts *c, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->n; i++) {
        const struct cmp_count *r = &c->r[i];
        char name[160];
        agg_group_name(r->a, r->g, name, sizeof name);
        int n = snprintf(buf + used, len - used, "%s|%s%s%s|%g|%g|%+g|%s\n", name,
                         r->side < 0 ? "" : kagg_side_name(r->side), r->side < 0 ? "" : " ",
                         r->counter, r->base, r->cur, r->change, cmp_verdict_name(r->verdict));
        ck_assert(n >= 0 && (size_t)n < len - used);
        used += (size_t)n;
    }
}

/* The client's five rows, unchanged, for configuration `name`. */
#define CLIENT_ROWS(name)                                                                 \
    name "|client syscalls|3|3|+0|ok\n" name "|client context_switches|0.25|0.25|+0|ok\n" \
    name "|client syscall:close|1|1|+0|ok\n" name "|client syscall:connect|1|1|+0|ok\n"    \
    name "|client syscall:socket|1|1|+0|ok\n"

START_TEST(counts_extra_call_named)
{
    struct cmp_rule rules[NRULES];
    struct folder base, cur;
    struct cmp_counts c;
    char kernel[16384], text[8192], err[200] = "";

    load_rules(rules);
    base_build(&base);
    folder_build(&cur, cur_summary,
                 join(kernel, sizeof kernel, KERNEL_HEADER, cur_blocking_getpid,
                      cur_epoll_noise, (char *)NULL));
    ck_assert_int_eq(cmp_counts(&base.a, &base.k, &cur.a, &cur.k, rules, NRULES, &c, err,
                                sizeof err), 1);
    counts_text(&c, text, sizeof text);
    /* getpid: +1 against the catch-all's 0.1, named; the total's +1 is within its
     * 1.5 (the name says it, not the sum of timing's noise). pool/epoll: timing's
     * counters moved, each within its own threshold. The baseline's names come in
     * its order (by count, then name), then the new one; migrations are not
     * compared. */
    ck_assert_str_eq(text,
                     "shared/blocking|errors|0|0|+0|ok\n"
                     "shared/blocking|server syscalls|4|5|+1|ok\n"
                     "shared/blocking|server context_switches|0.125|0.125|+0|ok\n"
                     "shared/blocking|server syscall:accept4|1|1|+0|ok\n"
                     "shared/blocking|server syscall:close|1|1|+0|ok\n"
                     "shared/blocking|server syscall:read|1|1|+0|ok\n"
                     "shared/blocking|server syscall:sendto|1|1|+0|ok\n"
                     "shared/blocking|server syscall:getpid|0|1|+1|REGRESSION\n"
                     CLIENT_ROWS("shared/blocking")
                     "pool/epoll|errors|0|0|+0|ok\n"
                     "pool/epoll|server syscalls|6.5|6.625|+0.125|ok\n"
                     "pool/epoll|server context_switches|0.5|1.25|+0.75|ok\n"
                     "pool/epoll|server syscall:epoll_ctl|2|2|+0|ok\n"
                     "pool/epoll|server syscall:accept4|1|1|+0|ok\n"
                     "pool/epoll|server syscall:close|1|1|+0|ok\n"
                     "pool/epoll|server syscall:read|1|1|+0|ok\n"
                     "pool/epoll|server syscall:sendto|1|1|+0|ok\n"
                     "pool/epoll|server syscall:epoll_wait|0.5|0.625|+0.125|ok\n"
                     CLIENT_ROWS("pool/epoll"));
    /* The rule each row was judged by: the name's own, else the first pattern. */
    ck_assert_uint_eq(c.n, 27);
    ck_assert_ptr_eq(c.r[7].rule, &rules[4]);
    ck_assert_ptr_eq(c.r[21].rule, &rules[3]);
    ck_assert_double_eq(c.r[21].rule->max_change, 0.6);
    ck_assert_ptr_eq(c.r[0].rule, &rules[0]);
    cmp_counts_free(&c);
    ck_assert_ptr_null(c.r);
    ck_assert_uint_eq(c.n, 0);

    /* The other way round, getpid is gone: improved, and the run passes (getpid
     * comes in the new baseline's order now: accept4, close, getpid). */
    ck_assert_int_eq(cmp_counts(&cur.a, &cur.k, &base.a, &base.k, rules, NRULES, &c, err,
                                sizeof err), 0);
    ck_assert_str_eq(c.r[5].counter, "syscall:getpid");
    ck_assert_double_eq(c.r[5].change, -1.0);
    ck_assert_int_eq(c.r[5].verdict, CMP_IMPROVED);
    cmp_counts_free(&c);
    folder_free(&cur);
    folder_free(&base);
}
END_TEST

START_TEST(counts_noise_within_thresholds)
{
    struct cmp_rule rules[NRULES];
    struct folder base, cur;
    struct cmp_counts c;
    char kernel[16384], err[200] = "";

    load_rules(rules);
    base_build(&base);
    folder_build(&cur, cur_summary,
                 join(kernel, sizeof kernel, KERNEL_HEADER, cur_blocking_same, cur_epoll_noise,
                      (char *)NULL));
    ck_assert_int_eq(cmp_counts(&base.a, &base.k, &cur.a, &cur.k, rules, NRULES, &c, err,
                                sizeof err), 0);
    ck_assert_uint_eq(c.n, 26);
    for (size_t i = 0; i < c.n; i++)
        ck_assert_int_eq(c.r[i].verdict, CMP_OK);
    cmp_counts_free(&c);

    /* The same movement of epoll_wait under a tighter threshold fails, named. */
    struct cmp_rule tight[NRULES];
    memcpy(tight, rules, sizeof tight);
    tight[3].max_change = 0.1;
    ck_assert_int_eq(cmp_counts(&base.a, &base.k, &cur.a, &cur.k, tight, NRULES, &c, err,
                                sizeof err), 1);
    ck_assert_str_eq(c.r[20].counter, "syscall:epoll_wait");
    ck_assert_int_eq(c.r[20].verdict, CMP_REGRESSION);
    cmp_counts_free(&c);
    folder_free(&cur);
    folder_free(&base);
}
END_TEST

START_TEST(counts_errors)
{
    /* One error in one of three runs: the median is 0, the most is 1: a regression
     * whatever the counts. */
    static const char summary[] =
        SUMMARY_HEADER S("c1", "shared", "blocking", "0") S("c2", "pool", "epoll", "0")
        S("c3", "shared", "blocking", "1") S("c4", "pool", "epoll", "0")
        S("c5", "shared", "blocking", "0") S("c6", "pool", "epoll", "0");
    struct cmp_rule rules[NRULES];
    struct folder base, cur;
    struct cmp_counts c;
    char kernel[16384], err[200] = "";

    load_rules(rules);
    base_build(&base);
    folder_build(&cur, summary,
                 join(kernel, sizeof kernel, KERNEL_HEADER, cur_blocking_same, cur_epoll_noise,
                      (char *)NULL));
    ck_assert_int_eq(cmp_counts(&base.a, &base.k, &cur.a, &cur.k, rules, NRULES, &c, err,
                                sizeof err), 1);
    ck_assert_str_eq(c.r[0].counter, "errors");
    ck_assert_int_eq(c.r[0].side, -1);
    ck_assert_double_eq(c.r[0].base, 0.0);
    ck_assert_double_eq(c.r[0].cur, 1.0);
    ck_assert_int_eq(c.r[0].verdict, CMP_REGRESSION);
    cmp_counts_free(&c);
    folder_free(&cur);
    folder_free(&base);
}
END_TEST

START_TEST(counts_missing_and_new)
{
    /* The current folder lacks pool/epoll and has reuseport/uring, which the
     * baseline lacks: pool/epoll is one MISSING row (exit 2), reuseport/uring one
     * NEW row, which alone would not fail. */
    static const char summary[] =
        SUMMARY_HEADER S("c1", "shared", "blocking", "0") S("c2", "reuseport", "uring", "0")
        S("c3", "shared", "blocking", "0");
    static const char kernel[] =
        KERNEL_HEADER BLOCKING("c1") CLIENT("c1") BLOCKING("c3") CLIENT("c3")
        K("c2", "server", "syscalls", "1.5") K("c2", "server", "context_switches", "0.25")
        CLIENT("c2");
    struct cmp_rule rules[NRULES];
    struct folder base, cur;
    struct cmp_counts c;
    char text[8192], err[200] = "";

    load_rules(rules);
    base_build(&base);
    folder_build(&cur, summary, kernel);
    ck_assert_int_eq(cmp_counts(&base.a, &base.k, &cur.a, &cur.k, rules, NRULES, &c, err,
                                sizeof err), 2);
    counts_text(&c, text, sizeof text);
    ck_assert_str_eq(text,
                     "shared/blocking|errors|0|0|+0|ok\n"
                     "shared/blocking|server syscalls|4|4|+0|ok\n"
                     "shared/blocking|server context_switches|0.125|0.125|+0|ok\n"
                     "shared/blocking|server syscall:accept4|1|1|+0|ok\n"
                     "shared/blocking|server syscall:close|1|1|+0|ok\n"
                     "shared/blocking|server syscall:read|1|1|+0|ok\n"
                     "shared/blocking|server syscall:sendto|1|1|+0|ok\n"
                     CLIENT_ROWS("shared/blocking")
                     "pool/epoll||nan|nan|+nan|MISSING\n"
                     "reuseport/uring||nan|nan|+nan|new\n");
    ck_assert_ptr_eq(c.r[12].a, &base.a);
    ck_assert_ptr_null(c.r[12].rule);
    ck_assert_ptr_eq(c.r[13].a, &cur.a);
    ck_assert_int_eq(c.r[13].verdict, CMP_NEW);
    cmp_counts_free(&c);

    /* Without the missing configuration, the new one passes. */
    ck_assert_int_eq(cmp_counts(&cur.a, &cur.k, &cur.a, &cur.k, rules, NRULES, &c, err,
                                sizeof err), 0);
    cmp_counts_free(&c);
    folder_free(&cur);
    folder_free(&base);
}
END_TEST

START_TEST(counts_side_not_counted)
{
    /* pool/epoll's runs have no client rows now (perf failed there): its client
     * side is one MISSING row, its server side still compared. */
    static const char epoll_no_client[] =
        EPOLL("c2", "6.5", "0.5", "0.5") EPOLL("c4", "6.5", "0.5", "0.5")
        EPOLL("c6", "6.5", "0.5", "0.5");
    struct cmp_rule rules[NRULES];
    struct folder base, cur;
    struct cmp_counts c;
    char kernel[16384], err[200] = "";

    load_rules(rules);
    base_build(&base);
    folder_build(&cur, cur_summary,
                 join(kernel, sizeof kernel, KERNEL_HEADER, cur_blocking_same, epoll_no_client,
                      (char *)NULL));
    ck_assert_int_eq(cmp_counts(&base.a, &base.k, &cur.a, &cur.k, rules, NRULES, &c, err,
                                sizeof err), 2);
    ck_assert_uint_eq(c.n, 22);
    ck_assert_int_eq(c.r[20].verdict, CMP_OK);             /* server epoll_wait */
    ck_assert_int_eq(c.r[21].side, KAGG_CLIENT);
    ck_assert_str_eq(c.r[21].counter, "syscalls");
    ck_assert_double_eq(c.r[21].base, 3.0);
    ck_assert_double_nan(c.r[21].cur);
    ck_assert_int_eq(c.r[21].verdict, CMP_MISSING);
    cmp_counts_free(&c);
    folder_free(&cur);
    folder_free(&base);
}
END_TEST

START_TEST(counts_no_threshold)
{
    /* Without the server catch-all, getpid has no rule: refused, named. */
    struct table t;
    struct cmp_rule rules[4];
    struct folder base, cur;
    struct cmp_counts c;
    char kernel[16384], err[200] = "";

    testutil_parse_table(&t, HEADER "counts,errors,zero,0,,\n"
                                    "counts,server_*,lower,0.5,,\n"
                                    "counts,client_*,lower,0.5,,\n");
    ck_assert_int_eq(cmp_rules_from_table(&t, rules, 4, err, sizeof err), 3);
    table_free(&t);
    base_build(&base);
    folder_build(&cur, cur_summary,
                 join(kernel, sizeof kernel, KERNEL_HEADER, cur_blocking_getpid,
                      cur_epoll_noise, (char *)NULL));
    /* server_* matches every server counter: getpid regresses under it. */
    ck_assert_int_eq(cmp_counts(&base.a, &base.k, &cur.a, &cur.k, rules, 3, &c, err,
                                sizeof err), 1);
    cmp_counts_free(&c);
    /* Without it: the first counter without a rule is named. */
    rules[1] = rules[2];
    ck_assert_int_eq(cmp_counts(&base.a, &base.k, &cur.a, &cur.k, rules, 2, &c, err,
                                sizeof err), -1);
    ck_assert_str_eq(err, "no counts threshold for server_syscalls (add a row whose metric "
                          "is or matches it)");
    cmp_counts_free(&c);
    ck_assert_int_eq(cmp_counts(&base.a, &base.k, &cur.a, &cur.k, rules + 1, 1, &c, err,
                                sizeof err), -1);
    ck_assert_str_eq(err, "no counts threshold for errors (add a row whose metric is or "
                          "matches it)");
    cmp_counts_free(&c);
    folder_free(&cur);
    folder_free(&base);
}
END_TEST

/* ---- cmp_ab ---- */

static const double conn_base[5] = {1000, 1100, 1200, 1300, 1400};
static const double conn_half[5] = {500, 550, 600, 650, 700};
static const double conn_double[5] = {2000, 2200, 2400, 2600, 2800};

START_TEST(ab_twice_as_slow)
{
    /* head_i/base_j = (b_i/b_j)/2: of the 25 b_i/b_j, 10 below 1, 5 equal, 10
     * above, so the 13th is 1 and the ratio 0.5; the 95% interval is k = 3:
     * r_3 = 550/1400 (the third smallest b_i/b_j is 11/14, after 10/14 and
     * 10/13), r_23 = 700/1100 (the third largest is 14/11, after 14/10, 13/10).
     * The samples separate completely: p = 1/252. */
    struct cmp_rule rules[NRULES];
    struct agg base, head;
    struct cmp_abs c;
    char err[200] = "";

    load_rules(rules);
    build_rounds(&base, conn_base, 5);
    build_rounds(&head, conn_half, 5);
    ck_assert_int_eq(cmp_ab(&base, &head, NULL, rules, NRULES, 0.95, &c, err, sizeof err), 1);
    /* conn/s, server CPU and p99 (no host columns: left out), all of pool. */
    ck_assert_uint_eq(c.n, 3);
    ck_assert_ptr_eq(c.r[0].rule, &rules[8]);
    ck_assert_ptr_eq(c.r[0].a, &base);
    ck_assert_ptr_eq(c.r[0].g, &base.g[0]);
    ck_assert_ptr_null(c.r[0].missing_in);
    ck_assert_uint_eq(c.r[0].nbase, 5);
    ck_assert_uint_eq(c.r[0].nhead, 5);
    ck_assert_double_eq(c.r[0].base_median, 1200.0);
    ck_assert_double_eq(c.r[0].head_median, 600.0);
    ck_assert_double_eq(c.r[0].hl.ratio, 0.5);
    ck_assert_double_eq(c.r[0].hl.lo, 550.0 / 1400);
    ck_assert_double_eq(c.r[0].hl.hi, 700.0 / 1100);
    ck_assert_double_eq(c.r[0].hl.confidence, 1 - 8.0 / 252);
    ck_assert_double_eq(c.r[0].p, 1.0 / 252);
    ck_assert_int_eq(c.r[0].verdict, CMP_REGRESSION);
    /* The rest did not move: identical samples, ratio 1, p by the tie rule. */
    ck_assert_ptr_eq(c.r[1].rule, &rules[9]);
    ck_assert_double_eq(c.r[1].base_median, 150.0);   /* 50 user + 100 sys */
    ck_assert_double_eq(c.r[1].hl.ratio, 1.0);
    ck_assert_double_eq(c.r[1].p, 146.0 / 252);
    ck_assert_int_eq(c.r[1].verdict, CMP_OK);
    ck_assert_ptr_eq(c.r[2].rule, &rules[11]);
    ck_assert_int_eq(c.r[2].verdict, CMP_OK);
    cmp_abs_free(&c);
    ck_assert_ptr_null(c.r);

    /* Twice as fast: improved, and the bad direction's p is 1. */
    agg_free(&head);
    build_rounds(&head, conn_double, 5);
    ck_assert_int_eq(cmp_ab(&base, &head, NULL, rules, NRULES, 0.95, &c, err, sizeof err), 0);
    ck_assert_double_eq(c.r[0].hl.ratio, 2.0);
    ck_assert_double_eq(c.r[0].p, 1.0);
    ck_assert_int_eq(c.r[0].verdict, CMP_IMPROVED);
    cmp_abs_free(&c);
    agg_free(&head);
    agg_free(&base);
}
END_TEST

START_TEST(ab_identical)
{
    /* The same samples: every pairwise ratio's median is 1, the interval
     * [1100/1400, 1400/1100], p = 146/252 (25 pairs: 10 below, 5 ties, U = 12). */
    struct cmp_rule rules[NRULES];
    struct agg base, head;
    struct cmp_abs c;
    char err[200] = "";

    load_rules(rules);
    build_rounds(&base, conn_base, 5);
    build_rounds(&head, conn_base, 5);
    ck_assert_int_eq(cmp_ab(&base, &head, NULL, rules, NRULES, 0.95, &c, err, sizeof err), 0);
    ck_assert_uint_eq(c.n, 3);
    ck_assert_double_eq(c.r[0].hl.ratio, 1.0);
    ck_assert_double_eq(c.r[0].hl.lo, 1100.0 / 1400);
    ck_assert_double_eq(c.r[0].hl.hi, 1400.0 / 1100);
    ck_assert_double_eq(c.r[0].p, 146.0 / 252);
    for (size_t i = 0; i < c.n; i++)
        ck_assert_int_eq(c.r[i].verdict, CMP_OK);
    cmp_abs_free(&c);
    agg_free(&head);
    agg_free(&base);
}
END_TEST

START_TEST(ab_too_few_rounds)
{
    /* Three rounds each: the smallest p is 1/20 = 0.05, not below alpha 0.05: a
     * halving is beyond the threshold but only noise. */
    struct cmp_rule rules[NRULES];
    struct agg base, head;
    struct cmp_abs c;
    char err[200] = "";

    load_rules(rules);
    build_rounds(&base, conn_base, 3);
    build_rounds(&head, conn_half, 3);
    ck_assert_int_eq(cmp_ab(&base, &head, NULL, rules, NRULES, 0.95, &c, err, sizeof err), 0);
    ck_assert_double_eq(c.r[0].p, 1.0 / 20);
    ck_assert_double_eq(c.r[0].hl.confidence, 1 - 2.0 / 20);
    ck_assert_int_eq(c.r[0].verdict, CMP_NOISE);
    cmp_abs_free(&c);
    agg_free(&head);
    agg_free(&base);
}
END_TEST

START_TEST(ab_interval_within_half)
{
    /* Every head round below every base round (p = 1/252) and the estimate past
     * the threshold (about 0.69: 1.45 times worse), but the head's best rounds sit
     * just under the base's worst: the interval's near end is r_23 = 960/1000 (the
     * third largest of the 25 ratios, after 990/1000 and 980/1000), 1.04 times
     * worse, within half the threshold (1.125). The samples are apart, the effect
     * is not shown to be: noise. */
    static const double base_v[5] = {1000, 1300, 1400, 1500, 1600};
    static const double head_v[5] = {700, 750, 960, 980, 990};
    struct cmp_rule rules[NRULES];
    struct agg base, head;
    struct cmp_abs c;
    char err[200] = "";

    load_rules(rules);
    build_rounds(&base, base_v, 5);
    build_rounds(&head, head_v, 5);
    ck_assert_int_eq(cmp_ab(&base, &head, NULL, rules, NRULES, 0.95, &c, err, sizeof err), 0);
    ck_assert_double_eq(c.r[0].p, 1.0 / 252);
    ck_assert_double_eq(c.r[0].hl.hi, 960.0 / 1000);
    ck_assert_msg(c.r[0].hl.ratio < 1 / 1.25, "ratio %g", c.r[0].hl.ratio);
    ck_assert_int_eq(c.r[0].verdict, CMP_NOISE);
    cmp_abs_free(&c);
    agg_free(&head);
    agg_free(&base);
}
END_TEST

START_TEST(ab_threshold_and_cpu)
{
    /* Server CPU per 1k = 50 user + 100 x sys s: 150 against 250 (5/3, beyond
     * 1.25) is a regression; 150 against 180 (1.2, within) is not, although the
     * samples separate completely. */
    struct cmp_rule rules[NRULES];
    struct summary s;
    struct agg base, head, near;
    struct cmp_abs c;
    char err[200] = "";

    load_rules(rules);
    summary_start(&s);
    for (int k = 0; k < 5; k++)
        summary_row(&s, "pool", 1000, 1, 200);
    testutil_build_agg(&base, s.text);
    summary_start(&s);
    for (int k = 0; k < 5; k++)
        summary_row(&s, "pool", 1000, 2, 200);
    testutil_build_agg(&head, s.text);
    summary_start(&s);
    for (int k = 0; k < 5; k++)
        summary_row(&s, "pool", 1000, 1.3, 200);
    testutil_build_agg(&near, s.text);

    ck_assert_int_eq(cmp_ab(&base, &head, NULL, rules, NRULES, 0.95, &c, err, sizeof err), 1);
    ck_assert_str_eq(c.r[1].rule->metric, "server_cpu_ms_per_1k");
    ck_assert_double_eq(c.r[1].head_median, 250.0);
    ck_assert_double_eq(c.r[1].hl.ratio, 250.0 / 150);
    ck_assert_double_eq(c.r[1].p, 1.0 / 252);
    ck_assert_int_eq(c.r[1].verdict, CMP_REGRESSION);
    cmp_abs_free(&c);
    ck_assert_int_eq(cmp_ab(&base, &near, NULL, rules, NRULES, 0.95, &c, err, sizeof err), 0);
    ck_assert_double_eq(c.r[1].hl.ratio, 180.0 / 150);
    ck_assert_double_eq(c.r[1].p, 1.0 / 252);
    ck_assert_int_eq(c.r[1].verdict, CMP_OK);
    cmp_abs_free(&c);
    agg_free(&near);
    agg_free(&head);
    agg_free(&base);
}
END_TEST

START_TEST(ab_missing_and_refused)
{
    /* base: pool and reuseport; head: pool and shared. reuseport is missing in
     * the head run, shared in the base run: two MISSING rows, exit 2. */
    struct cmp_rule rules[NRULES];
    struct summary s;
    struct agg base, head;
    struct cmp_abs c;
    char err[200] = "";

    load_rules(rules);
    summary_start(&s);
    for (int k = 0; k < 5; k++) {
        summary_row(&s, "pool", 1000, 1, 200);
        summary_row(&s, "reuseport", 1000, 1, 200);
    }
    testutil_build_agg(&base, s.text);
    summary_start(&s);
    for (int k = 0; k < 5; k++) {
        summary_row(&s, "pool", 1000, 1, 200);
        summary_row(&s, "shared", 1000, 1, 200);
    }
    testutil_build_agg(&head, s.text);
    ck_assert_int_eq(cmp_ab(&base, &head, NULL, rules, NRULES, 0.95, &c, err, sizeof err), 2);
    ck_assert_uint_eq(c.n, 5);
    for (size_t i = 0; i < 3; i++)
        ck_assert_int_eq(c.r[i].verdict, CMP_OK);
    ck_assert_ptr_eq(c.r[3].a, &base);
    ck_assert_str_eq(c.r[3].g->strategy, "reuseport");
    ck_assert_ptr_null(c.r[3].rule);
    ck_assert_str_eq(c.r[3].missing_in, "head");
    ck_assert_int_eq(c.r[3].verdict, CMP_MISSING);
    ck_assert_ptr_eq(c.r[4].a, &head);
    ck_assert_str_eq(c.r[4].g->strategy, "shared");
    ck_assert_str_eq(c.r[4].missing_in, "base");
    ck_assert_int_eq(c.r[4].verdict, CMP_MISSING);
    cmp_abs_free(&c);

    /* The base server refused shared (matrix.sh's skipped.txt line): new, not
     * broken; reuseport is still missing. A line for another configuration (w2),
     * or a name that only starts alike, does not count. */
    ck_assert_int_eq(cmp_ab(&base, &head, "shared/epoll w4: the base server refuses it: "
                                          "unknown strategy\n", rules, NRULES, 0.95, &c,
                            err, sizeof err), 2);
    ck_assert_int_eq(c.r[4].verdict, CMP_NEW);
    cmp_abs_free(&c);
    ck_assert_int_eq(cmp_ab(&head, &head, NULL, rules, NRULES, 0.95, &c, err, sizeof err), 0);
    cmp_abs_free(&c);
    ck_assert_int_eq(cmp_ab(&base, &head, "pool/epoll w4: x\nshared/epoll w2: x\n"
                                          "shared/epoll-exclusive w4: x", rules, NRULES, 0.95,
                            &c, err, sizeof err), 2);
    ck_assert_int_eq(c.r[4].verdict, CMP_MISSING);
    cmp_abs_free(&c);
    agg_free(&head);

    /* A configuration the head run lacks is never excused by the base's
     * skipped.txt: reuseport stays MISSING. */
    summary_start(&s);
    for (int k = 0; k < 5; k++)
        summary_row(&s, "pool", 1000, 1, 200);
    testutil_build_agg(&head, s.text);
    ck_assert_int_eq(cmp_ab(&base, &head, "reuseport/epoll w4: x\n", rules, NRULES, 0.95, &c,
                            err, sizeof err), 2);
    ck_assert_str_eq(c.r[3].missing_in, "head");
    cmp_abs_free(&c);
    agg_free(&head);
    agg_free(&base);
}
END_TEST

START_TEST(ab_metric_one_side_lacks)
{
    /* p99 empty in every head round: MISSING in the head for that metric alone. */
    struct cmp_rule rules[NRULES];
    struct summary s;
    struct agg base, head;
    struct cmp_abs c;
    char err[200] = "";

    load_rules(rules);
    build_rounds(&base, conn_base, 5);
    summary_start(&s);
    for (int k = 0; k < 5; k++) {
        int n = snprintf(s.text + s.len, sizeof s.text - s.len,
                         "pool,epoll,4,100,0,0,10000,1200,50,,900,30,1,0.5,1,0,0,0\n");
        s.len += (size_t)n;
    }
    testutil_build_agg(&head, s.text);
    ck_assert_int_eq(cmp_ab(&base, &head, NULL, rules, NRULES, 0.95, &c, err, sizeof err), 2);
    ck_assert_uint_eq(c.n, 3);
    ck_assert_double_eq(c.r[0].hl.ratio, 1.0);   /* 1200 against 1000..1400 */
    ck_assert_int_eq(c.r[0].verdict, CMP_OK);
    ck_assert_int_eq(c.r[1].verdict, CMP_OK);
    ck_assert_ptr_eq(c.r[2].rule, &rules[11]);
    ck_assert_uint_eq(c.r[2].nbase, 5);
    ck_assert_uint_eq(c.r[2].nhead, 0);
    ck_assert_str_eq(c.r[2].missing_in, "head");
    ck_assert_double_nan(c.r[2].hl.ratio);
    ck_assert_double_nan(c.r[2].p);
    ck_assert_int_eq(c.r[2].verdict, CMP_MISSING);
    cmp_abs_free(&c);
    agg_free(&head);
    agg_free(&base);
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
    ck_assert_str_eq(cmp_verdict_name(CMP_NEW), "new");
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

    tc = tcase_create("hodges_lehmann");
    tcase_add_test(tc, hl_three_by_three);
    tcase_add_test(tc, hl_five_by_five);
    tcase_add_test(tc, hl_even_count);
    tcase_add_test(tc, hl_dropped_and_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("rules");
    tcase_add_test(tc, rules_good_table);
    tcase_add_test(tc, rules_refused);
    tcase_add_test(tc, rules_missing_columns);
    suite_add_tcase(s, tc);

    tc = tcase_create("counts");
    tcase_add_test(tc, counts_extra_call_named);
    tcase_add_test(tc, counts_noise_within_thresholds);
    tcase_add_test(tc, counts_errors);
    tcase_add_test(tc, counts_missing_and_new);
    tcase_add_test(tc, counts_side_not_counted);
    tcase_add_test(tc, counts_no_threshold);
    suite_add_tcase(s, tc);

    tc = tcase_create("ab");
    tcase_add_test(tc, ab_twice_as_slow);
    tcase_add_test(tc, ab_identical);
    tcase_add_test(tc, ab_too_few_rounds);
    tcase_add_test(tc, ab_interval_within_half);
    tcase_add_test(tc, ab_threshold_and_cpu);
    tcase_add_test(tc, ab_missing_and_refused);
    tcase_add_test(tc, ab_metric_one_side_lacks);
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
