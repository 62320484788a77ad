/* slmsim tco: the month-by-month cost table of local, API and hybrid,
 * and what the three cost commands share (scenario to cost inputs). */
#include <errno.h>
#include <sys/stat.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd_tco.h"
#include "cli/cmd_capacity.h"
#include "cli/common.h"
#include "plots/draw.h"
#include "models/capacity.h"
#include "study/capacity.h"
#include "study/cost.h"
#include "study/economics.h"
#include "study/pricing.h"
#include "models/report.h"
#include "models/run.h"
#include "plots/plot.h"
#include "sim/arrivals.h"
#include "sim/dist.h"
#include "sim/mem.h"
#include "sim/out.h"
#include "sim/units.h"

static const struct cli_opt cmd_tco_opts[] = {
    CLI_COST_OPTS("tco"),
    {.name = "--nominal", .kind = CLI_OPT_FLAG,
     .help = "skip the simulation (no simulated column)",
     .dest = offsetof(struct cli_cost_opts, simulate), .off = 1},
};

static const struct cli_args_spec cmd_tco_args = {
    .cmd = "tco",
    .help =
        "usage: slmsim tco [OPTIONS] SCENARIO.yaml\n"
        "\n"
        "Prints the month-by-month cost of running the scenario's workload on\n"
        "local GPUs, on the API, and (when a local share is known) hybrid:\n"
        "volume, GPUs in service, capex (amortisation charge), opex (power,\n"
        "facility, ops), one-time costs, API spend, cumulative cost, savings;\n"
        "then 3-year TCO, cost per 1K queries, the cash break-even month and the\n"
        "crossover volumes.  The table uses the declared volume and mean token\n"
        "counts (nominal, the spreadsheet's arithmetic) at the middle of every\n"
        "range; the summary adds each figure's low and high bound over the\n"
        "ranges and the simulated figure (billed tokens and utilisation from\n"
        "the scenario's replications).  Writes OUTDIR/tco.csv (the table) and\n"
        "OUTDIR/tco.json (the cost.* figures).\n"
        "\n",
    .help_tail =
        "\n"
        "Figure: tco (cumulative cost of each option month by month, the\n"
        "break-even months marked), into OUTDIR with OUTDIR/figures-tco.json.\n"
        "\n"
        "exit status: 0 success, 1 the run failed, 2 bad input\n",
    .opts = cmd_tco_opts,
    .nopts = sizeof cmd_tco_opts / sizeof cmd_tco_opts[0],
    .path = offsetof(struct cli_cost_opts, so.path),
};

enum cli_args_status cli_cost_args(const struct cli_args_spec *spec, int argc,
                                   char **argv, struct cli_cost_opts *o)
{
    cli_plots_init(&o->plots);
    return cli_args_parse(spec, argc, argv, o);
}

/* ---- shared: scenario to cost inputs (study/cost.h) ---- */

/* The capacity of one replica of backend b at the SLO, per GPU: the
 * probe scenario is loaded here (the user's overrides, then the probe's),
 * the search and its reading are study/'s. */
static int cost_capacity_simulate(const char *cmd,
                                  const struct cli_cost_opts *o,
                                  struct study_cost *c, int b)
{
    const char *name = c->sc->backends[b].name;
    struct capacity_result *r = mem_calloc(1, sizeof *r);
    struct scenario *sc = NULL;
    struct diag d;
    int st = r ? CLI_EXIT_OK : cli_status_exit(SLM_ENOMEM, NULL, NULL);

    diag_init(&d, stderr);
    if (!st)
        st = cli_capacity_load(cmd, &o->so, o->capacity_horizon > 0
                                   ? o->capacity_horizon
                                   : CAPACITY_DEFAULT_HORIZON,
                               name, 1, &sc);
    if (!st)
        st = cli_capacity_search(sc, scenario_backend_index(sc, name), 0, 0,
                                 0, cli_jobs(o->jobs), r);
    if (!st)
        st = cli_status_exit(study_cost_capacity_take(c, b, sc, r, &d),
                             NULL, NULL);
    scenario_free(sc);
    mem_free(r);
    return st;
}

/* Declared, simulated or unknown: c->capacity and its note.  o NULL:
 * no search (a borrowed scenario: run reports its own latency). */
