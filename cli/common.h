/*
 * common: what every subcommand shares (cli/common.c).
 *
 * main.c dispatches on argv[1] to one cmd_<name>() per subcommand, each in
 * cli/cmd_<name>.c with its header cli/cmd_<name>.h, taking the remaining
 * arguments (argv[0] is the subcommand's name) and returning the process
 * exit status:
 *   0 success, 1 the run failed (system error), 2 bad input, 3 a missed
 *   SLO with --fail-on-slo, 128+n signal.
 * Only the CLI prints to stdout/stderr or exits.  This header holds the
 * exit statuses, the shared scenario options, loading, atomic writes, the
 * progress line and --jobs.
 */
#ifndef SLM_CLI_COMMON_H
#define SLM_CLI_COMMON_H

#include <stddef.h>
#include <stdio.h>

#include "cli/args.h"
#include "models/scenario.h"
#include "sim/diag.h"
#include "sim/out.h"
#include "study/jobs.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_INPUT 2
#define CLI_EXIT_SLO 3 /* --fail-on-slo: the SLO was missed */

#define CLI_MAX_SETS 64

/* Options every scenario-reading subcommand accepts. */
struct cli_scenario_opts {
    const char *path;
    const char *sets[CLI_MAX_SETS]; /* --set KEY=VALUE, borrowed argv */
    size_t nsets;
    const char *out_dir;   /* --out DIR */
    const char *seed;      /* --seed N (applied as --set seed=N) */
    const char *replications; /* --replications N */
    int quiet;             /* --quiet: no text report */
};

/* What an argument parser returns besides 0 and an exit status: the help
 * was printed, so the command exits 0 without running. */
enum { CLI_HELP_SHOWN = -2 };

/* Writes DIR/NAME atomically (sim/out.h) with write(f, ctx),
 * which returns 0 or -1 when a write failed.  Returns the exit status
 * after printing any error. */
typedef int cli_write_fn(FILE *f, const void *ctx);
int cli_write_file(const char *dir, const char *name, cli_write_fn *write,
                   const void *ctx);

/* Writes ",X" in full precision (%.17g: it reads back to the same
 * double), or a bare "," when X is not finite: an empty CSV field means
 * "no figure", never nan or inf. */
void cli_csv_number(FILE *f, double x);
/* st, or SLM_EINTR when st is SLM_OK and a SIGINT/SIGTERM is pending: a
 * signal that came during the cost arithmetic (which no run loop polls)
 * still stops the command before it writes anything. */
int cli_interrupted_or(int st);
/* Runs main_fn(argc, argv, ranks) between MPI's start and end
 * (study/pool.h; one rank without MPI) and returns its exit status.  An
 * interrupted rank 0 (status > 128) aborts the job: the other ranks may
 * be deep in an item. */
int cli_run_mpi(int (*main_fn)(int argc, char **argv, int ranks), int argc,
                char **argv);

/* Under MPI every rank loads the same scenarios; only rank 0 reports
 * their errors.  cli_mute_stderr points stderr at /dev/null and returns
 * the saved descriptor (-1 when it could not); cli_unmute_stderr puts it
 * back (nothing for -1). */
int cli_mute_stderr(void);
void cli_unmute_stderr(int saved);
/* cli_csv_number for each of x[0..n). */
void cli_csv_numbers(FILE *f, const double *x, size_t n);

/* Loads o->path with the overrides; prints diagnostics to stderr.  Returns
 * the exit status (0 with *out owned by the caller). */
int cli_load_scenario(const struct cli_scenario_opts *o,
                      struct scenario **out);

/* Maps an SLM_* status to an exit status, printing "slmsim: error: what
 * 'path': strerror" for system errors (path may be NULL). */
int cli_status_exit(int status, const char *what, const char *path);

/* A progress line on stderr, only when stderr is a terminal and the run
 * has gone on for more than a second.  Owned by the command. */
struct cli_progress {
    int tty;
    double started; /* wall seconds, CLOCK_MONOTONIC */
    int shown;
    const char *label;
};
void cli_progress_init(struct cli_progress *p, const char *label);
/* sim_progress_fn-compatible: ctx is a struct cli_progress. */
void cli_progress_update(void *ctx, double now, double horizon);
void cli_progress_done(struct cli_progress *p);
/* jobs_progress_fn-compatible (study/jobs.h): "LABEL: 3/18 done, 2
 * running, ETA 12 s"; ctx is a struct cli_progress. */
void cli_progress_jobs(void *ctx, size_t done, size_t total, size_t running);

/* The --jobs row of a command struct T whose member M is the text (NULL:
 * the default, the online CPUs). */
#define CLI_ARGS_JOBS_OPT(T, M)                                               \
    {.name = "--jobs", .short_name = "-j", .kind = CLI_OPT_INT,               \
     .metavar = "N",                                                          \
     .help = "worker processes (default: the online CPUs);\n"                 \
             "results are the same bytes with any N",                         \
     .dest = offsetof(T, M), .lo = 1, .hi = JOBS_MAX}
/* --jobs as given (checked by the table), else jobs_default(). */
unsigned cli_jobs(const char *text);

#endif
