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

#include "cli/args.h"
#include "models/cost.h"
#include "models/run.h"
#include "models/scenario.h"
#include "sim/out.h"
#include "sim/diag.h"
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

/* cli_capacity_backend's answers when there is no backend to size. */
enum cli_capacity_pick {
    CLI_CAPACITY_NO_GPU = -1,   /* no backend of kind gpu */
    CLI_CAPACITY_NOT_GPU = -2,  /* the named backend is not of kind gpu */
    CLI_CAPACITY_NO_SUCH = -3,  /* no backend has that name */
    CLI_CAPACITY_AMBIGUOUS = -4 /* several gpu backends and no name */
};

/* Writes DIR/NAME atomically (sim/out.h) with write(f, ctx),
 * which returns 0 or -1 when a write failed.  Returns the exit status
 * after printing any error. */
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

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
/* slmsim trace-stats: summary of a request log, --fit for a workload. */
int cmd_trace_stats(int argc, char **argv);
int cmd_capacity(int argc, char **argv);
int cmd_tco(int argc, char **argv);
int cmd_crossover(int argc, char **argv);
int cmd_sensitivity(int argc, char **argv);
int cmd_plot(int argc, char **argv);
/* slmsim compare: purchasing options side by side. */
int cmd_compare(int argc, char **argv);
/* slmsim calibrate: cli/cmd_calibrate.c */
int cmd_calibrate(int argc, char **argv);
int cmd_catalog(int argc, char **argv);
/* slmsim sweep: a grid of parameter values (cli/cmd_sweep.c) */
int cmd_sweep(int argc, char **argv);

/* ---- capacity at the SLO (cli/cmd_capacity.c), also for the cost
 * commands ---- */
struct capacity_result;

/* Loads user->path for a capacity search: the user's overrides, then
 * horizon (s; the first sixth warm-up), the replications (--replications,
 * else CAPACITY_DEFAULT_REPLICATIONS) and, when replicas > 0,
 * backends.BACKEND.count, all as --set overrides.  cmd names the command
 * in messages.  Returns the exit status (0 with *sc owned by the caller). */
int cli_capacity_load(const char *cmd, const struct cli_scenario_opts *user,
                      double horizon, const char *backend, long replicas,
                      struct scenario **sc);
/* The gpu backend to size: the one named name (NULL: the only gpu
 * backend).  Its index, or an enum cli_capacity_pick (< 0). */
int cli_capacity_backend(const struct scenario *sc, const char *name);
/* capacity_search() on backend b of sc at sc's SLO with a progress line:
 * start, tolerance and max_rate (arrivals per second) as in struct
 * capacity_opts, each 0 for its default.  Returns the exit status. */
int cli_capacity_search(struct scenario *sc, int b, double start,
                        double tolerance, double max_rate,
                        struct capacity_result *r);
/* 12.3M, 845K, 950: a count as people say it (3 significant digits),
 * written into buf, which is returned. */
const char *cli_fmt_count(double x, char *buf, size_t size);

/* ---- figures: what the commands that draw share (cli/cmd_plot.c) ---- */
struct figure;
struct jw;

#define CLI_MAX_FIGURES 16

/* The figures a command builds, then writes into its JSON and draws. */
struct cli_plots {
    int want;         /* -1: those in outputs.plots; 0: none (--no-plots);
                         1: every figure the command draws (--plots) */
    unsigned formats; /* --format, a DRAW_* mask; 0: png and pdf */
    size_t n;
    struct figure *fig[CLI_MAX_FIGURES]; /* owned */
};

void cli_plots_init(struct cli_plots *p);
/* --format LIST into *dest (an unsigned DRAW_* mask), for cli/args.h's
 * table: 0, or -1 after printing the allowed formats. */
int cli_plots_parse_formats(const char *cmd, const char *opt,
                            const char *value, void *dest);
/* 1 when figure name is to be drawn for scenario sc (NULL: none listed). */
int cli_plots_wanted(const struct cli_plots *p, const struct scenario *sc,
                     const char *name);
/* A note on stderr for each figure outputs.plots lists that cmd does not
 * draw (drawn[0..ndrawn) are those it does).  run says it: it draws every
 * name outputs.plots accepts that the scenario has data for; the cost
 * commands and capacity draw the listed ones they can, silently. */
void cli_plots_unavailable(const struct cli_plots *p,
                           const struct scenario *sc, const char *cmd,
                           const char *const *drawn, size_t ndrawn);
/* Keeps f (taking ownership) when a builder returned status 0; frees it
 * otherwise.  Returns status, except that SLM_EINPUT (no data for the
 * figure) becomes 0. */
int cli_plots_add(struct cli_plots *p, int status, struct figure *f);
/* The "figures" member of the open JSON object (nothing when none). */
void cli_plots_write_json(const struct cli_plots *p, struct jw *w);
/* Draws every figure into dir; prints what it drew unless quiet.  Returns
 * the exit status: 0 (also when gnuplot is missing: one warning), 1 when a
 * file could not be written or gnuplot failed (reported). */
