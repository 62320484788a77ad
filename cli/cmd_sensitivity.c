/* slmsim sensitivity: which uncertain cost input moves the 3-year TCO
 * most (a tornado table). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd_sensitivity.h"
#include "cli/common.h"
#include "plots/draw.h"
#include "sim/units.h"
#include "plots/plot.h"
#include "sim/mem.h"

static const struct cli_opt cmd_sensitivity_opts[] = {
    CLI_COST_OPTS("sensitivity"),
    {.name = "--metric", .kind = CLI_OPT_STRING, .metavar = "M",
     .help = "local | api | hybrid | savings (API TCO minus\n"
             "the deployment's); default hybrid when a local\n"
             "share is known, local otherwise",
     .dest = offsetof(struct cli_cost_opts, extra_value)},
};

static const struct cli_args_spec cmd_sensitivity_args = {
    .cmd = "sensitivity",
    .help =
        "usage: slmsim sensitivity [OPTIONS] SCENARIO.yaml\n"
        "\n"
        "Ranks the cost inputs given as ranges ([low, high]) by how far the\n"
        "3-year TCO moves when each goes from its low to its high end with\n"
        "every other input at the middle of its range (a tornado table).\n"
        "Nominal figures: the declared volume and mean token counts.  Writes\n"
        "OUTDIR/sensitivity.csv and OUTDIR/sensitivity.json (the table).\n"
        "\n",
    .help_tail =
        "\n"
        "Figure: sensitivity (a tornado: the TCO with each input at the low and\n"
        "the high end of its range, largest swing on top), into OUTDIR with\n"
        "OUTDIR/figures-sensitivity.json.\n"
        "\n"
        "exit status: 0 success, 1 the run failed, 2 bad input\n",
    .opts = cmd_sensitivity_opts,
    .nopts = sizeof cmd_sensitivity_opts / sizeof cmd_sensitivity_opts[0],
    .path = offsetof(struct cli_cost_opts, so.path),
};

enum sens_metric { SENS_LOCAL, SENS_API, SENS_HYBRID, SENS_SAVINGS };
static const char *const sens_metric_names[] = {"local", "api", "hybrid",
                                                "savings"};

struct sens_ctx {
    const struct cost_inputs *in;
    enum sens_metric metric;
};

static double sens_tco(const struct cost_spec *spec, const double *v,
                       void *ctx)
{
    const struct sens_ctx *c = ctx;
    struct cost_tco t;
    double x;

    if (cost_tco_compute(spec, v, c->in, &t))
        return (double)NAN;
    switch (c->metric) {
    case SENS_SAVINGS:
        x = t.tco[COST_API] - t.tco[t.has_hybrid ? COST_HYBRID : COST_LOCAL];
        break;
    default:
        x = t.tco[c->metric];
    }
    cost_tco_fini(&t);
    return x;
}

static void sens_print(const struct study_cost *c, const struct sens_ctx *ctx,
                       double base, const struct cost_sensitivity *s,
                       size_t n)
{
    printf("slmsim sensitivity: %s (%s)\n", c->sc->name, c->sc->path);
    printf("capacity %s\n", c->capacity_note);
    char m[4][32];
    printf("%d-month TCO, %s; every other input at the middle of its range: "
           "%s\n\n", c->spec->months, sens_metric_names[ctx->metric],
           units_format_money(base, m[0], sizeof m[0]));
    printf("%4s  %-28s %12s %12s %15s %15s %15s\n", "rank", "input", "low",
           "high", "TCO at low", "TCO at high", "swing");
    for (size_t i = 0; i < n; i++) {
        const struct cost_param_def *pd = &c->spec->params[s[i].param];
        printf("%4zu  %-28s %12g %12g %15s %15s %15s\n", i + 1,
               pd->name, pd->lo, pd->hi,
               units_format_money(s[i].at_lo, m[1], sizeof m[1]),
               units_format_money(s[i].at_hi, m[2], sizeof m[2]),
               units_format_money(s[i].swing, m[3], sizeof m[3]));
    }
    if (!n)
        printf("no input is given as a range: nothing to rank\n");
}

struct sens_out {
    const struct study_cost *c;
    const struct sens_ctx *ctx;
    double base;
    const struct cost_sensitivity *s;
    size_t n;
};

static int sens_csv(FILE *f, const void *arg)
{
    const struct sens_out *o = arg;
    const struct study_cost *c = o->c;
    const struct cost_sensitivity *s = o->s;
    size_t n = o->n;

    fprintf(f, "rank,input,low,high,tco_at_low,tco_at_high,swing\n");
    for (size_t i = 0; i < n; i++) {
        const struct cost_param_def *pd = &c->spec->params[s[i].param];
        fprintf(f, "%zu,%s,%.10g,%.10g,%.10g,%.10g,%.10g\n", i + 1, pd->name,
                pd->lo, pd->hi, s[i].at_lo, s[i].at_hi, s[i].swing);
    }
    return ferror(f) ? -1 : 0;
}

static int sens_json(FILE *f, const void *arg)
{
    const struct sens_out *o = arg;
    const struct study_cost *c = o->c;
    const struct sens_ctx *ctx = o->ctx;
    double base = o->base;
    const struct cost_sensitivity *s = o->s;
    size_t n = o->n;
    struct jw w;

    cli_cost_json_begin(&w, f, c);
    jw_object_begin(&w, "sensitivity");
    jw_string(&w, "metric", sens_metric_names[ctx->metric]);
    jw_int(&w, "months", c->spec->months);
    jw_number(&w, "base", base);
    jw_array_begin(&w, "inputs");
    for (size_t i = 0; i < n; i++) {
        const struct cost_param_def *pd = &c->spec->params[s[i].param];
        jw_object_begin(&w, NULL);
        jw_string(&w, "input", pd->name);
        jw_number(&w, "low", pd->lo);
        jw_number(&w, "high", pd->hi);
        jw_number(&w, "tco_at_low", s[i].at_lo);
        jw_number(&w, "tco_at_high", s[i].at_hi);
        jw_number(&w, "swing", s[i].swing);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    jw_object_end(&w);
    return jw_finish(&w);
}

static int sens_outputs(const struct cli_cost_opts *o,
                        const struct study_cost *c, const struct sens_ctx *ctx,
                        double base, const struct cost_sensitivity *s,
                        size_t n)
{
    struct sens_out out = {c, ctx, base, s, n};
    int st;

    if (!o->so.quiet && !o->csv && !o->json)
        sens_print(c, ctx, base, s, n);
    if ((st = cli_cost_emit(c->sc->out_dir, "sensitivity.csv", o->csv,
                            sens_csv, &out)))
        return st;
    if ((st = cli_cost_emit(c->sc->out_dir, "sensitivity.json", o->json,
                            sens_json, &out)))
        return st;
    if (!o->so.quiet && !o->csv && !o->json)
        printf("\nwrote %s/sensitivity.csv and %s/sensitivity.json\n",
               c->sc->out_dir, c->sc->out_dir);
    return CLI_EXIT_OK;
}

/* The metric named name (NULL: the default) for inputs in; -1 when the
 * name is not one allowed. */