static int cost_capacity(const char *cmd, const struct cli_cost_opts *o,
                         struct study_cost *c)
{
    struct diag d;
    int b, st;

    diag_init(&d, stderr);
    st = study_cost_capacity_plan(c, o != NULL, &d, &b);
    if (st)
        return cli_status_exit(st, NULL, NULL);
    return b >= 0 ? cost_capacity_simulate(cmd, o, c, b) : CLI_EXIT_OK;
}

int cli_cost_load(const char *cmd, const struct cli_cost_opts *o,
                  struct study_cost *c)
{
    struct scenario *sc = NULL;
    struct diag d;
    int st;

    memset(c, 0, sizeof *c);
    st = cli_load_scenario(&o->so, &c->sc);
    sc = c->sc;
    if (st)
        return st;
    if (!sc->costs) {
        fprintf(stderr, "%s: error: no 'costs' section: slmsim %s needs "
                        "one (see docs/cost.md)\n", sc->path, cmd);
        return CLI_EXIT_INPUT;
    }
    if (study_cost_init(c, sc, 0))
        return cli_status_exit(SLM_ENOMEM, NULL, NULL);
    st = cost_capacity(cmd, o, c);
    if (st || !o->simulate)
        return st;
    diag_init(&d, stderr);
    st = study_cost_simulate(c, &d);
    return st ? cli_status_exit(st, NULL, NULL) : CLI_EXIT_OK;
}

int cli_cost_borrow(struct study_cost *c, struct scenario *sc,
                    const struct run_result *res, size_t n)
{
    int st = study_cost_init(c, sc, 1);

    if (st)
        return st;
    cost_capacity(NULL, NULL, c);
    study_cost_measured(c, res, n);
    return SLM_OK;
}

static void cli_cost_json_capacity(struct jw *w, const struct study_cost *c)
{
    static const char *const sources[] = {"unknown", "declared",
                                          "simulated"};
    const struct scenario_slo *slo = &c->sc->slo;

    jw_object_begin(w, "capacity");
    jw_string(w, "source", sources[c->capacity_source]);
    jw_number(w, "queries_per_month_per_gpu",
              c->capacity > 0 ? c->capacity : (double)NAN);
    if (c->capacity_source == STUDY_CAPACITY_SIMULATED) {
        jw_string(w, "backend", c->capacity_backend);
        jw_object_begin(w, "slo");
        if (slo->ttft_p99 > 0)
            jw_number(w, "ttft_p99", slo->ttft_p99);
        if (slo->e2e_p99 > 0)
            jw_number(w, "e2e_p99", slo->e2e_p99);
        jw_object_end(w);
        jw_object_begin(w, "bracket");
        jw_number(w, "pass_per_month", c->capacity_pass);
        jw_number(w, "fail_per_month", c->capacity_fail > 0
                                           ? c->capacity_fail
                                           : (double)NAN);
        jw_object_end(w);
        jw_object_begin(w, "confident");
        for (int i = 0; i < 2; i++)
            jw_number(w, i ? "fail_per_month" : "pass_per_month",
                      c->capacity_sure[i] > 0 ? c->capacity_sure[i]
                                              : (double)NAN);
        jw_object_end(w);
    }
    jw_object_end(w);
}

void cli_cost_json_begin(struct jw *w, FILE *f, const struct study_cost *c)
{
    jw_init(w, f);
    jw_object_begin(w, NULL);
    jw_object_begin(w, "scenario");
    jw_string(w, "name", c->sc->name);
    jw_object_end(w);
    cli_cost_json_capacity(w, c);
}

int cli_cost_emit(const char *dir, const char *name, int to_stdout, cli_write_fn *write,
                  const void *ctx)
{
    int st = cli_write_file(dir, name, write, ctx);

    if (st || !to_stdout)
        return st;
    if (write(stdout, ctx) != 0 || fflush(stdout) != 0) {
        /* The reader stopped reading (`| head`): nothing to report. */
        if (errno == EPIPE)
            return CLI_EXIT_OK;
        return cli_status_exit(SLM_ESYS, "cannot write", "<stdout>");
    }
    return CLI_EXIT_OK;
}

/* ---- the figures the summary and cost.* report ---- */

