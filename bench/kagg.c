#include "kagg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const side_names[KAGG_SIDES] = {"server", "client"};
/* The totals, in the order every side lists them first. */
static const char *const totals[] = {"syscalls", "context_switches", "migrations"};
#define NTOTALS (int)(sizeof totals / sizeof totals[0])
#define SYSCALL_LEN (sizeof KAGG_SYSCALL - 1)

const char *kagg_side_name(int side)
{
    return side_names[side];
}

int kagg_side_by_name(const char *name)
{
    for (int s = 0; s < KAGG_SIDES; s++)
        if (strcmp(side_names[s], name) == 0)
            return s;
    return -1;
}

static int is_syscall(const char *name)
{
    return strncmp(name, KAGG_SYSCALL, SYSCALL_LEN) == 0 && name[SYSCALL_LEN];
}

/* The place of a counter in a side's list: a total's index, NTOTALS for a
 * syscall by name, -1 for what kagg does not keep. */
static int rank(const char *name)
{
    for (int i = 0; i < NTOTALS; i++)
        if (strcmp(totals[i], name) == 0)
            return i;
    return is_syscall(name) ? NTOTALS : -1;
}

static struct kagg_counter *find(const struct kagg_side *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->c[i].name, name) == 0)
            return &s->c[i];
    return NULL;
}

/* The side's counter of that name, added with 0 when new, with room for each of
 * the side's runs' values when runs is not 0; NULL when out of memory. */
static struct kagg_counter *counter(struct kagg_side *s, const char *name, size_t runs)
{
    struct kagg_counter *c = find(s, name);
    double *run = NULL;
    if (c)
        return c;
    if (runs && !(run = calloc(runs, sizeof *run)))
        return NULL;
    if (!(c = realloc(s->c, (s->n + 1) * sizeof *c))) {
        free(run);
        return NULL;
    }
    s->c = c;
    c = &s->c[s->n++];
    snprintf(c->name, sizeof c->name, "%s", name);
    c->per_conn = 0;
    c->median = NAN;
    c->run = run;
    return c;
}

static int cmp_counter(const void *pa, const void *pb)
{
    const struct kagg_counter *a = pa, *b = pb;
    int ra = rank(a->name), rb = rank(b->name);
    if (ra != rb)
        return ra - rb;
    if (a->per_conn != b->per_conn)
        return a->per_conn > b->per_conn ? -1 : 1;
    return strcmp(a->name, b->name);
}

static void sort_sides(struct kagg *k)
{
    for (size_t g = 0; g < k->n; g++)
        for (int s = 0; s < KAGG_SIDES; s++)
            if (k->g[g][s].n)
                qsort(k->g[g][s].c, k->g[g][s].n, sizeof *k->g[g][s].c, cmp_counter);
}

static int alloc_groups(struct kagg *k, size_t n)
{
    memset(k, 0, sizeof *k);
    if (!(k->g = calloc(n ? n : 1, sizeof *k->g)))
        return -1;
    k->n = n;
    return 0;
}

/* Columns of the tables kagg reads, each -1 when absent; names the first absent one. */
static int columns(const struct table *t, const char *file, const char *const *names, int *col,
                   int n, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++)
        if ((col[i] = table_col(t, names[i])) < 0) {
            snprintf(err, errlen, "%s has no column '%s'", file, names[i]);
            return -1;
        }
    return 0;
}

/* The summary row of each kernel row (by run_id), -1 when it has none. */
static long *summary_rows(const struct table *kernel, int k_run, const struct table *summary,
                          int s_run)
{
    long *rows = malloc((kernel->rows ? kernel->rows : 1) * sizeof *rows);
    for (size_t r = 0; rows && r < kernel->rows; r++) {
        const char *run = table_get(kernel, r, k_run);
        rows[r] = -1;
        for (size_t s = 0; s < summary->rows; s++)
            if (strcmp(table_get(summary, s, s_run), run) == 0) {
                rows[r] = (long)s;
                break;
            }
    }
    return rows;
}

