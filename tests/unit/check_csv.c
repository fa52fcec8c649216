/* Unit tests for common/csv: field quoting and number formats in the buffer, and
 * the atomic file writers (header handling, refusals, no temp file left). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"

/* ---- buffer ---- */

START_TEST(plain_fields)
{
    struct csv_buf b;

    csv_init(&b);
    ck_assert_ptr_nonnull(b.data);
    ck_assert_str_eq(b.data, "");
    csv_str(&b, "pool");
    csv_u64(&b, 18446744073709551615ULL);
    csv_i64(&b, INT64_MIN);
    csv_i64(&b, 42);
    csv_f64(&b, 3.14159, 2);
    csv_end_row(&b);
    csv_str(&b, "second");
    csv_end_row(&b);
    ck_assert_str_eq(b.data, "pool,18446744073709551615,-9223372036854775808,42,3.14\n"
                     "second\n");
    ck_assert_uint_eq(b.len, strlen(b.data));
    csv_free(&b);
    ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(quoting)
{
    struct csv_buf b;

    csv_init(&b);
    csv_str(&b, "a,b");
    csv_str(&b, "say \"hi\"");
    csv_str(&b, "\"");
    csv_str(&b, "two\nlines");
    csv_str(&b, "cr\r");
    csv_str(&b, " spaced ");   /* spaces alone need no quotes */
    csv_str(&b, "");
    csv_str(&b, NULL);
    csv_end_row(&b);
    ck_assert_str_eq(b.data, "\"a,b\",\"say \"\"hi\"\"\",\"\"\"\",\"two\nlines\",\"cr\r\","
                     " spaced ,,\n");
    csv_free(&b);
}
END_TEST

START_TEST(doubles)
{
    struct csv_buf b;

    csv_init(&b);
    csv_f64(&b, NAN, 3);          /* non-finite: an empty field */
    csv_f64(&b, INFINITY, 3);
    csv_f64(&b, -INFINITY, 3);
    csv_f64(&b, 0.1, 3);
    csv_f64(&b, -1.5, 2);
    csv_f64(&b, -0.001, 2);       /* rounds to zero: no "-0.00" */
    csv_f64(&b, -0.0, 1);
    csv_f64(&b, 2.75, 0);
    csv_f64(&b, 2.25, -3);        /* negative decimals: none */
    csv_f64(&b, 1e20, 0);
    csv_f64(&b, 0.5, 40);         /* capped at 17 decimals */
    csv_end_row(&b);
    ck_assert_str_eq(b.data, ",,,0.100,-1.50,0.00,0.0,3,2,100000000000000000000,"
                     "0.50000000000000000\n");
    csv_free(&b);
}
END_TEST

START_TEST(empty_fields_keep_columns)
{
    struct csv_buf b;

    /* Leading and trailing empty fields still produce their commas. */
    csv_init(&b);
    csv_str(&b, NULL);
    csv_f64(&b, NAN, 2);
    csv_u64(&b, 1);
    csv_f64(&b, NAN, 2);
    csv_end_row(&b);
    csv_end_row(&b);              /* an empty row is just a newline */
    ck_assert_str_eq(b.data, ",,1,\n\n");
    csv_free(&b);
}
END_TEST

START_TEST(reset_and_growth)
{
    struct csv_buf b;
    size_t cap;

    csv_init(&b);
    for (int i = 0; i < 10000; i++)
        csv_u64(&b, 7);
    csv_end_row(&b);
    ck_assert_uint_eq(b.len, 2 * 10000);
    ck_assert_uint_ge(b.cap, b.len + 1);
    ck_assert_int_eq(b.data[b.len - 1], '\n');
    ck_assert_int_eq(b.data[b.len - 2], '7');
    ck_assert_uint_eq(strspn(b.data, "7,"), b.len - 1);
    cap = b.cap;

    csv_str(&b, "half a row");
    csv_reset(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, cap);
    ck_assert_str_eq(b.data, "");
    csv_str(&b, "x");             /* a fresh row: no leading comma */
    ck_assert_str_eq(b.data, "x");
    csv_free(&b);
}
END_TEST

START_TEST(oom_is_sticky)
{
    struct csv_buf b;

    /* An allocation failure cannot be provoked portably; set the flag instead
     * and check that writes stop and reset clears it. */
    csv_init(&b);
    csv_str(&b, "a");
    b.oom = 1;
    csv_str(&b, "b");
    csv_end_row(&b);
    ck_assert_str_eq(b.data, "a");
    ck_assert_int_eq(b.oom, 1);
    csv_reset(&b);
    ck_assert_int_eq(b.oom, 0);
    csv_str(&b, "c");
    ck_assert_str_eq(b.data, "c");
    csv_free(&b);
}
END_TEST

/* ---- files ---- */

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/check_csv.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        if (unlink(p) != 0)
            rmdir(p);
    }
    closedir(d);
    rmdir(dir);
}

