/* Unit tests for clients/srvstats: reading /stats by column name and taking deltas. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srvstats.h"

static const char before_csv[] =
    "strategy,io,worker,pid,tid,accepted,requests,bytes_in,bytes_out,wasted_wakeups,"
    "accept_errors,cpu_user_us,cpu_sys_us,process_user_us,process_sys_us,queue_peak\n"
    "reuseport,epoll,1,10,12,100,100,0,0,3,0,1000,2000,5000,9000,0\n"
    "reuseport,epoll,0,10,11,200,210,0,0,4,0,1500,2500,5000,9000,0\n";

static const char after_csv[] =
    "strategy,io,worker,pid,tid,accepted,requests,bytes_in,bytes_out,wasted_wakeups,"
    "accept_errors,cpu_user_us,cpu_sys_us,process_user_us,process_sys_us,queue_peak\r\n"
    "reuseport,epoll,0,10,11,1200,1210,0,0,4,0,2500,4500,8000,19000,7\r\n"
    "reuseport,epoll,1,10,12,1100,1100,0,0,5,0,1900,3000,8000,19000,7\r\n";

/* The same server measuring locality (two snapshots), and one that does not. */
static const char local_before_csv[] =
    "worker,accepted,requests,accepted_local,locality_measured\n"
    "0,10,10,9,1\n"
    "1,20,20,20,1\n";

static const char local_after_csv[] =
    "worker,accepted,requests,accepted_local,locality_measured\n"
    "0,110,110,59,1\n"
    "1,70,70,70,1\n";

static const char local_off_csv[] =
    "worker,accepted,requests,accepted_local,locality_measured\n"
    "0,5,5,0,0\n";

static void parse_ok(const char *csv, struct srvstats *s)
{
    char err[256] = "";
    int rc = srvstats_parse(csv, strlen(csv), s, err, sizeof err);
    ck_assert_msg(rc == 0, "parse failed: %s", err);
}

static void parse_fails(const char *csv, const char *needle)
{
    char err[256] = "";
    struct srvstats s;
    ck_assert_int_eq(srvstats_parse(csv, strlen(csv), &s, err, sizeof err), -1);
    ck_assert_msg(strstr(err, needle) != NULL, "message '%s' lacks '%s'", err, needle);
    ck_assert_ptr_null(s.w);
}

START_TEST(parse_by_name_sorted)
{
    struct srvstats s;
    parse_ok(before_csv, &s);
    ck_assert_str_eq(s.strategy, "reuseport");
    ck_assert_str_eq(s.io, "epoll");
    ck_assert_uint_eq(s.nworkers, 2);
    ck_assert_int_eq(s.w[0].worker, 0);          /* rows sorted by worker index */
    ck_assert_uint_eq(s.w[0].v[SRVSTATS_ACCEPTED], 200);
    ck_assert_uint_eq(s.w[1].v[SRVSTATS_CPU_SYS_US], 2000);
    ck_assert_uint_eq(srvstats_sum(&s, SRVSTATS_ACCEPTED), 300);
    ck_assert_uint_eq(srvstats_process(&s, SRVSTATS_PROCESS_SYS_US), 9000);
    ck_assert(srvstats_has(&s, SRVSTATS_QUEUE_PEAK));
    srvstats_free(&s);
}
END_TEST

START_TEST(parse_reordered_and_unknown_columns)
{
    /* Columns in another order, an unknown column, missing optional ones, quotes. */
    static const char csv[] = "accepted,\"new,col\",worker\n5,\"x,\"\"y\"\"\",0\n7,z,1\n";
    struct srvstats s;
    parse_ok(csv, &s);
    ck_assert_uint_eq(s.nworkers, 2);
    ck_assert_uint_eq(s.w[1].v[SRVSTATS_ACCEPTED], 7);
    ck_assert(!srvstats_has(&s, SRVSTATS_CPU_USER_US));
    ck_assert_str_eq(s.strategy, "");
    srvstats_free(&s);
}
END_TEST

START_TEST(parse_trailing_empty_column)
{
    /* The server's last column (steered) is empty for strategies that do not
     * steer: an unknown column whose field ends the line, empty or not. */
    static const char csv[] = "worker,accepted,steered\n0,5,\n1,7,3\n";
    struct srvstats s;
    parse_ok(csv, &s);
    ck_assert_uint_eq(s.nworkers, 2);
    ck_assert_uint_eq(s.w[0].v[SRVSTATS_ACCEPTED], 5);
    ck_assert_uint_eq(s.w[1].v[SRVSTATS_ACCEPTED], 7);
    srvstats_free(&s);
}
END_TEST

START_TEST(parse_rejects)
{
    parse_fails("worker,requests\n0,1\n", "accepted");
    parse_fails("worker,accepted\n", "no worker rows");
    parse_fails("worker,accepted\n0,1,2\n", "line 2");
    parse_fails("worker,accepted\n0,-1\n", "not a count");
    parse_fails("worker,accepted\n0,12x\n", "not a count");
    parse_fails("worker,accepted\n0,1\n0,2\n", "twice");
    parse_fails("\"worker,accepted\"\n0,1\n", "accepted");   /* a header quoted whole */
    parse_fails("worker,accepted\n\"0,1\n", "quote");
}
END_TEST