static int sens_metric_of(const struct study_cost *c,
                          const struct cost_inputs *in, const char *name,
                          enum sens_metric *m)
{
    int hybrid = isfinite(in->local_share) ||
                 (!in->simulated && c->spec->params[COST_P_LOCAL_SHARE].given);

    *m = hybrid ? SENS_HYBRID : SENS_LOCAL;
    if (!name)
        return 0;
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, sens_metric_names[i])) {
            *m = (enum sens_metric)i;
            return *m == SENS_HYBRID && !hybrid ? -1 : 0;
        }
    return -1;
}

static int sens_metric_arg(const struct cli_cost_opts *o,
                           const struct study_cost *c, enum sens_metric *m)
{
    int hybrid = isfinite(c->nominal.local_share) ||
                 c->spec->params[COST_P_LOCAL_SHARE].given;

    if (sens_metric_of(c, &c->nominal, o->extra_value, m) == 0)
        return 0;
    fprintf(stderr, "slmsim sensitivity: error: bad metric '%s' (allowed: "
                    "local, api, %ssavings)\n", o->extra_value,
            hybrid ? "hybrid, " : "");
    return CLI_EXIT_INPUT;
}

/* How an input's range reads on the tornado's row label. */
static enum figure_fmt sens_fmt(const char *name)
{
    if (strstr(name, "growth") || strstr(name, "share"))
        return FIGURE_FMT_PERCENT;
    if (strstr(name, "tokens") || strstr(name, "watts") ||
        strstr(name, "pue") || strstr(name, "queries"))
        return FIGURE_FMT_NUMBER;
    return FIGURE_FMT_MONEY;
}