static void path_of(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static void check_file(const char *path, const char *want)
{
    char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n;

    ck_assert_ptr_nonnull(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    ck_assert_str_eq(buf, want);
}

/* The directory holds exactly `want` entries, so no temp file survived. */
static void check_entries(int want)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        ck_assert_msg(strstr(e->d_name, ".tmp.") == NULL, "temp file left: %s", e->d_name);
        n++;
    }
    closedir(d);
    ck_assert_int_eq(n, want);
}

START_TEST(append_creates_then_appends)
{
    char path[256];
    char err[512] = "";
    struct stat st;

    path_of(path, sizeof(path), "runs.csv");
    ck_assert_int_eq(csv_append_file(path, "a,b", "1,2\n", err, sizeof(err)), 0);
    check_file(path, "a,b\n1,2\n");
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0644);   /* not mkstemp's 0600 */

    ck_assert_int_eq(csv_append_file(path, "a,b", "3,4\n5,6\n", err, sizeof(err)), 0);
    check_file(path, "a,b\n1,2\n3,4\n5,6\n");
    /* Nothing to add still leaves a valid file. */
    ck_assert_int_eq(csv_append_file(path, "a,b", "", err, sizeof(err)), 0);
    check_file(path, "a,b\n1,2\n3,4\n5,6\n");
    check_entries(1);
}
END_TEST

START_TEST(append_new_header_only)
{
    char path[256];
    char err[512] = "";

    path_of(path, sizeof(path), "empty_body.csv");
    ck_assert_int_eq(csv_append_file(path, "x", "", err, sizeof(err)), 0);
    check_file(path, "x\n");

    /* An existing empty file (touched by a script) is treated as new. */
    path_of(path, sizeof(path), "touched.csv");
    put_file(path, "");
    ck_assert_int_eq(csv_append_file(path, "x", "1\n", err, sizeof(err)), 0);
    check_file(path, "x\n1\n");
    check_entries(2);
}
END_TEST

