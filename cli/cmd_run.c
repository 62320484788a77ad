/* slmsim run: replications, text report, results.json. */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "models/report.h"
#include "models/run.h"
#include "sim/mem.h"
#include "sim/out.h"

static const char cmd_run_help[] =
    "usage: slmsim run [OPTIONS] SCENARIO.yaml\n"
    "\n"
    "Simulates the scenario's replications and prints a report: per backend\n"
    "requests, utilization, and wait / end-to-end (and for token backends\n"
    "TTFT / time per output token) mean, P50, P95, P99 with 95% confidence\n"
    "intervals across replications.  Writes OUTDIR/results.json (atomically)\n"
    "where OUTDIR is outputs.dir, default out/<name>.  SCENARIO may be '-'\n"
    "for standard input.\n"
    "\n"
    "options:\n" CLI_SCENARIO_OPTS_HELP
    "  --json                 print results.json to stdout instead of the "
    "text\n"
    "\n"
    "exit status: 0 success, 1 the run failed, 2 bad input\n";

struct cmd_run_opts {
    struct cli_scenario_opts so;
    int json;
};

static int cmd_run_args(int argc, char **argv, struct cmd_run_opts *o)
{
    int i, t;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(cmd_run_help, stdout);
            return -2;
        }
        if (!strcmp(argv[i], "--json")) {
            o->json = 1;
            continue;
        }
        t = cli_take_scenario_opt(&o->so, argc, argv, &i);
        if (t < 0)
            return -1;
        if (t > 0)
            continue;
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "slmsim run: error: unknown option '%s' "
                            "(see slmsim run --help)\n", argv[i]);
            return -1;
        }
        if (o->so.path) {
            fprintf(stderr, "slmsim run: error: one scenario at a time, got "
                            "'%s' and '%s'\n", o->so.path, argv[i]);
            return -1;
        }
        o->so.path = argv[i];
    }
    if (!o->so.path) {
        fprintf(stderr, "slmsim run: error: no scenario file (see slmsim run "
                        "--help)\n");
        return -1;
    }
    return 0;
}

/* Runs every replication; *n is how many results were initialised. */
static int cmd_run_replications(const struct scenario *sc,
                                struct run_result *res, size_t *n)
{
    struct cli_progress prog;
    struct run_hooks hooks = {cli_progress_update, &prog};
    struct diag d;
    char label[64];
    unsigned r;
    int st = SLM_OK;

    diag_init(&d, stderr);
    for (r = 0; r < sc->replications && !st; r++) {
        snprintf(label, sizeof label, "replication %u/%u", r + 1,
                 sc->replications);
        cli_progress_init(&prog, label);
        st = run_result_init(&res[r], sc->nbackends);
        *n = r + 1;
        if (!st)
            st = run_replication(sc, r, &hooks, &d, &res[r]);
        cli_progress_done(&prog);
    }
    return st;
}

static int cmd_run_write(const struct scenario *sc,
                         const struct run_result *res, size_t n)
{
    struct out_file of;
    char path[4096];
    int st;

    snprintf(path, sizeof path, "%s/results.json", sc->out_dir);
    st = out_file_open(&of, path);
    if (st)
        return cli_status_exit(st, "cannot write", path);
    if (report_write_json(of.f, sc, res, n) != 0) {
        out_file_abort(&of);
        fprintf(stderr, "slmsim: error: cannot write '%s'\n", path);
        return CLI_EXIT_FAIL;
    }
    st = out_file_commit(&of);
    if (st)
        return cli_status_exit(st, "cannot write", path);
    return CLI_EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
    struct cmd_run_opts o;
    struct scenario *sc = NULL;
    struct run_result *res = NULL;
    size_t n = 0, i;
    int st, rc;

    memset(&o, 0, sizeof o);
    st = cmd_run_args(argc, argv, &o);
    if (st)
        return st == -2 ? CLI_EXIT_OK : CLI_EXIT_INPUT;
    rc = cli_load_scenario(&o.so, &sc);
    if (rc)
        return rc;
    res = mem_calloc(sc->replications, sizeof *res);
    if (!res) {
        scenario_free(sc);
        return cli_status_exit(SLM_ENOMEM, NULL, NULL);
    }
    st = cmd_run_replications(sc, res, &n);
    rc = cli_status_exit(st, "run failed", sc->path);
    if (!rc) {
        if (o.json)
            report_write_json(stdout, sc, res, n);
        else if (!o.so.quiet)
            report_print_text(stdout, sc, res, n);
        rc = cmd_run_write(sc, res, n);
        if (!rc && !o.json && !o.so.quiet)
            printf("\nwrote %s/results.json\n", sc->out_dir);
    }
    for (i = 0; i < n; i++)
        run_result_fini(&res[i]);
    mem_free(res);
    scenario_free(sc);
    return rc;
}
