/* acceptbench-load: the load generator. This file owns the command line (defaults in
 * one place, cross-field rules after parsing), the exit status and nothing else. */
#include <arpa/inet.h>
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "config.h"
#include "procstat.h"
#include "proto.h"
#include "report.h"
#include "results.h"
#include "run.h"
#include "units.h"

#define PROG "acceptbench-load"

enum {
    EXIT_RUNTIME = 1,      /* target down, setup or output failure */
    EXIT_USAGE = 2,
    EXIT_INTERRUPTED = 130 /* SIGINT/SIGTERM: partial results were written, marked partial */
};

/* Long-only options. */
enum { OPT_PATH = 256, OPT_STATS, OPT_NO_STATS, OPT_NO_PROGRESS, OPT_PAYLOAD, OPT_SERVER_CPUS,
       OPT_CLIENT_CPUS, OPT_TOPOLOGY, OPT_KERNEL_COUNTERS, OPT_SERVER_PID };

static const struct option long_opts[] = {
    {"connections", required_argument, NULL, 'c'},
    {"rate", required_argument, NULL, 'r'},
    {"threads", required_argument, NULL, 't'},
    {"duration", required_argument, NULL, 'd'},
    {"count", required_argument, NULL, 'n'},
    {"warmup", required_argument, NULL, 'w'},
    {"timeout", required_argument, NULL, 'T'},
    {"requests-per-conn", required_argument, NULL, 'k'},
    {"target", required_argument, NULL, 'a'},
    {"source-ips", required_argument, NULL, 's'},
    {"label", required_argument, NULL, 'l'},
    {"out", required_argument, NULL, 'o'},
    {"protocol", required_argument, NULL, 'P'},
    {"progress", no_argument, NULL, 'p'},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"path", required_argument, NULL, OPT_PATH},
    {"payload", required_argument, NULL, OPT_PAYLOAD},
    {"stats", required_argument, NULL, OPT_STATS},
    {"no-stats", no_argument, NULL, OPT_NO_STATS},
    {"server-cpus", required_argument, NULL, OPT_SERVER_CPUS},
    {"topology", required_argument, NULL, OPT_TOPOLOGY},
    {"client-cpus", required_argument, NULL, OPT_CLIENT_CPUS},
    {"kernel-counters", no_argument, NULL, OPT_KERNEL_COUNTERS},
    {"server-pid", required_argument, NULL, OPT_SERVER_PID},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
    char names[64];
    proto_names(names, sizeof names, 0);
    fprintf(f,
"Usage: " PROG " [options]\n"
"Open TCP connections to a server as fast as a schedule says, and measure how they\n"
"are accepted: latency, per-worker counts (X-Worker and /stats), CPU, errors.\n"
"\n"
"Load:\n"
"  -c, --connections N        closed loop: connections in flight (default 64);\n"
"                             open loop: the most open at once (default 10000,\n"
"                             or less to fit the open-file limit)\n"
"  -r, --rate R               open loop: R new connections/s in total (5k, 5k/s)\n"
"  -t, --threads T            libuv loops on T threads, load split evenly (default:\n"
"                             one per CPU, at most --connections and --count)\n"
"  -k, --requests-per-conn K  requests per connection before closing (default 1)\n"
"  -d, --duration D           measured time (10s, 500ms, 2m; default 10s)\n"
"  -n, --count N              measure N connections instead of a duration (10k)\n"
"  -w, --warmup D             load first for D, excluded from every figure (default 0)\n"
"  -T, --timeout D            per connect and per request (default 5s)\n"
"  -a, --target HOST:PORT     server to load (default 127.0.0.1:8080)\n"
"  -s, --source-ips LIST      bind connections round-robin to these local addresses:\n"
"                             127.0.0.1,127.0.0.2 or 127.0.0.1-8 (widens the 4-tuples)\n"
"  -P, --protocol NAME        %s (default http)\n"
"      --path PATH            HTTP request target (default /hello)\n"
"      --payload P            echo, greeter: what each request sends (default Alice):\n"
"                             a size (64, 1k, 1M) sends that many bytes of a..z\n"
"                             repeated, anything else is sent as text; text:64\n"
"                             sends the text 64. echo checks the reply is exactly\n"
"                             the payload upper-cased; greeter sends it as the name\n"
"                             (at most %zu bytes), then shuts down its write side\n"
"      --stats HOST:PORT      where to GET /stats (http: the target by default;\n"
"                             echo, greeter: the server's --admin listener, none\n"
"                             by default)\n"
"      --no-stats             do not read /stats (servers that have none)\n"
"      --server-cpus LIST     the CPUs the server runs on (0-1,3): its host CPU time\n"
"                             over the window from /proc/stat, softirq and irq work\n"
"                             included, and whether it saturated them\n"
"      --client-cpus LIST     the same for the CPUs this generator runs on\n"
"      --kernel-counters      count, over the window, each side's system calls (in\n"
"                             all and by name), context switches and migrations\n"
"                             (perf stat: root or kernel.perf_event_paranoid=-1),\n"
"                             and the TCP drop counters of each side's network\n"
"                             namespace; without perf the run goes on uncounted\n"
"      --server-pid PID       the server's process, for --kernel-counters (its\n"
"                             worker processes are found in /stats)\n"
"\n"
"Output:\n"
"  -l, --label TEXT           tag for every CSV row\n"
"      --topology TEXT        the network path, for every CSV row (run_bench.sh:\n"
"                             loopback, or veth and its RPS masks and shaping)\n"
"  -o, --out DIR              append CSV rows to DIR/{summary,workers,latency,\n"
"                             timeseries,kernel}.csv (columns: results/README.md)\n"
"  -p, --progress             a progress line per second on stderr (default on a TTY)\n"
"      --no-progress\n"
"  -h, --help                 this text\n"
"  -V, --version\n"
"\n"
"SIGINT/SIGTERM stops the load, lets connections in flight finish (at most --timeout;\n"
"another signal a second or more later stops waiting), and reports the partial run.\n"
"\n"
"Exit status: 0 done (errors are counted, not fatal, once any connection\n"
"completed); 1 target down (every connection refused), no connection completed,\n"
"or a runtime failure; 2 bad usage; 130 interrupted by SIGINT/SIGTERM (partial\n"
"results written, partial=1).\n",
            names, proto_greeter.name_max);
}

