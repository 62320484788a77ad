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
#include <stdio.h>

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

/* Takes argv[*i] when it is the option name ("--name VALUE" or
 * "--name=VALUE"): stores VALUE (borrowed from argv), advances *i past it
 * and returns 1; 0 when it is another argument; -1 after printing an
 * error (no value). */
int cli_take_value(const char *name, int argc, char **argv, int *i,
                   const char **out);

/* A command's own options: like cli_take_scenario_opt, returns 1 when it
 * took argv[*i] (and its value), 0 when not its option, -1 after printing
 * an error. */
typedef int cli_own_opt_fn(void *ctx, int argc, char **argv, int *i);

/* Parses the arguments of a scenario-reading command cmd: -h/--help
 * (prints help), own options (own may be NULL), the shared ones into so,
 * and one scenario path.  Returns 0, -2 after printing the help (exit 0)
 * or -1 after printing an error (exit 2). */
int cli_parse_args(const char *cmd, const char *help, int argc, char **argv,
                   struct cli_scenario_opts *so, cli_own_opt_fn *own,
                   void *ctx);

/* Writes DIR/NAME atomically (sim/out.h) with write(f, ctx), which
 * returns 0 or -1 when a write failed.  Returns the exit status after
 * printing any error. */
typedef int cli_write_fn(FILE *f, const void *ctx);
int cli_write_file(const char *dir, const char *name, cli_write_fn *write,
                   const void *ctx);

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
int cmd_capacity(int argc, char **argv);

#endif
