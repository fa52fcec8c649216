/* table: a whole CSV file read into memory, cells addressed by row and by column
 * name. The reading side of csv.h; used by the tools that turn results into
 * reports, so they never depend on a column's position. */
#ifndef ACCEPTBENCH_TABLE_H
#define ACCEPTBENCH_TABLE_H

#include <stddef.h>

struct table {
    char *text;        /* the file, cut into NUL-terminated cells in place */
    char **cells;      /* rows * cols pointers; row 0 is the header */
    size_t rows;       /* data rows, header excluded */
    size_t cols;
};

/* Parse CSV text (RFC 4180 quoting; LF or CRLF). Every row must have as many
 * fields as the header. Takes ownership of nothing: text is copied. Returns 0,
 * or -1 with a message naming the line. */
int table_parse(struct table *t, const char *text, size_t len, char *err, size_t errlen);
/* Read and parse a file; the message names the path. */
int table_load(struct table *t, const char *path, char *err, size_t errlen);
void table_free(struct table *t);

/* table_split's failures. */
enum { TABLE_EQUOTE = -1, TABLE_ETEXT = -2 };

/* The record reader table_parse is built on, for callers that take a record at a
 * time. Cuts the record starting at *p into NUL-terminated cells in place
 * (unquoting them), stores at most max cell pointers in cells (NULL when max is 0),
 * and moves *p past the record's line end (LF or CRLF; none at the end of the
 * text). Returns the number of fields, which may exceed max; TABLE_EQUOTE when a
 * quoted field is not closed, TABLE_ETEXT when text follows a closing quote. */
long table_split(char **p, char **cells, size_t max);

/* Column index of `name`, or -1. */
int table_col(const struct table *t, const char *name);
/* Cell text of data row r (0-based) in column c; "" when c < 0. */
const char *table_get(const struct table *t, size_t r, int c);
/* Cell as a number; NAN when empty, missing or not a number. */
double table_num(const struct table *t, size_t r, int c);
/* Cell as a whole number (truncated), or dflt when table_num is not finite: an
 * empty cell in a configuration column means its default. */
long table_long(const struct table *t, size_t r, int c, long dflt);

#endif
