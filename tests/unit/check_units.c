/* Unit tests for common/units: every parser's accepted forms, exact results and
 * exact error messages, and the human-readable formatters' unit boundaries. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

typedef int (*parse_fn)(const char *s, uint64_t *out, char *err, size_t errlen);

/* Parse s, which must succeed with exactly `want`. */
static void ok(parse_fn fn, const char *s, uint64_t want)
{
    char err[256] = "";
    uint64_t v = 12345;

    ck_assert_msg(fn(s, &v, err, sizeof(err)) == 0, "'%s' rejected: %s", s, err);
    ck_assert_msg(v == want, "'%s' gave %llu, want %llu", s, (unsigned long long)v,
                  (unsigned long long)want);
}

/* Parse s, which must fail with exactly `msg` and leave the output alone. */
static void bad(parse_fn fn, const char *s, const char *msg)
{
    char err[256] = "";
    uint64_t v = 12345;

    ck_assert_msg(fn(s, &v, err, sizeof(err)) == -1, "'%s' accepted", s);
    ck_assert_str_eq(err, msg);
    ck_assert_msg(v == 12345, "'%s' wrote the output on failure", s);
}

#define DUR_EX "(use e.g. 10s, 500ms, 2m)"
#define CNT_EX "(use e.g. 10000, 10k, 1.5M)"
#define RATE_EX "(use e.g. 5000, 5k, 5k/s)"
#define SIZE_EX "(use e.g. 64, 4k, 1MiB)"

START_TEST(duration_units)
{
    ok(units_parse_duration_us, "250us", 250);
    ok(units_parse_duration_us, "500ms", 500000);
    ok(units_parse_duration_us, "10s", 10000000);
    ok(units_parse_duration_us, "2m", 120000000);
    ok(units_parse_duration_us, "1h", 3600000000ULL);
    ok(units_parse_duration_us, "10", 10000000);   /* bare number: seconds */
    ok(units_parse_duration_us, "0", 0);
    ok(units_parse_duration_us, "0us", 0);
    ok(units_parse_duration_us, "007s", 7000000);
}
END_TEST

START_TEST(duration_fractions)
{
    /* Scanned as decimal digits, so no binary rounding: 1.1 s is 1100000 us. */
    ok(units_parse_duration_us, "1.5s", 1500000);
    ok(units_parse_duration_us, "1.1s", 1100000);
    ok(units_parse_duration_us, "0.25ms", 250);
    ok(units_parse_duration_us, "1.5", 1500000);
    ok(units_parse_duration_us, "0.5m", 30000000);
    ok(units_parse_duration_us, "0.001h", 3600000);
    /* Below a microsecond: nearest, halves up. */
    ok(units_parse_duration_us, "0.5us", 1);
    ok(units_parse_duration_us, "0.4us", 0);
    ok(units_parse_duration_us, "0.0000015s", 2);
    ok(units_parse_duration_us, "1.0004ms", 1000);
    ok(units_parse_duration_us, "1.0005ms", 1001);
    /* Digits past the ninth only have to be digits. */
    ok(units_parse_duration_us, "1.0000000009s", 1000000);
}
END_TEST

START_TEST(duration_limits)
{
    ok(units_parse_duration_us, "18446744073709551615us", UINT64_MAX);
    bad(units_parse_duration_us, "18446744073709551616us",
        "'18446744073709551616us' is out of range " DUR_EX);
    /* UINT64_MAX / 3.6e9 = 5124095576.03: the whole part fits, the product not. */
    ok(units_parse_duration_us, "5124095576h", 5124095576ULL * 3600000000ULL);
    bad(units_parse_duration_us, "5124095577h", "'5124095577h' is out of range " DUR_EX);
    /* The fraction's share can be what overflows. */
    bad(units_parse_duration_us, "5124095576.1h",
        "'5124095576.1h' is out of range " DUR_EX);
}
END_TEST

