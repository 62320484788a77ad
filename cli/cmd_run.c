/* slmsim run: replications, text report, results.json. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "cli/cmd_run.h"
#include "cli/cmd_crossover.h"
#include "cli/cmd_plot.h"
#include "cli/cmd_sensitivity.h"
#include "cli/cmd_tco.h"
#include "cli/common.h"
#include "study/jobs.h"
#include "study/reps.h"
#include "study/sweep.h"
#include "study/whatif.h"
#include "models/accuracy.h"
#include "study/economics.h"
#include "models/gpu.h"
#include "models/report.h"
#include "models/run.h"
#include "models/verdict.h"
#include "plots/draw.h"
#include "plots/gnuplot.h"
#include "plots/plot.h"
#include "sim/arrivals.h"
#include "sim/interrupt.h"
#include "sim/mem.h"
#include "sim/out.h"
#include "sim/tseries.h"
#include "sim/units.h"

/* cost-vs-volume's search limit, queries/month: far beyond any one site. */
#define CMD_RUN_MAX_VOLUME 1e10

struct cmd_run_opts {
    struct cli_scenario_opts so;
    const char *jobs; /* --jobs N, or NULL: the online CPUs */
    int json;
    int fail_on_slo; /* exit 3 on a missed SLO (models/verdict.h) */
    const char *segments; /* --segments N, or NULL: none */
    struct cli_plots plots;
};

/* --segments: each replication's window cut into n segments, each run as
 * a replication of its own with the scenario's warm-up. */
struct cmd_run_segments {
    unsigned n;      /* segments per replication; 0: not split */
    unsigned reps;   /* the scenario's replications */
    double window;   /* s: the measurement window of one replication */
    double length;   /* s: one segment's window */
    double warmup;   /* s: each segment's own warm-up */
};

static const struct cli_opt cmd_run_opts_table[] = {
    CLI_ARGS_SCENARIO_OPTS(struct cmd_run_opts, so),
    CLI_ARGS_JSON_OPT(struct cmd_run_opts, json, "results.json"),
    CLI_ARGS_JOBS_OPT(struct cmd_run_opts, jobs),
    {.name = "--fail-on-slo", .kind = CLI_OPT_FLAG,
     .help = "exit 3 when the SLO is missed (the verdict the\n"
             "report prints: a P99 over its target, failures\n"
             "over slo.max_failed, a queue still growing),\n"
             "for scripted studies",
     .dest = offsetof(struct cmd_run_opts, fail_on_slo)},
    {.name = "--segments", .kind = CLI_OPT_INT, .metavar = "N",
     .help = "split each replication's window into N segments,\n"
             "each run as a replication of its own with the\n"
             "scenario's warm-up, on the --jobs workers (the\n"
             "report and results.json say so; poisson, gamma\n"
             "and mmpp arrivals only)",
     .dest = offsetof(struct cmd_run_opts, segments), .lo = 1,
     .hi = SCENARIO_MAX_REPLICATIONS},
    CLI_ARGS_PLOTS_OPTS(struct cmd_run_opts, plots),
};

static const struct cli_args_spec cmd_run_args = {
    .cmd = "run",
    .help =
        "usage: slmsim run [OPTIONS] SCENARIO.yaml\n"
        "\n"
        "Simulates the scenario's replications and prints a report: per "
        "backend\n"
        "requests, utilization, and wait / end-to-end (and for token "
        "backends\n"
        "TTFT / time per output token) mean, P50, P95, P99 with 95% "
        "confidence\n"
        "intervals across replications.  Writes OUTDIR/results.json "
        "(atomically)\n"
        "where OUTDIR is outputs.dir, default out/<name>.  SCENARIO may be "
        "'-'\n"
        "for standard input.\n"
        "\n",
    .help_tail =
        "\n"
        "Figures: latency-cdf (e2e and TTFT CDFs); latency-vs-load and\n"
        "utilization (the scenario again at 0.2x..1.2x its volume and on past\n"
        "the knee, two replications each); timeline (the first GPU backend,\n"
        "first replication); with a local and an API side, accuracy-cost (the\n"
        "scenario under each routing policy, three replications each); with\n"
        "costs, tco, cost-vs-volume and sensitivity (as the cost commands draw\n"
        "them, from what the runs measured).  Each as NAME.dat, NAME.gp,\n"
        "NAME.png and NAME.pdf in OUTDIR and under 'figures' in results.json\n"
        "(redraw with slmsim plot).\n"
        "\n"
        "--jobs N spreads the replications (the first, whose time series\n"
        "results.json keeps, in this process), the figures' re-runs and the\n"
        "drawing over N processes; the report, results.json and every\n"
        "figure are the same bytes with any N.\n"
        "\n"
        "exit status: 0 success, 1 the run failed, 2 bad input, 3 the SLO was\n"
        "missed (with --fail-on-slo), 128+N stopped by signal N\n",
    .opts = cmd_run_opts_table,
    .nopts = sizeof cmd_run_opts_table / sizeof cmd_run_opts_table[0],
    .path = offsetof(struct cmd_run_opts, so.path),
};