START_TEST(parse_line_rules)
{
    /* Blank lines (empty or a lone CR) anywhere still count for line numbers; a CR
     * ends a last line without LF; a record is one line: a quote left open at the
     * line end, or text after a closing quote, is refused; at most 64 fields. */
    static const char blanks[] = "\n\r\nworker,accepted\r\n\n0,5\n\r\n1,6\r";
    struct srvstats s;
    parse_ok(blanks, &s);
    ck_assert_uint_eq(s.nworkers, 2);
    ck_assert_uint_eq(s.w[1].v[SRVSTATS_ACCEPTED], 6);
    srvstats_free(&s);
    parse_fails("worker,accepted\n\n0,1,2\n", "/stats line 3: 3 fields, header has 2");
    parse_fails("\n\r\n", "/stats has no worker rows");
    parse_fails("worker,accepted\n0,\"1\n\"\n",
                "/stats line 2: unbalanced quote or more than 64 fields");
    parse_fails("worker,accepted\n0,\"1\"2\n",
                "/stats line 2: unbalanced quote or more than 64 fields");
    parse_fails("worker,requests\n0,1,2\n", "/stats header lacks the worker or accepted column");
    parse_fails("worker,accepted,x\n0,1,\"a,b\"\n1,\"2\"\"\",\n",
                "/stats line 3: field 2 is not a count: '2\"'");
    parse_fails("worker,accepted\n0,123456789012345678901234567890123456\n",
                "/stats line 2: field 2 is not a count: '12345678901234567890123456789012'");
    parse_fails("worker,accepted\n0,1\n0,2\n", "/stats lists worker 0 twice");

    char wide[64 * 4 + 32] = "worker,accepted";
    for (int i = 2; i < 64; i++)
        strcat(wide, ",x");
    strcat(wide, "\n0,1");
    for (int i = 2; i < 64; i++)
        strcat(wide, ",y");
    parse_ok(wide, &s);                                 /* 64 fields */
    srvstats_free(&s);
    strcat(wide, ",y");
    parse_fails(wide, "/stats line 2: unbalanced quote or more than 64 fields");
}
END_TEST

START_TEST(delta_per_worker)
{
    struct srvstats a, b, d;
    char err[256] = "";
    parse_ok(before_csv, &a);
    parse_ok(after_csv, &b);
    ck_assert_int_eq(srvstats_delta(&a, &b, &d, err, sizeof err), 0);
    ck_assert_uint_eq(d.nworkers, 2);
    ck_assert_uint_eq(d.w[0].v[SRVSTATS_ACCEPTED], 1000);
    ck_assert_uint_eq(d.w[1].v[SRVSTATS_ACCEPTED], 1000);
    ck_assert_uint_eq(d.w[1].v[SRVSTATS_WASTED_WAKEUPS], 2);
    ck_assert_uint_eq(d.w[0].v[SRVSTATS_CPU_USER_US], 1000);
    ck_assert_uint_eq(srvstats_process(&d, SRVSTATS_PROCESS_USER_US), 3000);
    ck_assert_uint_eq(srvstats_process(&d, SRVSTATS_PROCESS_SYS_US), 10000);
    ck_assert_uint_eq(d.w[0].v[SRVSTATS_QUEUE_PEAK], 7);   /* a peak, not a counter */
    srvstats_free(&a);
    srvstats_free(&b);
    srvstats_free(&d);
}
END_TEST

START_TEST(locality_columns)
{
    struct srvstats a, b, d, off, old;
    char err[256] = "";
    parse_ok(local_before_csv, &a);
    parse_ok(local_after_csv, &b);
    ck_assert(srvstats_locality_measured(&a));
    ck_assert_int_eq(srvstats_delta(&a, &b, &d, err, sizeof err), 0);
    ck_assert_uint_eq(d.w[0].v[SRVSTATS_ACCEPTED_LOCAL], 50);   /* a counter: the delta */
    ck_assert_uint_eq(d.w[1].v[SRVSTATS_ACCEPTED_LOCAL], 50);
    ck_assert_uint_eq(srvstats_sum(&d, SRVSTATS_ACCEPTED_LOCAL), 100);
    ck_assert_uint_eq(srvstats_sum(&d, SRVSTATS_ACCEPTED), 150);
    ck_assert(srvstats_locality_measured(&d));                 /* a setting, kept */
    /* Measured 0 says not counted; a /stats before the columns parses, unmeasured. */
    parse_ok(local_off_csv, &off);
    ck_assert(srvstats_has(&off, SRVSTATS_ACCEPTED_LOCAL));
    ck_assert(!srvstats_locality_measured(&off));
    parse_ok(before_csv, &old);
    ck_assert(!srvstats_has(&old, SRVSTATS_ACCEPTED_LOCAL));
    ck_assert(!srvstats_locality_measured(&old));
    srvstats_free(&a);
    srvstats_free(&b);
    srvstats_free(&d);
    srvstats_free(&off);
    srvstats_free(&old);
}
END_TEST

START_TEST(delta_rejects_restart_and_mismatch)
{
    struct srvstats a, b, c, d;
    char err[256] = "";
    parse_ok(after_csv, &a);
    parse_ok(before_csv, &b);
    ck_assert_int_eq(srvstats_delta(&a, &b, &d, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "restarted"));
    parse_ok("worker,accepted\n0,1\n", &c);
    ck_assert_int_eq(srvstats_delta(&c, &b, &d, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "workers"));
    srvstats_free(&a);
    srvstats_free(&b);
    srvstats_free(&c);
}
END_TEST

static Suite *srvstats_suite(void)
{
    Suite *s = suite_create("srvstats");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, parse_by_name_sorted);
    tcase_add_test(tc, parse_reordered_and_unknown_columns);
    tcase_add_test(tc, parse_trailing_empty_column);
    tcase_add_test(tc, parse_rejects);
    tcase_add_test(tc, parse_line_rules);
    suite_add_tcase(s, tc);
    tc = tcase_create("delta");
    tcase_add_test(tc, delta_per_worker);
    tcase_add_test(tc, delta_rejects_restart_and_mismatch);
    tcase_add_test(tc, locality_columns);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(srvstats_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