START_TEST(duration_errors)
{
    bad(units_parse_duration_us, "10x", "'10x' is not a duration " DUR_EX);
    bad(units_parse_duration_us, "", "'' is not a duration " DUR_EX);
    bad(units_parse_duration_us, NULL, "'' is not a duration " DUR_EX);
    bad(units_parse_duration_us, "s", "'s' is not a duration " DUR_EX);
    bad(units_parse_duration_us, "-1s", "'-1s' is not a duration " DUR_EX);
    bad(units_parse_duration_us, "+1s", "'+1s' is not a duration " DUR_EX);
    bad(units_parse_duration_us, " 10s", "' 10s' is not a duration " DUR_EX);
    bad(units_parse_duration_us, "10s ", "'10s ' is not a duration " DUR_EX);
    bad(units_parse_duration_us, "10 s", "'10 s' is not a duration " DUR_EX);
    bad(units_parse_duration_us, "1.s", "'1.s' is not a duration " DUR_EX);
    bad(units_parse_duration_us, ".5s", "'.5s' is not a duration " DUR_EX);
    bad(units_parse_duration_us, "10S", "'10S' is not a duration " DUR_EX);
    bad(units_parse_duration_us, "10sec", "'10sec' is not a duration " DUR_EX);
    bad(units_parse_duration_us, "1e3", "'1e3' is not a duration " DUR_EX);
    bad(units_parse_duration_us, "0x10", "'0x10' is not a duration " DUR_EX);
    bad(units_parse_duration_us, "inf", "'inf' is not a duration " DUR_EX);
    bad(units_parse_duration_us, "nan", "'nan' is not a duration " DUR_EX);
    bad(units_parse_duration_us, "1,5s", "'1,5s' is not a duration " DUR_EX);
    /* Bad syntax wins over a number too large to hold. */
    bad(units_parse_duration_us, "99999999999999999999x",
        "'99999999999999999999x' is not a duration " DUR_EX);
}
END_TEST