START_TEST(append_keeps_mode)
{
    char path[256];
    char err[512] = "";
    struct stat st;

    path_of(path, sizeof(path), "private.csv");
    put_file(path, "a\n1\n");
    ck_assert_int_eq(chmod(path, 0600), 0);
    ck_assert_int_eq(csv_append_file(path, "a", "2\n", err, sizeof(err)), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    check_file(path, "a\n1\n2\n");
}
END_TEST

START_TEST(append_refuses_other_header)
{
    char path[256];
    char err[512] = "";
    char want[600];

    path_of(path, sizeof(path), "runs.csv");
    snprintf(want, sizeof(want), "%s: existing header differs from this run's columns; "
             "pick a new output directory", path);

    put_file(path, "a,c\n1,2\n");
    ck_assert_int_eq(csv_append_file(path, "a,b", "3,4\n", err, sizeof(err)), -1);
    ck_assert_str_eq(err, want);
    check_file(path, "a,c\n1,2\n");

    /* A header that merely starts like ours is still another header. */
    put_file(path, "a,b,c\n1,2,3\n");
    err[0] = '\0';
    ck_assert_int_eq(csv_append_file(path, "a,b", "3,4\n", err, sizeof(err)), -1);
    ck_assert_str_eq(err, want);
    check_file(path, "a,b,c\n1,2,3\n");

    /* And one line with CRLF is not our LF header. */
    put_file(path, "a,b\r\n1,2\r\n");
    err[0] = '\0';
    ck_assert_int_eq(csv_append_file(path, "a,b", "3,4\n", err, sizeof(err)), -1);
    ck_assert_str_eq(err, want);
    check_entries(1);
}
END_TEST

START_TEST(append_refuses_torn_file)
{
    char path[256];
    char err[512] = "";
    char want[600];

    path_of(path, sizeof(path), "torn.csv");
    snprintf(want, sizeof(want), "%s: last line is incomplete (no trailing newline); "
             "pick a new output directory", path);

    put_file(path, "a,b\n1,2\n3,");
    ck_assert_int_eq(csv_append_file(path, "a,b", "5,6\n", err, sizeof(err)), -1);
    ck_assert_str_eq(err, want);
    check_file(path, "a,b\n1,2\n3,");

    /* The header alone, without its newline. */
    put_file(path, "a,b");
    err[0] = '\0';
    ck_assert_int_eq(csv_append_file(path, "a,b", "5,6\n", err, sizeof(err)), -1);
    ck_assert_str_eq(err, want);
    check_file(path, "a,b");
    check_entries(1);
}
END_TEST

START_TEST(append_refuses_partial_body)
{
    char path[256];
    char err[512] = "";
    char want[600];

    path_of(path, sizeof(path), "runs.csv");
    snprintf(want, sizeof(want), "%s: rows to append do not end in a newline", path);
    ck_assert_int_eq(csv_append_file(path, "a,b", "1,2", err, sizeof(err)), -1);
    ck_assert_str_eq(err, want);
    check_entries(0);
}
END_TEST

START_TEST(append_system_errors)
{
    char path[256];
    char err[512] = "";
    char want[600];

    /* Missing directory: the temp file cannot be made; the message names the
     * call and the pattern, not a half-filled-in template. */
    path_of(path, sizeof(path), "nodir/runs.csv");
    snprintf(want, sizeof(want), "mkstemp %s.tmp.XXXXXX: No such file or directory", path);
    ck_assert_int_eq(csv_append_file(path, "a", "1\n", err, sizeof(err)), -1);
    ck_assert_str_eq(err, want);

    /* A directory where the file should be. */
    path_of(path, sizeof(path), "adir");
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(want, sizeof(want), "%s: not a regular file", path);
    err[0] = '\0';
    ck_assert_int_eq(csv_append_file(path, "a", "1\n", err, sizeof(err)), -1);
    ck_assert_str_eq(err, want);
    check_entries(1);
}
END_TEST

START_TEST(write_file)
{
    char path[256];
    char err[512] = "";
    struct stat st;

    path_of(path, sizeof(path), "ready");
    ck_assert_int_eq(csv_write_file(path, "port=8080\n", 10, err, sizeof(err)), 0);
    check_file(path, "port=8080\n");
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0644);
    /* Replaced whole, keeping the mode; len counts, not the NUL. */
    ck_assert_int_eq(chmod(path, 0640), 0);
    ck_assert_int_eq(csv_write_file(path, "port=1\nxyz", 7, err, sizeof(err)), 0);
    check_file(path, "port=1\n");
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);
    check_entries(1);
}
END_TEST

START_TEST(write_file_rename_fails)
{
    char path[256];
    char err[512] = "";
    const char *tail = ": Is a directory";

    /* rename() of a file over a directory fails after the temp file was
     * written: the temp file must be gone and the message must say rename. */
    path_of(path, sizeof(path), "adir");
    ck_assert_int_eq(mkdir(path, 0755), 0);
    ck_assert_int_eq(csv_write_file(path, "x\n", 2, err, sizeof(err)), -1);
    ck_assert_msg(strncmp(err, "rename ", 7) == 0, "err: %s", err);
    ck_assert_msg(strlen(err) > strlen(tail) &&
                  strcmp(err + strlen(err) - strlen(tail), tail) == 0, "err: %s", err);
    ck_assert_msg(strstr(err, "adir.tmp.") != NULL, "err: %s", err);
    check_entries(1);
}
END_TEST

static Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc;

    tc = tcase_create("buffer");
    tcase_add_test(tc, plain_fields);
    tcase_add_test(tc, quoting);
    tcase_add_test(tc, doubles);
    tcase_add_test(tc, empty_fields_keep_columns);
    tcase_add_test(tc, reset_and_growth);
    tcase_add_test(tc, oom_is_sticky);
    suite_add_tcase(s, tc);

    /* Each file test gets a fresh directory, so entry counts are exact. */
    tc = tcase_create("files");
    tcase_add_checked_fixture(tc, make_dir, remove_dir);
    tcase_add_test(tc, append_creates_then_appends);
    tcase_add_test(tc, append_new_header_only);
    tcase_add_test(tc, append_keeps_mode);
    tcase_add_test(tc, append_refuses_other_header);
    tcase_add_test(tc, append_refuses_torn_file);
    tcase_add_test(tc, append_refuses_partial_body);
    tcase_add_test(tc, append_system_errors);
    tcase_add_test(tc, write_file);
    tcase_add_test(tc, write_file_rename_fails);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(csv_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
