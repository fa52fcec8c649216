/* csv: CSV text in a growable buffer, and atomic writes of it to disk.
 *
 * The buffer remembers an allocation failure (oom) instead of returning an error
 * from every call: a row is written as a dozen calls in a row, and checking one
 * flag before the file is written is harder to get wrong than checking twelve
 * return values. */
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CSV_INITIAL_CAP 256

/* Mode for a file that did not exist before. mkstemp creates 0600; CSV results
 * are meant to be read by others (plots, other users), and reading the umask
 * would mean changing it, which is process-wide and racy under threads. */
#define CSV_NEW_FILE_MODE 0644

void csv_init(struct csv_buf *b)
{
    memset(b, 0, sizeof(*b));
    /* Allocate up front so that data is a valid empty string from the start. */
    b->data = malloc(CSV_INITIAL_CAP);
    if (b->data == NULL) {
        b->oom = 1;
        return;
    }
    b->cap = CSV_INITIAL_CAP;
    b->data[0] = '\0';
}

void csv_free(struct csv_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

void csv_reset(struct csv_buf *b)
{
    /* A failed allocation left the text incomplete; emptying it gives the next
     * writes a fresh chance. */
    b->len = 0;
    b->row_fields = 0;
    b->oom = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

/* Make room for n more bytes plus the NUL. Returns 0, or -1 and sets oom. */
static int csv_reserve(struct csv_buf *b, size_t n)
{
    size_t need;
    size_t cap;
    char *p;

    if (b->oom)
        return -1;
    if (n > SIZE_MAX - b->len - 1) {
        b->oom = 1;
        return -1;
    }
    need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : CSV_INITIAL_CAP;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = realloc(b->data, cap);
    if (p == NULL) {
        b->oom = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

static void csv_put(struct csv_buf *b, const char *s, size_t n)
{
    if (csv_reserve(b, n) != 0)
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void csv_sep(struct csv_buf *b)
{
    if (b->row_fields++ > 0)
        csv_put(b, ",", 1);
}

void csv_str(struct csv_buf *b, const char *s)
{
    csv_sep(b);
    if (s == NULL)
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        csv_put(b, s, strlen(s));
        return;
    }
    /* RFC 4180: enclose in quotes, double the quotes inside. */
    csv_put(b, "\"", 1);
    for (const char *q = strchr(s, '"'); q != NULL; q = strchr(s, '"')) {
        csv_put(b, s, (size_t)(q - s) + 1);   /* through the quote, then its twin */
        csv_put(b, "\"", 1);
        s = q + 1;
    }
    csv_put(b, s, strlen(s));
    csv_put(b, "\"", 1);
}

void csv_u64(struct csv_buf *b, uint64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%" PRIu64, v);

    csv_sep(b);
    csv_put(b, num, (size_t)n);
}

void csv_i64(struct csv_buf *b, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%" PRId64, v);

    csv_sep(b);
    csv_put(b, num, (size_t)n);
}

void csv_f64(struct csv_buf *b, double v, int decimals)
{
    char num[512];
    int n;

    csv_sep(b);
    if (!isfinite(v))
        return;   /* an empty field: gnuplot and pandas both read it as missing */
    if (decimals < 0)
        decimals = 0;
    if (decimals > 17)
        decimals = 17;   /* beyond this a double has no more digits to give */
    /* %f follows LC_NUMERIC; acceptbench never calls setlocale, so the process
     * stays in the "C" locale and the decimal separator is always '.'. */
    n = snprintf(num, sizeof(num), "%.*f", decimals, v);
    if (n < 0 || (size_t)n >= sizeof(num))
        return;   /* |v| > 1e490 cannot happen for a double; keep the field empty */
    /* -0.001 at two decimals prints "-0.00"; a negative zero in a results file
     * only makes readers wonder what went negative. */
    if (num[0] == '-' && strspn(num + 1, "0.") == (size_t)n - 1)
        csv_put(b, num + 1, (size_t)n - 1);
    else
        csv_put(b, num, (size_t)n);
}

void csv_end_row(struct csv_buf *b)
{
    csv_put(b, "\n", 1);
    b->row_fields = 0;
}

void csv_header(struct csv_buf *b, const char *names)
{
    csv_put(b, names, strlen(names));
    csv_end_row(b);
}

static void csv_errno(char *err, size_t errlen, const char *what, const char *path)
{
    int saved = errno;

    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s %s: %s", what, path, strerror(saved));
    errno = saved;
}

struct csv_part {
    const char *p;
    size_t n;
};

static int csv_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Make the rename itself durable. Best effort: some filesystems refuse fsync on
 * a directory, and by then the file is complete either way. */
static void csv_sync_dir(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int fd;

    if (slash == NULL) {
        snprintf(dir, sizeof(dir), ".");
    } else if (slash == path) {
        snprintf(dir, sizeof(dir), "/");
    } else {
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    (void)fsync(fd);
    close(fd);
}

/* Write the concatenation of parts to path through a temporary file in the same
 * directory (rename is atomic only within one filesystem). */
static int csv_replace(const char *path, const struct csv_part *parts, int nparts,
                       mode_t mode, char *err, size_t errlen)
{
    char tmp[PATH_MAX];
    int fd;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp)) {
        errno = ENAMETOOLONG;
        csv_errno(err, errlen, "mkstemp", path);
        return -1;
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        /* On failure the template's X's may be half replaced; name the pattern. */
        int saved = errno;
        snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
        errno = saved;
        csv_errno(err, errlen, "mkstemp", tmp);
        return -1;
    }
    if (fchmod(fd, mode) != 0) {
        csv_errno(err, errlen, "fchmod", tmp);
        goto fail;
    }
    for (int i = 0; i < nparts; i++) {
        if (csv_write_all(fd, parts[i].p, parts[i].n) != 0) {
            csv_errno(err, errlen, "write", tmp);
            goto fail;
        }
    }
    if (fsync(fd) != 0) {
        csv_errno(err, errlen, "fsync", tmp);
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        csv_errno(err, errlen, "close", tmp);
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        char what[PATH_MAX + 16];
        snprintf(what, sizeof(what), "rename %s ->", tmp);
        csv_errno(err, errlen, what, path);
        goto fail;
    }
    csv_sync_dir(path);
    return 0;

fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return -1;
}

/* Read the whole file at path into a malloc'd, NUL-terminated buffer. Returns 0,
 * 1 when the file does not exist, or -1 with a message. */
static int csv_slurp(const char *path, char **out, size_t *outlen, mode_t *mode,
                     char *err, size_t errlen)
{
    struct stat st;
    size_t len = 0;
    char *buf;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        csv_errno(err, errlen, "open", path);
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        csv_errno(err, errlen, "fstat", path);
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        errno = ENOMEM;
        csv_errno(err, errlen, "read", path);
        close(fd);
        return -1;
    }
    /* Read no more than fstat promised, so the buffer cannot overflow should
     * the file grow meanwhile (see csv_append_file on concurrent writers). */
    while (len < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            csv_errno(err, errlen, "read", path);
            free(buf);
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    *mode = st.st_mode & 07777;
    return 0;
}

/* Two processes appending to one file at once would lose rows (the later rename
 * wins); a lock would not help a reader and acceptbench runs one writer per
 * output directory, so none is taken. */
int csv_append_file(const char *path, const char *header, const char *body,
                    char *err, size_t errlen)
{
    size_t hlen = strlen(header);
    size_t blen = strlen(body);
    mode_t mode = CSV_NEW_FILE_MODE;
    char *old = NULL;
    size_t oldlen = 0;
    size_t first;
    int rc;

    if (blen > 0 && body[blen - 1] != '\n') {
        errno = EINVAL;
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: rows to append do not end in a newline", path);
        return -1;
    }
    rc = csv_slurp(path, &old, &oldlen, &mode, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 1 || oldlen == 0) {
        /* New (or empty, e.g. touched) file: it gets the header first. */
        struct csv_part parts[] = {
            { header, hlen }, { "\n", 1 }, { body, blen },
        };
        free(old);
        return csv_replace(path, parts, 3, mode, err, errlen);
    }
    first = strcspn(old, "\n");
    if (first != hlen || memcmp(old, header, hlen) != 0) {
        free(old);
        errno = EINVAL;
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: existing header differs from this run's columns; "
                     "pick a new output directory", path);
        return -1;
    }
    /* Someone (a crash of an older tool, an editor) left a partial last line.
     * Appending would glue our first row onto it; dropping it would lose data. */
    if (old[oldlen - 1] != '\n') {
        free(old);
        errno = EINVAL;
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: last line is incomplete (no trailing newline); "
                     "pick a new output directory", path);
        return -1;
    }
    {
        struct csv_part parts[] = { { old, oldlen }, { body, blen } };
        rc = csv_replace(path, parts, 2, mode, err, errlen);
    }
    free(old);
    return rc;
}

int csv_write_file(const char *path, const char *data, size_t len,
                   char *err, size_t errlen)
{
    struct csv_part part = { data, len };
    struct stat st;
    mode_t mode = CSV_NEW_FILE_MODE;

    /* Keep the mode of a file being replaced, as an in-place rewrite would. */
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        mode = st.st_mode & 07777;
    return csv_replace(path, &part, 1, mode, err, errlen);
}