START_TEST(error_text_is_cut)
{
    char err[256];
    char small[16];
    uint64_t v;
    const char *longtext = "0123456789012345678901234567890123456789012345678901234567890x";

    /* 44 characters of the bad text, then "...", so the example stays visible. */
    ck_assert_int_eq(units_parse_duration_us(longtext, &v, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "'01234567890123456789012345678901234567890123...' is not a "
                     "duration " DUR_EX);
    /* A short buffer truncates; no buffer at all is allowed. */
    ck_assert_int_eq(units_parse_duration_us("10x", &v, small, sizeof(small)), -1);
    ck_assert_str_eq(small, "'10x' is not a ");
    ck_assert_int_eq(units_parse_duration_us("10x", &v, NULL, 0), -1);
}
END_TEST

START_TEST(count_forms)
{
    ok(units_parse_count, "10000", 10000);
    ok(units_parse_count, "10k", 10000);
    ok(units_parse_count, "10K", 10000);
    ok(units_parse_count, "1.5M", 1500000);
    ok(units_parse_count, "2G", 2000000000);
    ok(units_parse_count, "1.234k", 1234);
    ok(units_parse_count, "0", 0);
    ok(units_parse_count, "18446744073709551615", UINT64_MAX);
    bad(units_parse_count, "18446744073709551616",
        "'18446744073709551616' is out of range " CNT_EX);
    bad(units_parse_count, "18446744073709552G",
        "'18446744073709552G' is out of range " CNT_EX);
    bad(units_parse_count, "1.5", "'1.5' is not a whole number " CNT_EX);
    bad(units_parse_count, "1.2345k", "'1.2345k' is not a whole number " CNT_EX);
    bad(units_parse_count, "1.0000000001G",
        "'1.0000000001G' is not a whole number " CNT_EX);
    bad(units_parse_count, "10m", "'10m' is not a count " CNT_EX);
    bad(units_parse_count, "10kk", "'10kk' is not a count " CNT_EX);
    bad(units_parse_count, "10k/s", "'10k/s' is not a count " CNT_EX);
    bad(units_parse_count, "-1", "'-1' is not a count " CNT_EX);
    bad(units_parse_count, "", "'' is not a count " CNT_EX);
}
END_TEST

START_TEST(rate_forms)
{
    ok(units_parse_rate, "5000", 5000);
    ok(units_parse_rate, "5k", 5000);
    ok(units_parse_rate, "5k/s", 5000);
    ok(units_parse_rate, "5/s", 5);
    ok(units_parse_rate, "2.5M/s", 2500000);
    bad(units_parse_rate, "5k/m", "'5k/m' is not a rate " RATE_EX);
    bad(units_parse_rate, "5k/s/s", "'5k/s/s' is not a rate " RATE_EX);
    bad(units_parse_rate, "/s", "'/s' is not a rate " RATE_EX);
    bad(units_parse_rate, "5 /s", "'5 /s' is not a rate " RATE_EX);
    bad(units_parse_rate, "0.5/s", "'0.5/s' is not a whole number " RATE_EX);
    bad(units_parse_rate, "", "'' is not a rate " RATE_EX);
}
END_TEST

START_TEST(size_forms)
{
    ok(units_parse_size, "64", 64);
    ok(units_parse_size, "4k", 4096);
    ok(units_parse_size, "4K", 4096);
    ok(units_parse_size, "4KiB", 4096);
    ok(units_parse_size, "1M", 1048576);
    ok(units_parse_size, "1MiB", 1048576);
    ok(units_parse_size, "1G", 1073741824);
    ok(units_parse_size, "1GiB", 1073741824);
    ok(units_parse_size, "1.5k", 1536);
    ok(units_parse_size, "0.5KiB", 512);
    bad(units_parse_size, "1.1k", "'1.1k' is not a whole number " SIZE_EX);
    bad(units_parse_size, "4KB", "'4KB' is not a size " SIZE_EX);
    bad(units_parse_size, "4kib", "'4kib' is not a size " SIZE_EX);
    bad(units_parse_size, "4m", "'4m' is not a size " SIZE_EX);
    bad(units_parse_size, "4B", "'4B' is not a size " SIZE_EX);
    ok(units_parse_size, "17179869183G", 17179869183ULL << 30);
    bad(units_parse_size, "17179869184G", "'17179869184G' is out of range " SIZE_EX);
}
END_TEST

static void int_ok(const char *s, long min, long max, long want)
{
    char err[256] = "";
    long v = 777;

    ck_assert_msg(units_parse_int(s, min, max, &v, err, sizeof(err)) == 0,
                  "'%s' rejected: %s", s, err);
    ck_assert_int_eq(v, want);
}

static void int_bad(const char *s, long min, long max, const char *msg)
{
    char err[256] = "";
    long v = 777;

    ck_assert_msg(units_parse_int(s, min, max, &v, err, sizeof(err)) == -1,
                  "'%s' accepted", s);
    ck_assert_str_eq(err, msg);
    ck_assert_int_eq(v, 777);
}

START_TEST(int_range)
{
    int_ok("1", 1, 1024, 1);
    int_ok("1024", 1, 1024, 1024);
    int_ok("007", 1, 1024, 7);
    int_ok("-5", -10, 10, -5);
    int_ok("0", -10, 10, 0);
    int_ok("9223372036854775807", 0, 9223372036854775807L, 9223372036854775807L);
    int_bad("0", 1, 1024, "'0' is out of range (1..1024)");
    int_bad("1025", 1, 1024, "'1025' is out of range (1..1024)");
    int_bad("-5", 1, 1024, "'-5' is out of range (1..1024)");
    int_bad("99999999999999999999", 1, 1024,
            "'99999999999999999999' is out of range (1..1024)");
    int_bad("-99999999999999999999", -10, 10,
            "'-99999999999999999999' is out of range (-10..10)");
}
END_TEST

START_TEST(int_syntax)
{
    const char *msg = "is not an integer (use a whole number in 1..1024)";
    char want[128];
    const char *cases[] = { "4x", "", "+5", " 5", "5 ", "-", "1.0", "1k", "0x10", "--1" };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(want, sizeof(want), "'%s' %s", cases[i], msg);
        int_bad(cases[i], 1, 1024, want);
    }
    int_bad(NULL, 1, 1024, "'' is not an integer (use a whole number in 1..1024)");
}
END_TEST

