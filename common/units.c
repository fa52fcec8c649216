/* units: parse and print durations, counts, rates and sizes.
 *
 * Numbers are scanned by hand rather than with strtod: strtod follows LC_NUMERIC,
 * skips leading blanks and accepts hex, exponents, "inf" and "nan", none of which
 * a user means when typing "--duration 10s". Scanning the integer and fraction
 * digits as integers also keeps "1.1s" exactly 1100000 us, with no binary
 * rounding on the way. */
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DURATION_EXAMPLE "(use e.g. 10s, 500ms, 2m)"
#define COUNT_EXAMPLE    "(use e.g. 10000, 10k, 1.5M)"
#define RATE_EXAMPLE     "(use e.g. 5000, 5k, 5k/s)"
#define SIZE_EXAMPLE     "(use e.g. 64, 4k, 1MiB)"

/* Fraction digits kept exactly. 10^9 times the largest multiplier (an hour in
 * microseconds, 3.6e9) still fits in 64 bits; a tenth fraction digit is worth
 * less than 4 us even for hours, so later digits are only checked for being
 * digits and for being zero (see units_num.rest_nonzero). */
#define FRAC_DIGITS_MAX 9

struct units_num {
    uint64_t whole;      /* digits before the '.' */
    uint64_t frac;       /* up to FRAC_DIGITS_MAX digits after it */
    uint64_t frac_div;   /* 10^(digits kept in frac) */
    int rest_nonzero;    /* a non-zero digit beyond FRAC_DIGITS_MAX */
};

struct units_suffix {
    const char *name;
    uint64_t mult;
};

static const struct units_suffix duration_suffixes[] = {
    { "us", 1 }, { "ms", 1000 }, { "s", 1000000 }, { "m", 60000000 },
    { "h", 3600000000ULL }, { "", 1000000 }, { NULL, 0 },
};

static const struct units_suffix count_suffixes[] = {
    { "", 1 }, { "k", 1000 }, { "K", 1000 }, { "M", 1000000 }, { "G", 1000000000 },
    { NULL, 0 },
};

static const struct units_suffix size_suffixes[] = {
    { "", 1 }, { "k", 1ULL << 10 }, { "K", 1ULL << 10 }, { "KiB", 1ULL << 10 },
    { "M", 1ULL << 20 }, { "MiB", 1ULL << 20 }, { "G", 1ULL << 30 },
    { "GiB", 1ULL << 30 }, { NULL, 0 },
};

/* Copy s for quoting in a message, cut to a length that keeps the example that
 * follows it on the user's screen. */
static void units_quote(char *q, size_t qlen, const char *s)
{
    size_t max = qlen - 4;  /* room for "..." and the NUL */

    if (strlen(s) <= max) {
        snprintf(q, qlen, "%s", s);
    } else {
        snprintf(q, qlen, "%.*s...", (int)max, s);
    }
}

static int units_fail(char *err, size_t errlen, const char *s, const char *what)
{
    char q[48];

    units_quote(q, sizeof(q), s);
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "'%s' %s", q, what);
    return -1;
}

/* Scan "digits[.digits]" at *p and advance *p past it. Returns 0, -1 when there
 * is no number there, or -2 when the whole part overflows 64 bits (*p is still
 * advanced past the number). */
static int units_scan(const char **p, struct units_num *n)
{
    const char *c = *p;
    int overflow = 0;

    memset(n, 0, sizeof(*n));
    n->frac_div = 1;
    if (*c < '0' || *c > '9')
        return -1;
    /* On overflow keep scanning: "99999999999999999999x" is a syntax error
     * first, and the caller checks the suffix before reporting the range. */
    for (; *c >= '0' && *c <= '9'; c++) {
        uint64_t d = (uint64_t)(*c - '0');
        if (n->whole > (UINT64_MAX - d) / 10)
            overflow = 1;
        n->whole = n->whole * 10 + d;
    }
    if (*c == '.') {
        int kept = 0;
        c++;
        if (*c < '0' || *c > '9')
            return -1;  /* "1." or "1.s": probably a typo, refuse to guess */
        for (; *c >= '0' && *c <= '9'; c++) {
            if (kept < FRAC_DIGITS_MAX) {
                n->frac = n->frac * 10 + (uint64_t)(*c - '0');
                n->frac_div *= 10;
                kept++;
            } else if (*c != '0') {
                n->rest_nonzero = 1;
            }
        }
    }
    *p = c;
    return overflow ? -2 : 0;
}

static const struct units_suffix *units_match(const char *s, size_t len,
                                               const struct units_suffix *table)
{
    for (; table->name != NULL; table++) {
        if (strlen(table->name) == len && memcmp(table->name, s, len) == 0)
            return table;
    }
    return NULL;
}

/* n * mult, rounding the fraction to the nearest integer (halves up). Returns 0,
 * or -1 on overflow. *exact says whether no rounding was needed. */
static int units_apply(const struct units_num *n, uint64_t mult, uint64_t *out, int *exact)
{
    uint64_t scaled = n->frac * mult;   /* < 10^9 * 3.6e9: no overflow */
    uint64_t part = (scaled + n->frac_div / 2) / n->frac_div;

    *exact = scaled % n->frac_div == 0 && !n->rest_nonzero;
    if (mult != 0 && n->whole > UINT64_MAX / mult)
        return -1;
    if (n->whole * mult > UINT64_MAX - part)
        return -1;
    *out = n->whole * mult + part;
    return 0;
}

/* The shared body of the parsers: a number, then one of the table's suffixes,
 * then (for rates) an optional "/s". */
