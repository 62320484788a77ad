/* slmsim crossover: the monthly volumes where local (or hybrid) and API
 * cost the same, with and without the one-time costs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_crossover.h"
#include "cli/common.h"
#include "plots/draw.h"
#include "plots/plot.h"
#include "sim/mem.h"
#include "sim/units.h"

static const struct cli_opt cmd_crossover_opts[] = {
    CLI_COST_OPTS("crossover"),
    {.name = "--max-volume", .kind = CLI_OPT_STRING, .metavar = "N",
     .help = "search up to N queries/month (default 1e10)",
     .dest = offsetof(struct cli_cost_opts, extra_value)},
};

static const struct cli_args_spec cmd_crossover_args = {
    .cmd = "crossover",
    .help =
        "usage: slmsim crossover [OPTIONS] SCENARIO.yaml\n"
        "\n"
        "Finds every monthly volume where the local GPUs (and, when a local\n"
        "share is known, the hybrid) cost the same as the API, in a steady\n"
        "month: capex as its amortisation charge, power, facility, ops, and\n"
        "API tokens at the declared mean sizes.  The GPU count follows the\n"
        "volume (the capacity per GPU: declared, or simulated at the SLO), so\n"
        "local cost is a step function and there may be several crossings.\n"
        "Printed without and with the one-time costs (spread over\n"
        "amortization_months), at the middle of every range and as the range\n"
        "of the first crossing over them.  Writes OUTDIR/crossover.csv and\n"
        "OUTDIR/crossover.json (the crossings).\n"
        "\n",
    .help_tail =
        "\n"
        "Figure: cost-vs-volume (monthly cost of each option against volume,\n"
        "log-log, crossings marked), into OUTDIR with\n"
        "OUTDIR/figures-crossover.json.\n"
        "\n"
        "exit status: 0 success, 1 the run failed, 2 bad input\n",
    .opts = cmd_crossover_opts,
    .nopts = sizeof cmd_crossover_opts / sizeof cmd_crossover_opts[0],
    .path = offsetof(struct cli_cost_opts, so.path),
};

struct cross_case {
    enum cost_option option;
    int with_one_time;
    struct cost_crossover x; /* at the middle values */
    double lo, hi;           /* first crossing over the ranges */
};

struct cross_ctx {
    const struct cost_inputs *in;
    const struct cross_case *cc;
    double max_volume;
};

static double cross_first(const struct cost_spec *spec, const double *v,
                          void *ctx)
{
    const struct cross_ctx *c = ctx;
    struct cost_crossover x;

    cost_crossover_find(spec, v, c->in, c->cc->option, c->cc->with_one_time,
                        c->max_volume, &x);
    return x.n ? x.c[0].volume : (double)NAN;
}

static void cross_print(const struct study_cost *c, const struct cross_case *k,
                        size_t n)
{
    printf("slmsim crossover: %s (%s)\n", c->sc->name, c->sc->path);
    printf("nominal: %.6g input + %.6g output tokens per API query%s\n",
           c->nominal.input_tokens, c->nominal.output_tokens,
           c->spec->params[COST_P_INPUT_TOKENS].given
               ? " (costs.query: see ranges)" : "");
    printf("capacity %s\n", c->capacity_note);
    for (size_t i = 0; i < n; i++) {
        printf("\n%s vs api, %s:\n", cost_option_names[k[i].option],
               k[i].with_one_time ? "with one-time costs spread over the "
                                    "amortisation"
                                  : "without one-time costs");
        if (!k[i].x.n)
            printf("  no crossing up to the search limit\n");
        for (size_t j = 0; j < k[i].x.n; j++) {
            char v[32];
            printf("  %14s queries/month  %d GPU%s, %s cheaper above\n",
                   units_format_count(k[i].x.c[j].volume, v, sizeof v),
                   k[i].x.c[j].gpus,
                   k[i].x.c[j].gpus == 1 ? "" : "s",
                   cost_option_names[k[i].x.c[j].cheaper_above]);
        }
        if (k[i].x.truncated)
            printf("  (search stopped: more crossings may follow)\n");
        if (!isnan(k[i].lo)) {
            char a[32], b[32];
            printf("  first crossing over the ranges: %s .. %s "
                   "queries/month\n", units_format_count(k[i].lo, a, sizeof a),
                   units_format_count(k[i].hi, b, sizeof b));
        }
    }
}

struct cross_out {
    const struct study_cost *c;
    const struct cross_case *k;
    size_t n;
};

