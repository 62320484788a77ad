/* slmsim validate: the scenario checks alone, no simulation. */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"

static const char cmd_validate_help[] =
    "usage: slmsim validate [OPTIONS] SCENARIO.yaml\n"
    "\n"
    "Checks a scenario without running it: YAML syntax, unknown keys (with\n"
    "a suggestion), types, units, bounds, shares that must sum to 1 and\n"
    "missing fields.  Each problem is printed as FILE:LINE:COLUMN: message.\n"
    "\n"
    "options:\n"
    "  --set KEY.PATH=VALUE   check with this override applied (repeatable)\n"
    "  -q, --quiet            print nothing when the file is valid\n"
    "  -h, --help             this help\n"
    "\n"
    "exit status: 0 valid, 2 invalid, 1 the file could not be read\n";

int cmd_validate(int argc, char **argv)
{
    struct cli_scenario_opts o;
    struct scenario *sc = NULL;
    int i, t, rc;

    memset(&o, 0, sizeof o);
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(cmd_validate_help, stdout);
            return CLI_EXIT_OK;
        }
        t = cli_take_scenario_opt(&o, argc, argv, &i);
        if (t < 0)
            return CLI_EXIT_INPUT;
        if (t > 0)
            continue;
        if ((argv[i][0] == '-' && argv[i][1] != '\0') || o.path) {
            fprintf(stderr, "slmsim validate: error: unexpected argument "
                            "'%s' (see slmsim validate --help)\n", argv[i]);
            return CLI_EXIT_INPUT;
        }
        o.path = argv[i];
    }
    if (!o.path) {
        fprintf(stderr, "slmsim validate: error: no scenario file\n");
        return CLI_EXIT_INPUT;
    }
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
