/* units: parse and print the quantities a user types and reads (durations, counts,
 * rates, sizes). Pure functions; no I/O. Parsers return 0 on success or -1 with a
 * one-line message in err that names the bad text and shows a valid example; the
 * caller prefixes the option name. */
#ifndef ACCEPTBENCH_UNITS_H
#define ACCEPTBENCH_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* "250us", "500ms", "10s", "2m", "1h"; a bare number means seconds. Fractions are
 * allowed ("1.5s"). Result in microseconds. */
int units_parse_duration_us(const char *s, uint64_t *out_us, char *err, size_t errlen);

/* Decimal count with an optional k/M/G suffix (1000-based): "10000", "10k", "1.5M". */
int units_parse_count(const char *s, uint64_t *out, char *err, size_t errlen);

/* Rate per second: a count, optionally followed by "/s": "5000", "5k", "5k/s". */
int units_parse_rate(const char *s, uint64_t *out_per_s, char *err, size_t errlen);

/* Byte size, 1024-based: "64", "4k", "4K", "4KiB", "1M", "1MiB". */
int units_parse_size(const char *s, uint64_t *out_bytes, char *err, size_t errlen);

/* Integer in [min, max] with no suffix (worker counts, ports, ...). */
int units_parse_int(const char *s, long min, long max, long *out, char *err, size_t errlen);

/* Human-readable output, wrk-style: "812us", "1.23ms", "4.50s"; "12.35k", "1.20M". */
void units_format_duration_us(char *buf, size_t len, double us);
void units_format_count(char *buf, size_t len, double v);

#endif