/* The tornado of s[0..n) (at most PLOT_MAX_TORNADO rows: the largest). */
static int sens_figure(const struct study_cost *c, enum sens_metric metric,
                       double base, const struct cost_sensitivity *s,
                       size_t n, struct cli_plots *p)
{
    struct plot_tornado_row rows[PLOT_MAX_TORNADO];
    char caption[FIGURE_MAX_CAPTION], result[FIGURE_MAX_TEXT];
    struct figure *f = NULL;
    size_t i;
    int st;

    for (i = 0; i < n && i < PLOT_MAX_TORNADO; i++) {
        const struct cost_param_def *pd = &c->spec->params[s[i].param];
        rows[i] = (struct plot_tornado_row){pd->name, pd->lo, pd->hi,
                                            sens_fmt(pd->name), s[i].at_lo,
                                            s[i].at_hi};
    }
    if (c->spec->months % 12 == 0)
        snprintf(result, sizeof result, "%d-year TCO, %s (US$)",
                 c->spec->months / 12, sens_metric_names[metric]);
    else
        snprintf(result, sizeof result, "%d-month TCO, %s (US$)",
                 c->spec->months, sens_metric_names[metric]);
    {
        struct plot_tornado_input in = {
            {c->sc->name, cli_plots_caption(c->sc, caption, sizeof caption)},
            result, base, i, rows};
        st = plot_sensitivity(&in, &f);
    }
    return cli_plots_add(p, st, f);
}

int cli_sensitivity_figure(const struct study_cost *c,
                           const struct cost_inputs *in, const char *metric,
                           struct cli_plots *p)
{
    struct cost_sensitivity *s;
    struct sens_ctx ctx = {in, SENS_LOCAL};
    double base = 0;
    size_t n = 0;
    int st;

    if (sens_metric_of(c, in, metric, &ctx.metric))
        return SLM_EINPUT;
    s = mem_calloc(c->spec->nparams ? c->spec->nparams : 1, sizeof *s);
    if (!s)
        return SLM_ENOMEM;
    st = cost_sensitivity_rank(c->spec, sens_tco, &ctx, &base, s, &n);
    if (!st && n > 0)
        st = sens_figure(c, ctx.metric, base, s, n, p);
    mem_free(s);
    return st;
}

int cmd_sensitivity(int argc, char **argv)
{
    struct cli_cost_opts o = {0};
    struct cost_sensitivity *s = NULL;
    struct sens_ctx ctx;
    struct study_cost c;
    double base = 0;
    size_t n = 0;
    int st;

    st = cli_cost_args(&cmd_sensitivity_args, argc, argv, &o);
    if (st != CLI_ARGS_OK)
        return st == CLI_ARGS_HELP ? CLI_EXIT_OK : CLI_EXIT_INPUT;
    st = cli_cost_load("sensitivity", &o, &c);
    if (!st)
        st = sens_metric_arg(&o, &c, &ctx.metric);
    if (!st) {
        ctx.in = &c.nominal;
        s = mem_calloc(c.spec->nparams, sizeof *s);
        st = s ? cost_sensitivity_rank(c.spec, sens_tco, &ctx, &base, s, &n)
               : SLM_ENOMEM;
        st = cli_interrupted_or(st);
        st = st ? cli_status_exit(st, NULL, NULL)
                : sens_outputs(&o, &c, &ctx, base, s, n);
    }
    if (!st && cli_plots_wanted(&o.plots, c.sc, PLOT_SENSITIVITY)) {
        int e = sens_figure(&c, ctx.metric, base, s, n, &o.plots);
        st = e ? cli_status_exit(e, NULL, NULL)
               : cli_plots_finish(&o.plots, c.sc->out_dir, "sensitivity",
                                  o.so.quiet || o.json || o.csv);
    }
    cli_plots_fini(&o.plots);
    mem_free(s);
    study_cost_fini(&c);
    return st;
}
