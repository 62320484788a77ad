/* What the scenario-reading subcommands share: options, loading, exit
 * statuses and the progress line. */
#include "cli/common.h"
#include "sim/interrupt.h"
#include "study/pool.h"
#include "study/pricing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/out.h"

static int cli_write_path(const char *path, cli_write_fn *write,
                          const void *ctx);

int cli_write_file(const char *dir, const char *name, cli_write_fn *write,
                   const void *ctx)
{
    char path[4096];

    snprintf(path, sizeof path, "%s/%s", dir, name);
    return cli_write_path(path, write, ctx);
}

static int cli_write_path(const char *path, cli_write_fn *write,
                          const void *ctx)
{
    struct out_file of;
    int st;

    st = out_file_open(&of, path);
    if (st)
        return cli_status_exit(st, "cannot write", path);
    if (write(of.f, ctx) != 0 || ferror(of.f)) {
        out_file_abort(&of);
        fprintf(stderr, "slmsim: error: cannot write '%s'\n", path);
        return CLI_EXIT_FAIL;
    }
    st = out_file_commit(&of);
    if (st)
        return cli_status_exit(st, "cannot write", path);
    return CLI_EXIT_OK;
}

int cli_load_scenario(const struct cli_scenario_opts *o,
                      struct scenario **out)
{
    const char *sets[CLI_MAX_SETS + 2];
    char seed[96], reps[96];
    struct scenario_overrides ov = {sets, 0, o->out_dir};
    struct diag d;
    size_t i;
    int st;

    /* --seed and --replications are --set in disguise, applied last so
     * they win, and checked by the same code as the file. */
    for (i = 0; i < o->nsets; i++)
        sets[ov.nsets++] = o->sets[i];
    if (o->seed) {
        snprintf(seed, sizeof seed, "seed=%s", o->seed);
        sets[ov.nsets++] = seed;
    }
    if (o->replications) {
        snprintf(reps, sizeof reps, "replications=%s", o->replications);
        sets[ov.nsets++] = reps;
    }
    diag_init(&d, stderr);
    st = scenario_load(o->path, &ov, &d, out);
    if (st == SLM_ESYS)
        return cli_status_exit(st, "cannot read", o->path);
    /* Every dollar figure follows the system: bind the cost spec to the
     * backends once, here, for every command. */
    if (st == SLM_OK && (st = study_pricing_bind(*out, &d)) != SLM_OK) {
        scenario_free(*out);
        *out = NULL;
    }
    return cli_status_exit(st, NULL, NULL);
}

int cli_status_exit(int status, const char *what, const char *path)
{
    switch (status) {
    case SLM_OK:
        return CLI_EXIT_OK;
    case SLM_EINPUT:
        return CLI_EXIT_INPUT;
    case SLM_ENOMEM:
        fprintf(stderr, "slmsim: error: out of memory\n");
        return CLI_EXIT_FAIL;
    case SLM_ESYS:
        /* A reader that went away (`| head`) is not a failure. */
        if (errno == EPIPE && interrupt_stdout_closed())
            return CLI_EXIT_OK;
        if (what && path)
            fprintf(stderr, "slmsim: error: %s '%s': %s\n", what, path,
                    strerror(errno));
        else
            fprintf(stderr, "slmsim: error: %s\n", strerror(errno));
        return CLI_EXIT_FAIL;
    case SLM_ELIMIT:
        fprintf(stderr, "slmsim: error: a limit was reached "
                        "(docs/limits.md)\n");
        return CLI_EXIT_FAIL;
    case SLM_EINTR:
        fprintf(stderr, "slmsim: interrupted\n");
        return interrupt_exit_status() ? interrupt_exit_status() : 130;
    default:
        fprintf(stderr, "slmsim: error: numerical failure\n");
        return CLI_EXIT_FAIL;
    }
}

static double cli_wall(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cli_progress_init(struct cli_progress *p, const char *label)
{
    p->tty = isatty(STDERR_FILENO);
    p->started = cli_wall();
    p->shown = 0;
    p->label = label;
}

void cli_progress_update(void *ctx, double now, double horizon)
{
    struct cli_progress *p = ctx;
    double elapsed;

    if (!p->tty)
        return;
    elapsed = cli_wall() - p->started;
    if (elapsed < 1.0)
        return;
    fprintf(stderr, "\r%s: %5.1f%% of simulated time, %.0f s elapsed ",
            p->label, horizon > 0.0 ? 100.0 * now / horizon : 0.0, elapsed);
    p->shown = 1;
}

void cli_progress_done(struct cli_progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r\033[K");
    p->shown = 0;
}

void cli_progress_jobs(void *ctx, size_t done, size_t total, size_t running)
{
    struct cli_progress *p = ctx;
    double elapsed, eta;

    if (!p->tty)
        return;
    elapsed = cli_wall() - p->started;
    if (elapsed < 1.0)
        return;
    /* ETA from the items finished so far: they differ in cost, so it is
     * rough until a few are in. */
    eta = done ? elapsed / (double)done * (double)(total - done) : -1;
    fprintf(stderr, "\r\033[K%s: %zu/%zu done, %zu running", p->label, done,
            total, running);
    if (eta >= 0)
        fprintf(stderr, ", ETA %.0f s", eta);
    p->shown = 1;
}

unsigned cli_jobs(const char *text)
{
    return text ? (unsigned)strtoul(text, NULL, 10) : jobs_default();
}

void cli_csv_number(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, ",%.17g", x);
    else
        fputc(',', f);
}

void cli_csv_numbers(FILE *f, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cli_csv_number(f, x[i]);
}

int cli_run_mpi(int (*main_fn)(int argc, char **argv, int ranks), int argc,
                char **argv)
{
    int ranks = pool_mpi_init(), rc;

    rc = main_fn(argc, argv, ranks);
    fflush(stdout);
    pool_mpi_fini(ranks > 1 && rc > 128 ? rc : 0);
    return rc;
}

int cli_mute_stderr(void)
{
    int saved = dup(STDERR_FILENO), nul = open("/dev/null", O_WRONLY);

    if (saved >= 0 && nul >= 0)
        dup2(nul, STDERR_FILENO);
    if (nul >= 0)
        close(nul);
    return saved;
}

void cli_unmute_stderr(int saved)
{
    if (saved < 0)
        return;
    dup2(saved, STDERR_FILENO);
    close(saved);
}

int cli_interrupted_or(int st)
{
    return st == SLM_OK && interrupt_pending() ? SLM_EINTR : st;
}
