/* kcount: perf stat and the namespace TCP counters over the measured window. */
#include "kcount.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

const char *const kcount_side_names[KCOUNT_NSIDES] = {"server", "client"};

const struct kcount_tcp kcount_tcp[KCOUNT_NTCP] = {
    {"TcpExtListenOverflows", "tcp_listen_overflows"},
    {"TcpExtListenDrops", "tcp_listen_drops"},
    {"TcpExtTCPReqQFullDrop", "tcp_req_q_full_drop"},
    {"TcpExtTCPReqQFullDoCookies", "tcp_req_q_full_do_cookies"},
    {"TcpExtSyncookiesSent", "tcp_syncookies_sent"},
    {"TcpExtTCPSynRetrans", "tcp_syn_retrans"},
    {"TcpExtTCPTimeWaitOverflow", "tcp_time_wait_overflow"},
    {"TcpExtTCPAbortOnData", "tcp_abort_on_data"},
    {"TcpExtTCPAbortOnClose", "tcp_abort_on_close"},
    {"TcpExtTCPAbortOnTimeout", "tcp_abort_on_timeout"},
    {"TcpExtTCPBacklogDrop", "tcp_backlog_drop"},
    {"TcpAttemptFails", "tcp_attempt_fails"},
    {"TcpEstabResets", "tcp_estab_resets"},
    {"TcpOutRsts", "tcp_out_rsts"},
    {"TcpRetransSegs", "tcp_retrans_segs"},
};

/* perf's events and the counters they become; syscalls:sys_enter_NAME becomes
 * syscall:NAME. The tracepoints count each entry, so a call that blocks across an
 * edge counts in the window it entered. */
static const char perf_events[] =
    "raw_syscalls:sys_enter,context-switches,cpu-migrations,syscalls:sys_enter_*";
static const struct {
    const char *event, *counter;
} totals[] = {
    {"raw_syscalls:sys_enter", "syscalls"},
    {"context-switches", "context_switches"},
    {"cpu-migrations", "migrations"},
};
#define NTOTALS (sizeof totals / sizeof totals[0])
#define SYSCALL_EVENT "syscalls:sys_enter_"

/* perf opens ~350 events per thread before its first ack. When it closes the last
 * user of a tracepoint, the kernel unregisters it and waits for an RCU grace period,
 * ~10 ms each: ~4 s for all of syscalls:sys_enter_*, unless another perf holds them
 * (run_bench.sh keeps one idle perf holding them for its whole matrix). */
#define ACK_TIMEOUT_MS  20000
#define STOP_TIMEOUT_MS 20000

void kcount_rows_free(struct kcount_rows *r)
{
    free(r->v);
    memset(r, 0, sizeof *r);
}

static struct kcount_row *row_add(struct kcount_rows *r, enum kcount_side side, long tid,
                                  const char *thread, const char *counter, uint64_t value)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        struct kcount_row *v = realloc(r->v, cap * sizeof *v);
        if (!v) {
            r->oom = 1;
            return NULL;
        }
        r->v = v;
        r->cap = cap;
    }
    struct kcount_row *row = &r->v[r->n++];
    row->side = side;
    row->tid = tid;
    snprintf(row->thread, sizeof row->thread, "%s", thread);
    snprintf(row->counter, sizeof row->counter, "%s", counter);
    row->value = value;
    return row;
}

/* The counter an event becomes, in buf; NULL for an event this module ignores. */
static const char *counter_of(const char *event, char *buf, size_t len)
{
    for (size_t i = 0; i < NTOTALS; i++)
        if (strcmp(event, totals[i].event) == 0)
            return totals[i].counter;
    size_t n = strlen(SYSCALL_EVENT);
    if (strncmp(event, SYSCALL_EVENT, n) != 0 || event[n] == '\0')
        return NULL;
    snprintf(buf, len, "syscall:%s", event + n);
    return buf;
}

static int is_total(const char *counter)
{
    for (size_t i = 0; i < NTOTALS; i++)
        if (strcmp(counter, totals[i].counter) == 0)
            return 1;
    return 0;
}

/* Add `value` to the side's "all" row for counter, rows from `first` on. */
static void add_total(struct kcount_rows *r, size_t first, enum kcount_side side,
                      const char *counter, uint64_t value)
{
    for (size_t i = first; i < r->n; i++)
        if (r->v[i].tid == 0 && strcmp(r->v[i].counter, counter) == 0) {
            r->v[i].value += value;
            return;
        }
    row_add(r, side, 0, "all", counter, value);
}