enum tco_fig {
    FIG_MONTHLY_LOCAL, FIG_MONTHLY_API, FIG_MONTHLY_TOTAL, FIG_PER_1K,
    FIG_ALL_API_MONTHLY, FIG_ALL_API_PER_1K, FIG_SAVINGS,
    FIG_TCO_LOCAL, FIG_TCO_API, FIG_TCO_HYBRID, FIG_CROSS, FIG_CROSS_NO_ONE,
    FIG_BREAK_EVEN, FIG_N
};

static const char *const tco_fig_labels[FIG_N] = {
    "monthly, local side", "monthly, API side", "monthly, total",
    "per 1K queries", "all API: monthly", "all API: per 1K queries",
    "savings a month vs all API", "TCO, all local", "TCO, all API", "TCO, hybrid",
    "crossover, queries/month", "  without one-time costs",
    "break-even month (cash)"};

/* The scenario's own deployment: hybrid when a local share is known,
 * otherwise all local. */
static enum cost_option tco_deployment(const struct cost_tco *t)
{
    return t->has_hybrid ? COST_HYBRID : COST_LOCAL;
}

static int tco_figures(const struct cost_spec *spec, const double *v,
                       const struct cost_inputs *in, double *fig)
{
    struct cost_tco t;
    struct cost_crossover x;
    enum cost_option dep;
    const struct cost_month *m1;
    int st = cost_tco_compute(spec, v, in, &t);

    if (st)
        return st;
    dep = tco_deployment(&t);
    m1 = &t.m[0];
    fig[FIG_MONTHLY_LOCAL] = m1->capex[dep] + m1->opex[dep];
    fig[FIG_MONTHLY_API] = m1->api[dep];
    fig[FIG_MONTHLY_TOTAL] = fig[FIG_MONTHLY_LOCAL] + fig[FIG_MONTHLY_API];
    fig[FIG_PER_1K] = t.per_1k_queries[dep];
    fig[FIG_ALL_API_MONTHLY] = m1->total[COST_API];
    fig[FIG_ALL_API_PER_1K] = t.per_1k_queries[COST_API];
    fig[FIG_SAVINGS] = fig[FIG_ALL_API_MONTHLY] - fig[FIG_MONTHLY_TOTAL];
    fig[FIG_TCO_LOCAL] = t.tco[COST_LOCAL];
    fig[FIG_TCO_API] = t.tco[COST_API];
    fig[FIG_TCO_HYBRID] = t.tco[COST_HYBRID];
    cost_crossover_find(spec, v, in, dep, 1, 1e12, &x);
    fig[FIG_CROSS] = x.n ? x.c[0].volume : (double)NAN;
    cost_crossover_find(spec, v, in, dep, 0, 1e12, &x);
    fig[FIG_CROSS_NO_ONE] = x.n ? x.c[0].volume : (double)NAN;
    fig[FIG_BREAK_EVEN] = t.break_even_month[dep];
    cost_tco_fini(&t);
    return 0;
}

struct fig_ctx {
    const struct cost_inputs *in;
    int which;
};

static double tco_fig_metric(const struct cost_spec *spec, const double *v,
                             void *ctx)
{
    struct fig_ctx *fc = ctx;
    double fig[FIG_N];

    if (tco_figures(spec, v, fc->in, fig))
        return (double)NAN;
    return fig[fc->which];
}

struct tco_summary {
    double mid[FIG_N], lo[FIG_N], hi[FIG_N], sim[FIG_N];
    int has_sim;
};

static int tco_summarise(const struct study_cost *c, struct tco_summary *s)
{
    int st = tco_figures(c->spec, c->v, &c->nominal, s->mid);

    for (int f = 0; f < FIG_N && !st; f++) {
        struct fig_ctx fc = {&c->nominal, f};
        st = cost_bounds(c->spec, tco_fig_metric, &fc, &s->lo[f], &s->hi[f]);
    }
    s->has_sim = c->has_sim;
    if (!st && c->has_sim)
        st = tco_figures(c->spec, c->v, &c->simulated, s->sim);
    return st;
}

/* ---- text ---- */

/* Money as a finance reader reads it: "$21,000", cents only under $100
 * (sim/units.h); CSV and JSON keep full precision. */
static const char *money(char *buf, size_t size, double x)
{
    return units_format_money(x, buf, size);
}

