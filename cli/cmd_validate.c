/* slmsim validate: the scenario checks alone, no simulation. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd_validate.h"
#include "cli/common.h"

/* The shared options, with what each means to a check without a run:
 * --out, --seed and --replications are accepted (and checked) so that a
 * command line can be validated as written before it is run. */
static const struct cli_opt cmd_validate_opts[] = {
    {.name = "--set", .short_name = "-s", .kind = CLI_OPT_REPEAT,
     .metavar = "KEY.PATH=VALUE",
     .help = "check with this override applied (repeatable)",
     .dest = offsetof(struct cli_scenario_opts, sets),
     .count = offsetof(struct cli_scenario_opts, nsets),
     .max = CLI_MAX_SETS},
    {.name = "--out", .short_name = "-o", .kind = CLI_OPT_STRING,
     .metavar = "DIR", .help = "checked to be a folder; nothing is written",
     .dest = offsetof(struct cli_scenario_opts, out_dir),
     .check = cli_args_check_out_dir},
    {.name = "--seed", .kind = CLI_OPT_STRING, .metavar = "N",
     .help = "check with this seed",
     .dest = offsetof(struct cli_scenario_opts, seed),
     .check = cli_args_check_seed},
    {.name = "--replications", .kind = CLI_OPT_INT, .metavar = "N",
     .help = "check with this number of replications",
     .dest = offsetof(struct cli_scenario_opts, replications), .lo = 1,
     .hi = SCENARIO_MAX_REPLICATIONS},
    {.name = "--quiet", .short_name = "-q", .kind = CLI_OPT_FLAG,
     .help = "print nothing when the file is valid",
     .dest = offsetof(struct cli_scenario_opts, quiet)},
};

static const struct cli_args_spec cmd_validate_args = {
    .cmd = "validate",
    .help = "usage: slmsim validate [OPTIONS] SCENARIO.yaml\n"
            "\n"
            "Checks a scenario without running it: YAML syntax, unknown keys "
            "(with\n"
            "a suggestion), types, units, bounds, shares that must sum to 1 "
            "and\n"
            "missing fields.  Each problem is printed as FILE:LINE:COLUMN: "
            "message.\n"
            "\n",
    .help_tail = "\n"
                 "exit status: 0 valid, 2 invalid, 1 the file could not be "
                 "read\n",
    .opts = cmd_validate_opts,
    .nopts = sizeof cmd_validate_opts / sizeof cmd_validate_opts[0],
    .path = offsetof(struct cli_scenario_opts, path),
};

int cmd_validate(int argc, char **argv)
{
    struct cli_scenario_opts o;
    struct scenario *sc = NULL;
    enum cli_args_status st;
    int rc;

    memset(&o, 0, sizeof o);
    st = cli_args_parse(&cmd_validate_args, argc, argv, &o);
    if (st != CLI_ARGS_OK)
        return st == CLI_ARGS_HELP ? CLI_EXIT_OK : CLI_EXIT_INPUT;
    rc = cli_load_scenario(&o, &sc);
    if (rc)
        return rc;
    if (!o.quiet)
        printf("%s: ok: scenario '%s', %zu backend%s, %u replication%s\n",
               o.path, sc->name, sc->nbackends, sc->nbackends == 1 ? "" : "s",
               sc->replications, sc->replications == 1 ? "" : "s");
    scenario_free(sc);
    return CLI_EXIT_OK;
}
