/* slmsim run: replications, text report, results.json. */
#include <stdio.h>
#include <string.h>

#include <math.h>

#include "cli/cmd.h"
#include "models/gpu.h"
#include "models/report.h"
#include "models/run.h"
#include "plots/plot.h"
#include "sim/mem.h"
#include "sim/out.h"
#include "sim/tseries.h"
#include "sim/units.h"

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
    "text\n" CLI_PLOTS_OPTS_HELP
    "\n"
    "Figures: latency-cdf (e2e and TTFT CDFs), latency-vs-load (the scenario\n"
    "again at 0.2x..1.2x its volume, two replications each) and timeline\n"
    "(the first GPU backend, first replication), each as NAME.dat, NAME.gp,\n"
    "NAME.png and NAME.pdf in OUTDIR and under 'figures' in results.json\n"
    "(redraw with slmsim plot).\n"
    "\n"
    "exit status: 0 success, 1 the run failed, 2 bad input\n";

struct cmd_run_opts {
    struct cli_scenario_opts so;
    int json;
    struct cli_plots plots;
};

static int cmd_run_opt(void *ctx, int argc, char **argv, int *i)
{
    struct cmd_run_opts *o = ctx;

    (void)argc;
    if (!strcmp(argv[*i], "--json")) {
        o->json = 1;
        return 1;
    }
    return cli_take_plots_opt(&o->plots, argc, argv, i);
}

/* ---- the timeline: a GPU pool's series, kept from replication 0 ---- */

#define CMD_RUN_TIMELINE_POINTS 720

struct cmd_run_timeline {
    int wanted, taken;
    int status;   /* SLM_ENOMEM when the copy failed */
    char backend[64];
    size_t n;     /* points */
    double *t;    /* owned: n bucket starts, s; then 4 series of n */
    double *v[4]; /* arrivals per minute, queue, batch, KV fraction */
};

/* run_hooks.inspect: copies the first GPU backend's series, merged down to
 * at most CMD_RUN_TIMELINE_POINTS points (means of whole groups of
 * buckets; a count becomes a rate per minute). */
static void cmd_run_inspect(void *ctx, const struct scenario *sc, size_t b,
                            const void *inst)
{
    struct cmd_run_timeline *tl = ctx;
    const struct tseries *ts;
    size_t nb, group, i, k, s;
    double w;

    if (!tl->wanted || tl->taken || sc->backends[b].kind != &gpu_backend_kind)
        return;
    ts = gpu_timeseries(inst);
    if (!ts || tseries_nseries(ts) < 4 || tseries_buckets(ts) < 2)
        return;
    tl->taken = 1;
    nb = tseries_buckets(ts);
    w = tseries_width(ts);
    group = (nb + CMD_RUN_TIMELINE_POINTS - 1) / CMD_RUN_TIMELINE_POINTS;
    tl->n = nb / group;
    tl->t = mem_calloc(5 * tl->n, sizeof *tl->t);
    if (!tl->t) {
        tl->status = SLM_ENOMEM;
        return;
    }
    snprintf(tl->backend, sizeof tl->backend, "%s", sc->backends[b].name);
    for (s = 0; s < 4; s++)
        tl->v[s] = tl->t + (s + 1) * tl->n;
    for (i = 0; i < tl->n; i++) {
        tl->t[i] = (double)(i * group) * w;
        for (s = 0; s < 4; s++) {
            double sum = 0;
            for (k = 0; k < group; k++)
                sum += tseries_value(ts, s, i * group + k);
            tl->v[s][i] = s == 0 ? sum / ((double)group * w) * 60
                                 : sum / (double)group;
        }
    }
}

/* Runs every replication; *n is how many results were initialised. */
static int cmd_run_replications(const struct scenario *sc,
                                struct run_result *res, size_t *n,
                                struct cmd_run_timeline *tl)
{
    struct cli_progress prog;
    struct run_hooks hooks;
    struct diag d;
    char label[64];
    unsigned r;
    int st = SLM_OK;

    memset(&hooks, 0, sizeof hooks);
    hooks.progress = cli_progress_update;
    hooks.progress_ctx = &prog;
    hooks.inspect = tl ? cmd_run_inspect : NULL;
    hooks.inspect_ctx = tl;
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
    return st ? st : tl ? tl->status : SLM_OK;
}

/* ---- figures ---- */

static enum plot_role cmd_run_role(const struct scenario *sc, size_t b)
{
    const char *kind = sc->backends[b].kind->name;

    return !strcmp(kind, "gpu") ? PLOT_LOCAL
           : !strcmp(kind, "api") ? PLOT_API
                                  : PLOT_OTHER;
}

/* Histogram of metric m of backend b (b < 0: overall) over every
 * replication, into *h (owned by the caller); NULL when empty. */
