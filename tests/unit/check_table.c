/* Unit tests for common/table: CSV parsing (header, rows, RFC 4180 quoting, LF and
 * CRLF), table_split's record at a time, the error messages naming the file's line,
 * cell lookup by column name, cells as numbers, and table_load's file handling. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "table.h"
#include "testutil.h"

/* Parse text that must be refused and check the exact message. */
static void parse_fails(const char *text, const char *want)
{
    struct table t;
    char err[200] = "";

    ck_assert_int_eq(table_parse(&t, text, strlen(text), err, sizeof err), -1);
    ck_assert_str_eq(err, want);
    /* A refused table is left empty, and freeing it again is harmless. */
    ck_assert_ptr_null(t.text);
    ck_assert_ptr_null(t.cells);
    ck_assert_uint_eq(t.rows, 0);
    ck_assert_uint_eq(t.cols, 0);
    table_free(&t);
}

/* ---- parse ---- */

START_TEST(header_and_rows)
{
    struct table t;

    testutil_parse_table(&t, "strategy,io,workers\npool,epoll,4\nreuseport,uring,8\n");
    ck_assert_uint_eq(t.cols, 3);
    ck_assert_uint_eq(t.rows, 2);
    ck_assert_str_eq(table_get(&t, 0, 0), "pool");
    ck_assert_str_eq(table_get(&t, 0, 1), "epoll");
    ck_assert_str_eq(table_get(&t, 0, 2), "4");
    ck_assert_str_eq(table_get(&t, 1, 0), "reuseport");
    ck_assert_str_eq(table_get(&t, 1, 1), "uring");
    ck_assert_str_eq(table_get(&t, 1, 2), "8");
    /* Row 0 of cells is the header. */
    ck_assert_str_eq(t.cells[0], "strategy");
    ck_assert_str_eq(t.cells[2], "workers");
    table_free(&t);
    ck_assert_ptr_null(t.text);
    ck_assert_ptr_null(t.cells);
    ck_assert_uint_eq(t.rows, 0);
    ck_assert_uint_eq(t.cols, 0);
}
END_TEST

START_TEST(header_only)
{
    struct table t;

    testutil_parse_table(&t, "a,b\n");
    ck_assert_uint_eq(t.cols, 2);
    ck_assert_uint_eq(t.rows, 0);
    ck_assert_int_eq(table_col(&t, "b"), 1);
    ck_assert_str_eq(table_get(&t, 0, 0), "");
    table_free(&t);

    testutil_parse_table(&t, "only");   /* no line end at all */
    ck_assert_uint_eq(t.cols, 1);
    ck_assert_uint_eq(t.rows, 0);
    ck_assert_int_eq(table_col(&t, "only"), 0);
    table_free(&t);
}
END_TEST

START_TEST(last_line_without_newline)
{
    struct table t;

    testutil_parse_table(&t, "a,b\n1,2\n3,4");
    ck_assert_uint_eq(t.rows, 2);
    ck_assert_str_eq(table_get(&t, 1, 0), "3");
    ck_assert_str_eq(table_get(&t, 1, 1), "4");
    table_free(&t);
}
END_TEST

START_TEST(trailing_newline_no_extra_row)
{
    struct table t;

    testutil_parse_table(&t, "a,b\n1,2\n3,4\n");
    ck_assert_uint_eq(t.rows, 2);
    ck_assert_str_eq(table_get(&t, 1, 1), "4");
    ck_assert_str_eq(table_get(&t, 2, 0), "");
    table_free(&t);

    testutil_parse_table(&t, "a,b\r\n1,2\r\n");
    ck_assert_uint_eq(t.rows, 1);
    table_free(&t);
}
END_TEST

