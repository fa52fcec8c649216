/* Unit tests for common/hist: the bucket layout, exact percentiles on known
 * distributions, out-of-range values, merging, and the percentile rows.
 *
 * Bucket arithmetic used below. Values 0..2047 have a slot each. From 2048 up,
 * each power of two [2^k, 2^(k+1)) is cut into 1024 slots of width 2^(k-10):
 *   2048..4095 width 2, 4096..8191 width 4, 8192..16383 width 8, ...
 *   33554432..67108863 width 32768.
 * A percentile reports the highest value of the slot holding the ranked value
 * ("highest equivalent value"), capped at the recorded maximum. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

static struct hist *hist_new(void)
{
    struct hist *h = malloc(sizeof(*h));

    ck_assert_ptr_nonnull(h);
    hist_init(h);
    return h;
}

/* Deterministic values spread log-uniformly over 0 .. ~2^27 (beyond 60 s). */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

static uint64_t rng_value(uint64_t *state)
{
    uint64_t r = rng_next(state);
    unsigned bits = (unsigned)(r % 28);   /* 0..27 significant bits */

    return bits == 0 ? 0 : (r >> 8) & ((1ULL << bits) - 1);
}

/* The value a percentile reports for a slot: record v and a far larger value, so
 * the max cap does not hide the slot's top, and ask for the first rank. */
static uint64_t slot_top(uint64_t v)
{
    struct hist *h = hist_new();
    uint64_t top;

    hist_record(h, v);
    hist_record(h, HIST_MAX_US);
    top = hist_percentile(h, 50.0);
    free(h);
    return top;
}

START_TEST(record_empty)
{
    struct hist *h = hist_new();

    ck_assert_uint_eq(h->total, 0);
    ck_assert_uint_eq(h->clamped, 0);
    ck_assert_uint_eq(h->min_us, UINT64_MAX);
    ck_assert_uint_eq(h->max_us, 0);
    ck_assert_uint_eq(hist_percentile(h, 50.0), 0);
    ck_assert_uint_eq(hist_percentile(h, 100.0), 0);
    ck_assert_double_eq(hist_mean(h), 0.0);
    for (size_t i = 0; i < HIST_SLOTS; i++)
        ck_assert_uint_eq(h->counts[i], 0);
    free(h);
}
END_TEST

START_TEST(size_matches_header)
{
    /* hist.h promises "about 140 KiB": 17 * 1024 slots of 8 bytes plus 5 words. */
    ck_assert_uint_eq(HIST_SLOTS, 17408);
    ck_assert_uint_eq(sizeof(struct hist), 17408 * 8 + 5 * 8);
}
END_TEST

START_TEST(slot_edges)
{
    /* Exact below 2048. */
    ck_assert_uint_eq(slot_top(1), 1);
    ck_assert_uint_eq(slot_top(1000), 1000);
    ck_assert_uint_eq(slot_top(2047), 2047);
    /* Width 2 from 2048. */
    ck_assert_uint_eq(slot_top(2048), 2049);
    ck_assert_uint_eq(slot_top(2049), 2049);
    ck_assert_uint_eq(slot_top(2050), 2051);
    ck_assert_uint_eq(slot_top(4095), 4095);
    /* Width 4 from 4096: 5000 is in 5000..5003. */
    ck_assert_uint_eq(slot_top(4096), 4099);
    ck_assert_uint_eq(slot_top(5000), 5003);
    /* Width 8 from 8192: 9900 is in 9896..9903. */
    ck_assert_uint_eq(slot_top(9900), 9903);
    /* The top range, width 32768. */
    ck_assert_uint_eq(slot_top(33554432), 33554432 + 32767);
    ck_assert_uint_eq(slot_top(59998207), 59998207);       /* last of its slot */
}
END_TEST

START_TEST(relative_error)
{
    /* Every slot is at most 1/1024 as wide as the values in it: three digits. */
    for (uint64_t v = 1; v <= HIST_MAX_US; v += v / 97 + 1) {
        uint64_t top = slot_top(v);

        ck_assert_uint_ge(top, v);
        ck_assert_msg((top - v) * 1024 < v, "v=%llu top=%llu", (unsigned long long)v,
                      (unsigned long long)top);
    }
}
END_TEST

