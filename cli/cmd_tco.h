/*
 * cmd_tco: slmsim tco, and what the three cost commands (tco, crossover,
 * sensitivity) and run share (cli/cmd_tco.c): options, the scenario to
 * cost inputs, the capacity per GPU, the JSON start, the tco figure,
 * writing a file and stdout alike.
 */
#ifndef SLM_CLI_CMD_TCO_H
#define SLM_CLI_CMD_TCO_H

#include <stddef.h>
#include <stdio.h>

#include "cli/args.h"
#include "cli/cmd_plot.h"
#include "cli/common.h"
#include "models/cost.h"
#include "models/run.h"
#include "models/scenario.h"
#include "study/cost.h"

struct jw;

/* slmsim tco: the month-by-month cost table.  Returns the exit status. */
int cmd_tco(int argc, char **argv);

struct cost_spec;

struct cli_cost_opts {
    struct cli_scenario_opts so;
    int csv;          /* --csv: the CSV on stdout instead of the text */
    int json;         /* --json: the JSON on stdout instead of the text */
    int simulate;     /* tco: run the replications for the simulated column */
    const char *extra_value; /* the command's own option's value, or NULL
                                (crossover --max-volume, sensitivity
                                --metric) */
    struct cli_plots plots; /* --plots, --no-plots, --format */
    double capacity_horizon; /* --capacity-horizon, s; 0: the default */
    const char *jobs; /* --jobs N (the capacity probes' replications), or
                         NULL: the online CPUs */
};

/* The options the cost commands share, as cli/args.h table rows of a
 * struct cli_cost_opts; file is the stem of the command's files. */
#define CLI_COST_OPTS(file)                                                   \
    CLI_ARGS_SCENARIO_OPTS(struct cli_cost_opts, so),                         \
    CLI_ARGS_CSV_OPT(struct cli_cost_opts, csv, file ".csv"),                 \
    CLI_ARGS_JSON_OPT(struct cli_cost_opts, json, file ".json"),              \
    {.name = "--capacity-horizon", .kind = CLI_OPT_DURATION,                  \
     .metavar = "DURATION",                                                   \
     .help = "simulated time per capacity probe (default\n"                   \
             "2h), when the capacity per GPU is simulated:\n"                 \
             "costs.queries_per_month_per_gpu absent or\n"                    \
             "'simulate', one gpu backend and an slo",                        \
     .dest = offsetof(struct cli_cost_opts, capacity_horizon),                \
     .parse = cli_args_parse_duration},                                       \
    CLI_ARGS_JOBS_OPT(struct cli_cost_opts, jobs),                            \
    CLI_ARGS_PLOTS_OPTS(struct cli_cost_opts, plots)

/* Parses argv by spec (a table of CLI_COST_OPTS rows and the command's
 * own) into o, after setting o's figure defaults.  Returns how parsing
 * ended (cli/args.h). */
enum cli_args_status cli_cost_args(const struct cli_args_spec *spec, int argc,
                                   char **argv, struct cli_cost_opts *o);
/* Loads the scenario, checks it has costs, finds the capacity per GPU
 * (declared; else, with one gpu backend and an slo, the capacity of one
 * replica by cli_capacity_search, an error when no volume meets the SLO
 * or when `simulate` was asked for and cannot be done), fills nominal
 * inputs and, when o->simulate, runs the replications for the simulated
 * ones.  Returns the exit status; c is to be released with study_cost_fini
 * either way. */
int cli_cost_load(const char *cmd, const struct cli_cost_opts *o,
                  struct study_cost *c);
/* For a command that ran sc itself (run): c borrows sc, which must have
 * costs, and takes the simulated inputs from res[0..n).  Returns 0 or
 * SLM_ENOMEM; c is to be released with study_cost_fini either way. */
int cli_cost_borrow(struct study_cost *c, struct scenario *sc,
                    const struct run_result *res, size_t n);
/* Starts a cost command's JSON document on f: opens the top object and
 * writes scenario.name and "capacity" (source, per GPU per month, and for a
 * simulated one the backend, SLO and bracket).  The caller adds its own
 * members, closes the object and calls jw_finish. */
void cli_cost_json_begin(struct jw *w, FILE *f, const struct study_cost *c);

/* The tco figure, built from inputs in (c->nominal or c->simulated) at
 * the middle of every range and added to p: cumulative cost per option
 * month by month, the break-even months marked.  Returns 0 or an SLM_*
 * status (SLM_EINPUT: no data, already turned into 0). */
int cli_tco_figure(const struct study_cost *c, const struct cost_inputs *in,
                   struct cli_plots *p);
/* Writes DIR/NAME atomically with write(f, ctx) (returns 0 or -1 when a
 * write failed) and, when to_stdout (--json, --csv), the same bytes to
 * stdout.  Prints any error; returns the exit status. */
int cli_cost_emit(const char *dir, const char *name, int to_stdout, cli_write_fn *write,
                  const void *ctx);

#endif