int kagg_build(const struct table *kernel, const struct table *summary, const struct agg *a,
               struct kagg *out, char *err, size_t errlen)
{
    static const char *const names[] = {"run_id", "side", "thread", "counter", "per_conn"};
    enum { K_RUN, K_SIDE, K_THREAD, K_COUNTER, K_PER_CONN, NK };
    static const char *const run_id[] = {"run_id"};
    int col[NK], s_run;
    long *srow = NULL;
    size_t *counted = NULL;

    memset(out, 0, sizeof *out);
    if (columns(kernel, "kernel.csv", names, col, NK, err, errlen) < 0 ||
        columns(summary, "summary.csv", run_id, &s_run, 1, err, errlen) < 0)
        return -1;
    if (alloc_groups(out, a->n) < 0 ||
        !(srow = summary_rows(kernel, col[K_RUN], summary, s_run)) ||
        !(counted = calloc(summary->rows * KAGG_SIDES + 1, sizeof *counted)))
        goto oom;

    /* First which runs counted each side: a run without perf has no rows, and one
     * whose perf failed mid-way may lack the total; neither is a zero. Then each
     * counted run's place among its side's, in summary.csv's order, + 1. */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            for (size_t r = 0; r < summary->rows; r++)
                for (int side = 0; side < KAGG_SIDES; side++)
                    if (counted[r * KAGG_SIDES + (size_t)side])
                        counted[r * KAGG_SIDES + (size_t)side] =
                            ++out->g[a->row_group[r]][side].runs;
        for (size_t r = 0; r < kernel->rows; r++) {
            const char *name = table_get(kernel, r, col[K_COUNTER]);
            int side = kagg_side_by_name(table_get(kernel, r, col[K_SIDE]));
            double v = table_num(kernel, r, col[K_PER_CONN]);
            if (srow[r] < 0 || side < 0 || !isfinite(v) || rank(name) < 0 ||
                strcmp(table_get(kernel, r, col[K_THREAD]), "all") != 0)
                continue;
            long g = a->row_group[srow[r]];   /* -1: a partial run */
            size_t *seen = &counted[(size_t)srow[r] * KAGG_SIDES + (size_t)side];
            if (g < 0)
                continue;
            struct kagg_side *s = &out->g[g][side];
            if (pass == 0 && strcmp(name, totals[0]) == 0) {
                *seen = 1;
            } else if (pass == 1 && *seen) {
                struct kagg_counter *c = counter(s, name, s->runs);
                if (!c)
                    goto oom;
                c->run[*seen - 1] += v;
            }
        }
    }
    for (size_t g = 0; g < out->n; g++)
        for (int s = 0; s < KAGG_SIDES; s++)
            for (size_t i = 0; i < out->g[g][s].n; i++) {
                struct kagg_counter *c = &out->g[g][s].c[i];
                size_t runs = out->g[g][s].runs;
                for (size_t r = 0; r < runs; r++)
                    c->per_conn += c->run[r];
                c->per_conn /= (double)runs;
                c->median = agg_median(c->run, runs);
            }
    sort_sides(out);
    free(srow);
    free(counted);
    return 0;
oom:
    free(srow);
    free(counted);
    kagg_free(out);
    snprintf(err, errlen, "out of memory");
    return -1;
}

