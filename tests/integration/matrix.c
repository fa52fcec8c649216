#include "matrix.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int matrix_build(struct combo *out, int with_models)
{
    int n = 0;
    const void *only_default[] = {srv_find(SRV_MODEL, srv_axes[SRV_MODEL].default_value), NULL};
    const void *const *models = with_models ? srv_axes[SRV_MODEL].values : only_default;
    for (int m = 0; models[m]; m++)
        for (int s = 0; srv_axes[SRV_STRATEGY].values[s]; s++)
            for (int i = 0; srv_axes[SRV_IO].values[i] && n < MATRIX_MAX; i++)
                out[n++] = (struct combo){srv_axes[SRV_STRATEGY].values[s],
                                          srv_axes[SRV_IO].values[i], models[m]};
    return n;
}

/* Ask the server (--check) rather than run the probes here: a probe leaves
 * kernel state behind in the process that ran it (io_uring's per-task context),
 * and this process goes on to be the tests' client. */
static int refused(const struct combo *c, int workers, char *why, size_t len)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s --check --strategy %s --io %s --model %s --workers %d 2>&1",
             ACCEPTBENCH_SERVER_BIN, c->strategy->v.name, c->io->v.name, c->model->v.name,
             workers);
    FILE *p = popen(cmd, "r");
    if (!p) {
        snprintf(why, len, "popen: %s", strerror(errno));
        return 1;
    }
    why[0] = '\0';
    if (!fgets(why, (int)len, p))
        why[0] = '\0';
    why[strcspn(why, "\n")] = '\0';
    int status = pclose(p);
    if (status == 0)
        return 0;
    if (!why[0])
        snprintf(why, len, "--check: exit status %#x, no reason given", status);
    return 1;
}

int matrix_workers(const struct combo *c, int want)
{
    char why[256];
    /* Fewer than two would not tell steering from a single worker. */
    while (want > 2 && (c->strategy->v.caps & SRV_CAP_PINS_CPUS) && refused(c, want, why, sizeof why))
        want--;
    return want;
}

int matrix_skip(const struct combo *c, int workers, const char *test)
{
    char why[256];
    if (!refused(c, workers, why, sizeof why))
        return 0;
    fprintf(stderr, "%s: skipped %s/%s/%s: %s\n", test, c->strategy->v.name, c->io->v.name,
            c->model->v.name, why);
    return 1;
}

const char *const *matrix_args(const struct combo *c, int workers, const char *const *extra,
                               struct combo_argv *out)
{
    snprintf(out->workers, sizeof out->workers, "%d", workers);
    const char *head[] = {"--strategy", c->strategy->v.name, "--io", c->io->v.name,
                          "--model", c->model->v.name, "--workers", out->workers};
    size_t n = sizeof head / sizeof head[0], max = sizeof out->argv / sizeof out->argv[0];
    memcpy(out->argv, head, sizeof head);
    for (size_t k = 0; extra && extra[k] && n < max - 1; k++)
        out->argv[n++] = extra[k];
    out->argv[n] = NULL;
    return out->argv;
}
