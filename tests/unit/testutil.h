/* testutil: what several Check suites share. Each helper fails the running test,
 * with the library's own message, when the text it is given does not parse. */
#ifndef ACCEPTBENCH_TESTUTIL_H
#define ACCEPTBENCH_TESTUTIL_H

#include "agg.h"
#include "table.h"

/* table_parse a NUL-terminated text into *t; the caller frees *t. */
void testutil_parse_table(struct table *t, const char *text);
/* agg_build the groups of a summary.csv text into *a; the caller frees *a. The
 * table in between is freed here: the groups keep no pointers into it. */
void testutil_build_agg(struct agg *a, const char *text);

#endif