static int cmd_run_merged(const struct run_result *res, size_t n, int b,
                          enum run_metric m, struct qhist **h)
{
    size_t r;

    *h = qhist_new();
    if (!*h)
        return SLM_ENOMEM;
    for (r = 0; r < n; r++)
        qhist_merge(*h, b < 0 ? res[r].overall[m].h
                              : res[r].backend[b].lat[m].h);
    if (qhist_count(*h) == 0) {
        qhist_free(*h);
        *h = NULL;
    }
    return SLM_OK;
}

static int cmd_run_cdf(const struct scenario *sc, const struct run_result *res,
                       size_t n, const struct plot_meta *meta,
                       struct cli_plots *p)
{
    struct plot_cdf_curve c[PLOT_MAX_CURVES];
    struct qhist *h[2 * PLOT_MAX_CURVES];
    struct plot_cdf_input in;
    struct figure *f = NULL;
    size_t nc = 0, i, b;
    int st = SLM_OK, tokens = 0;

    memset(h, 0, sizeof h);
    for (b = 0; b < sc->nbackends; b++)
        tokens |= sc->backends[b].kind->has_tokens;
    /* Overall first; each backend too when there are several. */
    for (i = 0; i <= sc->nbackends && nc < PLOT_MAX_CURVES && !st; i++) {
        int bi = (int)i - 1;
        if (i > 0 && sc->nbackends < 2)
            break;
        c[nc].name = bi < 0 ? "overall" : sc->backends[bi].name;
        c[nc].role = bi < 0 ? PLOT_OVERALL : cmd_run_role(sc, (size_t)bi);
        st = cmd_run_merged(res, n, bi, RUN_E2E, &h[2 * nc]);
        if (!st && (bi < 0 ? tokens : sc->backends[bi].kind->has_tokens))
            st = cmd_run_merged(res, n, bi, RUN_TTFT, &h[2 * nc + 1]);
        c[nc].e2e = h[2 * nc];
        c[nc].ttft = h[2 * nc + 1];
        nc++;
    }
    if (!st) {
        memset(&in, 0, sizeof in);
        in.meta = *meta;
        in.ncurves = nc;
        in.curves = c;
        in.slo_e2e_p99 = sc->slo.e2e_p99;
        in.slo_ttft_p99 = tokens ? sc->slo.ttft_p99 : 0;
        st = plot_latency_cdf(&in, &f);
        st = cli_plots_add(p, st, f);
    }
    for (i = 0; i < 2 * PLOT_MAX_CURVES; i++)
        qhist_free(h[i]);
    return st;
}

#define CMD_RUN_SWEEP_MAX 14

/* Overall e2e P50 and P99 with the arrival rate scaled by factor (at most
 * two replications, the scenario's seeds). */
static int cmd_run_at(struct scenario *sc, double rate, double factor,
                      double *p50, double *p99)
{
    struct run_result res[2];
    struct report_stat stat;
    size_t n = 0, r;
    int st;

    sc->workload.arrivals.rate = rate * factor;
    st = cmd_run_replications(sc, res, &n, NULL);
    if (!st) {
        report_latency(res, n, -1, RUN_E2E, &stat);
        *p50 = stat.p50;
        *p99 = stat.p99;
    }
    for (r = 0; r < n; r++)
        run_result_fini(&res[r]);
    return st;
}

/* The scenario again at 0.2x .. 1.2x its arrival rate, then in steps of
 * 1.5x until the P99 is three times the SLO (or the first P99, when that
 * already misses it): the knee of the curve is the point of the figure,
 * and 1.2x may not reach it. */
static int cmd_run_sweep(struct scenario *sc, const struct plot_meta *meta,
                         struct cli_plots *p)
{
    double vol[CMD_RUN_SWEEP_MAX], p50[CMD_RUN_SWEEP_MAX],
        p99[CMD_RUN_SWEEP_MAX];
    double rate = sc->workload.arrivals.rate, factor = 0.2, stop;
    unsigned reps = sc->replications;
    struct figure *f = NULL;
    size_t k;
    int st = SLM_OK;

    if (!(rate > 0))
        return SLM_OK;
    sc->replications = reps < 2 ? reps : 2;
    for (k = 0; k < CMD_RUN_SWEEP_MAX && !st; k++) {
        st = cmd_run_at(sc, rate, factor, &p50[k], &p99[k]);
        vol[k] = rate * factor * UNITS_MONTH;
        stop = 3 * fmax(sc->slo.e2e_p99, p99[0]);
        if (!st && factor > 1.15 && p99[k] >= stop) {
            k++;
            break;
        }
        factor = factor < 1.15 ? factor + 0.2 : factor * 1.5;
    }
    sc->workload.arrivals.rate = rate;
    sc->replications = reps;
    if (!st) {
        struct plot_load_series s = {"overall", PLOT_OVERALL, p50, p99};
        struct plot_load_input in = {*meta, "end-to-end", k, vol, 1, &s,
                                     sc->slo.e2e_p99};
        st = plot_latency_vs_load(&in, &f);
        st = cli_plots_add(p, st, f);
    }
    return st;
}