/* One line to stderr naming the option, then exit 2: usage errors never run load. */
static void die_usage(const char *opt, const char *msg)
{
    fprintf(stderr, PROG ": %s: %s (see --help)\n", opt, msg);
    exit(EXIT_USAGE);
}

/* --source-ips: "a,b,c", where an item may be a range "127.0.0.1-8" of the last octet. */
static void parse_source_ips(struct config *cfg, char *list)
{
    char *save = NULL;
    for (char *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *dash = strchr(item, '-');
        long last = -1;
        if (dash) {
            *dash = '\0';
            char *end;
            last = strtol(dash + 1, &end, 10);
            if (*end || last < 0 || last > 255)
                die_usage("--source-ips", "range end must be a last octet 0..255, as in 127.0.0.1-8");
        }
        struct in_addr a4;
        if (inet_pton(AF_INET, item, &a4) != 1)
            die_usage("--source-ips", "not an IPv4 address (e.g. 127.0.0.2)");
        uint32_t first = ntohl(a4.s_addr);
        uint32_t end = dash ? (first & ~0xffu) | (uint32_t)last : first;
        if (end < first)
            die_usage("--source-ips", "range end below its start");
        for (uint32_t ip = first; ip <= end; ip++) {
            if (cfg->n_source_ips == CONFIG_MAX_SOURCE_IPS)
                die_usage("--source-ips", "more than 256 addresses");
            struct net_addr *na = &cfg->source_ips[cfg->n_source_ips++];
            struct sockaddr_in *sin = (struct sockaddr_in *)&na->ss;
            memset(na, 0, sizeof *na);
            sin->sin_family = AF_INET;
            sin->sin_addr.s_addr = htonl(ip);
            na->len = sizeof *sin;
        }
    }
    if (cfg->n_source_ips == 0)
        die_usage("--source-ips", "empty list");
}

/* --server-cpus, --client-cpus: a list of this machine's CPUs, every one of them
 * online (in /proc/stat), so that the figures cannot fail after the run. */
static void opt_cpus(const char *opt, const char *s, struct cpulist *out)
{
    char err[160];
    long conf = sysconf(_SC_NPROCESSORS_CONF);
    struct procstat ps;
    if (cpulist_parse(s, conf > 0 ? (unsigned)conf : 1, out, err, sizeof err) < 0 ||
        procstat_read(out, &ps, err, sizeof err) < 0)
        die_usage(opt, err);
}

/* Durations become nanoseconds added to uv_hrtime(); the cap keeps that far from
 * overflowing (and a typo such as 99999999h from meaning "forever"). */
#define MAX_DURATION_US (1000ULL * 3600 * 1000000)   /* 1000h */

