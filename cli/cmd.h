/*
 * cmd: the subcommands and what they share.
 *
 * main.c dispatches on argv[1] to one cmd_<name>() per subcommand, each in
 * cli/cmd_<name>.c, taking the remaining arguments (argv[0] is the
 * subcommand's name) and returning the process exit status:
 *   0 success, 1 the run failed (system error), 2 bad input, 128+n signal.
 * Only the CLI prints to stdout/stderr or exits.
 */
#ifndef SLM_CMD_H
#define SLM_CMD_H

#include <stddef.h>

#include "models/scenario.h"
#include "sim/diag.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_INPUT 2

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

/* Tries to take argv[*i] (and its value) as one of the shared options;
 * returns 1 when taken (advancing *i past a value), 0 when not one of
 * them, -1 after printing an error (missing value, too many --set). */
int cli_take_scenario_opt(struct cli_scenario_opts *o, int argc, char **argv,
                          int *i);

/* Loads o->path with the overrides; prints diagnostics to stderr.  Returns
 * the exit status (0 with *out owned by the caller). */
int cli_load_scenario(const struct cli_scenario_opts *o,
                      struct scenario **out);

/* Maps an SLM_* status to an exit status, printing "slmsim: error: what
 * 'path': strerror" for system errors (path may be NULL). */
int cli_status_exit(int status, const char *what, const char *path);

/* Help text shared by scenario-reading subcommands. */
#define CLI_SCENARIO_OPTS_HELP                                               \
    "  --set KEY.PATH=VALUE   override a scenario field (repeatable)\n"      \
    "  --out DIR              write outputs to DIR (overrides outputs.dir)\n"\
    "  --seed N               override the scenario's seed\n"                \
    "  --replications N       override the number of replications\n"       \
    "  -q, --quiet            no text report on stdout\n"                    \
    "  -h, --help             this help\n"

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

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
/* slmsim trace-stats: summary of a request log, --fit for a workload. */
int cmd_trace_stats(int argc, char **argv);

#endif
