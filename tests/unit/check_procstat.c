/* Unit tests for clients/procstat: summing /proc/stat's cpuN lines over a CPU set
 * (exact ticks, the machine's total line and other lines ignored, guest left out),
 * the exact messages for an offline CPU and a short line, and the window in
 * seconds with its busy share (exact values at 100 ticks/s, counters that go down). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "procstat.h"

/* A 4-CPU machine's /proc/stat (fields: user nice system idle iowait irq softirq
 * steal guest guest_nice). cpu2 is missing: offline. */
static const char stat_text[] =
    "cpu  75036 10 54650 72409 3688 3 5693 7 100 1\n"
    "cpu0 38230 4 26515 37174 1774 1 1956 2 60 1\n"
    "cpu1 36806 6 28134 35234 1914 2 3736 5 40 0\n"
    "cpu3 100 0 200 300 40 5 60 0 0 0\n"
    "intr 1824568 0 0 0 0 11 0\n"
    "ctxt 4724775\n"
    "btime 1700000000\n"
    "processes 12345\n"
    "softirq 901 2 3 4\n";

static struct cpulist set_of(const char *s)
{
    struct cpulist l;
    char err[200] = "";
    ck_assert_msg(cpulist_parse(s, 4, &l, err, sizeof err) == 0, "%s", err);
    return l;
}

static void parse_ok(const char *text, const char *cpus, struct procstat *ps)
{
    struct cpulist set = set_of(cpus);
    char err[200] = "";
    ck_assert_msg(procstat_parse(text, &set, ps, err, sizeof err) == 0, "%s", err);
}

static void parse_fails(const char *text, const char *cpus, const char *want)
{
    struct cpulist set = set_of(cpus);
    struct procstat ps;
    char err[200] = "";
    ck_assert_int_eq(procstat_parse(text, &set, &ps, err, sizeof err), -1);
    ck_assert_str_eq(err, want);
}

/* ---- parse ---- */

START_TEST(one_cpu)
{
    struct procstat ps;

    parse_ok(stat_text, "1", &ps);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_USER], 36806);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_NICE], 6);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_SYSTEM], 28134);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_IDLE], 35234);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_IOWAIT], 1914);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_IRQ], 2);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_SOFTIRQ], 3736);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_STEAL], 5);
}
END_TEST

START_TEST(set_sums_its_cpus_only)
{
    struct procstat ps;

    /* cpu0 + cpu3; never the "cpu " total line, nor cpu1. */
    parse_ok(stat_text, "0,3", &ps);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_USER], 38330);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_NICE], 4);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_SYSTEM], 26715);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_IDLE], 37474);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_IOWAIT], 1814);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_IRQ], 6);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_SOFTIRQ], 2016);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_STEAL], 2);
}
END_TEST

START_TEST(older_and_newer_lines)
{
    struct procstat ps;

    /* Exactly eight numbers (2.6.11 to 2.6.23: no guest), no final newline, and
     * more numbers than this reader knows (a later kernel's) are all fine. */
    parse_ok("cpu0 1 2 3 4 5 6 7 8", "0", &ps);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_USER], 1);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_STEAL], 8);
    parse_ok("cpu0 1 2 3 4 5 6 7 8 9 10 11 12\n", "0", &ps);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_STEAL], 8);
    /* CPU numbers this reader cannot hold are someone else's lines. */
    parse_ok("cpu0 1 2 3 4 5 6 7 8\ncpu99999 1 2\n", "0", &ps);
    ck_assert_uint_eq(ps.ticks[PROCSTAT_SYSTEM], 3);
}
END_TEST

START_TEST(bad_text)
{
    parse_fails(stat_text, "2", "/proc/stat has no cpu2 line: CPU 2 is offline");
    parse_fails(stat_text, "1-3", "/proc/stat has no cpu2 line: CPU 2 is offline");
    parse_fails("", "0", "/proc/stat has no cpu0 line: CPU 0 is offline");
    parse_fails("cpu0 1 2 3 4 5 6 7\n", "0",
                "/proc/stat: line 'cpu0 1 2 3 4 5 6 7' is not cpuN and 8 numbers");
    parse_fails("cpu0 1 2 3 x 5 6 7 8 9 10\n", "0",
                "/proc/stat: line 'cpu0 1 2 3 x 5 6 7 8 9 10' is not cpuN and 8 numbers");
    /* A short line of a CPU outside the set is not this reader's business. */
    struct procstat ps;
    parse_ok("cpu0 1 2 3 4 5 6 7 8\ncpu1 1\n", "0", &ps);
}
END_TEST

/* ---- window ---- */

START_TEST(window_seconds_and_busy)
{
    /* 2 CPUs over 3 s at 100 ticks/s: 600 ticks in all. */
    const struct procstat before = {{1000, 50, 2000, 9000, 100, 7, 400, 0}};
    const struct procstat after = {{1110, 60, 2240, 9170, 110, 7, 460, 0}};
    struct procstat_window w;

    procstat_window(&before, &after, 100, &w);
    ck_assert_double_eq(w.user_s, 1.2);        /* (110 + 10) / 100 */
    ck_assert_double_eq(w.sys_s, 2.4);
    ck_assert_double_eq(w.softirq_s, 0.6);
    ck_assert_double_eq(w.irq_s, 0.0);
    ck_assert_double_eq(w.steal_s, 0.0);
    ck_assert_double_eq(w.idle_s, 1.8);        /* idle 170 + iowait 10 */
    ck_assert_double_eq_tol(w.busy_pct, 70.0, 1e-12);   /* 420 of the 600 ticks */
}
END_TEST

START_TEST(window_steal_busy_and_counters_down)
{
    /* steal is busy; iowait went down by 5 while idle grew 25: idle counts 20. */
    const struct procstat before = {{0, 0, 0, 100, 50, 0, 0, 0}};
    const struct procstat after = {{30, 0, 20, 125, 45, 10, 10, 30}};
    struct procstat_window w;

    procstat_window(&before, &after, 100, &w);
    ck_assert_double_eq(w.steal_s, 0.3);
    ck_assert_double_eq(w.irq_s, 0.1);
    ck_assert_double_eq(w.idle_s, 0.2);
    ck_assert_double_eq_tol(w.busy_pct, 100.0 * 100 / 120, 1e-12);

    /* A counter below its start (a CPU replugged) counts nothing, never wraps. */
    const struct procstat lower = {{10, 0, 0, 100, 0, 0, 0, 0}};
    const struct procstat later = {{5, 0, 0, 200, 0, 0, 0, 0}};
    procstat_window(&lower, &later, 100, &w);
    ck_assert_double_eq(w.user_s, 0.0);
    ck_assert_double_eq(w.idle_s, 1.0);
    ck_assert_double_eq(w.busy_pct, 0.0);

    /* No time at all: no share. */
    procstat_window(&lower, &lower, 100, &w);
    ck_assert_double_nan(w.busy_pct);
}
END_TEST

static Suite *procstat_suite(void)
{
    Suite *s = suite_create("procstat");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, one_cpu);
    tcase_add_test(tc, set_sums_its_cpus_only);
    tcase_add_test(tc, older_and_newer_lines);
    tcase_add_test(tc, bad_text);
    suite_add_tcase(s, tc);
    tc = tcase_create("window");
    tcase_add_test(tc, window_seconds_and_busy);
    tcase_add_test(tc, window_steal_busy_and_counters_down);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(procstat_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