START_TEST(crlf_line_ends)
{
    struct table t;

    testutil_parse_table(&t, "a,b\r\n1,2\r\n3,4\r\n");
    ck_assert_uint_eq(t.cols, 2);
    ck_assert_uint_eq(t.rows, 2);
    ck_assert_int_eq(table_col(&t, "b"), 1);   /* not "b\r" */
    ck_assert_str_eq(table_get(&t, 0, 1), "2");
    ck_assert_str_eq(table_get(&t, 1, 0), "3");
    ck_assert_str_eq(table_get(&t, 1, 1), "4");
    table_free(&t);

    /* Mixed line ends, last line bare. */
    testutil_parse_table(&t, "a,b\n1,2\r\n3,4");
    ck_assert_uint_eq(t.rows, 2);
    ck_assert_str_eq(table_get(&t, 0, 1), "2");
    ck_assert_str_eq(table_get(&t, 1, 1), "4");
    table_free(&t);

    /* A CR not followed by LF is data. */
    testutil_parse_table(&t, "a,b\n1,x\ry\n");
    ck_assert_uint_eq(t.rows, 1);
    ck_assert_str_eq(table_get(&t, 0, 1), "x\ry");
    table_free(&t);
}
END_TEST

START_TEST(empty_fields)
{
    struct table t;

    testutil_parse_table(&t, "a,b,c\n,,\n,x,\n");
    ck_assert_uint_eq(t.rows, 2);
    ck_assert_str_eq(table_get(&t, 0, 0), "");
    ck_assert_str_eq(table_get(&t, 0, 1), "");
    ck_assert_str_eq(table_get(&t, 0, 2), "");
    ck_assert_str_eq(table_get(&t, 1, 0), "");
    ck_assert_str_eq(table_get(&t, 1, 1), "x");
    ck_assert_str_eq(table_get(&t, 1, 2), "");
    table_free(&t);
}
END_TEST

START_TEST(text_is_copied)
{
    struct table t;
    char buf[] = "a,b\n1,2\n";
    char err[200] = "";

    ck_assert_int_eq(table_parse(&t, buf, strlen(buf), err, sizeof err), 0);
    memset(buf, 'z', strlen(buf));
    ck_assert_str_eq(table_get(&t, 0, 0), "1");
    ck_assert_int_eq(table_col(&t, "a"), 0);
    table_free(&t);
}
END_TEST

START_TEST(len_bounds_the_input)
{
    struct table t;
    const char *text = "a,b\n1,2\n3,4\n";
    char err[200] = "";

    /* Only the first 8 bytes ("a,b\n1,2\n") are read. */
    ck_assert_int_eq(table_parse(&t, text, 8, err, sizeof err), 0);
    ck_assert_uint_eq(t.rows, 1);
    ck_assert_str_eq(table_get(&t, 0, 1), "2");
    table_free(&t);

    /* Cut mid-row: the last row is "1,2" without its line end. */
    ck_assert_int_eq(table_parse(&t, text, 7, err, sizeof err), 0);
    ck_assert_uint_eq(t.rows, 1);
    ck_assert_str_eq(table_get(&t, 0, 1), "2");
    table_free(&t);
}
END_TEST

/* ---- quoting ---- */

START_TEST(quoted_comma)
{
    struct table t;

    testutil_parse_table(&t, "name,v\n\"a,b\",1\n\",\",\"\"\n");
    ck_assert_uint_eq(t.rows, 2);
    ck_assert_str_eq(table_get(&t, 0, 0), "a,b");
    ck_assert_str_eq(table_get(&t, 0, 1), "1");
    ck_assert_str_eq(table_get(&t, 1, 0), ",");
    ck_assert_str_eq(table_get(&t, 1, 1), "");
    table_free(&t);
}
END_TEST

START_TEST(doubled_quotes)
{
    struct table t;

    testutil_parse_table(&t, "x,y,z\n\"say \"\"hi\"\"\",\"\"\"\",\"\"\"\"\"\"\n");
    ck_assert_uint_eq(t.rows, 1);
    ck_assert_str_eq(table_get(&t, 0, 0), "say \"hi\"");
    ck_assert_str_eq(table_get(&t, 0, 1), "\"");
    ck_assert_str_eq(table_get(&t, 0, 2), "\"\"");
    table_free(&t);
}
END_TEST

