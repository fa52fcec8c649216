/* Unit tests for clients/kcount's parsers: perf stat's per-thread CSV becomes each
 * thread's rows (zero totals kept, zero syscall:NAME counts dropped, <not counted>
 * skipped) and the side's "all" sums, exactly; a line that is not perf's fails with
 * its number; /proc/net/netstat and snmp text gives exactly the counters kept, and a
 * counter the kernel lacks is absent from the mask. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kcount.h"

/* Two worker threads of a server, as perf stat -x, --per-thread writes them. */
static const char perf_text[] =
    "# started on Wed Dec  2 15:30:24 2026\n"
    "\n"
    "acceptbench-ser-3626,3058,,raw_syscalls:sys_enter,42693003,100.00,,\n"
    "acceptbench-ser-3625,3011,,raw_syscalls:sys_enter,42870489,100.00,,\n"
    "acceptbench-ser-3626,357,,context-switches,42693003,100.00,,\n"
    "acceptbench-ser-3625,356,,context-switches,42870489,100.00,,\n"
    "acceptbench-ser-3625,0,,cpu-migrations,42870489,100.00,,\n"
    "acceptbench-ser-3626,21,,cpu-migrations,42693003,100.00,,\n"
    "acceptbench-ser-3625,0,,syscalls:sys_enter_mmap,42870489,100.00,,\n"
    "acceptbench-ser-3626,<not counted>,,syscalls:sys_enter_futex,0,0.00,,\n"
    "acceptbench-ser-3626,510,,syscalls:sys_enter_accept4,42693003,100.00,,\n"
    "acceptbench-ser-3625,502,,syscalls:sys_enter_accept4,42870489,100.00,,\n"
    "acceptbench-ser-3625,7,,syscalls:sys_enter_close,42870489,100.00,,\n";

static const struct kcount_row *find(const struct kcount_rows *r, const char *thread,
                                     const char *counter)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].thread, thread) == 0 && strcmp(r->v[i].counter, counter) == 0)
            return &r->v[i];
    return NULL;
}

static void has(const struct kcount_rows *r, const char *thread, const char *counter,
                uint64_t value)
{
    const struct kcount_row *row = find(r, thread, counter);
    ck_assert_msg(row != NULL, "no row %s %s", thread, counter);
    ck_assert_msg(row->value == value, "%s %s: %llu, want %llu", thread, counter,
                  (unsigned long long)row->value, (unsigned long long)value);
}

START_TEST(perf_threads_and_totals)
{
    struct kcount_rows r = {0};
    char err[200] = "";
    ck_assert_int_eq(kcount_parse_perf(perf_text, KCOUNT_SERVER, &r, err, sizeof err), 2);
    /* Thread rows: 3 + 3 totals-kind (zeros kept), 2 + 1 syscall:NAME; then "all":
     * syscalls, context_switches, migrations, syscall:accept4, syscall:close. */
    ck_assert_uint_eq(r.n, 6 + 3 + 5);
    has(&r, "acceptbench-ser-3625", "migrations", 0);
    has(&r, "acceptbench-ser-3626", "migrations", 21);
    has(&r, "acceptbench-ser-3626", "syscall:accept4", 510);
    ck_assert_ptr_null(find(&r, "acceptbench-ser-3625", "syscall:mmap"));
    ck_assert_ptr_null(find(&r, "acceptbench-ser-3626", "syscall:futex"));
    has(&r, "all", "syscalls", 6069);
    has(&r, "all", "context_switches", 713);
    has(&r, "all", "migrations", 21);
    has(&r, "all", "syscall:accept4", 1012);
    has(&r, "all", "syscall:close", 7);
    const struct kcount_row *t = find(&r, "acceptbench-ser-3625", "syscalls");
    ck_assert_int_eq(t->tid, 3625);
    ck_assert_int_eq(t->side, KCOUNT_SERVER);
    ck_assert_int_eq(find(&r, "all", "syscalls")->tid, 0);
    kcount_rows_free(&r);
}
END_TEST

START_TEST(perf_bad_lines)
{
    struct kcount_rows r = {0};
    char err[200] = "";
    ck_assert_int_eq(kcount_parse_perf("#x\nnot perf output\n", KCOUNT_CLIENT, &r, err,
                                       sizeof err), -1);
    ck_assert_str_eq(err, "perf output line 2 is not comm-tid,count,unit,event: "
                          "'not perf output'");
    ck_assert_int_eq(kcount_parse_perf("a-1,12x,,context-switches,1,100.00,,\n",
                                       KCOUNT_CLIENT, &r, err, sizeof err), -1);
    ck_assert_str_eq(err, "perf output line 1: count '12x' is not a number");
    ck_assert_int_eq(kcount_parse_perf("# nothing counted\n", KCOUNT_CLIENT, &r, err,
                                       sizeof err), 0);
    ck_assert_uint_eq(r.n, 0);
    kcount_rows_free(&r);
}
END_TEST

/* netstat's TcpExt pair, then snmp's Ip and Tcp pairs (MaxConn is -1). */
static const char netstat_text[] =
    "TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops TCPSynRetrans\n"
    "TcpExt: 3 0 17 19 5\n"
    "IpExt: InNoRoutes\n"
    "IpExt: 0\n"
    "Ip: Forwarding DefaultTTL\n"
    "Ip: 1 64\n"
    "Tcp: RtoAlgorithm MaxConn AttemptFails EstabResets OutRsts RetransSegs\n"
    "Tcp: 1 -1 4 6 8 11\n";

static int index_of(const char *nstat)
{
    for (int i = 0; i < KCOUNT_NTCP; i++)
        if (strcmp(kcount_tcp[i].nstat, nstat) == 0)
            return i;
    ck_abort_msg("%s is not kept", nstat);
    return -1;
}

START_TEST(netstat_counters)
{
    uint64_t v[KCOUNT_NTCP] = {0};
    unsigned found = kcount_parse_netstat(netstat_text, v);
    static const struct {
        const char *name;
        uint64_t value;
    } want[] = {
        {"TcpExtSyncookiesSent", 3}, {"TcpExtListenOverflows", 17},
        {"TcpExtListenDrops", 19},   {"TcpExtTCPSynRetrans", 5},
        {"TcpAttemptFails", 4},      {"TcpEstabResets", 6},
        {"TcpOutRsts", 8},           {"TcpRetransSegs", 11},
    };
    unsigned mask = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int k = index_of(want[i].name);
        mask |= 1u << k;
        ck_assert_msg(v[k] == want[i].value, "%s: %llu", want[i].name,
                      (unsigned long long)v[k]);
    }
    ck_assert_uint_eq(found, mask);   /* TCPReqQFullDrop and the rest: not in the text */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kcount");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, perf_threads_and_totals);
    tcase_add_test(tc, perf_bad_lines);
    tcase_add_test(tc, netstat_counters);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
