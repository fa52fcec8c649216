/* csv: build CSV text in a growable buffer and write it to disk atomically.
 * Fields are quoted only when they must be (comma, quote, CR/LF); numbers use '.'
 * as the decimal separator whatever the locale; a non-finite double is written as
 * an empty field ("no value"), never "nan" or "inf". */
#ifndef ACCEPTBENCH_CSV_H
#define ACCEPTBENCH_CSV_H

#include <stddef.h>
#include <stdint.h>

struct csv_buf {
    char *data;      /* NUL-terminated text, owned by the buffer */
    size_t len;
    size_t cap;
    int row_fields;  /* fields written in the current row (decides the comma) */
    int oom;         /* set when an allocation failed; every later write is a no-op */
};

void csv_init(struct csv_buf *b);
void csv_free(struct csv_buf *b);
void csv_reset(struct csv_buf *b);                 /* empty it, keep the memory */

void csv_str(struct csv_buf *b, const char *s);    /* NULL writes an empty field */
void csv_u64(struct csv_buf *b, uint64_t v);
void csv_i64(struct csv_buf *b, int64_t v);
void csv_f64(struct csv_buf *b, double v, int decimals);
void csv_end_row(struct csv_buf *b);               /* "\n", next field starts a row */
/* A header line, written as given (comma-separated names that need no quoting). */
void csv_header(struct csv_buf *b, const char *names);

/* Append the rows in body (complete lines, no header) to the CSV file at path.
 * A new file gets `header` (no trailing newline) as its first line; an existing
 * file must start with exactly that header, else -1 with a message telling the
 * user to pick a new output directory. The old content plus the new rows are
 * written to a temporary file in the same directory, fsync'd and renamed over
 * path, so a reader or a crash never sees a torn file. Returns 0 or -1. */
int csv_append_file(const char *path, const char *header, const char *body,
                    char *err, size_t errlen);

/* Write `data` to path atomically (temp file, fsync, rename). Returns 0 or -1. */
int csv_write_file(const char *path, const char *data, size_t len,
                   char *err, size_t errlen);

#endif