START_TEST(quoted_newline)
{
    struct table t;

    testutil_parse_table(&t, "a,b\n\"two\nlines\",2\n3,4\n");
    ck_assert_uint_eq(t.rows, 2);
    ck_assert_str_eq(table_get(&t, 0, 0), "two\nlines");
    ck_assert_str_eq(table_get(&t, 0, 1), "2");
    ck_assert_str_eq(table_get(&t, 1, 0), "3");
    ck_assert_str_eq(table_get(&t, 1, 1), "4");
    table_free(&t);

    /* A CRLF inside quotes is kept as data; the record's own CRLF is not. */
    testutil_parse_table(&t, "a,b\r\n\"x\r\ny\",\"\n\"\r\n");
    ck_assert_uint_eq(t.rows, 1);
    ck_assert_str_eq(table_get(&t, 0, 0), "x\r\ny");
    ck_assert_str_eq(table_get(&t, 0, 1), "\n");
    table_free(&t);
}
END_TEST

START_TEST(quoted_header)
{
    struct table t;

    testutil_parse_table(&t, "\"a,b\",\"c\"\"d\",e\n1,2,3\n");
    ck_assert_uint_eq(t.cols, 3);
    ck_assert_int_eq(table_col(&t, "a,b"), 0);
    ck_assert_int_eq(table_col(&t, "c\"d"), 1);
    ck_assert_int_eq(table_col(&t, "e"), 2);
    ck_assert_str_eq(table_get(&t, 0, table_col(&t, "c\"d")), "2");
    table_free(&t);
}
END_TEST

START_TEST(csv_round_trip)
{
    /* What csv.h writes, table.h reads back unchanged. */
    static const char *const vals[] = {"a,b", "say \"hi\"", "\"", "two\nlines", "cr\r",
                                       " spaced ", "", "x\r\ny"};
    const size_t nv = sizeof vals / sizeof vals[0];
    struct csv_buf b;
    struct table t;
    char name[16];

    csv_init(&b);
    for (size_t i = 0; i < nv; i++) {
        snprintf(name, sizeof name, "c%zu", i);
        csv_str(&b, name);
    }
    csv_end_row(&b);
    for (size_t i = 0; i < nv; i++)
        csv_str(&b, vals[i]);
    csv_end_row(&b);
    testutil_parse_table(&t, b.data);
    ck_assert_uint_eq(t.cols, nv);
    ck_assert_uint_eq(t.rows, 1);
    for (size_t i = 0; i < nv; i++) {
        snprintf(name, sizeof name, "c%zu", i);
        ck_assert_int_eq(table_col(&t, name), (int)i);
        ck_assert_str_eq(table_get(&t, 0, (int)i), vals[i]);
    }
    table_free(&t);
    csv_free(&b);
}
END_TEST

/* ---- split ---- */

START_TEST(split_one_record_at_a_time)
{
    char text[] = "a,\"b,\"\"c\"\"\",\r\nx\n\"y\nz\",\"\"";
    char *p = text, *line2, *cells[2];

    ck_assert_int_eq(table_split(&p, cells, 2), 3);   /* more fields than room */
    ck_assert_str_eq(cells[0], "a");
    ck_assert_str_eq(cells[1], "b,\"c\"");
    ck_assert_str_eq(p, "x\n\"y\nz\",\"\"");            /* past the CRLF */
    line2 = p;
    ck_assert_int_eq(table_split(&p, NULL, 0), 1);    /* count only */
    ck_assert_str_eq(line2, "x");                     /* cut all the same */
    ck_assert_int_eq(table_split(&p, cells, 2), 2);   /* a quoted LF is data */
    ck_assert_str_eq(cells[0], "y\nz");
    ck_assert_str_eq(cells[1], "");
    ck_assert_str_eq(p, "");                          /* at the end of the text */
}
END_TEST