static void tco_print_assumptions(FILE *f, const struct study_cost *c)
{
    const struct cost_spec *sp = c->spec;
    const double *v = c->v;

    fprintf(f, "assumptions:\n");
    fprintf(f, "  %d months; capex amortised over %d months from purchase\n",
            sp->months, sp->amortization_months);
    fprintf(f, "  one-time costs %s\n",
            sp->one_time == COST_ONE_TIME_EXPENSED
                ? "expensed in month 1"
                : "amortised with the capex");
    if (sp->gpu[0]) {
        char gp[32], sv[32];
        fprintf(f, "  GPUs: %.0f x %s as declared (replicas x tensor "
                   "parallel), %s from %s: %s per GPU, %s per server of "
                   "%.0f\n", sp->fleet, sp->gpu,
                sp->acquire == COST_RENT ? "rented" : "bought",
                sp->basis_gpu,
                units_format_money(v[COST_P_GPU_PRICE], gp, sizeof gp),
                units_format_money(v[COST_P_SERVER_PRICE], sv, sizeof sv),
                v[COST_P_GPUS_PER_SERVER]);
        if (sp->acquire == COST_RENT)
            fprintf(f, "  rent $%.4g per GPU-hour x 730.5 h (power and "
                       "facility in the rent)\n",
                    v[COST_P_RENT_PER_GPU_HOUR]);
    }
    if (sp->acquire == COST_RENT)
        ;
    else if (sp->power_declared)
        fprintf(f, "  power declared: $%.2f per GPU per month\n",
                v[COST_P_POWER_PER_MONTH]);
    else
        fprintf(f, "  power (%.0f idle .. %.0f peak W) x PUE %.2f x $%.3f/kWh"
                   " x 730.5 h, by utilisation\n",
                v[COST_P_POWER_IDLE_WATTS], v[COST_P_POWER_WATTS],
                v[COST_P_POWER_PUE], v[COST_P_POWER_PER_KWH]);
    fprintf(f, "  capacity %s\n", c->capacity_note);
    {
        /* What the table buys: the declared fleet, grown month by month
         * from the capacity per GPU when the volume outgrows it. */
        struct study_bill b;
        char fl[160];
        if (sp->gpu[0] && study_price(sp, v, &c->nominal, &b) == SLM_OK)
            for (int o = 0; o < COST_NOPTIONS; o++)
                if (o != COST_API && (o != COST_HYBRID || b.has_hybrid))
                    fprintf(f, "  fleet, %s: %s\n", o == COST_LOCAL
                                                       ? "all local"
                                                       : "hybrid",
                            study_fleet_text(sp, &b, (enum cost_option)o, 0,
                                             fl, sizeof fl));
    }
    {
        char vol[32];
        fprintf(f, "  nominal: %s queries/month; %.6g input + %.6g output "
                   "tokens per query the API bills%s",
                units_format_volume(c->nominal.volume, vol, sizeof vol),
                c->nominal.input_tokens, c->nominal.output_tokens,
                sp->params[COST_P_INPUT_TOKENS].given
                    ? " (costs.query overrides them)\n"
                    : " (the tasks the routing sends it, escalations and "
                      "re-asks included)");
        if (!sp->params[COST_P_INPUT_TOKENS].given &&
            c->nominal.all_api_input_tokens > 0)
            fprintf(f, "; all API at the workload's %.6g + %.6g\n",
                    c->nominal.all_api_input_tokens,
                    c->nominal.all_api_output_tokens);
        else if (!sp->params[COST_P_INPUT_TOKENS].given)
            fprintf(f, "\n");
    }
    if (sp->has_api_price)
        fprintf(f, "  API $%.4g / $%.4g per 1M input / output tokens, from "
                   "%s\n", v[COST_P_API_INPUT_PER_1M],
                v[COST_P_API_OUTPUT_PER_1M], sp->basis_api);
    else
        fprintf(f, "  API: no price (%s): the API columns are unpriced\n",
                sp->basis_api);
    for (size_t i = 0; i < sp->nparams; i++)
        if (sp->params[i].lo < sp->params[i].hi)
            fprintf(f, "  range %s [%g, %g]: the table uses %g\n",
                    sp->params[i].name, sp->params[i].lo, sp->params[i].hi,
                    v[i]);
    fprintf(f, "  crossover: steady month, one-time costs spread over %d "
               "months when included\n", sp->amortization_months);
    fprintf(f, "  break-even: cash basis (capex when bought, one-time in "
               "month 1)\n");
}

