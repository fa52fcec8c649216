/* acceptbench-server: one HTTP server whose accept strategy and io model are
 * chosen at start-up, so that the strategies differ in nothing else. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"
#include "server.h"
#include "units.h"

#define PROG "acceptbench-server"

static void usage(FILE *out)
{
    fprintf(out, "Usage: " PROG " [options]\n");
    for (int a = 0; a < SRV_NAXES; a++) {
        const struct srv_axis *x = &srv_axes[a];
        char opt[40];
        snprintf(opt, sizeof opt, "-%c, %s NAME", x->short_option, x->option);
        fprintf(out, "  %-23s %s (default %s)\n", opt, x->question, x->default_value);
        for (int i = 0; x->values[i]; i++) {
            const struct axis_value *v = srv_axis_value((enum srv_axis_id)a, i);
            fprintf(out, "        %-17s %s\n", v->name, v->summary);
        }
    }
    fprintf(out,
        "  -w, --workers N         worker threads (default: CPUs online)\n"
        "  -l, --listen ADDR:PORT  127.0.0.1:8080, [::1]:8080; port 0 picks one (default 127.0.0.1:8080)\n"
        "  -b, --backlog N         listen() backlog (default 4096)\n"
        "      --work-us N         busy CPU per /hello request, microseconds (default 0)\n"
        "      --max-requests N    close a connection after N responses (default 0: no cap)\n"
        "      --idle-timeout MS   drop a silent connection after MS ms (default 5000)\n"
        "      --grace MS          at SIGINT/SIGTERM, wait MS ms for in-flight work (default 2000)\n"
        "      --queue-size N      hand-off strategies: queue capacity (default 1024)\n"
        "      --accept-batch N    pollable io: accepts per wake-up, at most (default 16)\n");
    char names[256];
    srv_axis_names(SRV_STRATEGY, SRV_CAP_INCOMING_CPU, names, sizeof names);
    fprintf(out, "      --incoming-cpu      %s: pin worker i to CPU i, set SO_INCOMING_CPU i\n", names);
    fprintf(out,
        "      --measure-locality  count in /stats (accepted_local) the connections whose\n"
        "                          SO_INCOMING_CPU is the accepting worker's CPU; one\n"
        "                          getsockopt per connection; always on when workers are pinned\n"
        "      --admin ADDR:PORT   serve GET /stats there too (any protocol; port 0 picks one)\n");
    srv_axis_names(SRV_PROTOCOL, SRV_CAP_LOGS, names, sizeof names);
    fprintf(out, "      --log-dir DIR       %s: append each record to DIR/worker-<i>.log\n", names);
    fprintf(out,
        "      --ready-file PATH   write port=, pid= (and admin_port=) there once listening\n"
        "      --list AXIS         print the values of strategy, io, model or protocol\n"
        "      --compared AXIS     print those in the default comparison (run_bench.sh)\n"
        "      --check             refuse as a start would (exit 3, one line), else exit 0;\n"
        "                          opens nothing\n"
        "      --probe             test this kernel for what the values need, print each\n"
        "  -h, --help              this text\n"
        "  -V, --version           print the version\n"
        "With http, GET /stats (CSV) is also served in band; see docs/protocol.md.\n");
}

static void die_usage(const char *opt, const char *msg)
{
    fprintf(stderr, PROG ": %s: %s\n", opt, msg);
    exit(2);
}

static long int_opt(const char *opt, const char *arg, long min, long max)
{
    char err[160];
    long v;
    if (units_parse_int(arg, min, max, &v, err, sizeof err) < 0)
        die_usage(opt, err);
    return v;
}

/* --list AXIS (every value) or --compared AXIS (those in the default
 * comparison): one name per line, for scripts. */
static void list_axis(const char *axis, int compared_only)
{
    for (int a = 0; a < SRV_NAXES; a++) {
        if (strcmp(axis, srv_axes[a].name) != 0)
            continue;
        for (int i = 0; srv_axes[a].values[i]; i++) {
            const struct axis_value *v = srv_axis_value((enum srv_axis_id)a, i);
            if (v->compared || !compared_only)
                printf("%s\n", v->name);
        }
        exit(0);
    }
    die_usage(compared_only ? "--compared" : "--list", "use strategy, io, model or protocol");
}

