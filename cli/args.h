/* One table-driven option parser for every subcommand.
 *
 * A command declares its options as data: an array of struct cli_opt, each
 * naming the long and short spelling, the kind of value, the help line and
 * where the value goes (an offset into the command's own options struct).
 * cli_args_parse reads argv against that table and cli_args_print_help
 * prints the options part of the help from the same table, so the two can
 * never disagree.
 *
 * Spellings: "--name VALUE", "--name=VALUE" and, where a short name is
 * declared, "-n VALUE".  "-h"/"--help" is always understood.  Values are
 * borrowed from argv (never copied): the table's destinations hold
 * pointers into argv, which outlives the command. */
#ifndef SLMSIM_CLI_ARGS_H
#define SLMSIM_CLI_ARGS_H

#include <stddef.h>
#include <stdio.h>

/* What parsing ended with; replaces the old -2 meaning "help shown". */
enum cli_args_status {
    CLI_ARGS_OK = 0,    /* parsed; run the command */
    CLI_ARGS_HELP = 1,  /* -h/--help printed the help: exit 0 */
    CLI_ARGS_ERROR = 2, /* an error was printed: exit 2 (bad input) */
};

enum cli_opt_kind {
    CLI_OPT_FLAG,     /* no value; sets an int to 1 */
    CLI_OPT_INT,      /* a whole number in [lo, hi]; text kept (a --set) */
    CLI_OPT_DURATION, /* a duration with its unit ("30s"); text kept */
    CLI_OPT_RATE,     /* a rate with its unit ("10/s"); text kept */
    CLI_OPT_STRING,   /* any text; the last one given wins */
    CLI_OPT_LIST,     /* comma-separated text, kept whole */
    CLI_OPT_REPEAT,   /* repeatable text, each appended to an array */
};

/* A check beyond the kind's own, for options whose meaning says more
 * (--seed's digits, --out a folder): returns 0, or -1 after printing why. */
typedef int cli_opt_check_fn(const char *opt, const char *value);

/* A value the option stores itself (--format's set of formats, a
 * duration as seconds): writes *dest from value, returns 0, or -1 after
 * printing why (cmd names the command in the message). */
typedef int cli_opt_parse_fn(const char *cmd, const char *opt,
                             const char *value, void *dest);

struct cli_opt {
    const char *name;       /* "--set" */
    const char *short_name; /* "-s", or NULL */
    enum cli_opt_kind kind;
    const char *metavar;    /* "KEY.PATH=VALUE" in the help; NULL for flags */
    const char *help;       /* one line; '\n' continues it, indented */
    size_t dest;            /* offsetof the value in the command's struct */
    size_t count;           /* CLI_OPT_REPEAT: offsetof the size_t count */
    size_t max;             /* CLI_OPT_REPEAT: the array's capacity */
    double lo, hi;          /* CLI_OPT_INT: the range */
    cli_opt_check_fn *check; /* NULL, or the extra check */
    cli_opt_parse_fn *parse; /* NULL (store the text), or its own store */
    int off;                /* CLI_OPT_FLAG: store 0, not 1 (--no-plots) */
    const char *missing;    /* the message for a missing value, or NULL */
    /* CLI_OPT_FLAG that once took a file (--json FILE, --csv FILE): the
     * new usage, said when it is given a value ("--json=F", or a next
     * argument "-" or ending in .json/.csv), never read as a scenario. */
    const char *was_file;
};

/* The checks the shared options use: --seed a whole number of at most 19
 * digits, --out a folder (not a file). */
int cli_args_check_seed(const char *opt, const char *value);
int cli_args_check_out_dir(const char *opt, const char *value);

/* Stores for the table's .parse, each into a double at dest, refusing
 * with "slmsim CMD: error: bad --opt 'v' (what is allowed)":
 *   duration  a duration with its unit, > 0, in seconds ("2h")
 *   rate      a rate with its unit, > 0, per second ("1e9/month")
 *   fraction  a plain number in (0, 1) */
int cli_args_parse_duration(const char *cmd, const char *opt,
                            const char *value, void *dest);
int cli_args_parse_rate(const char *cmd, const char *opt, const char *value,
                        void *dest);
int cli_args_parse_fraction(const char *cmd, const char *opt,
                            const char *value, void *dest);