static uint64_t opt_duration(const char *opt, const char *s)
{
    char err[160];
    uint64_t v;
    if (units_parse_duration_us(s, &v, err, sizeof err) < 0)
        die_usage(opt, err);
    if (v > MAX_DURATION_US) {
        snprintf(err, sizeof err, "'%s' is out of range (at most 1000h)", s);
        die_usage(opt, err);
    }
    return v;
}

/* Text that ends up in a request line or a CSV field: no control characters, which
 * would split a line (and, for --path, spaces, which end the request target). */
static void opt_printable(const char *opt, const char *s, int allow_space)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (iscntrl(*p) || (!allow_space && *p == ' '))
            die_usage(opt, allow_space ? "must not contain control characters"
                                       : "must not contain spaces or control characters");
}

static uint64_t opt_count(const char *opt, const char *s, uint64_t min, uint64_t max)
{
    char err[160];
    uint64_t v;
    if (units_parse_count(s, &v, err, sizeof err) < 0)
        die_usage(opt, err);
    if (v < min || v > max) {
        snprintf(err, sizeof err, "'%s' is out of range %llu..%llu", s,
                 (unsigned long long)min, (unsigned long long)max);
        die_usage(opt, err);
    }
    return v;
}

/* The default --threads: a loop per CPU this process may run on (taskset counts),
 * but no more loops than the load can keep busy: each needs a connection (-c 1 is
 * one thread), a connection of --count's, and in the open loop a connection/s. */
static unsigned default_threads(const struct config *cfg)
{
    uint64_t n = run_cpus();
    if (n > CONFIG_MAX_THREADS)
        n = CONFIG_MAX_THREADS;
    if (n > cfg->connections)
        n = cfg->connections;
    if (cfg->rate && n > cfg->rate)
        n = cfg->rate;
    if (cfg->count && n > cfg->count)
        n = cfg->count;
    return (unsigned)n;
}

/* Raise the open-file limit to its hard maximum: each connection is a descriptor. */
static uint64_t raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur;
}