START_TEST(zero_and_clamp)
{
    struct hist *h = hist_new();

    /* 0 us is an observation (faster than the clock), kept as itself. */
    hist_record(h, 0);
    ck_assert_uint_eq(h->total, 1);
    ck_assert_uint_eq(h->clamped, 0);
    ck_assert_uint_eq(h->counts[0], 1);
    ck_assert_uint_eq(h->min_us, 0);
    ck_assert_uint_eq(hist_percentile(h, 100.0), 0);

    /* Exactly 60 s is in range. */
    hist_record(h, HIST_MAX_US);
    ck_assert_uint_eq(h->clamped, 0);
    ck_assert_uint_eq(hist_percentile(h, 100.0), HIST_MAX_US);

    /* Beyond it: counted as clamped, recorded as 60 s, max and sum exact. */
    hist_record(h, HIST_MAX_US + 1);
    hist_record(h, 90000000);
    hist_record(h, UINT64_MAX);
    ck_assert_uint_eq(h->total, 5);
    ck_assert_uint_eq(h->clamped, 3);
    ck_assert_uint_eq(h->max_us, UINT64_MAX);
    ck_assert_uint_eq(h->min_us, 0);
    ck_assert_double_eq(h->sum_us, 0.0 + 60000000.0 + 60000001.0 + 90000000.0 +
                        (double)UINT64_MAX);
    /* The slot holding 60 s spans 59998208..60030975; nothing above 60 s was
     * recorded, so percentiles stop at HIST_MAX_US even though max_us is larger. */
    ck_assert_uint_eq(hist_percentile(h, 20.0), 0);
    ck_assert_uint_eq(hist_percentile(h, 40.0), HIST_MAX_US);
    ck_assert_uint_eq(hist_percentile(h, 100.0), HIST_MAX_US);
    free(h);
}
END_TEST

START_TEST(uniform_10000)
{
    struct hist *h = hist_new();

    for (uint64_t v = 1; v <= 10000; v++)
        hist_record(h, v);
    ck_assert_uint_eq(h->total, 10000);
    ck_assert_uint_eq(h->min_us, 1);
    ck_assert_uint_eq(h->max_us, 10000);
    ck_assert_double_eq(hist_mean(h), 5000.5);
    /* rank 1: value 1, exact */
    ck_assert_uint_eq(hist_percentile(h, 0.0), 1);
    /* rank 2500: slot 2500..2501 */
    ck_assert_uint_eq(hist_percentile(h, 25.0), 2501);
    /* rank 5000: slot 5000..5003, so p50 reads 5003 (exact answer 5000, +0.06%) */
    ck_assert_uint_eq(hist_percentile(h, 50.0), 5003);
    /* rank 9000: slot 9000..9007 */
    ck_assert_uint_eq(hist_percentile(h, 90.0), 9007);
    /* rank 9900: slot 9896..9903 */
    ck_assert_uint_eq(hist_percentile(h, 99.0), 9903);
    /* rank 9990: slot 9984..9991 */
    ck_assert_uint_eq(hist_percentile(h, 99.9), 9991);
    /* rank 9999: slot 9992..9999 */
    ck_assert_uint_eq(hist_percentile(h, 99.99), 9999);
    /* rank 10000: slot 10000..10007, capped at the exact max */
    ck_assert_uint_eq(hist_percentile(h, 100.0), 10000);
    /* Out-of-range requests clamp to 0..100. */
    ck_assert_uint_eq(hist_percentile(h, -5.0), 1);
    ck_assert_uint_eq(hist_percentile(h, NAN), 1);
    ck_assert_uint_eq(hist_percentile(h, 150.0), 10000);
    free(h);
}
END_TEST