/* Every replication on `jobs` processes (study/reps.h); *n is how many
 * results were initialised, *done how many reached the horizon.  keep:
 * replication 0 keeps its backends' extras (time series). */
static int cmd_run_parallel(const struct scenario *sc, struct run_result *res,
                            unsigned jobs, int keep, size_t *n, size_t *done)
{
    struct cli_progress prog;
    struct study_jobs sj = {jobs, cli_progress_jobs, &prog};
    struct diag d;
    int st;

    diag_init(&d, stderr);
    cli_progress_init(&prog, "replications");
    st = study_run_replications(sc, keep, &sj, &d, res, n, done);
    cli_progress_done(&prog);
    return st;
}

/* Runs every replication, in this process with one job; *n is how many
 * results were initialised, *done how many reached the horizon.  keep:
 * replication 0 keeps its backends' extras (time series). */
static int cmd_run_replications(const struct scenario *sc,
                                struct run_result *res, unsigned jobs,
                                int keep, size_t *n, size_t *done)
{
    struct cli_progress prog;
    struct run_hooks hooks;
    struct diag d;
    char label[64];
    unsigned r;
    int st = SLM_OK;

    if (jobs > 1 && sc->replications > 1)
        return cmd_run_parallel(sc, res, jobs, keep, n, done);
    memset(&hooks, 0, sizeof hooks);
    hooks.progress = cli_progress_update;
    hooks.progress_ctx = &prog;
    diag_init(&d, stderr);
    for (r = 0; r < sc->replications && !st; r++) {
        snprintf(label, sizeof label, "replication %u/%u", r + 1,
                 sc->replications);
        cli_progress_init(&prog, label);
        st = run_result_init(&res[r], sc->nbackends);
        *n = r + 1;
        hooks.keep_extras = keep && r == 0; /* one realisation's series */
        if (!st)
            st = run_replication(sc, r, &hooks, &d, &res[r]);
        if (!st)
            *done = r + 1;
        cli_progress_done(&prog);
    }
    return st;
}

/* ---- figures ---- */

static enum plot_role cmd_run_role(const struct scenario *sc, size_t b)
{
    const char *kind = sc->backends[b].kind->name;

    return !strcmp(kind, "gpu") ? PLOT_LOCAL
           : sc->backends[b].kind->side == BACKEND_SIDE_API ? PLOT_API
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

/* ---- latency-vs-load and utilization: the scenario at other volumes ---- */

/* The sweep itself is study/sweep.h's, on `jobs` worker processes. */
static int cmd_run_sweep(struct scenario *sc, unsigned jobs,
                         struct study_sweep *sw)
{
    struct cli_progress prog;
    struct study_jobs sj = {jobs, cli_progress_jobs, &prog};
    struct diag d;
    int st;

