/*
 * slmsim: the command line.  Dispatches to one cmd_<name>() per
 * subcommand; the only code that prints or exits.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cli/cmd_calibrate.h"
#include "cli/cmd_capacity.h"
#include "cli/cmd_catalog.h"
#include "cli/cmd_compare.h"
#include "cli/cmd_crossover.h"
#include "cli/cmd_plot.h"
#include "cli/cmd_run.h"
#include "cli/cmd_sensitivity.h"
#include "cli/cmd_sweep.h"
#include "cli/cmd_tco.h"
#include "cli/cmd_trace_stats.h"
#include "cli/cmd_validate.h"
#include "cli/common.h"
#include "models/report.h"
#include "sim/interrupt.h"

struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct cli_command cli_commands[] = {
    {"run", cmd_run, "simulate a scenario: report, results.json"},
    {"validate", cmd_validate, "check a scenario file, every error located"},
    {"trace-stats", cmd_trace_stats,
     "summarise a request log; --fit writes a matching workload"},
    {"capacity", cmd_capacity, "largest volume a GPU backend serves within "
                               "the SLO"},
    {"tco", cmd_tco, "month-by-month cost of local, API and hybrid"},
    {"crossover", cmd_crossover, "volumes where local and API cost the same"},
    {"sensitivity", cmd_sensitivity, "cost inputs ranked by effect on TCO"},
    {"compare", cmd_compare, "purchasing options side by side, at the SLO"},
    {"sweep", cmd_sweep, "the scenario over a grid of values, into "
                         "sweep.csv"},
    {"plot", cmd_plot, "redraw the figures saved in a results file"},
    {"calibrate", cmd_calibrate, "measure step times into a calibration "
                                 "file; --fit, --derive"},
    {"catalog", cmd_catalog, "the GPUs and models a scenario can name"},
};
#define CLI_NCOMMANDS (sizeof cli_commands / sizeof cli_commands[0])

static void cli_usage(FILE *f)
{
    size_t i;

    fprintf(f,
            "usage: slmsim COMMAND [OPTIONS] [FILE]\n"
            "\n"
            "Capacity planning for a self-hosted language model against a\n"
            "cloud API: queueing latency, cost, crossover volume, TCO.\n"
            "\n"
            "commands:\n");
    for (i = 0; i < CLI_NCOMMANDS; i++)
        fprintf(f, "  %-12s %s\n", cli_commands[i].name,
                cli_commands[i].summary);
    fprintf(f,
            "  %-12s %s\n"
            "\n"
            "`slmsim COMMAND --help` describes each command.\n"
            "exit status: 0 success, 1 the run failed, 2 bad input "
            "(flags, scenario, trace), 3 the SLO was missed (with\n"
            "--fail-on-slo), 128+N killed by signal N\n",
            "version", "print the version");
}

int main(int argc, char **argv)
{
    size_t i;

    /* GSL's default handler aborts; every GSL status is checked instead.
     * A dying gnuplot must not kill us through SIGPIPE. */
    gsl_set_error_handler_off();
    interrupt_install(); /* SIGINT/SIGTERM polled; SIGPIPE ignored */
    if (argc < 2) {
        cli_usage(stderr);
        return CLI_EXIT_INPUT;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        cli_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("slmsim %s\n", SLMSIM_VERSION);
        return CLI_EXIT_OK;
    }
    for (i = 0; i < CLI_NCOMMANDS; i++)
        if (!strcmp(argv[1], cli_commands[i].name)) {
            int rc = cli_commands[i].fn(argc - 1, argv + 1);
            /* A reader that stopped reading (`| head`) is no error of
             * ours: end quietly with the command's own status. */
            if (fflush(stdout) != 0 && errno == EPIPE)
                clearerr(stdout);
            return rc;
        }
    fprintf(stderr, "slmsim: error: unknown command '%s' (try 'slmsim --help')\n",
            argv[1]);
    return CLI_EXIT_INPUT;
}