int kagg_parse(const struct table *t, size_t ngroups, struct kagg *out, char *err, size_t errlen)
{
    static const char *const names[] = {"group_index", "side", "counter", "per_conn", "runs"};
    enum { P_GROUP, P_SIDE, P_COUNTER, P_PER_CONN, P_RUNS, NP };
    int col[NP];

    memset(out, 0, sizeof *out);
    if (columns(t, "syscalls.csv", names, col, NP, err, errlen) < 0)
        return -1;
    if (alloc_groups(out, ngroups) < 0)
        goto oom;
    for (size_t r = 0; r < t->rows; r++) {
        long g = table_long(t, r, col[P_GROUP], -1);
        int side = kagg_side_by_name(table_get(t, r, col[P_SIDE]));
        if (g < 0 || (size_t)g >= ngroups || side < 0) {
            snprintf(err, errlen, "syscalls.csv line %zu: no configuration %s, side '%s' in "
                     "summary.csv (run acceptbench-report aggregate again)", r + 2,
                     table_get(t, r, col[P_GROUP]), table_get(t, r, col[P_SIDE]));
            kagg_free(out);
            return -1;
        }
        struct kagg_side *s = &out->g[g][side];
        struct kagg_counter *c = counter(s, table_get(t, r, col[P_COUNTER]), 0);
        if (!c)
            goto oom;
        c->per_conn = table_num(t, r, col[P_PER_CONN]);
        s->runs = (size_t)table_long(t, r, col[P_RUNS], 0);
    }
    sort_sides(out);
    return 0;
oom:
    kagg_free(out);
    snprintf(err, errlen, "out of memory");
    return -1;
}

void kagg_free(struct kagg *k)
{
    for (size_t g = 0; k->g && g < k->n; g++)
        for (int s = 0; s < KAGG_SIDES; s++) {
            for (size_t i = 0; i < k->g[g][s].n; i++)
                free(k->g[g][s].c[i].run);
            free(k->g[g][s].c);
        }
    free(k->g);
    memset(k, 0, sizeof *k);
}

int kagg_any(const struct kagg *k)
{
    for (size_t g = 0; g < k->n; g++)
        for (int s = 0; s < KAGG_SIDES; s++)
            if (k->g[g][s].runs)
                return 1;
    return 0;
}

/* A counter's mean (median 0) or its median (median 1), under kagg_get's rules. */
static double get(const struct kagg *k, size_t g, int side, const char *name, int median)
{
    if (g >= k->n || !k->g[g][side].runs)
        return NAN;
    const struct kagg_counter *c = find(&k->g[g][side], name);
    if (c)
        return median ? c->median : c->per_conn;
    return is_syscall(name) ? 0 : NAN;
}

double kagg_get(const struct kagg *k, size_t g, int side, const char *name)
{
    return get(k, g, side, name, 0);
}

double kagg_median(const struct kagg *k, size_t g, int side, const char *name)
{
    return get(k, g, side, name, 1);
}

long kagg_baseline(const struct kagg *k)
{
    long best = -1;
    double min = INFINITY;
    for (size_t g = 0; g < k->n; g++) {
        double v = kagg_get(k, g, KAGG_SERVER, totals[0]);
        if (isfinite(v) && v < min) {
            min = v;
            best = (long)g;
        }
    }
    return best;
}

/* A syscall's name (without the prefix) and a figure: a per-connection count, its
 * sum over bars, or a difference between configurations. */
struct named {
    const char *name;
    double v;
    int keep;
};

static int cmp_named_abs(const void *pa, const void *pb)
{
    const struct named *a = pa, *b = pb;
    if (fabs(a->v) != fabs(b->v))
        return fabs(a->v) > fabs(b->v) ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* The entry of that name in list[0..*n), added with 0 when new (list has room). */
static struct named *named_in(struct named *list, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i].name, name) == 0)
            return &list[i];
    list[*n] = (struct named){.name = name};
    return &list[(*n)++];
}

