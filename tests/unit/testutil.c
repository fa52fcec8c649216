#include "testutil.h"

#include <check.h>
#include <string.h>

void testutil_parse_table(struct table *t, const char *text)
{
    char err[200] = "";

    ck_assert_msg(table_parse(t, text, strlen(text), err, sizeof err) == 0,
                  "table_parse: %s", err);
}

void testutil_build_agg(struct agg *a, const char *text)
{
    struct table t;
    char err[200] = "";

    testutil_parse_table(&t, text);
    ck_assert_msg(agg_build(&t, a, err, sizeof err) == 0, "agg_build: %s", err);
    table_free(&t);
}
