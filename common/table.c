#include "table.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether a field ends at r: a comma, a line end (LF or CRLF) or the end of the text. */
static int field_end(const char *r)
{
    return *r == '\0' || *r == ',' || *r == '\n' || (*r == '\r' && r[1] == '\n');
}

long table_split(char **p, char **cells, size_t max)
{
    char *r = *p, *w = *p;
    long n = 0;
    for (;;) {
        char *cell = w;
        if (*r == '"') {
            r++;
            for (;;) {
                if (*r == '\0')
                    return TABLE_EQUOTE;
                if (*r == '"' && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                } else if (*r == '"') {
                    r++;
                    break;
                } else {
                    *w++ = *r++;
                }
            }
            if (!field_end(r))
                return TABLE_ETEXT;
        }
        while (!field_end(r))
            *w++ = *r++;
        char end = *r;
        if ((size_t)n < max)
            cells[n] = cell;
        n++;
        if (end == ',') {
            *w = '\0';
            r++;
            w = r;
            continue;
        }
        *w = '\0';  /* may overwrite the line end itself: `end` kept it */
        r += end == '\r' ? 2 : end == '\n' ? 1 : 0;
        *p = r;
        return n;
    }
}

/* What a negative table_split result means. */
static const char *split_error(long n)
{
    return n == TABLE_EQUOTE ? "unterminated quoted field" : "text after a closing quote";
}

int table_parse(struct table *t, const char *text, size_t len, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->text = malloc(len + 1);
    if (!t->text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(t->text, text, len);
    t->text[len] = '\0';
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    char *p = t->text;
    char *probe = strdup(t->text);  /* count the header's fields without cutting */
    if (!probe) {
        table_free(t);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char *pp = probe;
    long cols = *probe ? table_split(&pp, NULL, 0) : 0;
    free(probe);
    if (cols <= 0) {
        table_free(t);
        snprintf(err, errlen, "line 1: %s", cols < 0 ? split_error(cols) : "no header");
        return -1;
    }
    t->cols = (size_t)cols;
    t->cells = calloc(lines * t->cols, sizeof *t->cells);
    if (!t->cells) {
        table_free(t);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* Cutting only ever shortens cells, so an offset into t->text is the same
     * offset into `text`: count the original line ends to name a record's first
     * line, which differs from its record number once a quoted field holds a
     * newline. */
    size_t row = 0, line = 1;
    while (*p) {
        size_t start = (size_t)(p - t->text);
        long n = table_split(&p, t->cells + row * t->cols, t->cols);
        if (n != cols) {
            snprintf(err, errlen, "line %zu: %s", line,
                     n < 0 ? split_error(n) : "field count differs from the header");
            table_free(t);
            return -1;
        }
        for (size_t i = start; i < (size_t)(p - t->text); i++)
            line += text[i] == '\n';
        row++;
    }
    t->rows = row - 1;
    return 0;
}

int table_load(struct table *t, const char *path, char *err, size_t errlen)
{
    char msg[200];
    FILE *f = fopen(path, "re");
    memset(t, 0, sizeof *t);
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    size_t cap = 0, len = 0, n;
    do {
        if (len + 65536 > cap) {
            char *nb = realloc(buf, cap = cap * 2 + 65536);
            if (!nb) {
                free(buf);
                fclose(f);
                snprintf(err, errlen, "%s: out of memory", path);
                return -1;
            }
            buf = nb;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        snprintf(err, errlen, "%s: read error", path);
        return -1;
    }
    int rc = table_parse(t, buf ? buf : "", len, msg, sizeof msg);
    free(buf);
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", path, msg);
    return rc;
}

void table_free(struct table *t)
{
    free(t->text);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

int table_col(const struct table *t, const char *name)
{
    for (size_t c = 0; c < t->cols; c++)
        if (strcmp(t->cells[c], name) == 0)
            return (int)c;
    return -1;
}

const char *table_get(const struct table *t, size_t r, int c)
{
    if (c < 0 || (size_t)c >= t->cols || r >= t->rows)
        return "";
    return t->cells[(r + 1) * t->cols + (size_t)c];
}

double table_num(const struct table *t, size_t r, int c)
{
    const char *s = table_get(t, r, c);
    char *end;
    if (!*s)
        return NAN;
    errno = 0;
    double v = strtod(s, &end);
    return *end || errno ? NAN : v;
}

long table_long(const struct table *t, size_t r, int c, long dflt)
{
    double v = table_num(t, r, c);
    return isfinite(v) && fabs(v) < (double)LONG_MAX ? (long)v : dflt;
}