static int units_parse(const char *s, const struct units_suffix *table, int whole_only,
                       int allow_per_s, const char *kind, const char *example,
                       uint64_t *out, char *err, size_t errlen)
{
    const char *p = s;
    const struct units_suffix *suf;
    struct units_num n;
    size_t rest;
    char what[96];
    uint64_t v;
    int exact;
    int rc;

    if (s == NULL)
        s = p = "";
    rc = units_scan(&p, &n);
    rest = strlen(p);
    if (allow_per_s && rest >= 2 && strcmp(p + rest - 2, "/s") == 0)
        rest -= 2;
    suf = rc != -1 ? units_match(p, rest, table) : NULL;
    if (suf == NULL) {
        snprintf(what, sizeof(what), "is not %s %s", kind, example);
        return units_fail(err, errlen, s, what);
    }
    if (rc == -2 || units_apply(&n, suf->mult, &v, &exact) != 0) {
        snprintf(what, sizeof(what), "is out of range %s", example);
        return units_fail(err, errlen, s, what);
    }
    if (whole_only && !exact) {
        snprintf(what, sizeof(what), "is not a whole number %s", example);
        return units_fail(err, errlen, s, what);
    }
    *out = v;   /* only on success: a caller's default survives a bad value */
    return 0;
}

int units_parse_duration_us(const char *s, uint64_t *out_us, char *err, size_t errlen)
{
    /* Sub-microsecond remainders round to the nearest microsecond: the clocks we
     * compare against do not resolve finer, so refusing "0.5us" would help no one. */
    return units_parse(s, duration_suffixes, 0, 0, "a duration", DURATION_EXAMPLE,
                       out_us, err, errlen);
}

int units_parse_count(const char *s, uint64_t *out, char *err, size_t errlen)
{
    return units_parse(s, count_suffixes, 1, 0, "a count", COUNT_EXAMPLE, out, err,
                       errlen);
}

int units_parse_rate(const char *s, uint64_t *out_per_s, char *err, size_t errlen)
{
    return units_parse(s, count_suffixes, 1, 1, "a rate", RATE_EXAMPLE, out_per_s, err,
                       errlen);
}

int units_parse_size(const char *s, uint64_t *out_bytes, char *err, size_t errlen)
{
    return units_parse(s, size_suffixes, 1, 0, "a size", SIZE_EXAMPLE, out_bytes, err,
                       errlen);
}

int units_parse_int(const char *s, long min, long max, long *out, char *err, size_t errlen)
{
    const char *digits;
    char what[96];
    char *end;
    long v;

    if (s == NULL)
        s = "";
    /* strtol would also take leading blanks and a '+'; an option value with
     * either is more likely a quoting mistake than a number. */
    digits = s[0] == '-' ? s + 1 : s;
    if (*digits < '0' || *digits > '9') {
        snprintf(what, sizeof(what), "is not an integer (use a whole number in %ld..%ld)",
                 min, max);
        return units_fail(err, errlen, s, what);
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (*end != '\0') {
        snprintf(what, sizeof(what), "is not an integer (use a whole number in %ld..%ld)",
                 min, max);
        return units_fail(err, errlen, s, what);
    }
    if (errno == ERANGE || v < min || v > max) {
        snprintf(what, sizeof(what), "is out of range (%ld..%ld)", min, max);
        return units_fail(err, errlen, s, what);
    }
    *out = v;
    return 0;
}

struct units_scale {
    const char *name;
    double div;
    int decimals;   /* -1: none when the value is whole, else 2 */
    double limit;   /* move to the next unit once the printed value reaches this */
};

static const struct units_scale duration_scales[] = {
    { "us", 1.0, 0, 1000.0 },
    { "ms", 1e3, 2, 1000.0 },
    { "s", 1e6, 2, 60.0 },
    { "m", 60e6, 2, 60.0 },
    { "h", 3600e6, 2, 0.0 },   /* last: no limit */
};

static const struct units_scale count_scales[] = {
    { "", 1.0, -1, 1000.0 },
    { "k", 1e3, 2, 1000.0 },
    { "M", 1e6, 2, 1000.0 },
    { "G", 1e9, 2, 1000.0 },
    { "T", 1e12, 2, 0.0 },
};

/* Pick the unit by the value as it will be printed, not as it is: 999.996 ms
 * prints as "1000.00ms" under %.2f, which should have been "1.00s". Formatting
 * and reading back with the same C library keeps the choice and the text in
 * agreement whatever the rounding rules. snprintf and strtod would follow
 * LC_NUMERIC; acceptbench never calls setlocale, so the decimal point is '.'. */
static void units_format(char *buf, size_t len, double v, const struct units_scale *scales,
                         size_t nscales)
{
    const char *sign = v < 0 ? "-" : "";
    double a = fabs(v);
    char num[64];
    size_t i;

    if (buf == NULL || len == 0)
        return;
    if (!isfinite(v)) {
        snprintf(buf, len, "-");
        return;
    }
    for (i = 0; i < nscales; i++) {
        double x = a / scales[i].div;
        int dec = scales[i].decimals;

        if (dec < 0)
            dec = x == floor(x) ? 0 : 2;
        snprintf(num, sizeof(num), "%.*f", dec, x);
        if (i + 1 == nscales || strtod(num, NULL) < scales[i].limit)
            break;
    }
    /* "-0us" would read as a measurement of something negative. */
    if (strtod(num, NULL) == 0.0)
        sign = "";
    snprintf(buf, len, "%s%s%s", sign, num, scales[i].name);
}

void units_format_duration_us(char *buf, size_t len, double us)
{
    units_format(buf, len, us, duration_scales,
                 sizeof(duration_scales) / sizeof(duration_scales[0]));
}

void units_format_count(char *buf, size_t len, double v)
{
    units_format(buf, len, v, count_scales, sizeof(count_scales) / sizeof(count_scales[0]));
}