size_t kagg_chart_names(const struct kagg *k, char (*names)[64], size_t max)
{
    size_t cap = 0, n = 0, kept = 0;
    for (size_t g = 0; g < k->n; g++)
        for (int s = 0; s < KAGG_SIDES; s++)
            cap += k->g[g][s].n;
    struct named *list = malloc((cap ? cap : 1) * sizeof *list);
    if (!list)
        return 0;
    for (size_t g = 0; g < k->n; g++)
        for (int s = 0; s < KAGG_SIDES; s++) {
            double total = kagg_get(k, g, s, totals[0]);
            for (size_t i = 0; k->g[g][s].runs && i < k->g[g][s].n; i++) {
                const struct kagg_counter *c = &k->g[g][s].c[i];
                if (!is_syscall(c->name))
                    continue;
                struct named *e = named_in(list, &n, c->name + SYSCALL_LEN);
                e->v += c->per_conn;
                e->keep |= total > 0 && c->per_conn >= KAGG_CHART_SHARE * total;
            }
        }
    /* Sums are non-negative: by absolute value is by value. */
    qsort(list, n, sizeof *list, cmp_named_abs);
    for (size_t i = 0; i < n && kept < max; i++)
        if (list[i].keep)
            snprintf(names[kept++], sizeof names[0], "%s", list[i].name);
    free(list);
    return kept;
}

/* Append printf-style text to buf, which holds len bytes; never overruns. */
static void append(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t len, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;
    if (used + 1 >= len)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

/* Whether a name's figure is large enough to name: at least KAGG_NAMED_MIN either
 * way, compared at syscalls.csv's 4 decimals (0.05 is no exact double). */
static int big(double v)
{
    return llround(fabs(v) * 1e4) >= llround(KAGG_NAMED_MIN * 1e4);
}

/* Whether v shows as something other than 0.00 (or -0.00) at 2 decimals. */
static int shows(double v)
{
    char s[32];
    snprintf(s, sizeof s, "%.2f", fabs(v));
    return strcmp(s, "0.00") != 0;
}

void kagg_explain(const struct kagg *k, const struct agg *a, size_t g, char *buf, size_t len)
{
    char name[160], base_name[160];
    long b = kagg_baseline(k);

    if (len)
        buf[0] = '\0';
    if (b < 0 || g >= k->n || g >= a->n || !k->g[g][KAGG_SERVER].runs)
        return;
    const struct kagg_side *mine = &k->g[g][KAGG_SERVER], *base = &k->g[b][KAGG_SERVER];
    struct named *list = malloc((mine->n + base->n + 1) * sizeof *list);
    size_t n = 0;
    if (!list)
        return;
    /* Each name either side made: its difference, or for the baseline its count. */
    for (int pass = 0; pass < 2; pass++) {
        const struct kagg_side *s = pass ? base : mine;
        for (size_t i = 0; i < s->n; i++)
            if (is_syscall(s->c[i].name))
                named_in(list, &n, s->c[i].name + SYSCALL_LEN);
    }
    for (size_t i = 0; i < n; i++) {
        char full[80];
        snprintf(full, sizeof full, KAGG_SYSCALL "%s", list[i].name);
        list[i].v = kagg_get(k, g, KAGG_SERVER, full);
        if ((long)g != b)
            list[i].v -= kagg_get(k, (size_t)b, KAGG_SERVER, full);
    }
    qsort(list, n, sizeof *list, cmp_named_abs);

    double mine_total = kagg_get(k, g, KAGG_SERVER, totals[0]),
           base_total = kagg_get(k, (size_t)b, KAGG_SERVER, totals[0]);
    agg_group_name(a, &a->g[g], name, sizeof name);
    agg_group_name(a, &a->g[b], base_name, sizeof base_name);
    if ((long)g == b)
        snprintf(buf, len, "%s: %.2f calls per connection, the fewest", name, mine_total);
    else if (shows(mine_total - base_total))
        snprintf(buf, len, "%s: %.2f more calls per connection than %s", name,
                 mine_total - base_total, base_name);
    else
        snprintf(buf, len, "%s: as many calls per connection as %s (%.2f)", name, base_name,
                 mine_total);
    for (size_t i = 0, named = 0; i < n && named < KAGG_NAMED && big(list[i].v); i++, named++)
        append(buf, len, (long)g == b ? "%s %s %.2f" : "%s %s %+.2f", named ? "," : ":",
               list[i].name, list[i].v);
    append(buf, len, ".");
    free(list);
}