static void tco_print_table(FILE *f, const struct cost_tco *t)
{
    char b[10][32];
    enum cost_option dep = tco_deployment(t);

    fprintf(f, "\n%5s %14s %4s %10s %9s %10s %13s %14s %14s %15s %15s "
               "%15s\n", "month", "volume", "gpus", "capex", "opex",
            "one-time", cost_option_names[dep], "api", "savings",
            dep == COST_HYBRID ? "cum hybrid" : "cum local", "cum api",
            "cum savings");
    for (int i = 0; i < t->months; i++) {
        const struct cost_month *m = &t->m[i];
        char vol[32];
        fprintf(f, "%5d %14s %4d %10s %9s %10s %13s %14s %14s %15s %15s "
                   "%15s\n", m->month,
                units_format_count(m->volume, vol, sizeof vol), m->gpus[dep],
                money(b[0], 32, m->capex[dep]), money(b[1], 32, m->opex[dep]),
                money(b[2], 32, m->one_time[dep]),
                money(b[3], 32, m->total[dep]),
                money(b[4], 32, m->total[COST_API]),
                money(b[8], 32, m->total[COST_API] - m->total[dep]),
                money(b[5], 32, m->cum[dep]),
                money(b[6], 32, m->cum[COST_API]),
                money(b[7], 32, m->cum[COST_API] - m->cum[dep]));
    }
}

static void tco_fig_text(char *buf, size_t size, int f, double x)
{
    if (isnan(x))
        snprintf(buf, size, "-");
    else if (f == FIG_BREAK_EVEN)
        snprintf(buf, size, x > 0 ? "%.0f" : "never", x);
    else if (f == FIG_CROSS || f == FIG_CROSS_NO_ONE)
        units_format_count(x, buf, size);
    else
        money(buf, size, x);
}

static void tco_print_summary(FILE *f, const struct tco_summary *s,
                              int has_hybrid)
{
    char a[32], b[32], c[32], d[32];

    fprintf(f, "\n%-28s %15s %15s %15s %15s\n", "month 1 (steady) and totals",
            "nominal", "low", "high", s->has_sim ? "simulated" : "");
    for (int i = 0; i < FIG_N; i++) {
        if (i == FIG_TCO_HYBRID && !has_hybrid)
            continue;
        tco_fig_text(a, sizeof a, i, s->mid[i]);
        tco_fig_text(b, sizeof b, i, s->lo[i]);
        tco_fig_text(c, sizeof c, i, s->hi[i]);
        tco_fig_text(d, sizeof d, i, s->sim[i]);
        fprintf(f, "%-28s %15s %15s %15s %15s\n", tco_fig_labels[i], a, b, c,
                s->has_sim ? d : "");
    }
}

/* ---- CSV and JSON ---- */

static int tco_write_csv(FILE *f, const void *ctx)
{
    const struct cost_tco *t = ctx;

    fprintf(f, "month,volume,gpus_local,gpus_hybrid,capex_local,opex_local,"
               "power_local,one_time_local,total_local,total_api,"
               "capex_hybrid,opex_hybrid,api_hybrid,total_hybrid,cum_local,"
               "cum_api,cum_hybrid,cash_cum_local,cash_cum_api,"
               "cash_cum_hybrid,savings_local,savings_hybrid\n");
    for (int i = 0; i < t->months; i++) {
        const struct cost_month *m = &t->m[i];
        fprintf(f, "%d,%.10g,%d,%d,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,"
                   "%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,"
                   "%.10g,%.10g,%.10g\n",
                m->month, m->volume, m->gpus[COST_LOCAL], m->gpus[COST_HYBRID],
                m->capex[COST_LOCAL], m->opex[COST_LOCAL],
                m->power[COST_LOCAL], m->one_time[COST_LOCAL],
                m->total[COST_LOCAL], m->total[COST_API],
                m->capex[COST_HYBRID], m->opex[COST_HYBRID],
                m->api[COST_HYBRID], m->total[COST_HYBRID], m->cum[COST_LOCAL],
                m->cum[COST_API], m->cum[COST_HYBRID],
                m->cum_cash[COST_LOCAL], m->cum_cash[COST_API],
                m->cum_cash[COST_HYBRID],
                m->total[COST_API] - m->total[COST_LOCAL],
                m->total[COST_API] - m->total[COST_HYBRID]);
    }
    return ferror(f) ? -1 : 0;
}