int kcount_parse_perf(const char *text, enum kcount_side side, struct kcount_rows *out,
                      char *err, size_t errlen)
{
    size_t first = out->n;
    int lineno = 0;
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[512];
        lineno++;
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
        p = nl ? nl + 1 : p + len;
        if (line[0] == '\0' || line[0] == '#')
            continue;
        /* thread (comm-tid), count, unit, event, run time, share, ... */
        char *f[4], *rest = line;
        int nf = 0;
        while (nf < 4 && rest)
            f[nf++] = strsep(&rest, ",");
        char *dash = nf == 4 ? strrchr(f[0], '-') : NULL;
        char *end = NULL;
        long tid = dash ? strtol(dash + 1, &end, 10) : 0;
        if (!dash || *end != '\0' || tid <= 0) {
            snprintf(err, errlen, "perf output line %d is not comm-tid,count,unit,event: "
                     "'%.60s'", lineno, f[0]);
            return -1;
        }
        if (f[1][0] == '<')
            continue;                   /* <not counted>, <not supported> */
        errno = 0;
        unsigned long long v = strtoull(f[1], &end, 10);
        if (errno || *end != '\0' || f[1][0] == '\0') {
            snprintf(err, errlen, "perf output line %d: count '%.32s' is not a number",
                     lineno, f[1]);
            return -1;
        }
        char buf[64];
        const char *counter = counter_of(f[3], buf, sizeof buf);
        if (!counter || (v == 0 && !is_total(counter)))
            continue;
        row_add(out, side, tid, f[0], counter, v);
    }
    /* Totals after the threads: each thread's rows are complete by now. */
    size_t nthread_rows = out->n;
    size_t totals_at = nthread_rows;
    int threads = 0;
    for (size_t i = first; i < nthread_rows; i++) {
        size_t j = first;
        while (j < i && out->v[j].tid != out->v[i].tid)
            j++;
        threads += j == i;
        char counter[sizeof out->v[i].counter];     /* add_total may move the rows */
        memcpy(counter, out->v[i].counter, sizeof counter);
        add_total(out, totals_at, side, counter, out->v[i].value);
    }
    if (out->oom) {
        snprintf(err, errlen, "perf output: out of memory");
        return -1;
    }
    return threads;
}

unsigned kcount_parse_netstat(const char *text, uint64_t values[KCOUNT_NTCP])
{
    unsigned found = 0;
    const char *p = text;
    while (*p) {
        /* A header line and its value line share the prefix ("TcpExt:"). */
        const char *h = p, *hn = strchr(h, '\n');
        if (!hn)
            break;
        const char *v = hn + 1, *vn = strchr(v, '\n');
        const char *colon = memchr(h, ':', (size_t)(hn - h));
        size_t plen = colon ? (size_t)(colon - h) : 0;
        if (!colon || !vn || strncmp(v, h, plen + 1) != 0) {
            p = hn + 1;                 /* not a pair: move on by one line */
            continue;
        }
        p = vn + 1;
        const char *hp = colon + 1, *vp = v + plen + 1;
        for (;;) {
            while (hp < hn && *hp == ' ')
                hp++;
            while (vp < vn && *vp == ' ')
                vp++;
            if (hp >= hn || vp >= vn)
                break;
            const char *he = hp, *ve = vp;
            while (he < hn && *he != ' ')
                he++;
            while (ve < vn && *ve != ' ')
                ve++;
            char name[96];
            snprintf(name, sizeof name, "%.*s%.*s", (int)plen, h, (int)(he - hp), hp);
            for (int i = 0; i < KCOUNT_NTCP; i++)
                if (strcmp(name, kcount_tcp[i].nstat) == 0 && *vp != '-') {
                    values[i] = strtoull(vp, NULL, 10);
                    found |= 1u << i;
                }
            hp = he;
            vp = ve;
        }
    }
    return found;
}