/* What a command accepts besides its options. */
struct cli_args_spec {
    const char *cmd;           /* "validate": error messages say its name */
    const char *help;          /* the help's text before "options:" */
    const char *help_tail;     /* the help's text after the options, or "" */
    const struct cli_opt *opts;
    size_t nopts;
    size_t path;               /* offsetof the scenario path (const char *),
                                  or of the array when max_paths > 1 */
    /* What the positional arguments are, for messages: "scenario file"
     * when NULL ("no scenario file", "one scenario at a time"). */
    const char *what;
    size_t max_paths;          /* 0 or 1: one; more: an array of as many */
    size_t npaths;             /* max_paths > 1: offsetof the size_t count */
    int optional;              /* no positional argument is fine */
    int no_path;               /* takes no positional argument at all */
};

/* The options every scenario-reading command shares, as table rows for a
 * command struct T whose member M is a struct cli_scenario_opts
 * (cli/common.h).
 * --out DIR and --set mean the same on every command: DIR is the folder
 * the command writes into (overriding outputs.dir), --set one override. */
#define CLI_ARGS_SCENARIO_OPTS(T, M)                                          \
    {.name = "--set", .short_name = "-s", .kind = CLI_OPT_REPEAT,             \
     .metavar = "KEY.PATH=VALUE",                                             \
     .help = "override a scenario field (repeatable)",                        \
     .dest = offsetof(T, M.sets), .count = offsetof(T, M.nsets),              \
     .max = CLI_MAX_SETS},                                                    \
    {.name = "--out", .short_name = "-o", .kind = CLI_OPT_STRING,             \
     .metavar = "DIR",                                                        \
     .help = "write outputs to DIR (overrides outputs.dir)",                  \
     .dest = offsetof(T, M.out_dir), .check = cli_args_check_out_dir},        \
    {.name = "--seed", .kind = CLI_OPT_STRING, .metavar = "N",                \
     .help = "override the scenario's seed", .dest = offsetof(T, M.seed),     \
     .check = cli_args_check_seed},                                           \
    {.name = "--replications", .kind = CLI_OPT_INT, .metavar = "N",           \
     .help = "override the number of replications",                           \
     .dest = offsetof(T, M.replications), .lo = 1,                            \
     .hi = SCENARIO_MAX_REPLICATIONS},                                        \
    {.name = "--quiet", .short_name = "-q", .kind = CLI_OPT_FLAG,             \
     .help = "no text report on stdout", .dest = offsetof(T, M.quiet)}

/* The figure options (expanded where plots/draw.h is included), for a
 * command struct T whose member M is a struct cli_plots (cli/cmd_plot.h). */
#define CLI_ARGS_PLOTS_OPTS(T, M)                                             \
    {.name = "--plots", .kind = CLI_OPT_FLAG,                                 \
     .help = "draw every figure this command can (default:\n"                 \
             "those in outputs.plots)",                                       \
     .dest = offsetof(T, M.want)},                                            \
    {.name = "--no-plots", .kind = CLI_OPT_FLAG, .help = "draw none",         \
     .dest = offsetof(T, M.want), .off = 1},                                  \
    {.name = "--format", .kind = CLI_OPT_LIST, .metavar = "LIST",             \
     .help = "picture formats: png,pdf (default), svg",                       \
     .dest = offsetof(T, M.formats), .parse = cli_plots_parse_formats,      \
     .missing = "'--format' needs a value (" DRAW_FORMATS_HELP ")"}

/* The --json and --csv rows: one meaning on every command, the machine
 * readable form on stdout instead of the text (the same bytes as the file
 * the command writes under --out DIR, named in file: "tco.json").  The old
 * "--json FILE" is refused with the new usage. */
#define CLI_ARGS_JSON_OPT(T, M, file)                                         \
    {.name = "--json", .kind = CLI_OPT_FLAG,                                  \
     .help = "print the JSON on stdout instead of the text\n"                 \
             "(the same as OUTDIR/" file ")",                                 \
     .dest = offsetof(T, M),                                                  \
     .was_file = "prints the JSON on stdout instead of the text and takes "   \
                 "no file (redirect it: --json > FILE); files go under "      \
                 "--out DIR (" file ")"}
#define CLI_ARGS_CSV_OPT(T, M, file)                                          \
    {.name = "--csv", .kind = CLI_OPT_FLAG,                                   \
     .help = "print the CSV on stdout instead of the text\n"                  \
             "(the same as OUTDIR/" file ")",                                 \
     .dest = offsetof(T, M),                                                  \
     .was_file = "prints the CSV on stdout instead of the text and takes "    \
                 "no file (redirect it: --csv > FILE); files go under "       \
                 "--out DIR (" file ")"}

/* Parses argv[1..argc-1] into base (the command's options struct) by the
 * table; the positional arguments are the paths (spec->path).  Errors
 * name the command: "slmsim CMD: error: ..." with its --help hint. */
enum cli_args_status cli_args_parse(const struct cli_args_spec *spec,
                                    int argc, char **argv, void *base);

#endif