int cli_plots_draw(struct cli_plots *p, const char *dir, int quiet);
void cli_plots_fini(struct cli_plots *p);
/* Removes from dir the files of run's figures that p does not hold (an
 * earlier run's), so that what is on disk is what results.json lists. */
void cli_plots_clean_run(const struct cli_plots *p, const char *dir);
/* The caption of every figure of sc, the key assumptions in two lines:
 * backends, API prices, volume, replications, SLO.  Returns buf. */
const char *cli_plots_caption(const struct scenario *sc, char *buf,
                              size_t size);
/* For commands without a results.json: names each figure for the command
 * and its pricing (tco, crossover, sensitivity: NAME-nominal, captioned
 * "nominal arithmetic"; capacity: NAME-probes; compare: options), removes
 * that command's figure files an earlier run left that this one does not
 * draw, writes the figures to DIR/figures-CMD.json ({"figures": ...}, for
 * slmsim plot) and draws them into DIR.  Returns the exit status. */
int cli_plots_finish(struct cli_plots *p, const char *dir, const char *cmd,
                     int quiet);


/* ---- what the cost commands (tco, crossover, sensitivity) share ----
 * Implemented in cli/cmd_tco.c. */
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
    CLI_ARGS_PLOTS_OPTS(struct cli_cost_opts, plots)

/* Where the cost model's GPUs-per-volume figure came from. */
enum cli_capacity_source {
    CLI_CAPACITY_UNKNOWN,   /* none: one GPU whatever the volume */
    CLI_CAPACITY_DECLARED,  /* costs.queries_per_month_per_gpu */
    CLI_CAPACITY_SIMULATED  /* one replica of the gpu backend at the SLO */
};

/* The scenario and what the cost model needs from it. */
struct cli_cost {
    struct scenario *sc;           /* owned, unless borrowed */
    int borrowed;                  /* sc belongs to the caller */
    const struct cost_spec *spec;  /* borrowed from sc */
    struct cost_inputs nominal;    /* declared volume and mean tokens */
    struct cost_inputs simulated;  /* nominal overlaid with the run */
    int has_sim;                   /* simulated was filled from a run */
    double *v;                     /* owned: middle values, spec->nparams */
    enum cli_capacity_source capacity_source;
    double capacity;      /* queries/month per GPU in use (middle value
                             when declared as a range); 0 when unknown */
    double capacity_pass, capacity_fail; /* simulated: the bracket,
                                            queries/month (fail 0: none) */
    double capacity_sure[2]; /* simulated: capacity_sure_range() per
                                month, pass and fail (0: none) */
    const char *capacity_backend; /* simulated: borrowed from sc */
    char capacity_note[320]; /* the assumptions line, without "capacity" */
};

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
 * ones.  Returns the exit status; c is to be released with cli_cost_fini
 * either way. */
int cli_cost_load(const char *cmd, const struct cli_cost_opts *o,
                  struct cli_cost *c);
/* For a command that ran sc itself (run): c borrows sc, which must have
 * costs, and takes the simulated inputs from res[0..n).  Returns 0 or
 * SLM_ENOMEM; c is to be released with cli_cost_fini either way. */
int cli_cost_borrow(struct cli_cost *c, struct scenario *sc,
                    const struct run_result *res, size_t n);
void cli_cost_fini(struct cli_cost *c);
/* Starts a cost command's JSON document on f: opens the top object and
 * writes scenario.name and "capacity" (source, per GPU per month, and for a
 * simulated one the backend, SLO and bracket).  The caller adds its own
 * members, closes the object and calls jw_finish. */
void cli_cost_json_begin(struct jw *w, FILE *f, const struct cli_cost *c);

/* The cost figures, each built from inputs in (c->nominal or
 * c->simulated) at the middle of every range and added to p; they return
 * 0 or an SLM_* status (SLM_EINPUT: no data, already turned into 0).
 *   tco             cumulative cost per option month by month, the
 *                   break-even months marked (cli/cmd_tco.c)
 *   cost-vs-volume  monthly cost per option over a log grid of volumes up
 *                   to max_volume, every crossing with one-time costs
 *                   spread marked (cli/cmd_crossover.c)
 *   sensitivity     the tornado of the TCO named by metric ("local",
 *                   "api", "hybrid", "savings"; NULL: hybrid when a local
 *                   share is known, else local) (cli/cmd_sensitivity.c) */
int cli_tco_figure(const struct cli_cost *c, const struct cost_inputs *in,
                   struct cli_plots *p);
int cli_cost_vs_volume_figure(const struct cli_cost *c,
                              const struct cost_inputs *in,
                              double max_volume, struct cli_plots *p);
int cli_sensitivity_figure(const struct cli_cost *c,
                           const struct cost_inputs *in, const char *metric,
                           struct cli_plots *p);
/* Writes DIR/NAME atomically with write(f, ctx) (returns 0 or -1 when a
 * write failed) and, when to_stdout (--json, --csv), the same bytes to
 * stdout.  Prints any error; returns the exit status. */
int cli_cost_emit(const char *dir, const char *name, int to_stdout, cli_write_fn *write,
                  const void *ctx);

#endif