START_TEST(exact_ranks)
{
    struct hist *h = hist_new();

    /* Below 2048 every value is exact, so percentile p of 1..100 is p itself,
     * including the p whose p/100*100 is not exact in binary (0.07 * 100 =
     * 7.000000000000001, which a naive ceil would turn into rank 8). */
    for (uint64_t v = 1; v <= 100; v++)
        hist_record(h, v);
    for (int p = 1; p <= 100; p++)
        ck_assert_uint_eq(hist_percentile(h, p), (uint64_t)p);
    ck_assert_uint_eq(hist_percentile(h, 0.5), 1);
    ck_assert_uint_eq(hist_percentile(h, 6.01), 7);
    free(h);

    /* ceil: 3 values, p50 is the 2nd (1.5 -> 2), p33.33 the 1st. */
    h = hist_new();
    hist_record(h, 10);
    hist_record(h, 20);
    hist_record(h, 30);
    ck_assert_uint_eq(hist_percentile(h, 33.33), 10);
    ck_assert_uint_eq(hist_percentile(h, 33.34), 20);
    ck_assert_uint_eq(hist_percentile(h, 50.0), 20);
    ck_assert_uint_eq(hist_percentile(h, 66.67), 30);
    free(h);
}
END_TEST

START_TEST(merge_equals_single)
{
    struct hist *one = hist_new();
    struct hist *a = hist_new();
    struct hist *b = hist_new();
    struct hist *empty = hist_new();
    uint64_t state = 0x9e3779b97f4a7c15ULL;

    for (int i = 0; i < 200000; i++) {
        uint64_t v = rng_value(&state);

        /* A typical merge: two threads saw different parts of the range. */
        hist_record(one, v);
        hist_record(i % 3 == 0 ? a : b, v);
    }
    hist_record(one, UINT64_MAX);
    hist_record(b, UINT64_MAX);
    hist_merge(a, b);
    hist_merge(a, empty);
    ck_assert_uint_gt(one->clamped, 0);
    ck_assert_int_eq(memcmp(a->counts, one->counts, sizeof(one->counts)), 0);
    ck_assert_uint_eq(a->total, one->total);
    ck_assert_uint_eq(a->clamped, one->clamped);
    ck_assert_uint_eq(a->min_us, one->min_us);
    ck_assert_uint_eq(a->max_us, one->max_us);
    ck_assert_double_eq_tol(a->sum_us, one->sum_us, one->sum_us * 1e-12);
    for (double p = 0; p <= 100.0; p += 0.5)
        ck_assert_uint_eq(hist_percentile(a, p), hist_percentile(one, p));

    /* Merging into an empty histogram copies; empty into empty stays empty. */
    hist_merge(empty, empty);
    ck_assert_uint_eq(empty->min_us, UINT64_MAX);
    ck_assert_uint_eq(empty->total, 0);
    hist_merge(empty, one);
    ck_assert_int_eq(memcmp(empty, one, sizeof(*one)), 0);
    free(one);
    free(a);
    free(b);
    free(empty);
}
END_TEST

struct rows {
    size_t n;
    uint64_t value[4096];
    double pct[4096];
    uint64_t count[4096];
};

static void collect(void *ctx, uint64_t value_us, double percentile, uint64_t count)
{
    struct rows *r = ctx;

    ck_assert_uint_lt(r->n, 4096);
    r->value[r->n] = value_us;
    r->pct[r->n] = percentile;
    r->count[r->n] = count;
    r->n++;
}