static void dur_fmt(double us, const char *want)
{
    char buf[64];

    units_format_duration_us(buf, sizeof(buf), us);
    ck_assert_msg(strcmp(buf, want) == 0, "%.17g us gave '%s', want '%s'", us, buf, want);
}

static void cnt_fmt(double v, const char *want)
{
    char buf[64];

    units_format_count(buf, sizeof(buf), v);
    ck_assert_msg(strcmp(buf, want) == 0, "%.17g gave '%s', want '%s'", v, buf, want);
}

START_TEST(format_duration)
{
    dur_fmt(0, "0us");
    dur_fmt(812, "812us");
    dur_fmt(812.4, "812us");
    dur_fmt(999.4, "999us");
    dur_fmt(999.6, "1.00ms");        /* would print "1000us" */
    dur_fmt(1234, "1.23ms");
    dur_fmt(999994, "999.99ms");
    dur_fmt(999996, "1.00s");        /* would print "1000.00ms" */
    dur_fmt(4500000, "4.50s");
    dur_fmt(59994000, "59.99s");
    dur_fmt(59996000, "1.00m");      /* would print "60.00s" */
    dur_fmt(90e6, "1.50m");
    dur_fmt(3600e6, "1.00h");
    dur_fmt(720000e6, "200.00h");
    dur_fmt(-1500, "-1.50ms");
    dur_fmt(-0.1, "0us");            /* no "-0us" */
    dur_fmt(NAN, "-");
    dur_fmt(INFINITY, "-");
}
END_TEST

START_TEST(format_count)
{
    char small[4];

    cnt_fmt(0, "0");
    cnt_fmt(812, "812");
    cnt_fmt(3.5, "3.50");
    cnt_fmt(999, "999");
    cnt_fmt(999.999, "1.00k");
    cnt_fmt(12350, "12.35k");
    cnt_fmt(1.2e6, "1.20M");
    cnt_fmt(999999, "1.00M");
    cnt_fmt(2.5e9, "2.50G");
    cnt_fmt(1e15, "1000.00T");
    cnt_fmt(-2000, "-2.00k");
    cnt_fmt(NAN, "-");
    /* A short buffer truncates like snprintf. */
    units_format_count(small, sizeof(small), 12350);
    ck_assert_str_eq(small, "12.");
}
END_TEST

static Suite *units_suite(void)
{
    Suite *s = suite_create("units");
    TCase *tc;

    tc = tcase_create("duration");
    tcase_add_test(tc, duration_units);
    tcase_add_test(tc, duration_fractions);
    tcase_add_test(tc, duration_limits);
    tcase_add_test(tc, duration_errors);
    tcase_add_test(tc, error_text_is_cut);
    suite_add_tcase(s, tc);

    tc = tcase_create("count_rate_size");
    tcase_add_test(tc, count_forms);
    tcase_add_test(tc, rate_forms);
    tcase_add_test(tc, size_forms);
    suite_add_tcase(s, tc);

    tc = tcase_create("int");
    tcase_add_test(tc, int_range);
    tcase_add_test(tc, int_syntax);
    suite_add_tcase(s, tc);

    tc = tcase_create("format");
    tcase_add_test(tc, format_duration);
    tcase_add_test(tc, format_count);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(units_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