static void parse_args(int argc, char **argv, struct config *cfg)
{
    char err[160];
    const char *target = "127.0.0.1:8080", *stats = NULL, *proto = "http";
    const char *payload = NULL;
    int duration_set = 0, threads_set = 0;
    /* The defaults, all here. */
    cfg->connections = 64;
    /* --threads: default_threads(), after parsing, from --connections and --rate */
    cfg->requests_per_conn = 1;
    cfg->duration_us = 10000000;
    cfg->timeout_us = 5000000;
    cfg->path = "/hello";
    cfg->stats_enabled = 1;
    cfg->progress = -1;

    int c;
    opterr = 0;             /* our own one-line messages; the leading ':' reports a
                             * missing value apart from an unknown option */
    while ((c = getopt_long(argc, argv, ":c:r:t:d:n:w:T:k:a:s:l:o:P:phV", long_opts, NULL)) != -1) {
        switch (c) {
        case 'c': cfg->connections = opt_count("--connections", optarg, 1, 10000000);
                  cfg->connections_set = 1; break;
        case 'r': if (units_parse_rate(optarg, &cfg->rate, err, sizeof err) < 0)
                      die_usage("--rate", err);
                  if (cfg->rate < 1 || cfg->rate > 100000000)
                      die_usage("--rate", "must be 1..100M connections/s");
                  break;
        case 't': cfg->threads = (unsigned)opt_count("--threads", optarg, 1, CONFIG_MAX_THREADS);
                  threads_set = 1; break;
        case 'd': cfg->duration_us = opt_duration("--duration", optarg); duration_set = 1; break;
        case 'n': cfg->count = opt_count("--count", optarg, 1, UINT64_MAX / 2); break;
        case 'w': cfg->warmup_us = opt_duration("--warmup", optarg); break;
        case 'T': cfg->timeout_us = opt_duration("--timeout", optarg); break;
        case 'k': cfg->requests_per_conn = opt_count("--requests-per-conn", optarg, 1, 1000000000);
                  break;
        case 'a': target = optarg; break;
        case 's': parse_source_ips(cfg, optarg); break;
        case 'l': cfg->label = optarg; break;
        case 'o': cfg->out_dir = optarg; break;
        case 'P': proto = optarg; break;
        case 'p': cfg->progress = 1; break;
        case OPT_NO_PROGRESS: cfg->progress = 0; break;
        case OPT_PATH: cfg->path = optarg; break;
        case OPT_STATS: stats = optarg; break;
        case OPT_NO_STATS: cfg->stats_enabled = 0; break;
        case OPT_PAYLOAD: payload = optarg; break;
        case OPT_SERVER_CPUS: opt_cpus("--server-cpus", optarg, &cfg->server_cpus); break;
        case OPT_TOPOLOGY: cfg->topology = optarg; break;
        case OPT_CLIENT_CPUS: opt_cpus("--client-cpus", optarg, &cfg->client_cpus); break;
        case OPT_KERNEL_COUNTERS: cfg->kernel_counters = 1; break;
        case OPT_SERVER_PID: cfg->server_pid = (long)opt_count("--server-pid", optarg, 1, 4194304);
                             break;
        case 'h': usage(stdout); exit(0);
        case 'V': printf(PROG " %s\n", ACCEPTBENCH_VERSION); exit(0);
        case ':':
            die_usage(argv[optind - 1], "needs a value");
            break;
        default: {
            /* getopt_long sets optopt for a known flag given "=value", 0 when the
             * long option is unknown. */
            const char *a = argv[optind - 1], *eq = strchr(a, '=');
            if (optopt && eq && strncmp(a, "--", 2) == 0) {
                char name[64];
                snprintf(name, sizeof name, "%.*s", (int)(eq - a), a);
                die_usage(name, "takes no value");
            }
            die_usage(a, "unknown option");
        }
        }
    }
    if (optind < argc)
        die_usage(argv[optind], "unexpected argument; the target goes in --target");

    /* Cross-field rules. */
    char names[64];
    if ((cfg->proto = proto_find(proto)) == NULL) {
        proto_names(names, sizeof names, 0);
        snprintf(err, sizeof err, "unknown protocol '%s' (known: %s)", proto, names);
        die_usage("--protocol", err);
    }
    if (net_parse_addr(target, &cfg->target, err, sizeof err) < 0)
        die_usage("--target", err);
    if (net_addr_port(&cfg->target) == 0)
        die_usage("--target", "port 0 cannot be connected to");
    net_format_addr(&cfg->target, cfg->target_str, sizeof cfg->target_str);
    cfg->stats_addr = cfg->target;
    if (stats && net_parse_addr(stats, &cfg->stats_addr, err, sizeof err) < 0)
        die_usage("--stats", err);
    if (stats && !cfg->stats_enabled)
        die_usage("--stats", "give --stats or --no-stats, not both");
    if (stats && !cfg->proto->stats_in_band &&
        memcmp(&cfg->stats_addr, &cfg->target, sizeof cfg->target) == 0) {
        snprintf(err, sizeof err, "%s has no /stats on the load port; give the server's "
                 "--admin ADDR:PORT (its ready file's admin_port=)", cfg->proto->name);
        die_usage("--stats", err);
    }
    /* Only http answers /stats in band; other protocols read it from --stats only. */
    if (!stats && !cfg->proto->stats_in_band)
        cfg->stats_enabled = 0;
    cfg->stats_required = stats != NULL;
    if (payload && !cfg->proto->takes_payload) {
        proto_names(names, sizeof names, 1);
        snprintf(err, sizeof err, "%s sends no payload (these do: %s)", cfg->proto->name,
                 names);
        die_usage("--payload", err);
    }
    if (payload_parse(payload ? payload : PAYLOAD_DEFAULT, &cfg->payload, err, sizeof err) < 0)
        die_usage("--payload", err);
    if (cfg->proto->name_max &&
        payload_check_name(&cfg->payload, cfg->proto->name_max, err, sizeof err) < 0)
        die_usage("--payload", err);
    if (cfg->proto->max_requests_per_conn &&
        cfg->requests_per_conn > cfg->proto->max_requests_per_conn) {
        snprintf(err, sizeof err, "%s allows at most %llu per connection", cfg->proto->name,
                 (unsigned long long)cfg->proto->max_requests_per_conn);
        die_usage("--requests-per-conn", err);
    }
    if (net_addr_port(&cfg->stats_addr) == 0)
        die_usage("--stats", "port 0 cannot be connected to");
    if (cfg->path[0] != '/')
        die_usage("--path", "must start with '/', as in /hello");
    opt_printable("--path", cfg->path, 0);
    if (cfg->label)
        opt_printable("--label", cfg->label, 1);
    if (cfg->topology)
        opt_printable("--topology", cfg->topology, 1);
    if (cfg->server_pid && !cfg->kernel_counters)
        die_usage("--server-pid", "is for --kernel-counters; give both");
    if (cfg->count && duration_set)
        die_usage("--count", "give --count or --duration, not both");
    if (cfg->count)
        cfg->duration_us = 0;
    if (!cfg->count && cfg->duration_us == 0)
        die_usage("--duration", "must be more than 0");
    if (cfg->timeout_us < 1000)
        die_usage("--timeout", "must be at least 1ms");
    for (size_t i = 0; i < cfg->n_source_ips; i++)
        if (cfg->source_ips[i].ss.ss_family != cfg->target.ss.ss_family)
            die_usage("--source-ips", "address family differs from --target's");
    uint64_t nofile = raise_nofile();
    if (cfg->rate && !cfg->connections_set)     /* the open-loop cap, within the fd limit */
        cfg->connections = nofile > 10064 ? 10000 : nofile > 128 ? nofile - 64 : 64;
    if (!threads_set)
        cfg->threads = default_threads(cfg);
    if (cfg->rate && cfg->rate < cfg->threads)
        die_usage("--rate", "must be at least --threads connections/s");
    if (cfg->connections < cfg->threads)
        die_usage("--connections", "must be at least --threads (each thread needs one)");
    /* A loop's share of --count is at least 1: a share of 0 would mean no limit. */
    if (cfg->count && cfg->count < cfg->threads)
        die_usage("--count", "must be at least --threads (each thread needs one)");
    if (cfg->connections + 64 > nofile) {
        snprintf(err, sizeof err, "%llu connections need more descriptors than the limit %llu"
                 " (ulimit -n)", (unsigned long long)cfg->connections,
                 (unsigned long long)nofile);
        die_usage("--connections", err);
    }
    /* The request must fit the protocol's limits: find out now, not after the run. */
    struct proto_req req = {0};
    struct proto_opts po = {.host = cfg->target_str, .path = cfg->path,
                            .payload = cfg->payload.bytes,
                            .payload_len = cfg->payload.len};
    if (cfg->proto->init(&req, &po, err, sizeof err) < 0)
        die_usage(cfg->proto->takes_payload ? "--payload" : "--path", err);
    cfg->proto->free(&req);
    /* Last, so that no other bad value leaves a directory behind: a --out that cannot
     * take the rows (not a directory, not writable, other columns) fails now rather
     * than after the whole run. */
    char oerr[512];
    if (cfg->out_dir && results_check(cfg->out_dir, oerr, sizeof oerr) < 0)
        die_usage("--out", oerr);
}