START_TEST(split_errors)
{
    char open[] = "1,\"ab\n", stray[] = "\"ab\"c,1\n", cr[] = "\"ab\"\r";
    char *p, *cells[2];

    p = open;
    ck_assert_int_eq(table_split(&p, cells, 2), TABLE_EQUOTE);
    p = stray;
    ck_assert_int_eq(table_split(&p, cells, 2), TABLE_ETEXT);
    p = cr;                                           /* a CR without LF is text */
    ck_assert_int_eq(table_split(&p, cells, 2), TABLE_ETEXT);
}
END_TEST

/* ---- errors ---- */

START_TEST(field_count_differs)
{
    parse_fails("a,b\n1,2\n3,4,5\n", "line 3: field count differs from the header");
    parse_fails("a,b\n1\n", "line 2: field count differs from the header");
    parse_fails("a,b\n1,2\n3,4\n5", "line 4: field count differs from the header");
    /* A blank line is one empty field. */
    parse_fails("a,b\n1,2\n\n3,4\n", "line 3: field count differs from the header");
    parse_fails("a,b\r\n1,2\r\n3\r\n", "line 3: field count differs from the header");
}
END_TEST

START_TEST(line_numbers_count_quoted_newlines)
{
    /* The line is the file's, header = line 1, not the record number: a quoted
     * field spanning lines 2-3 puts the bad row on line 4. */
    parse_fails("a,b\n\"x\ny\",1\n1,2,3\n", "line 4: field count differs from the header");
    parse_fails("a,b\r\n\"x\r\n\r\ny\",1\r\n1,2\r\n9\r\n",
                "line 6: field count differs from the header");
    /* A multi-line header too. */
    parse_fails("\"a\nb\",c\n1\n", "line 3: field count differs from the header");
    /* A bad record that itself spans lines is named by its first line. */
    parse_fails("a,b\n1,2\n\"p\nq\",r,s\n", "line 3: field count differs from the header");
}
END_TEST

START_TEST(unterminated_quote)
{
    parse_fails("a,b\n1,\"open\n", "line 2: unterminated quoted field");
    parse_fails("a,b\n1,2\n\"open,3", "line 3: unterminated quoted field");
    parse_fails("a,b\n\"x\ny\",1\n2,\"open", "line 4: unterminated quoted field");
    parse_fails("\"a,b\n1,2\n", "line 1: unterminated quoted field");
}
END_TEST

START_TEST(text_after_closing_quote)
{
    parse_fails("a,b\n\"x\"y,1\n", "line 2: text after a closing quote");
    parse_fails("\"a\" ,b\n", "line 1: text after a closing quote");
    parse_fails("a,b\n1,2\n\"p\nq\"r,s\n", "line 3: text after a closing quote");
}
END_TEST

START_TEST(no_header)
{
    parse_fails("", "line 1: no header");
}
END_TEST

START_TEST(message_truncated_to_buffer)
{
    struct table t;
    char err[8];

    ck_assert_int_eq(table_parse(&t, "a\n1,2\n", 6, err, sizeof err), -1);
    ck_assert_str_eq(err, "line 2:");
}
END_TEST

/* ---- lookup ---- */

START_TEST(col_by_name)
{
    struct table t;

    testutil_parse_table(&t, "strategy,io,workers,io\npool,epoll,4,x\n");
    ck_assert_int_eq(table_col(&t, "strategy"), 0);
    ck_assert_int_eq(table_col(&t, "workers"), 2);
    ck_assert_int_eq(table_col(&t, "io"), 1);          /* the first of duplicates */
    ck_assert_int_eq(table_col(&t, "rate"), -1);
    ck_assert_int_eq(table_col(&t, "Strategy"), -1);   /* case matters */
    ck_assert_int_eq(table_col(&t, "strat"), -1);      /* no prefix match */
    ck_assert_int_eq(table_col(&t, ""), -1);
    ck_assert_int_eq(table_col(&t, "pool"), -1);       /* data rows are not names */
    table_free(&t);

    testutil_parse_table(&t, "a,,c\n1,2,3\n");          /* an empty header name */
    ck_assert_int_eq(table_col(&t, ""), 1);
    table_free(&t);
}
END_TEST