    diag_init(&d, stderr);
    cli_progress_init(&prog, "figure latency-vs-load: points");
    st = study_load_sweep(sc, &d, &sj, sw);
    cli_progress_done(&prog);
    return st;
}

/* 1 when v[0..n) holds a number. */
static int cmd_run_any(const double *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (isfinite(v[i]))
            return 1;
    return 0;
}

/* Overall first; each backend that served requests too when there are
 * several (the router's station aside): which side's latency runs away. */
static int cmd_run_load_fig(const struct scenario *sc,
                            const struct study_sweep *sw,
                            const struct plot_meta *meta, struct cli_plots *p)
{
    struct plot_load_series s[PLOT_MAX_CURVES] = {
        {"overall", PLOT_OVERALL, sw->p50, sw->p99}};
    struct plot_load_input in = {*meta, "end-to-end", sw->n, sw->vol, 1, s,
                                 sc->slo.e2e_p99, 0};
    struct figure *f = NULL;
    size_t b;
    int st;

    for (b = 0; sc->nbackends > 1 && b < sc->nbackends &&
                in.nseries < PLOT_MAX_CURVES; b++)
        if ((int)b != sc->routing.delay_backend &&
            cmd_run_any(sw->bp99[b], sw->n))
            s[in.nseries++] = (struct plot_load_series){
                sc->backends[b].name, cmd_run_role(sc, b), NULL,
                sw->bp99[b]};
    st = plot_latency_vs_load(&in, &f);
    return cli_plots_add(p, st, f);
}

static int cmd_run_util_fig(const struct scenario *sc,
                            const struct study_sweep *sw,
                            const struct plot_meta *meta, struct cli_plots *p)
{
    struct plot_util_series s[PLOT_MAX_CURVES];
    struct figure *f = NULL;
    size_t b, ns = 0;

    for (b = 0; b < sc->nbackends && ns < PLOT_MAX_CURVES; b++) {
        int busy = cmd_run_any(sw->busy[b], sw->n);
        int kv = cmd_run_any(sw->kv[b], sw->n);
        if ((int)b == sc->routing.delay_backend || !(busy || kv))
            continue;
        s[ns++] = (struct plot_util_series){
            sc->backends[b].name, cmd_run_role(sc, b),
            busy ? sw->busy[b] : NULL, kv ? sw->kv[b] : NULL};
    }
    {
        struct plot_util_input in = {
            *meta, sw->n, sw->vol, ns, s,
            arrivals_mean_rate(&sc->workload.arrivals) * UNITS_MONTH};
        int st = plot_utilization(&in, &f);

        return cli_plots_add(p, st, f);
    }
}

/* ---- timeline: replication 0's kept series ---- */

#define CMD_RUN_TIMELINE_POINTS 720

/* The first GPU backend's series kept by replication 0 (a gpu backend's
 * extras are its struct tseries: models/gpu.h), or NULL; *b its index. */
static const struct tseries *cmd_run_series(const struct scenario *sc,
                                            const struct run_result *res,
                                            size_t *b)
{
    const struct tseries *ts;

    for (*b = 0; *b < sc->nbackends; ++*b) {
        if (res->backend[*b].extras_kind != &gpu_backend_kind)
            continue;
        ts = res->backend[*b].extras;
        if (ts && tseries_nseries(ts) >= 4 && tseries_buckets(ts) >= 2)
            return ts;
    }
    return NULL;
}

/* ts merged down to n <= CMD_RUN_TIMELINE_POINTS points (means of whole
 * groups of buckets; the count becomes a rate per minute) into t[n] and
 * v[4][n]. */
static void cmd_run_merge(const struct tseries *ts, size_t n, size_t group,
                          double *t, double *const v[4])
{
    double w = tseries_width(ts), sum;
    size_t i, k, s;

    for (i = 0; i < n; i++) {
        t[i] = (double)(i * group) * w;
        for (s = 0; s < 4; s++) {
            for (k = 0, sum = 0; k < group; k++)
                sum += tseries_value(ts, s, i * group + k);
            v[s][i] = s == 0 ? sum / ((double)group * w) * 60
                             : sum / (double)group;
        }
    }
}

static int cmd_run_timeline_fig(const struct scenario *sc,
                                const struct run_result *res,
                                const struct plot_meta *meta,
                                struct cli_plots *p)
{
    char label[128];
    double down[FIGURE_MAX_SPANS][2];
    struct figure *f = NULL;
    size_t b, nb, group, n;
    double *t, *v[4];
    const struct tseries *ts = cmd_run_series(sc, res, &b);
    int st;

