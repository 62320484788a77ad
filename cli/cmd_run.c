/* slmsim run: replications, text report, results.json. */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "models/report.h"
#include "models/run.h"
#include "sim/mem.h"

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

static int cmd_run_opt(void *ctx, int argc, char **argv, int *i)
{
    struct cmd_run_opts *o = ctx;

    (void)argc;
    if (strcmp(argv[*i], "--json"))
        return 0;
    o->json = 1;
    return 1;
}

/* Runs every replication; *n is how many results were initialised. */
static int cmd_run_replications(const struct scenario *sc,
                                struct run_result *res, size_t *n)
{
    struct cli_progress prog;
    struct run_hooks hooks = {cli_progress_update, &prog, 0};
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
        hooks.keep_extras = r == 0; /* time series of one realisation */
        if (!st)
            st = run_replication(sc, r, &hooks, &d, &res[r]);
        cli_progress_done(&prog);
    }
    return st;
}

struct cmd_run_results {
    const struct scenario *sc;
    const struct run_result *res;
    size_t n;
};

static int cmd_run_json(FILE *f, const void *ctx)
{
    const struct cmd_run_results *r = ctx;
    return report_write_json(f, r->sc, r->res, r->n);
}

int cmd_run(int argc, char **argv)
{
    struct cmd_run_opts o;
    struct scenario *sc = NULL;
    struct run_result *res = NULL;
    size_t n = 0, i;
    int st, rc;

    memset(&o, 0, sizeof o);
    st = cli_parse_args("run", cmd_run_help, argc, argv, &o.so, cmd_run_opt,
                        &o);
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
        struct cmd_run_results r = {sc, res, n};
        rc = cli_write_file(sc->out_dir, "results.json", cmd_run_json, &r);
        if (!rc && !o.json && !o.so.quiet)
            printf("\nwrote %s/results.json\n", sc->out_dir);
    }
    for (i = 0; i < n; i++)
        run_result_fini(&res[i]);
    mem_free(res);
    scenario_free(sc);
    return rc;
}