/* Returns whether --check was given. */
static int parse_args(int argc, char **argv, struct srv_config *cfg)
{
    static const struct option opts[] = {
        {"strategy", required_argument, NULL, 's'},
        {"io", required_argument, NULL, 'i'},
        {"workers", required_argument, NULL, 'w'},
        {"listen", required_argument, NULL, 'l'},
        {"backlog", required_argument, NULL, 'b'},
        {"work-us", required_argument, NULL, 1},
        {"max-requests", required_argument, NULL, 2},
        {"idle-timeout", required_argument, NULL, 3},
        {"grace", required_argument, NULL, 4},
        {"queue-size", required_argument, NULL, 5},
        {"accept-batch", required_argument, NULL, 6},
        {"ready-file", required_argument, NULL, 7},
        {"protocol", required_argument, NULL, 'P'},
        {"model", required_argument, NULL, 'm'},
        {"admin", required_argument, NULL, 8},
        {"log-dir", required_argument, NULL, 9},
        {"incoming-cpu", no_argument, NULL, 10},
        {"list", required_argument, NULL, 11},
        {"probe", no_argument, NULL, 12},
        {"compared", required_argument, NULL, 13},
        {"check", no_argument, NULL, 14},
        {"measure-locality", no_argument, NULL, 15},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    char err[256], msg[320];
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    *cfg = (struct srv_config){
        .strategy = srv_axes[SRV_STRATEGY].default_value,
        .io = srv_axes[SRV_IO].default_value,
        .model = srv_axes[SRV_MODEL].default_value,
        .protocol = srv_axes[SRV_PROTOCOL].default_value,
        .workers = ncpu > 0 ? (int)ncpu : 1,
        .backlog = 4096,
        .idle_timeout_ms = 5000,
        .grace_ms = 2000,
        .queue_size = 1024,
        .accept_batch = 16,
    };
    net_parse_addr("127.0.0.1:8080", &cfg->listen, err, sizeof err);
    int c, check = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:i:w:l:b:P:m:hV", opts, NULL)) != -1) {
        switch (c) {
        case 's': cfg->strategy = optarg; break;
        case 'i': cfg->io = optarg; break;
        case 'w': cfg->workers = (int)int_opt("--workers", optarg, 1, 1024); break;
        case 'l':
            if (net_parse_addr(optarg, &cfg->listen, err, sizeof err) < 0)
                die_usage("--listen", err);
            break;
        case 'b': cfg->backlog = (int)int_opt("--backlog", optarg, 1, 1 << 20); break;
        case 1: cfg->work_us = (unsigned)int_opt("--work-us", optarg, 0, 10000000); break;
        case 2: cfg->max_requests = (unsigned)int_opt("--max-requests", optarg, 0, 1L << 30); break;
        case 3: cfg->idle_timeout_ms = (unsigned)int_opt("--idle-timeout", optarg, 1, 3600000); break;
        case 4: cfg->grace_ms = (unsigned)int_opt("--grace", optarg, 0, 3600000); break;
        case 5: cfg->queue_size = (unsigned)int_opt("--queue-size", optarg, 1, 1 << 20); break;
        case 6: cfg->accept_batch = (unsigned)int_opt("--accept-batch", optarg, 1, 4096); break;
        case 7: cfg->ready_file = optarg; break;
        case 'P': cfg->protocol = optarg; break;
        case 'm': cfg->model = optarg; break;
        case 8:
            if (net_parse_addr(optarg, &cfg->admin, err, sizeof err) < 0)
                die_usage("--admin", err);
            cfg->admin_enabled = 1;
            break;
        case 9: cfg->log_dir = optarg; break;
        case 10: cfg->incoming_cpu = 1; break;
        case 11: list_axis(optarg, 0); break;
        case 13: list_axis(optarg, 1); break;
        case 14: check = 1; break;
        case 15: cfg->measure_locality = 1; break;
        case 12: probe_print(stdout); exit(0);
        case 'h': usage(stdout); exit(0);
        case 'V': printf(PROG " " ACCEPTBENCH_VERSION "\n"); exit(0);
        case ':':
            snprintf(msg, sizeof msg, "needs a value (see --help)");
            die_usage(argv[optind - 1], msg);
            break;
        default:
            snprintf(msg, sizeof msg, "unknown option (see --help)");
            die_usage(argv[optind - 1], msg);
        }
    }
    if (optind < argc)
        die_usage(argv[optind], "unexpected argument (options only; see --help)");
    if (srv_check_options(cfg, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        exit(2);
    }
    return check;
}

/* Write port= and pid= through a temporary file and rename(), so a script
 * polling for the file never reads half of it. */
static int write_ready_file(const char *path, int port, int admin_port, char *err,
                            size_t errlen)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "we");
    if (!f) {
        snprintf(err, errlen, "--ready-file %.200s: %s", tmp, strerror(errno));
        return -1;
    }
    fprintf(f, "port=%d\npid=%d\n", port, (int)getpid());
    if (admin_port)
        fprintf(f, "admin_port=%d\n", admin_port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "--ready-file %.200s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct srv_config cfg;
    struct srv s;
    char err[256], addr[80];
    if (parse_args(argc, argv, &cfg)) {
        if (srv_check_machine(&cfg, err, sizeof err) < 0) {
            fprintf(stderr, PROG ": %s\n", err);
            return 3;  /* not a usage error: this machine cannot run it */
        }
        return 0;
    }

    /* Workers inherit this mask: only the main thread, in sigwait(), ever sees
     * SIGINT or SIGTERM, so shutdown runs in ordinary code, not a handler. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGCHLD);  /* worker processes that end */
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (srv_init(&s, &cfg, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return 1;
    }
    if (srv_start(&s, err, sizeof err) < 0 ||
        (cfg.ready_file && write_ready_file(cfg.ready_file, s.port, s.admin_port, err, sizeof err) < 0)) {
        fprintf(stderr, PROG ": %s\n", err);
        srv_stop(&s);
        srv_join(&s, cfg.grace_ms);
        return 1;
    }
    net_format_addr(&s.cfg.listen, addr, sizeof addr);
    printf("listening on %s strategy=%s io=%s model=%s protocol=%s workers=%d pid=%d", addr,
           s.strategy->v.name, s.io->v.name, s.model->v.name, s.proto->v.name, s.nworkers,
           (int)getpid());
    if (s.admin_port)
        printf(" admin_port=%d", s.admin_port);
    printf("\n");
    fflush(stdout);

    int sig;
    while (sigwait(&stop_signals, &sig) == 0 && sig == SIGCHLD)
        srv_reap(&s);
    srv_stop(&s);
    int joined = srv_join(&s, cfg.grace_ms) == 0;
    srv_stats_table(&s, stderr);
    if (!joined)
        fprintf(stderr, PROG ": grace period of %u ms over; closing connections still open\n",
                cfg.grace_ms);
    if (cfg.ready_file)
        unlink(cfg.ready_file);
    /* Workers still busy after the grace period end with the process. */
    if (joined)
        srv_destroy(&s);
    return 0;
}