    if (!ts)
        return SLM_OK;
    nb = tseries_buckets(ts);
    group = (nb + CMD_RUN_TIMELINE_POINTS - 1) / CMD_RUN_TIMELINE_POINTS;
    n = nb / group;
    t = mem_calloc(5 * n, sizeof *t);
    if (!t)
        return SLM_ENOMEM;
    for (size_t s = 0; s < 4; s++)
        v[s] = t + (s + 1) * n;
    cmd_run_merge(ts, n, group, t, v);
    snprintf(label, sizeof label, "arrivals at '%s' (per minute)",
             sc->backends[b].name);
    {
        struct plot_timeline_series s[4] = {
            {"arrivals_per_min", label, v[0], FIGURE_FMT_NUMBER},
            {"queue_length", "waiting requests", v[1], FIGURE_FMT_NUMBER},
            {"batch_size", "running batch (sequences)", v[2],
             FIGURE_FMT_NUMBER},
            {"kv_occupancy", "KV cache occupied", v[3], FIGURE_FMT_PERCENT}};
        struct plot_timeline_input in = {*meta, n, t, sc->warmup, 4, s,
                                         0, NULL, 0};
        in.ndown = run_down_windows(res, down, FIGURE_MAX_SPANS, &in.down_cut);
        in.down = (const double (*)[2])down;
        st = plot_timeline(&in, &f);
    }
    mem_free(t);
    return cli_plots_add(p, st, f);
}

/* ---- accuracy-cost: the scenario under each routing policy ---- */

static enum plot_role cmd_run_policy_role(const struct scenario *sc,
                                          const struct whatif_point *w)
{
    switch (w->policy) {
    case ROUTER_ALL_LOCAL: return PLOT_LOCAL;
    case ROUTER_ALL_API: return PLOT_API;
    case ROUTER_SINGLE:
        return w->own ? cmd_run_role(sc, (size_t)sc->routing.target)
                      : PLOT_HYBRID;
    default: return PLOT_HYBRID;
    }
}

/* The points are study/whatif.h's, on `jobs` worker processes. */
static int cmd_run_accuracy_fig(struct scenario *sc,
                                const struct run_result *res, size_t n,
                                unsigned jobs, const struct plot_meta *meta,
                                struct cli_plots *p)
{
    struct plot_policy_point pt[WHATIF_MAX];
    struct study_whatifs w;
    struct cli_progress prog;
    struct study_jobs sj = {jobs, cli_progress_jobs, &prog};
    struct figure *f = NULL;
    struct diag d;
    int st;