START_TEST(rows_uniform)
{
    static const double levels[] = { 0, 10, 20, 30, 40, 50, 55, 60, 65, 70, 75, 77.5, 80,
                                     82.5, 85, 87.5, 88.75, 90, 91.25, 92.5, 93.75,
                                     94.375 };
    struct hist *h = hist_new();
    struct rows *r = calloc(1, sizeof(*r));

    for (uint64_t v = 1; v <= 10000; v++)
        hist_record(h, v);
    hist_percentile_rows(h, 5, collect, r);

    /* HdrHistogram's levels with 5 ticks per halving; every step is a dyadic
     * fraction of 20, so the doubles are exact. */
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        ck_assert_double_eq(r->pct[i], levels[i]);
    ck_assert_uint_eq(r->value[0], 1);
    ck_assert_uint_eq(r->count[0], 1);
    /* 50%: the slot 5000..5003 is where the count first reaches 5000. */
    ck_assert_uint_eq(r->value[5], 5003);
    ck_assert_uint_eq(r->count[5], 5003);
    /* Each row agrees with hist_percentile, and nothing goes backwards. */
    for (size_t i = 0; i < r->n; i++) {
        ck_assert_uint_eq(r->value[i], hist_percentile(h, r->pct[i]));
        if (i > 0) {
            ck_assert_double_gt(r->pct[i], r->pct[i - 1]);
            ck_assert_uint_ge(r->value[i], r->value[i - 1]);
            ck_assert_uint_ge(r->count[i], r->count[i - 1]);
        }
    }
    /* The last slot (10000..10007) reports once, then the row at 100. */
    ck_assert_uint_eq(r->value[r->n - 2], 10000);
    ck_assert_uint_eq(r->count[r->n - 2], 10000);
    ck_assert_double_lt(r->pct[r->n - 2], 100.0);
    ck_assert_double_gt(r->pct[r->n - 2], 99.99);
    ck_assert_uint_eq(r->value[r->n - 1], 10000);
    ck_assert_double_eq(r->pct[r->n - 1], 100.0);
    ck_assert_uint_eq(r->count[r->n - 1], 10000);
    free(r);
    free(h);
}
END_TEST

START_TEST(rows_small)
{
    struct hist *h = hist_new();
    struct rows *r = calloc(1, sizeof(*r));

    /* Empty: no rows at all. */
    hist_percentile_rows(h, 5, collect, r);
    ck_assert_uint_eq(r->n, 0);

    /* One value: its row at 0, then the closing row at 100. */
    hist_record(h, 42);
    hist_percentile_rows(h, 5, collect, r);
    ck_assert_uint_eq(r->n, 2);
    ck_assert_uint_eq(r->value[0], 42);
    ck_assert_double_eq(r->pct[0], 0.0);
    ck_assert_uint_eq(r->count[0], 1);
    ck_assert_uint_eq(r->value[1], 42);
    ck_assert_double_eq(r->pct[1], 100.0);
    ck_assert_uint_eq(r->count[1], 1);

    /* 1 and 3 twice each, one tick per halving: 0 and 50 land on 1 (count 2 is
     * exactly 50%), 75 on 3 where the count reaches 100%, then 100. A tick
     * count below 1 is taken as 1. */
    hist_init(h);
    hist_record(h, 1);
    hist_record(h, 1);
    hist_record(h, 3);
    hist_record(h, 3);
    r->n = 0;
    hist_percentile_rows(h, 0, collect, r);
    ck_assert_uint_eq(r->n, 4);
    ck_assert_double_eq(r->pct[0], 0.0);
    ck_assert_uint_eq(r->value[0], 1);
    ck_assert_double_eq(r->pct[1], 50.0);
    ck_assert_uint_eq(r->value[1], 1);
    ck_assert_uint_eq(r->count[1], 2);
    ck_assert_double_eq(r->pct[2], 75.0);
    ck_assert_uint_eq(r->value[2], 3);
    ck_assert_uint_eq(r->count[2], 4);
    ck_assert_double_eq(r->pct[3], 100.0);
    ck_assert_uint_eq(r->value[3], 3);
    free(r);
    free(h);
}
END_TEST

static Suite *hist_suite(void)
{
    Suite *s = suite_create("hist");
    TCase *tc;

    tc = tcase_create("record");
    tcase_add_test(tc, record_empty);
    tcase_add_test(tc, size_matches_header);
    tcase_add_test(tc, slot_edges);
    tcase_add_test(tc, relative_error);
    tcase_add_test(tc, zero_and_clamp);
    suite_add_tcase(s, tc);

    tc = tcase_create("percentile");
    tcase_add_test(tc, uniform_10000);
    tcase_add_test(tc, exact_ranks);
    suite_add_tcase(s, tc);

    tc = tcase_create("merge");
    tcase_add_test(tc, merge_equals_single);
    suite_add_tcase(s, tc);

    tc = tcase_create("rows");
    tcase_add_test(tc, rows_uniform);
    tcase_add_test(tc, rows_small);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hist_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