int main(int argc, char **argv)
{
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    parse_args(argc, argv, &cfg);
    if (cfg.progress < 0)
        cfg.progress = isatty(2);

    char err[512];
    struct run_result *res = malloc(sizeof *res);
    if (!res) {
        fprintf(stderr, PROG ": malloc: out of memory\n");
        return EXIT_RUNTIME;
    }
    if (run_load(&cfg, res, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        run_result_free(res);
        free(res);
        payload_free(&cfg.payload);
        return EXIT_RUNTIME;
    }
    /* Whatever happened, the rows say it: a failed run is written too. */
    const struct tally *y = &res->tally;
    int status = 0;
    if (res->target_down) {
        fprintf(stderr, PROG ": nothing is listening at %s: every connection was refused; "
                "is the server running?\n", cfg.target_str);
        status = EXIT_RUNTIME;
    } else {
        report_print(stdout, &cfg, res);
        fflush(stdout);
    }
    if (cfg.kernel_counters && res->kcount.note[0])
        fprintf(stderr, PROG ": kernel counters: %s\n", res->kcount.note);
    if (!res->target_down && !res->partial && y->completed == 0 && tally_errors(y) > 0) {
        /* Every connection failed: the figures measure nothing, and a script must know. */
        char classes[256] = "";
        size_t used = 0;
        for (int i = 0; i < TALLY_ERR_COUNT && used < sizeof classes; i++)
            if (y->errors[i])
                used += (size_t)snprintf(classes + used, sizeof classes - used, " %s %llu",
                                         tally_err_name(i), (unsigned long long)y->errors[i]);
        fprintf(stderr, PROG ": no connection to %s completed; errors:%s\n", cfg.target_str,
                classes);
        status = EXIT_RUNTIME;
    }
    if (res->partial)
        status = EXIT_INTERRUPTED;
    if (cfg.out_dir && results_write(cfg.out_dir, &cfg, res, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        status = EXIT_RUNTIME;
    }
    run_result_free(res);
    free(res);
    payload_free(&cfg.payload);
    return status;
}