static int cmd_run_timeline_fig(const struct scenario *sc,
                                const struct cmd_run_timeline *tl,
                                const struct plot_meta *meta,
                                struct cli_plots *p)
{
    char label[128];
    struct plot_timeline_series s[4] = {
        {"arrivals_per_min", "arrivals (per minute)", tl->v[0],
         FIGURE_FMT_NUMBER},
        {"queue_length", "waiting requests", tl->v[1], FIGURE_FMT_NUMBER},
        {"batch_size", "running batch (sequences)", tl->v[2],
         FIGURE_FMT_NUMBER},
        {"kv_occupancy", "KV cache occupied", tl->v[3], FIGURE_FMT_PERCENT}};
    struct plot_timeline_input in = {*meta, tl->n, tl->t, sc->warmup, 4, s};
    struct figure *f = NULL;
    int st;

    if (!tl->taken)
        return SLM_OK;
    snprintf(label, sizeof label, "arrivals at '%s' (per minute)",
             tl->backend);
    s[0].label = label;
    st = plot_timeline(&in, &f);
    return cli_plots_add(p, st, f);
}

static const char *const cmd_run_drawn[] = {
    PLOT_LATENCY_CDF, PLOT_LATENCY_VS_LOAD, PLOT_TIMELINE};

/* Every figure wanted that run can draw, into p. */
static int cmd_run_figures(struct scenario *sc, const struct run_result *res,
                           size_t n, const struct cmd_run_timeline *tl,
                           struct cli_plots *p)
{
    char caption[FIGURE_MAX_CAPTION];
    struct plot_meta meta = {sc->name,
                             cli_plots_caption(sc, caption, sizeof caption)};
    int st = SLM_OK;

    cli_plots_unavailable(p, sc, "run", cmd_run_drawn,
                          sizeof cmd_run_drawn / sizeof cmd_run_drawn[0]);
    if (cli_plots_wanted(p, sc, PLOT_LATENCY_CDF))
        st = cmd_run_cdf(sc, res, n, &meta, p);
    if (!st && cli_plots_wanted(p, sc, PLOT_LATENCY_VS_LOAD))
        st = cmd_run_sweep(sc, &meta, p);
    if (!st && cli_plots_wanted(p, sc, PLOT_TIMELINE))
        st = cmd_run_timeline_fig(sc, tl, &meta, p);
    return st;
}

static void cmd_run_json_figures(struct jw *w, void *ctx)
{
    cli_plots_write_json(ctx, w);
}

struct cmd_run_results {
    const struct scenario *sc;
    const struct run_result *res;
    size_t n;
    struct cli_plots *plots;
};

static int cmd_run_json(FILE *f, const void *ctx)
{
    const struct cmd_run_results *r = ctx;
    return report_write_json_extra(f, r->sc, r->res, r->n,
                                   cmd_run_json_figures, r->plots);
}

int cmd_run(int argc, char **argv)
{
    struct cmd_run_opts o;
    struct cmd_run_timeline tl;
    struct scenario *sc = NULL;
    struct run_result *res = NULL;
    size_t n = 0, i;
    int st, rc;

    memset(&o, 0, sizeof o);
    memset(&tl, 0, sizeof tl);
    cli_plots_init(&o.plots);
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
    tl.wanted = cli_plots_wanted(&o.plots, sc, PLOT_TIMELINE);
    st = cmd_run_replications(sc, res, &n, &tl);
    if (!st)
        st = cmd_run_figures(sc, res, n, &tl, &o.plots);
    rc = cli_status_exit(st, "run failed", sc->path);
    if (!rc) {
        if (o.json)
            report_write_json_extra(stdout, sc, res, n, cmd_run_json_figures,
                                    &o.plots);
        else if (!o.so.quiet)
            report_print_text(stdout, sc, res, n);
        struct cmd_run_results r = {sc, res, n, &o.plots};
        rc = cli_write_file(sc->out_dir, "results.json", cmd_run_json, &r);
        if (!rc && !o.json && !o.so.quiet)
            printf("\nwrote %s/results.json\n", sc->out_dir);
    }
    if (!rc)
        rc = cli_plots_draw(&o.plots, sc->out_dir, o.json || o.so.quiet);
    cli_plots_fini(&o.plots);
    mem_free(tl.t);
    for (i = 0; i < n; i++)
        run_result_fini(&res[i]);
    mem_free(res);
    scenario_free(sc);
    return rc;
}