/* The cost.* keys of results.json (docs/results.md) for one set of
 * figures. */
static void tco_json_figs(struct jw *w, const char *key, const double *fig,
                          int months)
{
    jw_object_begin(w, key);
    jw_object_begin(w, "monthly");
    jw_number(w, "local", fig[FIG_MONTHLY_LOCAL]);
    jw_number(w, "api", fig[FIG_MONTHLY_API]);
    jw_number(w, "total", fig[FIG_MONTHLY_TOTAL]);
    jw_object_end(w);
    jw_number(w, "per_1k_queries", fig[FIG_PER_1K]);
    jw_object_begin(w, "all_api");
    jw_number(w, "monthly", fig[FIG_ALL_API_MONTHLY]);
    jw_number(w, "per_1k_queries", fig[FIG_ALL_API_PER_1K]);
    jw_object_end(w);
    jw_number(w, "savings_per_month", fig[FIG_SAVINGS]);
    jw_object_begin(w, "tco");
    jw_int(w, "months", months);
    jw_number(w, "local", fig[FIG_TCO_LOCAL]);
    jw_number(w, "api", fig[FIG_TCO_API]);
    jw_number(w, "hybrid", fig[FIG_TCO_HYBRID]);
    jw_object_end(w);
    jw_object_begin(w, "crossover");
    jw_number(w, "queries_per_month", fig[FIG_CROSS]);
    jw_number(w, "queries_per_month_without_one_time",
              fig[FIG_CROSS_NO_ONE]);
    jw_object_end(w);
    if (fig[FIG_BREAK_EVEN] > 0)
        jw_int(w, "break_even_month", (int64_t)fig[FIG_BREAK_EVEN]);
    else
        jw_number(w, "break_even_month", (double)NAN);
}