/* ---- perf, running ---- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void path_of(const struct kcount *k, int side, const char *what, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s.%s", k->dir, kcount_side_names[side], what);
}

/* The whole of a small file, NUL-terminated, or NULL. */
static char *slurp(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (ssize_t r = 1; buf && r > 0;) {
        if (n + 1 == cap) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
        r = read(fd, buf + n, cap - n - 1);
        if (r > 0)
            n += (size_t)r;
    }
    close(fd);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* perf's last complete line of complaint, for a note. */
static void perf_complaint(const struct kcount *k, int side, char *out, size_t len)
{
    char path[128];
    path_of(k, side, "log", path, sizeof path);
    char *log = slurp(path);
    const char *last = "";
    size_t lastlen = 0;
    for (char *l = log; l && *l;) {
        char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        if (n > 0 && strncmp(l, "Events ", 7) != 0) {
            last = l;
            lastlen = n;
        }
        l = nl ? nl + 1 : l + n;
    }
    snprintf(out, len, "%.*s", (int)(lastlen > 160 ? 160 : lastlen), last);
    free(log);
}

/* Stop a side's perf (SIGINT makes it write its counts), at most STOP_TIMEOUT_MS. */
static void perf_stop(struct kcount *k, int side)
{
    if (k->perf[side] <= 0)
        return;
    kill(k->perf[side], SIGINT);       /* again, if kcount_finish sent one: harmless */
    uint64_t deadline = now_ms() + STOP_TIMEOUT_MS;
    int status;
    while (waitpid(k->perf[side], &status, WNOHANG) == 0) {
        if (now_ms() >= deadline) {
            kill(k->perf[side], SIGKILL);
            waitpid(k->perf[side], &status, 0);
            break;
        }
        nanosleep(&(struct timespec){.tv_nsec = 5 * 1000000L}, NULL);
    }
    k->perf[side] = 0;
    if (k->ctl[side] >= 0)
        close(k->ctl[side]);
    if (k->ack[side] >= 0)
        close(k->ack[side]);
    k->ctl[side] = k->ack[side] = -1;
}

static int perf_spawn(struct kcount *k, int side, const char *pids, char *note, size_t len)
{
    char ctl[128], ack[128], out[128], log[128], control[300];
    path_of(k, side, "ctl", ctl, sizeof ctl);
    path_of(k, side, "ack", ack, sizeof ack);
    path_of(k, side, "perf", out, sizeof out);
    path_of(k, side, "log", log, sizeof log);
    if (mkfifo(ctl, 0600) < 0 || mkfifo(ack, 0600) < 0) {
        snprintf(note, len, "mkfifo in %s: %s", k->dir, strerror(errno));
        return -1;
    }
    snprintf(control, sizeof control, "fifo:%s,%s", ctl, ack);
    char *argv[] = {"perf", "stat", "-x,", "--per-thread", "-e", (char *)perf_events,
                    "-p", (char *)pids, "-D", "-1", "--control", control, "-o", out, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawnattr_init(&at);
    /* perf must see Ctrl-C and SIGPIPE as a shell would give them: this process
     * ignores SIGPIPE, and a load thread may be the one spawning with signals
     * blocked. */
    sigset_t none, def;
    sigemptyset(&none);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigaddset(&def, SIGINT);
    sigaddset(&def, SIGTERM);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawnp(&k->perf[side], "perf", &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (rc != 0) {
        k->perf[side] = 0;
        if (rc == ENOENT)
            snprintf(note, len, "perf is not installed; apt-get install linux-perf");
        else
            snprintf(note, len, "cannot run perf: %s", strerror(rc));
        return -1;
    }
    /* perf opens the control FIFO at start-up (read and write), before its
     * counters: until then opening our write end fails with ENXIO. */
    uint64_t deadline = now_ms() + ACK_TIMEOUT_MS;
    int status;
    for (;;) {
        k->ctl[side] = open(ctl, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (k->ctl[side] >= 0)
            break;
        int open_errno = errno;
        pid_t w = waitpid(k->perf[side], &status, WNOHANG);
        if (open_errno != ENXIO || w != 0 || now_ms() >= deadline) {
            char why[200];
            if (w == 0) {
                kill(k->perf[side], SIGKILL);
                waitpid(k->perf[side], &status, 0);
            }
            k->perf[side] = 0;
            perf_complaint(k, side, why, sizeof why);
            snprintf(note, len, "perf stat did not start: %.120s; run as root, or set "
                     "kernel.perf_event_paranoid=-1", why[0] ? why : "no message");
            return -1;
        }
        nanosleep(&(struct timespec){.tv_nsec = 5 * 1000000L}, NULL);
    }
    k->ack[side] = open(ack, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (k->ack[side] < 0) {
        snprintf(note, len, "open %s: %s", ack, strerror(errno));
        perf_stop(k, side);
        return -1;
    }
    return 0;
}

/* Send a command ("enable", "disable") and wait for perf's "ack". */
static int perf_command(struct kcount *k, int side, const char *cmd, char *note, size_t len)
{
    char line[16];
    int n = snprintf(line, sizeof line, "%s\n", cmd);
    if (write(k->ctl[side], line, (size_t)n) != n) {
        snprintf(note, len, "%s perf: %s: %s", kcount_side_names[side], cmd, strerror(errno));
        return -1;
    }
    uint64_t deadline = now_ms() + ACK_TIMEOUT_MS;
    size_t got = 0;
    while (now_ms() < deadline) {
        struct pollfd pfd = {.fd = k->ack[side], .events = POLLIN};
        if (poll(&pfd, 1, 100) > 0) {
            ssize_t r = read(k->ack[side], line + got, sizeof line - 1 - got);
            if (r > 0)
                got += (size_t)r;
            if (got >= 4 && memcmp(line, "ack\n", 4) == 0)
                return 0;
            if (got == sizeof line - 1)
                break;
        }
        int status;
        if (waitpid(k->perf[side], &status, WNOHANG) == k->perf[side]) {
            k->perf[side] = 0;
            char why[200];
            perf_complaint(k, side, why, sizeof why);
            snprintf(note, len, "%s perf stat exited: %.120s; run as root, or set "
                     "kernel.perf_event_paranoid=-1", kcount_side_names[side],
                     why[0] ? why : "no message");
            return -1;
        }
    }
    snprintf(note, len, "%s perf stat did not acknowledge %s", kcount_side_names[side], cmd);
    return -1;
}

static ino_t netns_of(pid_t pid)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* The namespace of pid's counters; 0 when they cannot be read. */
static unsigned netstat_read(pid_t pid, uint64_t values[KCOUNT_NTCP])
{
    char a[64], b[64];
    snprintf(a, sizeof a, "/proc/%d/net/netstat", (int)pid);
    snprintf(b, sizeof b, "/proc/%d/net/snmp", (int)pid);
    char *x = slurp(a), *y = slurp(b);
    unsigned found = 0;
    memset(values, 0, KCOUNT_NTCP * sizeof *values);
    if (x)
        found |= kcount_parse_netstat(x, values);
    if (y)
        found |= kcount_parse_netstat(y, values);
    free(x);
    free(y);
    return found;
}

void kcount_start(struct kcount *k, const pid_t *pids, size_t n, char *note, size_t len)
{
    memset(k, 0, sizeof *k);
    for (int s = 0; s < KCOUNT_NSIDES; s++)
        k->ctl[s] = k->ack[s] = -1;
    /* One namespace on loopback: its counters are both sides', read once. */
    for (size_t i = 0; i < n && i < sizeof k->server / sizeof k->server[0]; i++)
        k->server[k->nserver++] = pids[i];
    k->netns_pid[KCOUNT_SERVER] = n ? pids[0] : 0;
    k->netns_pid[KCOUNT_CLIENT] = getpid();
    if (n && netns_of(pids[0]) == netns_of(getpid()))
        k->netns_pid[KCOUNT_CLIENT] = 0;
    snprintf(k->dir, sizeof k->dir, "/tmp/acceptbench-kcount-XXXXXX");
    if (!mkdtemp(k->dir)) {
        snprintf(note, len, "mkdtemp %s: %s", k->dir, strerror(errno));
        k->dir[0] = '\0';
        return;
    }
    char list[KCOUNT_NSIDES][1024];
    size_t used = 0;
    list[KCOUNT_SERVER][0] = '\0';
    for (size_t i = 0; i < n && used + 16 < sizeof list[0]; i++)
        used += (size_t)snprintf(list[KCOUNT_SERVER] + used, sizeof list[0] - used, "%s%d",
                                 i ? "," : "", (int)pids[i]);
    snprintf(list[KCOUNT_CLIENT], sizeof list[0], "%d", (int)getpid());
    for (int s = 0; s < KCOUNT_NSIDES; s++) {
        if (list[s][0] && perf_spawn(k, s, list[s], note, len) < 0) {
            /* Both sides or neither: one side's figures alone would mislead. */
            for (int t = 0; t < s; t++)
                perf_stop(k, t);
            return;
        }
    }
}

static void note_once(struct kcount_result *res, const char *what)
{
    if (res->note[0] == '\0')
        snprintf(res->note, sizeof res->note, "%s", what);
}

/* Does any thread of pid run (state R)? 0 when every one sleeps, or pid is gone. */
static int any_running(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int running = 0;
    struct dirent *e;
    while (!running && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char stat[400], buf[512];
        snprintf(stat, sizeof stat, "%s/%.255s/stat", path, e->d_name);
        int fd = open(stat, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
        if (fd >= 0)
            close(fd);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        const char *paren = strrchr(buf, ')');      /* comm may hold anything */
        running = paren && paren[1] == ' ' && paren[2] == 'R';
    }
    closedir(d);
    return running;
}

/* At the window's edges the load is paused, but the server may still be finishing
 * the last reply's close and entering its next accept4 or epoll_wait: wait until
 * all its threads sleep (at most QUIET_MS), so that those calls fall on one side of
 * the edge, and perf's switch, one event after another, sees no call half-way. */
#define QUIET_MS 200
static void wait_quiet(const struct kcount *k)
{
    uint64_t deadline = now_ms() + QUIET_MS;
    for (size_t i = 0; i < k->nserver; i++)
        while (any_running(k->server[i]) && now_ms() < deadline)
            nanosleep(&(struct timespec){.tv_nsec = 200000L}, NULL);
}

void kcount_enable(struct kcount *k, struct kcount_result *res)
{
    wait_quiet(k);
    for (int s = 0; s < KCOUNT_NSIDES; s++)
        if (k->netns_pid[s])
            k->tcp_present[s] = netstat_read(k->netns_pid[s], k->tcp_start[s]);
    /* The server first: the client's own counting then starts last, and ends first. */
    for (int s = 0; s < KCOUNT_NSIDES; s++) {
        char why[256];
        if (k->perf[s] && perf_command(k, s, "enable", why, sizeof why) < 0) {
            note_once(res, why);
            perf_stop(k, s);
        }
    }
}

void kcount_disable(struct kcount *k, struct kcount_result *res)
{
    /* The client first: wait_quiet's reads of /proc are this process's calls. */
    for (int s = KCOUNT_NSIDES - 1; s >= 0; s--) {
        char why[256];
        if (s == KCOUNT_SERVER)
            wait_quiet(k);
        if (!k->perf[s])
            continue;
        if (perf_command(k, s, "disable", why, sizeof why) < 0) {
            note_once(res, why);
            perf_stop(k, s);
        } else {
            res->have_perf[s] = 1;
        }
    }
    int sides = 0;
    res->tcp_present = ~0u;
    for (int s = 0; s < KCOUNT_NSIDES; s++) {
        uint64_t end[KCOUNT_NTCP];
        if (!k->netns_pid[s])
            continue;
        unsigned found = netstat_read(k->netns_pid[s], end) & k->tcp_present[s];
        res->tcp_present &= found;
        sides++;
        for (int i = 0; i < KCOUNT_NTCP; i++) {
            if (!(found >> i & 1u))
                continue;
            uint64_t d = end[i] - k->tcp_start[s][i];
            res->tcp[i] += d;
            row_add(&res->rows, (enum kcount_side)s, 0, "netns", kcount_tcp[i].nstat, d);
        }
    }
    if (!sides)
        res->tcp_present = 0;
}

void kcount_finish(struct kcount *k, struct kcount_result *res)
{
    /* Both at once: their teardowns overlap. */
    for (int s = 0; s < KCOUNT_NSIDES; s++)
        if (k->perf[s] > 0)
            kill(k->perf[s], SIGINT);
    for (int s = 0; s < KCOUNT_NSIDES; s++) {
        char path[128];
        int counted = k->perf[s] && res && res->have_perf[s];
        perf_stop(k, s);
        path_of(k, s, "perf", path, sizeof path);
        if (counted) {
            char *text = slurp(path), why[200];
            if (!text || kcount_parse_perf(text, (enum kcount_side)s, &res->rows, why,
                                           sizeof why) <= 0) {
                res->have_perf[s] = 0;
                note_once(res, text ? why : "perf wrote no counts");
            }
            free(text);
        }
        if (k->dir[0]) {
            static const char *const files[] = {"ctl", "ack", "perf", "log"};
            for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
                path_of(k, s, files[i], path, sizeof path);
                unlink(path);
            }
        }
    }
    if (k->dir[0])
        rmdir(k->dir);
    k->dir[0] = '\0';
}

void kcount_result_free(struct kcount_result *res)
{
    kcount_rows_free(&res->rows);
}