START_TEST(get_out_of_range)
{
    struct table t;

    testutil_parse_table(&t, "a,b\n1,2\n");
    ck_assert_str_eq(table_get(&t, 0, 1), "2");
    ck_assert_str_eq(table_get(&t, 1, 0), "");        /* r == rows */
    ck_assert_str_eq(table_get(&t, (size_t)-1, 0), "");
    ck_assert_str_eq(table_get(&t, 0, -1), "");       /* table_col's "absent" */
    ck_assert_str_eq(table_get(&t, 0, 2), "");        /* c == cols */
    ck_assert_str_eq(table_get(&t, 0, table_col(&t, "zzz")), "");
    table_free(&t);
}
END_TEST

START_TEST(num_values)
{
    struct table t;

    testutil_parse_table(&t,
                         "v\n42\n-1.5\n1e3\n0\n\"3.25\"\n\nabc\n12abc\n1e999\nnan\ninf\n0x10\n");
    ck_assert_uint_eq(t.rows, 12);
    ck_assert_double_eq(table_num(&t, 0, 0), 42.0);
    ck_assert_double_eq(table_num(&t, 1, 0), -1.5);
    ck_assert_double_eq(table_num(&t, 2, 0), 1000.0);
    ck_assert_double_eq(table_num(&t, 3, 0), 0.0);
    ck_assert_double_eq(table_num(&t, 4, 0), 3.25);   /* quoted number */
    ck_assert_double_nan(table_num(&t, 5, 0));        /* empty */
    ck_assert_double_nan(table_num(&t, 6, 0));        /* not a number */
    ck_assert_double_nan(table_num(&t, 7, 0));        /* trailing junk */
    ck_assert_double_nan(table_num(&t, 8, 0));        /* out of range */
    ck_assert_double_nan(table_num(&t, 9, 0));        /* "nan" is NAN either way */
    ck_assert_double_eq(table_num(&t, 10, 0), INFINITY);   /* strtod's own syntax */
    ck_assert_double_eq(table_num(&t, 11, 0), 16.0);
    ck_assert_double_nan(table_num(&t, 12, 0));       /* row out of range */
    ck_assert_double_nan(table_num(&t, 0, 1));        /* column out of range */
    ck_assert_double_nan(table_num(&t, 0, -1));       /* absent column */
    ck_assert_int_eq(table_long(&t, 0, 0, 7), 42);
    ck_assert_int_eq(table_long(&t, 1, 0, 7), -1);    /* truncated */
    ck_assert_int_eq(table_long(&t, 5, 0, 7), 7);     /* empty: the default */
    ck_assert_int_eq(table_long(&t, 6, 0, 7), 7);
    ck_assert_int_eq(table_long(&t, 10, 0, 7), 7);    /* inf is no count */
    ck_assert_int_eq(table_long(&t, 0, -1, 7), 7);
    table_free(&t);
}
END_TEST

/* ---- load ---- */

