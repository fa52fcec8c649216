/* Unit tests for clients/payload: --payload as a size or as text, the upper-casing
 * the echo server applies, and the greeter name rules. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"

START_TEST(size_means_pattern)
{
    struct payload p;
    char err[128];
    ck_assert_int_eq(payload_parse("64", &p, err, sizeof err), 0);
    ck_assert_int_eq(p.is_size, 1);
    ck_assert_uint_eq(p.len, 64);
    ck_assert_int_eq(memcmp(p.bytes, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl",
                            64), 0);
    payload_free(&p);
    ck_assert_ptr_null(p.bytes);
    ck_assert_int_eq(payload_parse("1k", &p, err, sizeof err), 0);
    ck_assert_uint_eq(p.len, 1024);
    ck_assert_int_eq(p.bytes[1023], 'a' + 1023 % 26);
    payload_free(&p);
    ck_assert_int_eq(payload_parse("2KiB", &p, err, sizeof err), 0);
    ck_assert_uint_eq(p.len, 2048);
    payload_free(&p);
}
END_TEST

START_TEST(text_is_sent_as_given)
{
    struct payload p;
    char err[128];
    ck_assert_int_eq(payload_parse("Alice", &p, err, sizeof err), 0);
    ck_assert_int_eq(p.is_size, 0);
    ck_assert_uint_eq(p.len, 5);
    ck_assert_int_eq(memcmp(p.bytes, "Alice", 5), 0);
    payload_free(&p);
    /* Looks like a size but is not one: text. */
    ck_assert_int_eq(payload_parse("64 bytes", &p, err, sizeof err), 0);
    ck_assert_int_eq(p.is_size, 0);
    ck_assert_uint_eq(p.len, 8);
    payload_free(&p);
    /* text: forces text. */
    ck_assert_int_eq(payload_parse("text:64", &p, err, sizeof err), 0);
    ck_assert_int_eq(p.is_size, 0);
    ck_assert_uint_eq(p.len, 2);
    ck_assert_int_eq(memcmp(p.bytes, "64", 2), 0);
    payload_free(&p);
}
END_TEST

START_TEST(bad_values)
{
    struct payload p;
    char err[128];
    ck_assert_int_eq(payload_parse("", &p, err, sizeof err), -1);
    ck_assert_int_eq(payload_parse("0", &p, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "empty"));
    ck_assert_int_eq(payload_parse("text:", &p, err, sizeof err), -1);
    ck_assert_int_eq(payload_parse("65M", &p, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "over"));
    /* Beyond what a size can say: not a size, so it is text (the rule is "parses as a
     * size", nothing fuzzier). */
    ck_assert_int_eq(payload_parse("99999999999999999999G", &p, err, sizeof err), 0);
    ck_assert_int_eq(p.is_size, 0);
    payload_free(&p);
}
END_TEST

START_TEST(upper_ascii_only)
{
    char out[16];
    payload_upper(out, "abz AZ09\xe9{`", 11);
    ck_assert_int_eq(memcmp(out, "ABZ AZ09\xe9{`", 11), 0);
    char in_place[] = "hello";
    payload_upper(in_place, in_place, 5);
    ck_assert_str_eq(in_place, "HELLO");
}
END_TEST

START_TEST(greeter_names)
{
    struct payload p;
    char err[128];
    ck_assert_int_eq(payload_parse("Alice", &p, err, sizeof err), 0);
    ck_assert_int_eq(payload_check_name(&p, 256, err, sizeof err), 0);
    payload_free(&p);
    ck_assert_int_eq(payload_parse("256", &p, err, sizeof err), 0);
    ck_assert_int_eq(payload_check_name(&p, 256, err, sizeof err), 0);
    payload_free(&p);
    ck_assert_int_eq(payload_parse("257", &p, err, sizeof err), 0);
    ck_assert_int_eq(payload_check_name(&p, 256, err, sizeof err), -1);
    payload_free(&p);
    ck_assert_int_eq(payload_parse("Al\nice", &p, err, sizeof err), 0);
    ck_assert_int_eq(payload_check_name(&p, 256, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "control"));
    payload_free(&p);
}
END_TEST

static Suite *payload_suite(void)
{
    Suite *s = suite_create("payload");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, size_means_pattern);
    tcase_add_test(tc, text_is_sent_as_given);
    tcase_add_test(tc, bad_values);
    suite_add_tcase(s, tc);
    tc = tcase_create("bytes");
    tcase_add_test(tc, upper_ascii_only);
    tcase_add_test(tc, greeter_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(payload_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