static int cross_csv(FILE *f, const void *ctx)
{
    const struct cross_out *x = ctx;
    const struct cross_case *k = x->k;
    size_t n = x->n;

    fprintf(f, "option,one_time,index,volume,gpus,cheaper_above,"
               "first_low,first_high\n");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k[i].x.n; j++)
            fprintf(f, "%s,%s,%zu,%.10g,%d,%s,%.10g,%.10g\n",
                    cost_option_names[k[i].option],
                    k[i].with_one_time ? "yes" : "no", j, k[i].x.c[j].volume,
                    k[i].x.c[j].gpus,
                    cost_option_names[k[i].x.c[j].cheaper_above], k[i].lo,
                    k[i].hi);
    return ferror(f) ? -1 : 0;
}

static int cross_json(FILE *f, const void *ctx)
{
    const struct cross_out *x = ctx;
    const struct study_cost *c = x->c;
    const struct cross_case *k = x->k;
    size_t n = x->n;
    struct jw w;

    cli_cost_json_begin(&w, f, c);
    jw_array_begin(&w, "crossover");
    for (size_t i = 0; i < n; i++) {
        jw_object_begin(&w, NULL);
        jw_string(&w, "option", cost_option_names[k[i].option]);
        jw_bool(&w, "one_time", k[i].with_one_time);
        jw_array_begin(&w, "crossings");
        for (size_t j = 0; j < k[i].x.n; j++) {
            jw_object_begin(&w, NULL);
            jw_number(&w, "queries_per_month", k[i].x.c[j].volume);
            jw_int(&w, "gpus", k[i].x.c[j].gpus);
            jw_string(&w, "cheaper_above",
                      cost_option_names[k[i].x.c[j].cheaper_above]);
            jw_object_end(&w);
        }
        jw_array_end(&w);
        jw_bool(&w, "truncated", k[i].x.truncated);
        jw_object_begin(&w, "first");
        jw_number(&w, "low", k[i].lo);
        jw_number(&w, "high", k[i].hi);
        jw_object_end(&w);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    return jw_finish(&w);
}

static int cross_outputs(const struct cli_cost_opts *o,
                         const struct study_cost *c, const struct cross_case *k,
                         size_t n)
{
    struct cross_out x = {c, k, n};
    int st;

    if (!o->so.quiet && !o->csv && !o->json)
        cross_print(c, k, n);
    if ((st = cli_cost_emit(c->sc->out_dir, "crossover.csv", o->csv,
                            cross_csv, &x)))
        return st;
    if ((st = cli_cost_emit(c->sc->out_dir, "crossover.json", o->json,
                            cross_json, &x)))
        return st;
    if (!o->so.quiet && !o->csv && !o->json)
        printf("\nwrote %s/crossover.csv and %s/crossover.json\n",
               c->sc->out_dir, c->sc->out_dir);
    return CLI_EXIT_OK;
}

static int cross_max_volume(const struct cli_cost_opts *o, double *out)
{
    *out = 1e10;
    if (!o->extra_value)
        return 0;
    if (units_parse_number(o->extra_value, out) != 0 || !(*out > 0)) {
        fprintf(stderr, "slmsim crossover: error: '--max-volume' must be a "
                        "number > 0, got '%s'\n", o->extra_value);
        return CLI_EXIT_INPUT;
    }
    return 0;
}

#define CROSS_FIG_POINTS 97

/* 1 when the hybrid option can be priced from in: a local share known. */
static int cross_has_hybrid(const struct study_cost *c,
                            const struct cost_inputs *in)
{
    return isfinite(in->local_share) ||
           (!in->simulated && c->spec->params[COST_P_LOCAL_SHARE].given);
}

/* Every crossing of option with the API (one-time costs spread) into
 * x[*nx..PLOT_MAX_CROSSINGS), at the API's cost there. */
static void cross_marks(const struct study_cost *c, const struct cost_inputs *in,
                        enum cost_option option, double max_volume,
                        struct plot_crossing *x, size_t *nx)
{
    struct cost_crossover k;
    size_t j;

    cost_crossover_find(c->spec, c->v, in, option, 1, max_volume, &k);
    for (j = 0; j < k.n && *nx < PLOT_MAX_CROSSINGS; j++, ++*nx) {
        x[*nx].volume = k.c[j].volume;
        x[*nx].cost = cost_monthly_at(c->spec, c->v, in, COST_API,
                                      x[*nx].volume, 1, NULL);
        x[*nx].what = option == COST_HYBRID ? "hybrid = API" : "local = API";
    }
}

/* The cost-vs-volume figure: monthly cost of each option over a log grid
 * up to max_volume (one-time costs spread over the amortisation, the
 * spreadsheet's view), every crossing marked. */
int cli_cost_vs_volume_figure(const struct study_cost *c,
                              const struct cost_inputs *in,
                              double max_volume, struct cli_plots *p)
{
    static const enum plot_role roles[COST_NOPTIONS] = {PLOT_LOCAL, PLOT_API,
                                                        PLOT_HYBRID};
    struct plot_crossing x[PLOT_MAX_CROSSINGS];
    struct plot_cost_curve curves[COST_NOPTIONS];
    double vol[CROSS_FIG_POINTS], *cost;
    char caption[FIGURE_MAX_CAPTION];
    struct figure *f = NULL;
    size_t nc = 0, nx = 0, j;
    double lo = fmin(1e3, in->volume / 10);
    int opt, st, hybrid = cross_has_hybrid(c, in);

    cost = mem_calloc(COST_NOPTIONS * CROSS_FIG_POINTS, sizeof *cost);
    if (!cost)
        return SLM_ENOMEM;
    for (j = 0; j < CROSS_FIG_POINTS; j++)
        vol[j] = lo * pow(max_volume / lo, (double)j / (CROSS_FIG_POINTS - 1));
    for (opt = 0; opt < COST_NOPTIONS; opt++) {
        double *col = cost + (size_t)opt * CROSS_FIG_POINTS;
        if (opt == COST_HYBRID && !hybrid)
            continue;
        for (j = 0; j < CROSS_FIG_POINTS; j++)
            col[j] = cost_monthly_at(c->spec, c->v, in, (enum cost_option)opt,
                                     vol[j], 1, NULL);
        curves[nc++] = (struct plot_cost_curve){roles[opt], NULL, col};
    }
    cross_marks(c, in, COST_LOCAL, max_volume, x, &nx);
    if (hybrid)
        cross_marks(c, in, COST_HYBRID, max_volume, x, &nx);
    {
        struct plot_cost_input pin = {
            {c->sc->name, cli_plots_caption(c->sc, caption, sizeof caption)},
            CROSS_FIG_POINTS, vol, nc, curves, nx, x, in->volume};
        st = plot_cost_vs_volume(&pin, &f);
        st = cli_plots_add(p, st, f);
    }
    mem_free(cost);
    return st;
}

int cmd_crossover(int argc, char **argv)
{
    struct cli_cost_opts o = {0};
    struct cross_case k[4];
    struct study_cost c;
    double max_volume;
    size_t n = 0;
    int st;

    st = cli_cost_args(&cmd_crossover_args, argc, argv, &o);
    if (st != CLI_ARGS_OK)
        return st == CLI_ARGS_HELP ? CLI_EXIT_OK : CLI_EXIT_INPUT;
    if ((st = cross_max_volume(&o, &max_volume)))
        return st;
    if ((st = cli_cost_load("crossover", &o, &c))) {
        study_cost_fini(&c);
        return st;
    }
    for (int opt = COST_LOCAL; opt < COST_NOPTIONS; opt++) {
        if (opt == COST_API ||
            (opt == COST_HYBRID && !cross_has_hybrid(&c, &c.nominal)))
            continue;
        for (int one = 0; one < 2 && !st; one++, n++) {
            struct cross_ctx ctx = {&c.nominal, &k[n], max_volume};
            k[n].option = (enum cost_option)opt;
            k[n].with_one_time = one;
            cost_crossover_find(c.spec, c.v, &c.nominal, k[n].option, one,
                                max_volume, &k[n].x);
            st = cost_bounds(c.spec, cross_first, &ctx, &k[n].lo, &k[n].hi);
        }
    }
    st = cli_interrupted_or(st);
    st = st ? cli_status_exit(st, NULL, NULL) : cross_outputs(&o, &c, k, n);
    if (!st && cli_plots_wanted(&o.plots, c.sc, PLOT_COST_VS_VOLUME)) {
        int e = cli_cost_vs_volume_figure(&c, &c.nominal, max_volume,
                                          &o.plots);
        st = e ? cli_status_exit(e, NULL, NULL)
               : cli_plots_finish(&o.plots, c.sc->out_dir, "crossover",
                                  o.so.quiet || o.json || o.csv);
    }
    cli_plots_fini(&o.plots);
    study_cost_fini(&c);
    return st;
}