    diag_init(&d, stderr);
    cli_progress_init(&prog, "figure accuracy-cost: routing what-ifs");
    st = study_policy_whatifs(sc, res, n, &sj, &d, &w);
    cli_progress_done(&prog);
    if (st || w.n == 0)
        return st;
    for (size_t i = 0; i < w.n; i++)
        pt[i] = (struct plot_policy_point){
            w.pt[i].label, cmd_run_policy_role(sc, &w.pt[i]),
            w.pt[i].monthly_cost, w.pt[i].accuracy, w.pt[i].own};
    {
        struct plot_accuracy_input in = {*meta, w.n, pt};
        st = plot_accuracy_cost(&in, &f);
        return cli_plots_add(p, st, f);
    }
}

/* ---- the cost figures, as the cost commands draw them ---- */

static int cmd_run_cost_figs(struct scenario *sc, const struct run_result *res,
                             size_t n, struct cli_plots *p)
{
    struct study_cost c;
    int st;

    if (!sc->costs)
        return SLM_OK;
    st = cli_cost_borrow(&c, sc, res, n);
    if (!st && cli_plots_wanted(p, sc, PLOT_TCO))
        st = cli_tco_figure(&c, &c.simulated, p);
    if (!st && cli_plots_wanted(p, sc, PLOT_COST_VS_VOLUME))
        st = cli_cost_vs_volume_figure(&c, &c.simulated, CMD_RUN_MAX_VOLUME,
                                       p);
    if (!st && cli_plots_wanted(p, sc, PLOT_SENSITIVITY))
        st = cli_sensitivity_figure(&c, &c.simulated, NULL, p);
    study_cost_fini(&c);
    return st;
}

static const char *const cmd_run_drawn[] = {
    PLOT_LATENCY_CDF, PLOT_LATENCY_VS_LOAD, PLOT_TIMELINE, PLOT_UTILIZATION,
    PLOT_ACCURACY_COST, PLOT_COST_VS_VOLUME, PLOT_TCO, PLOT_SENSITIVITY};

/* The sweep figures' caption: the run's, with the sweep's replications
 * a point, and where its windows were cut (study/sweep.h), into buf. */
static const char *cmd_run_sweep_caption(const struct scenario *sc,
                                         const struct study_sweep *sw,
                                         char *buf, size_t size)
{
    struct scenario each = *sc; /* read only: the caption's counts */
    char vol[32], n[32];
    size_t len;

    each.replications = sw->reps;
    cli_plots_caption(&each, buf, size);
    len = strlen(buf);
    if (sw->cut_volume > 0 && len < size) {
        draw_format_value(vol, sizeof vol, sw->cut_volume, FIGURE_FMT_NUMBER);
        draw_format_value(n, sizeof n, STUDY_SWEEP_ARRIVALS,
                          FIGURE_FMT_NUMBER);
        snprintf(buf + len, size - len,
                 "; from %s/month a point's window holds %s arrivals", vol,
                 n);
    }
    return buf;
}

/* Every figure wanted that run can draw, into p. */
static int cmd_run_figures(struct scenario *sc, const struct run_result *res,
                           size_t n, unsigned jobs, struct cli_plots *p)
{
    char caption[FIGURE_MAX_CAPTION];
    struct plot_meta meta = {sc->name,
                             cli_plots_caption(sc, caption, sizeof caption)};
    char sweep_caption[FIGURE_MAX_CAPTION];
    struct plot_meta sweep_meta = meta;
    struct study_sweep sw;
    int st = SLM_OK;

    cli_plots_unavailable(p, sc, "run", cmd_run_drawn,
                          sizeof cmd_run_drawn / sizeof cmd_run_drawn[0]);
    if (cli_plots_wanted(p, sc, PLOT_LATENCY_CDF))
        st = cmd_run_cdf(sc, res, n, &meta, p);
    if (!st && (cli_plots_wanted(p, sc, PLOT_LATENCY_VS_LOAD) ||
                cli_plots_wanted(p, sc, PLOT_UTILIZATION))) {
        st = cmd_run_sweep(sc, jobs, &sw);
        if (!st)
            sweep_meta.caption = cmd_run_sweep_caption(
                sc, &sw, sweep_caption, sizeof sweep_caption);
    }
    if (!st && cli_plots_wanted(p, sc, PLOT_LATENCY_VS_LOAD))
        st = cmd_run_load_fig(sc, &sw, &sweep_meta, p);
    if (!st && cli_plots_wanted(p, sc, PLOT_UTILIZATION))
        st = cmd_run_util_fig(sc, &sw, &sweep_meta, p);
    if (!st && cli_plots_wanted(p, sc, PLOT_TIMELINE))
        st = cmd_run_timeline_fig(sc, res, &meta, p);
    if (!st && cli_plots_wanted(p, sc, PLOT_ACCURACY_COST))
        st = cmd_run_accuracy_fig(sc, res, n, jobs, &meta, p);
    if (!st)
        st = cmd_run_cost_figs(sc, res, n, p);
    return st;
}

/* ---- drawing: gnuplot on the workers, a figure each ---- */

/* What drawing figure k left, as plain bytes. */
struct cmd_run_drawn {
    int32_t st;    /* draw_figure's */
    int32_t err;   /* errno after it */
    uint32_t drawn, failed;
    char path[4096]; /* the file that failed, after st */
};

struct cmd_run_draw {
    const struct cli_plots *p;
    const struct draw *proto; /* gnuplot already looked up */
};

static int cmd_run_draw_item(void *ctx, size_t k, void *out)
{
    const struct cmd_run_draw *c = ctx;
    struct cmd_run_drawn *row = out;
    struct draw dr = *c->proto;

    errno = 0;
    row->st = (int32_t)draw_figure(&dr, c->p->fig[k]);
    row->err = errno;
    row->drawn = (uint32_t)dr.drawn;
    row->failed = (uint32_t)dr.failed;
    if (row->st)
        snprintf(row->path, sizeof row->path, "%s", dr.path);
    return SLM_OK;
}

/* The figures drawn as cli_plots_draw does, each by one of `jobs`
 * workers: gnuplot is most of the time a figure takes, and the figures
 * are independent files.  The same files and messages (a failed
 * figure's come from its worker); with one job, or without gnuplot (the
 * missing-gnuplot warning is given once), in this process. */
static int cmd_run_draw(struct cli_plots *p, const char *dir, int quiet,
                        unsigned jobs)
{
    struct cmd_run_drawn *rows;
    int *status;
    struct draw c;
    struct diag d;
    size_t drawn = 0, failed = 0;
    int st, rc = CLI_EXIT_OK;

    diag_init(&d, stderr);
    draw_init(&c, dir, p->formats, &d);
    c.have_gnuplot = gnuplot_available(c.gnuplot);
    if (jobs <= 1 || p->n < 2 || !c.have_gnuplot)
        return cli_plots_draw(p, dir, quiet);
    rows = mem_calloc(p->n, sizeof *rows);
    status = mem_calloc(p->n, sizeof *status);
    if (!rows || !status) {
        mem_free(rows);
        mem_free(status);
        return cli_status_exit(SLM_ENOMEM, NULL, NULL);
    }
    {
        struct cmd_run_draw ctx = {p, &c};
        struct jobs_spec js = {.n = p->n, .rowsize = sizeof *rows,
                               .jobs = jobs, .compute = cmd_run_draw_item,
                               .ctx = &ctx};
        st = jobs_run(&js, rows, status, NULL);
    }
    for (size_t k = 0; k < p->n && !st && rc == CLI_EXIT_OK; k++) {
        if (status[k]) {
            errno = ECHILD; /* its worker died */
            rc = cli_status_exit(SLM_ESYS, "cannot draw", p->fig[k]->name);
        } else if (rows[k].st) {
            errno = rows[k].err;
            rc = cli_status_exit(rows[k].st, "cannot write", rows[k].path);
        }
        drawn += rows[k].drawn;
        failed += rows[k].failed;
    }
    mem_free(rows);
    mem_free(status);
    if (st == SLM_EINTR)
        return CLI_EXIT_OK; /* the caller marks the results interrupted */
    if (st)
        return cli_status_exit(st, NULL, NULL);
    if (rc)
        return rc;
    if (!quiet && drawn)
        printf("drew %zu figure%s in %s/\n", drawn, drawn == 1 ? "" : "s",
               dir);
    return failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* ---- --segments ---- */

/* Makes sc's replications the segments of o's --segments (seg->n = 0
 * when not split): the horizon becomes the warm-up plus one segment, the
 * replications R x N, so that replication r's segments are the
 * replications r N .. r N + N - 1 of the new scenario and every segment
 * has its own seeds and its own warm-up.  A segment starts at time 0, so
 * only arrival processes that look the same at every time (poisson,
 * gamma, mmpp) can be split.  0, or CLI_EXIT_INPUT after saying why. */
static int cmd_run_split(const struct cmd_run_opts *o, struct scenario *sc,
                         struct cmd_run_segments *seg)
{
    unsigned n = o->segments ? (unsigned)strtoul(o->segments, NULL, 10) : 0;

    memset(seg, 0, sizeof *seg);
    if (n <= 1)
        return CLI_EXIT_OK;
    /* The flag is what cannot be taken, so the error is the flag's. */
    if (!arrivals_spec_is_stationary(&sc->workload.arrivals)) {
        fprintf(stderr, "slmsim run: error: bad --segments '%s' (it needs "
                "arrivals that look the same at every time: poisson, gamma "
                "or mmpp; a segment starts at time 0, and %s's '%s' "
                "arrivals depend on the time)\n", o->segments, sc->path,
                arrivals_process_names[sc->workload.arrivals.process]);
        return CLI_EXIT_INPUT;
    }
    if ((unsigned long)sc->replications * n > SCENARIO_MAX_REPLICATIONS) {
        fprintf(stderr, "slmsim run: error: bad --segments '%s' (%u x %u "
                "replications is over the %d a run may have)\n",
                o->segments, n, sc->replications, SCENARIO_MAX_REPLICATIONS);
        return CLI_EXIT_INPUT;
    }
    seg->n = n;
    seg->reps = sc->replications;
    seg->window = sc->horizon - sc->warmup;
    seg->length = seg->window / n;
    seg->warmup = sc->warmup;
    sc->horizon = sc->warmup + seg->length;
    sc->replications *= n;
    return CLI_EXIT_OK;
}

/* The split said before the report. */
static void cmd_run_segments_text(FILE *f, const struct cmd_run_segments *g)
{
    if (!g->n)
        return;
    fprintf(f, "SEGMENTS: each of the %u replication%s (a %.6g s window) "
               "split into %u segments of %.6g s, each with its own %.6g s "
               "warm-up, run as %u replications: the figures and intervals "
               "below are across the segments\n\n",
            g->reps, g->reps == 1 ? "" : "s", g->window, g->n, g->length,
            g->warmup, g->reps * g->n);
}

static void cmd_run_segments_json(struct jw *w, const struct cmd_run_segments *g)
{
    if (!g->n)
        return;
    jw_object_begin(w, "segments");
    jw_int(w, "per_replication", g->n);
    jw_int(w, "replications", g->reps);
    jw_number(w, "window", g->window);
    jw_number(w, "length", g->length);
    jw_number(w, "warmup", g->warmup);
    jw_object_end(w);
}

struct cmd_run_results {
    const struct scenario *sc;
    const struct run_result *res;
    size_t n;
    struct cli_plots *plots;
    const struct cmd_run_segments *seg;
};

/* results.json's members beyond the model's report: the cost section
 * (study/economics.h) and the figures. */
static void cmd_run_json_extra(struct jw *w, void *ctx)
{
    const struct cmd_run_results *r = ctx;

    cmd_run_segments_json(w, r->seg);
    /* Out of memory here shows as a failed write of the document. */
    (void)economics_write_json(w, r->sc, r->res, r->n);
    cli_plots_write_json(r->plots, w);
}

static int cmd_run_json(FILE *f, const void *ctx)
{
    const struct cmd_run_results *r = ctx;
    return report_write_json_extra(f, r->sc, r->res, r->n,
                                   cmd_run_json_extra, (void *)r);
}

/* A limit or a signal ended the run early: say where, report the
 * replications that finished, keep them in results.json marked so.
 * Exit 1 for a limit, 128 + the signal for an interrupt. */
struct cmd_run_stop {
    const struct scenario *sc;
    const struct run_result *res;
    const struct report_stop *stop;
    const struct cmd_run_segments *seg;
};

static void cmd_run_stop_extra(struct jw *w, void *ctx)
{
    cmd_run_segments_json(w, ctx);
}

static int cmd_run_stop_json(FILE *f, const void *ctx)
{
    const struct cmd_run_stop *c = ctx;
    return report_write_json_stop(f, c->sc, c->res, c->stop->finished,
                                  c->stop, cmd_run_stop_extra,
                                  (void *)c->seg);
}

static int cmd_run_stopped(const struct scenario *sc,
                           const struct run_result *res, size_t n,
                           const struct cmd_run_opts *o,
                           const struct cmd_run_segments *seg, int st)
{
    char note[512] = "";
    size_t done = n && res[n - 1].stopped ? n - 1 : n;
    struct report_stop stop = {st, done, sc->replications, note};
    struct cmd_run_stop c = {sc, res, &stop, seg};
    int rc = st == SLM_EINTR ? interrupt_exit_status() : CLI_EXIT_FAIL;

    if (done < n)
        run_describe_stop(sc, &res[n - 1], note, sizeof note);
    else if (done < sc->replications)
        /* the workers' replications were stopped whole */
        snprintf(note, sizeof note, "interrupted after %zu of %u "
                 "replications", done, sc->replications);
    else
        snprintf(note, sizeof note, "interrupted after the replications, "
                 "while making the figures");
    fprintf(stderr, "slmsim: %s: %s\n",
            st == SLM_EINTR ? "interrupted" : "error", note);
    if (done == 0)
        return rc;
    if (!o->json && !o->so.quiet) {
        cmd_run_segments_text(stdout, seg);
        report_print_text_stop(stdout, sc, res, done, &stop);
    }
    if (cli_write_file(sc->out_dir, "results.json", cmd_run_stop_json, &c))
        return CLI_EXIT_FAIL;
    return rc;
}

int cmd_run(int argc, char **argv)
{
    struct cmd_run_opts o;
    struct scenario *sc = NULL;
    struct run_result *res = NULL;
    struct cmd_run_segments seg;
    size_t n = 0, done = 0, i;
    enum cli_args_status ast;
    int st, rc;

    memset(&o, 0, sizeof o);
    cli_plots_init(&o.plots);
    ast = cli_args_parse(&cmd_run_args, argc, argv, &o);
    if (ast != CLI_ARGS_OK)
        return ast == CLI_ARGS_HELP ? CLI_EXIT_OK : CLI_EXIT_INPUT;
    rc = cli_load_scenario(&o.so, &sc);
    if (rc)
        return rc;
    rc = cmd_run_split(&o, sc, &seg);
    if (rc) {
        scenario_free(sc);
        return rc;
    }
    res = mem_calloc(sc->replications, sizeof *res);
    if (!res) {
        scenario_free(sc);
        return cli_status_exit(SLM_ENOMEM, NULL, NULL);
    }
    st = cmd_run_replications(sc, res, cli_jobs(o.jobs), 1, &n, &done);
    if (!st)
        st = cmd_run_figures(sc, res, n, cli_jobs(o.jobs), &o.plots);
    if (st == SLM_ELIMIT || st == SLM_EINTR)
        rc = cmd_run_stopped(sc, res, n, &o, &seg, st);
    else
        rc = cli_status_exit(st, "run failed", sc->path);
    if (!rc && !st) {
        struct cmd_run_results r = {sc, res, n, &o.plots, &seg};
        if (o.json)
            report_write_json_extra(stdout, sc, res, n, cmd_run_json_extra,
                                    &r);
        else if (!o.so.quiet) {
            cmd_run_segments_text(stdout, &seg);
            report_print_text(stdout, sc, res, n);
            economics_print_text(stdout, sc, res, n);
        }
        rc = cli_write_file(sc->out_dir, "results.json", cmd_run_json, &r);
        if (!rc && !o.json && !o.so.quiet)
            printf("\nwrote %s/results.json\n", sc->out_dir);
    }
    if (!rc && !st) {
        cli_plots_clean_run(&o.plots, sc->out_dir);
        rc = cmd_run_draw(&o.plots, sc->out_dir, o.json || o.so.quiet,
                          cli_jobs(o.jobs));
    }
    if (!st && interrupt_pending()) {
        /* interrupted while drawing: the results stand, marked so */
        rc = cmd_run_stopped(sc, res, n, &o, &seg, SLM_EINTR);
    }
    if (!rc && !st && o.fail_on_slo) {
        /* the verdict the report prints (models/verdict.h) */
        struct verdict v;
        char why[1024];
        verdict_compute(sc, res, n, &v);
        if (v.has_slo && !v.met) {
            fprintf(stderr, "slmsim run: %s\n",
                    verdict_describe(&v, why, sizeof why));
            rc = CLI_EXIT_SLO;
        }
    }
    cli_plots_fini(&o.plots);
    for (i = 0; i < n; i++)
        run_result_fini(&res[i]);
    mem_free(res);
    scenario_free(sc);
    return rc;
}