/* Write `text` to a fresh temporary file; its path goes into path[64]. */
static void write_temp(char *path, const char *text)
{
    snprintf(path, 64, "/tmp/check_table_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    size_t len = strlen(text);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    ck_assert_int_eq(close(fd), 0);
}

START_TEST(load_file)
{
    char path[64], err[200] = "";
    struct table t;

    write_temp(path, "a,b\r\n\"x,y\",2\r\n");
    ck_assert_int_eq(table_load(&t, path, err, sizeof err), 0);
    ck_assert_uint_eq(t.rows, 1);
    ck_assert_str_eq(table_get(&t, 0, table_col(&t, "a")), "x,y");
    ck_assert_double_eq(table_num(&t, 0, table_col(&t, "b")), 2.0);
    table_free(&t);
    unlink(path);
}
END_TEST

START_TEST(load_large_file)
{
    /* Well past the 64 KiB first read, so the buffer has to grow. */
    enum { NROWS = 20000 };
    char path[64], err[200] = "";
    size_t cap = 32 + NROWS * 32, len = 0;
    char *text = malloc(cap);
    struct table t;

    ck_assert_ptr_nonnull(text);
    len += (size_t)snprintf(text + len, cap - len, "i,sq,label\n");
    for (int i = 0; i < NROWS; i++)
        len += (size_t)snprintf(text + len, cap - len, "%d,%d,\"r,%d\"\n", i, i * 3, i);
    ck_assert_uint_gt(len, 200000);
    write_temp(path, text);
    free(text);
    ck_assert_int_eq(table_load(&t, path, err, sizeof err), 0);
    ck_assert_uint_eq(t.rows, NROWS);
    ck_assert_double_eq(table_num(&t, 0, 1), 0.0);
    ck_assert_double_eq(table_num(&t, 12345, 1), 37035.0);
    ck_assert_str_eq(table_get(&t, NROWS - 1, 2), "r,19999");
    table_free(&t);
    unlink(path);
}
END_TEST

START_TEST(load_missing)
{
    char err[200] = "";
    struct table t;

    ck_assert_int_eq(table_load(&t, "/nonexistent-acceptbench/summary.csv", err, sizeof err), -1);
    ck_assert_str_eq(err, "/nonexistent-acceptbench/summary.csv: No such file or directory");
    ck_assert_ptr_null(t.text);
    ck_assert_ptr_null(t.cells);
    table_free(&t);
}
END_TEST

START_TEST(load_errors_name_path)
{
    char path[64], want[300], err[200] = "";
    struct table t;

    write_temp(path, "");
    ck_assert_int_eq(table_load(&t, path, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: line 1: no header", path);
    ck_assert_str_eq(err, want);
    unlink(path);

    write_temp(path, "a,b\n1,2\n3\n");
    ck_assert_int_eq(table_load(&t, path, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: line 3: field count differs from the header", path);
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(t.text);
    unlink(path);

    /* A directory opens but cannot be read. */
    ck_assert_int_eq(table_load(&t, "/tmp", err, sizeof err), -1);
    ck_assert_str_eq(err, "/tmp: read error");
}
END_TEST

static Suite *table_suite(void)
{
    Suite *s = suite_create("table");
    TCase *tc;

    tc = tcase_create("parse");
    tcase_add_test(tc, header_and_rows);
    tcase_add_test(tc, header_only);
    tcase_add_test(tc, last_line_without_newline);
    tcase_add_test(tc, trailing_newline_no_extra_row);
    tcase_add_test(tc, crlf_line_ends);
    tcase_add_test(tc, empty_fields);
    tcase_add_test(tc, text_is_copied);
    tcase_add_test(tc, len_bounds_the_input);
    suite_add_tcase(s, tc);

    tc = tcase_create("quoting");
    tcase_add_test(tc, quoted_comma);
    tcase_add_test(tc, doubled_quotes);
    tcase_add_test(tc, quoted_newline);
    tcase_add_test(tc, quoted_header);
    tcase_add_test(tc, csv_round_trip);
    suite_add_tcase(s, tc);

    tc = tcase_create("split");
    tcase_add_test(tc, split_one_record_at_a_time);
    tcase_add_test(tc, split_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, field_count_differs);
    tcase_add_test(tc, line_numbers_count_quoted_newlines);
    tcase_add_test(tc, unterminated_quote);
    tcase_add_test(tc, text_after_closing_quote);
    tcase_add_test(tc, no_header);
    tcase_add_test(tc, message_truncated_to_buffer);
    suite_add_tcase(s, tc);

    tc = tcase_create("lookup");
    tcase_add_test(tc, col_by_name);
    tcase_add_test(tc, get_out_of_range);
    tcase_add_test(tc, num_values);
    suite_add_tcase(s, tc);

    tc = tcase_create("load");
    tcase_add_test(tc, load_file);
    tcase_add_test(tc, load_large_file);
    tcase_add_test(tc, load_missing);
    tcase_add_test(tc, load_errors_name_path);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(table_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
