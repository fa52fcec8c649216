/* Unit tests for clients/cpulist: the CPU lists of --server-cpus and --client-cpus,
 * parsed into sets (exact members), printed back in canonical form, intersected, and
 * the exact one-line messages for every kind of bad list. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"

/* Parse s on a machine of ncpus CPUs, failing the test with the parser's message. */
static void parse_ok(const char *s, unsigned ncpus, struct cpulist *l)
{
    char err[200] = "";
    ck_assert_msg(cpulist_parse(s, ncpus, l, err, sizeof err) == 0, "'%s': %s", s, err);
}

/* The set's text, for exact comparisons. */
static const char *text(const struct cpulist *l)
{
    static char buf[CPULIST_TEXT_MAX];
    cpulist_format(l, buf, sizeof buf);
    return buf;
}

static void parse_fails(const char *s, unsigned ncpus, const char *want)
{
    char err[200] = "";
    struct cpulist l;
    ck_assert_int_eq(cpulist_parse(s, ncpus, &l, err, sizeof err), -1);
    ck_assert_str_eq(err, want);
    ck_assert_uint_eq(l.n, 0);                 /* no half-parsed set */
    ck_assert_int_eq(cpulist_has(&l, 0), 0);
}

/* ---- parse ---- */

START_TEST(single_and_ranges)
{
    struct cpulist l;

    parse_ok("0", 4, &l);
    ck_assert_uint_eq(l.n, 1);
    ck_assert_int_eq(cpulist_has(&l, 0), 1);
    ck_assert_int_eq(cpulist_has(&l, 1), 0);
    ck_assert_str_eq(text(&l), "0");

    parse_ok("0-1,3", 4, &l);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_int_eq(cpulist_has(&l, 0), 1);
    ck_assert_int_eq(cpulist_has(&l, 1), 1);
    ck_assert_int_eq(cpulist_has(&l, 2), 0);
    ck_assert_int_eq(cpulist_has(&l, 3), 1);
    ck_assert_str_eq(text(&l), "0-1,3");

    parse_ok("2-2", 4, &l);                    /* a range of one */
    ck_assert_uint_eq(l.n, 1);
    ck_assert_str_eq(text(&l), "2");

    parse_ok("3", 4, &l);                      /* the last CPU */
    ck_assert_uint_eq(l.n, 1);
    ck_assert_int_eq(cpulist_has(&l, 3), 1);
}
END_TEST

START_TEST(duplicates_and_order)
{
    struct cpulist l;

    /* As taskset -c: items in any order, overlaps count once; printed ascending with
     * runs of two or more as ranges, as the kernel writes CPU lists. */
    parse_ok("5,0-2,1,7,6", 8, &l);
    ck_assert_uint_eq(l.n, 6);
    ck_assert_str_eq(text(&l), "0-2,5-7");
    parse_ok("0,2,4,6", 8, &l);
    ck_assert_uint_eq(l.n, 4);
    ck_assert_str_eq(text(&l), "0,2,4,6");
    parse_ok("007", 8, &l);                    /* leading zeros are the number */
    ck_assert_str_eq(text(&l), "7");
}
END_TEST

START_TEST(large_sets)
{
    struct cpulist l;

    parse_ok("0-1023", 2048, &l);              /* more CPUs than CPU_SETSIZE: capped */
    ck_assert_uint_eq(l.n, 1024);
    ck_assert_str_eq(text(&l), "0-1023");
    ck_assert_int_eq(cpulist_has(&l, 1024), 0);
    parse_ok("63-64,127-128", 1024, &l);       /* across the 64-bit words */
    ck_assert_uint_eq(l.n, 4);
    ck_assert_str_eq(text(&l), "63-64,127-128");
}
END_TEST

START_TEST(bad_lists)
{
    parse_fails("", 4, "empty CPU list (e.g. 0-1,3)");
    parse_fails("3-1", 4, "range 3-1 runs backwards (e.g. 1-3)");
    parse_fails("a", 4, "'a' is not a CPU number or range (e.g. 0-1,3)");
    parse_fails("0,x-2", 4, "'x-2' is not a CPU number or range (e.g. 0-1,3)");
    parse_fails("1-", 4, "'1-' is not a CPU number or range (e.g. 0-1,3)");
    parse_fails("-1", 4, "'-1' is not a CPU number or range (e.g. 0-1,3)");
    parse_fails("1-2-3", 4, "'1-2-3' is not a CPU number or range (e.g. 0-1,3)");
    parse_fails(" 1", 4, "' 1' is not a CPU number or range (e.g. 0-1,3)");
    parse_fails("+1", 4, "'+1' is not a CPU number or range (e.g. 0-1,3)");
    parse_fails("0x1", 4, "'0x1' is not a CPU number or range (e.g. 0-1,3)");
    parse_fails("0,,1", 4, "empty item in '0,,1' (e.g. 0-1,3)");
    parse_fails(",0", 4, "empty item in ',0' (e.g. 0-1,3)");
    parse_fails("0,", 4, "empty item in '0,' (e.g. 0-1,3)");
}
END_TEST

START_TEST(beyond_the_machine)
{
    parse_fails("4", 4, "CPU 4 is beyond this machine's CPUs 0-3");
    parse_fails("0-1,2-9", 4, "CPU 9 is beyond this machine's CPUs 0-3");
    parse_fails("1", 1, "CPU 1 is beyond this machine's CPU 0");
    /* A number too large for any machine is named as typed. */
    parse_fails("99999999999999999999", 4,
                "CPU 99999999999999999999 is beyond this machine's CPUs 0-3");
    parse_fails("1024", 4096, "CPU 1024 is beyond this machine's CPUs 0-1023");
}
END_TEST

/* ---- format, intersect ---- */

START_TEST(format_truncates_safely)
{
    struct cpulist l;
    char small[6];

    parse_ok("0,2,4,6", 8, &l);
    cpulist_format(&l, small, sizeof small);
    ck_assert_str_eq(small, "0,2,4");          /* cut at the buffer, NUL-terminated */
    struct cpulist empty = {0};
    ck_assert_str_eq(text(&empty), "");
}
END_TEST

START_TEST(intersections)
{
    struct cpulist a, b, both;

    parse_ok("0-3", 8, &a);
    parse_ok("2-5", 8, &b);
    cpulist_intersect(&a, &b, &both);
    ck_assert_uint_eq(both.n, 2);
    ck_assert_str_eq(text(&both), "2-3");
    parse_ok("4-7", 8, &b);
    cpulist_intersect(&a, &b, &both);
    ck_assert_uint_eq(both.n, 0);
    ck_assert_str_eq(text(&both), "");
}
END_TEST

static Suite *cpulist_suite(void)
{
    Suite *s = suite_create("cpulist");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, single_and_ranges);
    tcase_add_test(tc, duplicates_and_order);
    tcase_add_test(tc, large_sets);
    tcase_add_test(tc, bad_lists);
    tcase_add_test(tc, beyond_the_machine);
    suite_add_tcase(s, tc);
    tc = tcase_create("sets");
    tcase_add_test(tc, format_truncates_safely);
    tcase_add_test(tc, intersections);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cpulist_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
