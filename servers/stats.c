#include "stats.h"

#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "server.h"

static uint64_t load(const atomic_uint_fast64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

void stats_read(const struct worker_stats *st, int worker, struct stats_row *row)
{
    row->worker = worker;
    row->pid = atomic_load_explicit(&st->pid, memory_order_relaxed);
    row->tid = atomic_load_explicit(&st->tid, memory_order_relaxed);
    row->accepted = load(&st->accepted);
    row->accepted_local = load(&st->accepted_local);
    row->requests = load(&st->requests);
    row->bytes_in = load(&st->bytes_in);
    row->bytes_out = load(&st->bytes_out);
    row->wasted_wakeups = load(&st->wasted_wakeups);
    row->accept_errors = load(&st->accept_errors);
    row->cpu_user_us = row->cpu_sys_us = row->wakeups = row->steered = 0;
}

void stats_format_csv(struct csv_buf *b, const struct stats_row *rows, int n,
                      const struct stats_process *p)
{
    csv_header(b, STATS_CSV_HEADER);
    for (int i = 0; i < n; i++) {
        const struct stats_row *r = &rows[i];
        csv_str(b, p->strategy);
        csv_str(b, p->io);
        csv_i64(b, r->worker);
        csv_i64(b, r->pid);
        csv_i64(b, r->tid);
        csv_u64(b, r->accepted);
        csv_u64(b, r->requests);
        csv_u64(b, r->bytes_in);
        csv_u64(b, r->bytes_out);
        csv_u64(b, r->wasted_wakeups);
        csv_u64(b, r->accept_errors);
        csv_u64(b, r->cpu_user_us);
        csv_u64(b, r->cpu_sys_us);
        csv_u64(b, p->user_us);
        csv_u64(b, p->sys_us);
        csv_u64(b, p->queue_peak);
        csv_u64(b, p->acceptor_errors);
        csv_u64(b, r->wakeups);
        csv_u64(b, r->accepted_local);
        csv_u64(b, (uint64_t)p->locality_measured);
        if (p->steering)
            csv_u64(b, r->steered);
        else
            csv_str(b, NULL);
        csv_end_row(b);
    }
}

void stats_format_table(FILE *out, const struct stats_row *rows, int n,
                        const struct stats_process *p)
{
    uint64_t acc = 0, local = 0, req = 0, wasted = 0, errs = 0, steered = 0;
    fprintf(out, "%-7s %10s %10s %8s %8s %9s %9s\n", "worker", "accepted", "requests",
            "wasted", "errors", "user_ms", "sys_ms");
    for (int i = 0; i < n; i++) {
        const struct stats_row *r = &rows[i];
        fprintf(out, "%-7d %10llu %10llu %8llu %8llu %9.1f %9.1f\n", r->worker,
                (unsigned long long)r->accepted, (unsigned long long)r->requests,
                (unsigned long long)r->wasted_wakeups, (unsigned long long)r->accept_errors,
                (double)r->cpu_user_us / 1000.0, (double)r->cpu_sys_us / 1000.0);
        acc += r->accepted;
        local += r->accepted_local;
        req += r->requests;
        wasted += r->wasted_wakeups;
        errs += r->accept_errors;
        steered += r->steered;
    }
    fprintf(out, "%-7s %10llu %10llu %8llu %8llu %9.1f %9.1f\n", "total",
            (unsigned long long)acc, (unsigned long long)req, (unsigned long long)wasted,
            (unsigned long long)errs, (double)p->user_us / 1000.0, (double)p->sys_us / 1000.0);
    if (p->locality_measured)
        fprintf(out, "locality: %llu of %llu accepted on the worker's own CPU (%.1f%%)\n",
                (unsigned long long)local, (unsigned long long)acc,
                acc ? 100.0 * (double)local / (double)acc : 0.0);
    if (p->steering)
        fprintf(out, "steering: the strategy's program chose the worker of %llu connections\n",
                (unsigned long long)steered);
    if (p->queue_peak || p->acceptor_errors)
        fprintf(out, "acceptor: queue peak depth %llu, accept errors %llu\n",
                (unsigned long long)p->queue_peak, (unsigned long long)p->acceptor_errors);
    if (p->dropped_at_shutdown)
        fprintf(out, "dropped at shutdown: %llu queued connection%s\n",
                (unsigned long long)p->dropped_at_shutdown,
                p->dropped_at_shutdown == 1 ? "" : "s");
}

/* Snapshot every worker and the process; rows must hold nworkers entries. */
static void snapshot(struct srv *s, struct stats_row *rows, struct stats_process *p)
{
    memset(p, 0, sizeof *p);
    p->strategy = s->strategy->v.name;
    p->io = s->io->v.name;
    p->locality_measured = s->locality;
    for (int i = 0; i < s->nworkers; i++) {
        stats_read(&s->stats[i], i, &rows[i]);
        cpu_thread_wakeups(rows[i].pid, rows[i].tid, &rows[i].wakeups);
        if (cpu_thread(rows[i].pid, rows[i].tid, &rows[i].cpu_user_us, &rows[i].cpu_sys_us) < 0) {
            rows[i].cpu_user_us = atomic_load(&s->stats[i].exit_user_us);
            rows[i].cpu_sys_us = atomic_load(&s->stats[i].exit_sys_us);
        }
    }
    /* The server's CPU: the main process (all its threads), plus each worker
     * process of the process model, live from /proc or as it recorded at exit. */
    cpu_pid(s->main_pid, &p->user_us, &p->sys_us);
    for (int i = 0; i < s->nworkers; i++) {
        uint64_t u, sy;
        if (rows[i].pid == 0 || rows[i].pid == s->main_pid)
            continue;
        if (cpu_pid(rows[i].pid, &u, &sy) < 0) {
            u = atomic_load(&s->stats[i].exit_user_us);
            sy = atomic_load(&s->stats[i].exit_sys_us);
        }
        p->user_us += u;
        p->sys_us += sy;
    }
    if (s->strategy->process_stats)
        s->strategy->process_stats(s, p);
    if (s->strategy->worker_stats)
        s->strategy->worker_stats(s, rows, p);
    p->dropped_at_shutdown = atomic_load(&s->shared->dropped_at_shutdown);
    for (int i = 0; i < s->nworkers; i++)
        p->dropped_at_shutdown += atomic_load(&s->stats[i].dropped_at_stop);
}

void srv_stats_csv(struct srv *s, struct csv_buf *b)
{
    struct stats_row *rows = calloc((size_t)s->nworkers, sizeof *rows);
    struct stats_process p;
    if (!rows) {
        b->oom = 1;
        return;
    }
    snapshot(s, rows, &p);
    stats_format_csv(b, rows, s->nworkers, &p);
    free(rows);
}

void srv_stats_table(struct srv *s, FILE *out)
{
    struct stats_row *rows = calloc((size_t)s->nworkers, sizeof *rows);
    struct stats_process p;
    if (!rows)
        return;
    snapshot(s, rows, &p);
    stats_format_table(out, rows, s->nworkers, &p);
    free(rows);
}