static int tco_write_json(FILE *f, const struct study_cost *c,
                          const struct tco_summary *s, const struct cost_tco *t)
{
    struct jw w;

    cli_cost_json_begin(&w, f, c);
    tco_json_figs(&w, "cost", s->mid, t->months);
    jw_string(&w, "basis", "nominal");
    tco_json_figs(&w, "low", s->lo, t->months);
    jw_object_end(&w);
    tco_json_figs(&w, "high", s->hi, t->months);
    jw_object_end(&w);
    if (s->has_sim) {
        tco_json_figs(&w, "simulated", s->sim, t->months);
        jw_object_end(&w);
    }
    jw_array_begin(&w, "table");
    for (int i = 0; i < t->months; i++) {
        const struct cost_month *m = &t->m[i];
        jw_object_begin(&w, NULL);
        jw_int(&w, "month", m->month);
        jw_number(&w, "volume", m->volume);
        for (int o = 0; o < COST_NOPTIONS; o++) {
            if (o == COST_HYBRID && !t->has_hybrid)
                continue;
            jw_object_begin(&w, cost_option_names[o]);
            jw_int(&w, "gpus", m->gpus[o]);
            jw_number(&w, "capex", m->capex[o]);
            jw_number(&w, "opex", m->opex[o]);
            jw_number(&w, "one_time", m->one_time[o]);
            jw_number(&w, "api", m->api[o]);
            jw_number(&w, "total", m->total[o]);
            jw_number(&w, "cumulative", m->cum[o]);
            jw_number(&w, "cash_cumulative", m->cum_cash[o]);
            jw_object_end(&w);
        }
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    jw_object_end(&w);
    return jw_finish(&w);
}

struct tco_json {
    const struct study_cost *c;
    const struct tco_summary *s;
    const struct cost_tco *t;
};

static int tco_json_fn(FILE *f, const void *ctx)
{
    const struct tco_json *j = ctx;
    return tco_write_json(f, j->c, j->s, j->t);
}

static int tco_outputs(const struct cli_cost_opts *o, const struct study_cost *c,
                       const struct tco_summary *s, const struct cost_tco *t)
{
    int st;

    struct tco_json j = {c, s, t};

    if (!o->so.quiet && !o->csv && !o->json) {
        printf("slmsim tco: %s (%s)\n", c->sc->name, c->sc->path);
        tco_print_assumptions(stdout, c);
        tco_print_table(stdout, t);
        tco_print_summary(stdout, s, t->has_hybrid);
    }
    if ((st = cli_cost_emit(c->sc->out_dir, "tco.csv", o->csv,
                            tco_write_csv, t)))
        return st;
    if ((st = cli_cost_emit(c->sc->out_dir, "tco.json", o->json,
                            tco_json_fn, &j)))
        return st;
    if (!o->so.quiet && !o->csv && !o->json)
        printf("\nwrote %s/tco.csv and %s/tco.json\n", c->sc->out_dir,
               c->sc->out_dir);
    return CLI_EXIT_OK;
}

/* The tco figure: cumulative accrual cost from month 0, the cash
 * break-even months marked on their curves. */
static int tco_figure(const struct study_cost *c, const struct cost_tco *t,
                      struct cli_plots *p)
{
    static const enum plot_role roles[COST_NOPTIONS] = {PLOT_LOCAL, PLOT_API,
                                                        PLOT_HYBRID};
    struct plot_cost_curve curves[COST_NOPTIONS];
    int be[COST_NOPTIONS];
    char caption[FIGURE_MAX_CAPTION];
    struct figure *f = NULL;
    double *cum;
    size_t nc = 0, m;
    int opt, st;

    cum = mem_calloc((size_t)COST_NOPTIONS * ((size_t)t->months + 1),
                     sizeof *cum);
    if (!cum)
        return SLM_ENOMEM;
    for (opt = 0; opt < COST_NOPTIONS; opt++) {
        double *col = cum + (size_t)opt * ((size_t)t->months + 1);
        if (opt == COST_HYBRID && !t->has_hybrid)
            continue;
        for (m = 1; m <= (size_t)t->months; m++)
            col[m] = t->m[m - 1].cum[opt];
        curves[nc] = (struct plot_cost_curve){roles[opt], NULL, col};
        be[nc++] = opt == COST_API ? 0 : t->break_even_month[opt];
    }
    {
        struct plot_tco_input in = {
            {c->sc->name, cli_plots_caption(c->sc, caption, sizeof caption)},
            (size_t)t->months, nc, curves, be};
        st = plot_tco(&in, &f);
        st = cli_plots_add(p, st, f);
    }
    mem_free(cum);
    return st;
}

int cli_tco_figure(const struct study_cost *c, const struct cost_inputs *in,
                   struct cli_plots *p)
{
    struct cost_tco t;
    int st = cost_tco_compute(c->spec, c->v, in, &t);

    if (st)
        return st;
    st = tco_figure(c, &t, p);
    cost_tco_fini(&t);
    return st;
}

int cmd_tco(int argc, char **argv)
{
    struct cli_cost_opts o = {0};
    struct study_cost c;
    struct tco_summary s = {0};
    struct cost_tco t;
    int st;

    o.simulate = 1;
    st = cli_cost_args(&cmd_tco_args, argc, argv, &o);
    if (st != CLI_ARGS_OK)
        return st == CLI_ARGS_HELP ? CLI_EXIT_OK : CLI_EXIT_INPUT;
    st = cli_cost_load("tco", &o, &c);
    if (!st) {
        int e = tco_summarise(&c, &s);
        if (!e)
            e = cost_tco_compute(c.spec, c.v, &c.nominal, &t);
        if (!e && (e = cli_interrupted_or(e)))
            cost_tco_fini(&t); /* computed, but a signal came meanwhile */
        st = e ? cli_status_exit(e, NULL, NULL) : CLI_EXIT_OK;
        if (!e) {
            st = tco_outputs(&o, &c, &s, &t);
            if (!st && cli_plots_wanted(&o.plots, c.sc, PLOT_TCO)) {
                e = cli_tco_figure(&c, &c.nominal, &o.plots);
                st = e ? cli_status_exit(e, NULL, NULL)
                       : cli_plots_finish(&o.plots, c.sc->out_dir, "tco",
                                          o.so.quiet || o.json || o.csv);
            }
            cost_tco_fini(&t);
        }
    }
    cli_plots_fini(&o.plots);
    study_cost_fini(&c);
    return st;
}
