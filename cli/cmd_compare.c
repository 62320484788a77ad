/* slmsim compare: purchasing options side by side (study/compare.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd_compare.h"
#include "cli/cmd_plot.h"
#include "cli/cmd_tco.h"
#include "cli/common.h"
#include "plots/draw.h"
#include "plots/figure.h"
#include "plots/plot.h"
#include "sim/mem.h"
#include "sim/units.h"
#include "study/compare.h"
#include "study/pool.h"

#define CMD_COMPARE_MAX_FILES 16
#define PLOT_OPTIONS "options"

struct cmd_compare_opts {
    struct cli_scenario_opts so;
    const char *paths[CMD_COMPARE_MAX_FILES];
    size_t npaths;
    int csv, json;
    const char *jobs; /* --jobs N, or NULL: the online CPUs */
    double capacity_horizon;
    int no_capacity, fail_on_slo;
    struct cli_plots plots;
    /* --seed N and --replications N as the --set entries every option
     * shares (so.sets points here). */
    char seed_set[96], reps_set[96];
};

static const struct cli_opt cmd_compare_opts_table[] = {
    CLI_ARGS_SCENARIO_OPTS(struct cmd_compare_opts, so),
    CLI_ARGS_CSV_OPT(struct cmd_compare_opts, csv, "compare.csv"),
    CLI_ARGS_JSON_OPT(struct cmd_compare_opts, json, "compare.json"),
    CLI_ARGS_JOBS_OPT(struct cmd_compare_opts, jobs),
    {.name = "--capacity-horizon", .kind = CLI_OPT_DURATION,
     .metavar = "DURATION",
     .help = "simulated time per capacity probe (default 2h)",
     .dest = offsetof(struct cmd_compare_opts, capacity_horizon),
     .parse = cli_args_parse_duration},
    {.name = "--no-capacity", .kind = CLI_OPT_FLAG,
     .help = "skip the capacity searches",
     .dest = offsetof(struct cmd_compare_opts, no_capacity)},
    {.name = "--fail-on-slo", .kind = CLI_OPT_FLAG,
     .help = "exit 3 when no option meets the SLO",
     .dest = offsetof(struct cmd_compare_opts, fail_on_slo)},
    CLI_ARGS_PLOTS_OPTS(struct cmd_compare_opts, plots),
};

static const struct cli_args_spec cmd_compare_args_spec = {
    .cmd = "compare",
    .help =
        "usage: slmsim compare [OPTIONS] STUDY.yaml | SCENARIO.yaml...\n"
        "\n"
        "Runs purchasing options side by side and prints the purchasing table.\n"
        "The options are the `variants:` of one file (named sets of overrides\n"
        "of the file as a base scenario: NAME: {KEY.PATH: VALUE, ...}) or\n"
        "several scenario files, one option each.  Every option runs the same\n"
        "replications with the same seeds (common random numbers), and every\n"
        "gpu option's capacity at the SLO is searched (all its replicas, as\n"
        "declared).  Per option: hardware, capacity at the SLO and headroom over\n"
        "the volume, P99 TTFT and end-to-end (95% intervals), failed share, SLO\n"
        "verdict (P99s, failures over 0.1%, a growing queue), monthly cost,\n"
        "TCO over costs.months with its range over every ranged input, $ per\n"
        "1K queries, blended accuracy and the payback month against all API.\n"
        "The cheapest option meeting the SLO is marked, and its lead over the\n"
        "next cheapest that meets it tested on paired differences across\n"
        "replications (significant: the 95% interval excludes 0).  Writes\n"
        "OUTDIR/compare.csv (one row per option) and OUTDIR/compare.json (the\n"
        "study).  --set applies to every option, before its own overrides;\n"
        "--seed and --replications apply to every option (they share the\n"
        "seeds: common random numbers).\n"
        "\n",
    .help_tail =
        "\n"
        "Figure: options (TCO against P99 end-to-end, one labelled point per\n"
        "option with its 95% interval, the SLO as a line), into OUTDIR with\n"
        "OUTDIR/figures-compare.json.\n"
        "\n"
        "exit status: 0 success, 1 the run failed, 2 bad input, 3 no option\n"
        "meets the SLO (with --fail-on-slo)\n",
    .opts = cmd_compare_opts_table,
    .nopts = sizeof cmd_compare_opts_table / sizeof cmd_compare_opts_table[0],
    .path = offsetof(struct cmd_compare_opts, paths),
    .what = "study or scenario file",
    .max_paths = CMD_COMPARE_MAX_FILES,
    .npaths = offsetof(struct cmd_compare_opts, npaths),
};

static int cmd_compare_args(int argc, char **argv, struct cmd_compare_opts *o)
{
    enum cli_args_status st = cli_args_parse(&cmd_compare_args_spec, argc,
                                             argv, o);

    if (st != CLI_ARGS_OK)
        return st == CLI_ARGS_HELP ? CLI_HELP_SHOWN : CLI_EXIT_INPUT;
    /* Every option shares the seed and the replications (common random
     * numbers): they are --set entries applied to each, after the rest. */
    if (o->so.nsets + 2 > CLI_MAX_SETS) {
        fprintf(stderr, "slmsim compare: error: --set: at most %d "
                        "overrides\n", CLI_MAX_SETS - 2);
        return CLI_EXIT_INPUT;
    }
    if (o->so.seed) {
        snprintf(o->seed_set, sizeof o->seed_set, "seed=%s", o->so.seed);
        o->so.sets[o->so.nsets++] = o->seed_set;
    }
    if (o->so.replications) {
        snprintf(o->reps_set, sizeof o->reps_set, "replications=%s",
                 o->so.replications);
        o->so.sets[o->so.nsets++] = o->reps_set;
    }
    return 0;
}

/* ---- text ---- */

static const char *cmd_compare_verdict(const struct compare_option *op)
{
    if (!op->verdict.has_slo)
        return "no SLO";
    if (op->verdict.met)
        return "met";
    return !strcmp(op->verdict.why, "failures")   ? "MISSED: failures"
           : !strcmp(op->verdict.why, "unstable") ? "MISSED: unstable"
           : !strcmp(op->verdict.why, "deadline") ? "MISSED: deadline"
           : !strcmp(op->verdict.why, "ttft_p99") ? "MISSED: TTFT"
           : !strcmp(op->verdict.why, "tpot_p99") ? "MISSED: TPOT"
                                                  : "MISSED: e2e";
}

static const char *cmd_compare_capacity(const struct compare_option *op,
                                        char *buf, size_t size)
{
    char v[32];

    if (op->capacity_unbounded)
        snprintf(buf, size, "%s", op->verdict.met ? "unbounded" : "none");
    else if (!op->capacity_searched)
        snprintf(buf, size, "-");
    else if (op->capacity_status == CAPACITY_INFEASIBLE)
        snprintf(buf, size, "none");
    else if (op->capacity_status == CAPACITY_INCONCLUSIVE)
        snprintf(buf, size, "no pass");
    else
        snprintf(buf, size, "%s%s", op->capacity_status == CAPACITY_ABOVE_MAX
                                        ? ">"
                                        : "",
                 units_format_volume(op->capacity, v, sizeof v));
    return buf;
}

/* The capacity column's status in CSV: found (the figure), above_max (the
 * figure is the search's ceiling, a lower bound), unbounded or none (an
 * API without rate limits, by its latency), infeasible, inconclusive, or
 * not_searched. */
static const char *cmd_compare_capacity_status(const struct compare_option *op)
{
    if (op->capacity_unbounded)
        return op->verdict.met ? "unbounded" : "none";
    if (!op->capacity_searched)
        return "not_searched";
    switch (op->capacity_status) {
    case CAPACITY_INFEASIBLE:
        return "infeasible";
    case CAPACITY_INCONCLUSIVE:
        return "inconclusive";
    case CAPACITY_ABOVE_MAX:
        return "above_max";
    default:
        return "found";
    }
}

static int cmd_compare_capacity_found(const struct compare_option *op)
{
    const char *s = cmd_compare_capacity_status(op);

    return !strcmp(s, "found") || !strcmp(s, "above_max");
}

/* Says in words what a capacity that is not a figure means, once for
 * each such word the table shows. */
static void cmd_compare_capacity_legend(FILE *f, const struct compare_study *st)
{
    static const char *const word[][2] = {
        {"inconclusive", "no pass: no volume the search probed met the SLO "
                         "(not even the lowest), so there is no capacity "
                         "to state"},
        {"infeasible", "none: the option cannot meet the SLO at any volume"},
        {"none", "none: no rate limit, but its latency misses the SLO at any "
                 "volume"},
        {"unbounded", "unbounded: no rate limit declared and its latency "
                      "meets the SLO, so the model sets no ceiling"},
        {"above_max", ">: the SLO still held at the search's ceiling, a lower "
                      "bound"},
    };

    for (size_t w = 0; w < sizeof word / sizeof word[0]; w++)
        for (size_t i = 0; i < st->n; i++)
            if (!strcmp(cmd_compare_capacity_status(&st->opt[i]),
                        word[w][0])) {
                fprintf(f, "capacity %s.\n", word[w][1]);
                break;
            }
}

static const char *cmd_compare_headroom(const struct compare_option *op,
                                        char *buf, size_t size)
{
    if (!isfinite(op->headroom))
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%+.0f%%", 100 * op->headroom);
    return buf;
}

static const char *cmd_compare_p99(double p99, double hw, char *buf,
                                   size_t size)
{
    char a[32], b[32];

    snprintf(buf, size, "%s ± %s", units_format_duration(p99, a, sizeof a),
             units_format_duration(hw, b, sizeof b));
    return buf;
}

static void cmd_compare_print(FILE *f, const struct compare_study *st)
{
    char a[48], b[48], c[48], d[48], e[48], g[48];
    size_t i;

    fprintf(f, "slmsim compare: %s, %zu options, %zu replications each "
               "(common random numbers: the same seeds for every option)\n",
            st->path, st->n, st->replications);
    if (st->n) {
        const struct scenario *sc = st->opt[0].sc;
        char slo[96] = "";
        size_t len = 0;
        if (sc->slo.ttft_p99 > 0)
            len += (size_t)snprintf(slo + len, sizeof slo - len,
                                    "P99 TTFT <= %s", units_format_duration(
                                        sc->slo.ttft_p99, a, sizeof a));
        if (sc->slo.e2e_p99 > 0)
            snprintf(slo + len, sizeof slo - len, "%sP99 e2e <= %s",
                     len ? ", " : "",
                     units_format_duration(sc->slo.e2e_p99, a, sizeof a));
        fprintf(f, "SLO: %s; failures at most %.2g%% of the arrivals; a "
                   "stable queue\n", slo[0] ? slo : "none",
                100 * sc->slo.max_failed);
    }
    fprintf(f, "\n%-22s %-24s %9s %9s %18s %18s %7s  %s\n", "option",
            "hardware", "capacity", "headroom", "P99 TTFT", "P99 e2e",
            "failed", "SLO");
    for (i = 0; i < st->n; i++) {
        const struct compare_option *op = &st->opt[i];
        fprintf(f, "%-22s %-24s %9s %9s %18s %18s %6.2f%%  %s\n", op->name,
                op->hardware, cmd_compare_capacity(op, a, sizeof a),
                cmd_compare_headroom(op, b, sizeof b),
                cmd_compare_p99(op->verdict.p99[0], op->verdict.p99_hw[0], c,
                                sizeof c),
                cmd_compare_p99(op->verdict.p99[1], op->verdict.p99_hw[1], d,
                                sizeof d),
                100 * op->verdict.failed_share, cmd_compare_verdict(op));
    }
    for (i = 0; i < st->n; i++)
        if (st->opt[i].capacity_unbounded)
            fprintf(f, "capacity of '%s': %s: everything goes to an API "
                       "backend without rpm, tpm or concurrency limits%s\n",
                    st->opt[i].name,
                    st->opt[i].verdict.met ? "unbounded (no rate limit "
                                             "declared)"
                                           : "none",
                    st->opt[i].verdict.met
                        ? ""
                        : ", so its latency does not fall with less load, "
                          "and it misses the SLO");
    fprintf(f, "\n%-22s %10s %-36s %9s %9s %8s\n", "option", "monthly",
            st->n ? "TCO (range over the ranged inputs)" : "TCO", "per 1K",
            "accuracy", "payback");
    for (i = 0; i < st->n; i++) {
        const struct compare_option *op = &st->opt[i];
        char tco[96], pay[32], acc[16];
        snprintf(tco, sizeof tco, "%s [%s, %s]",
                 units_format_money(op->tco, a, sizeof a),
                 units_format_money(op->tco_lo, b, sizeof b),
                 units_format_money(op->tco_hi, c, sizeof c));
        if (op->payback_month < 0)
            snprintf(pay, sizeof pay, "-");
        else if (op->payback_month == 0)
            snprintf(pay, sizeof pay, "never");
        else
            snprintf(pay, sizeof pay, "month %d", op->payback_month);
        if (isfinite(op->accuracy))
            snprintf(acc, sizeof acc, "%.1f%%", 100 * op->accuracy);
        else
            snprintf(acc, sizeof acc, "-");
        fprintf(f, "%-22s %10s %-36s %9s %9s %8s%s\n", op->name,
                units_format_money(op->monthly, d, sizeof d), tco,
                units_format_money(op->per_1k, e, sizeof e), acc, pay,
                (int)i == st->best ? "  <- cheapest meeting the SLO" : "");
    }
    if (st->n)
        fprintf(f, "\nmonthly: the steady month at the simulated volume (%s "
                   "queries), capex amortised over the plan, no one-time "
                   "costs; TCO over %d months with one-time costs; payback: "
                   "first month whose cumulative cash cost is at most all "
                   "API's (the same API prices).\n",
                units_format_volume(st->opt[0].volume, a, sizeof a),
                st->opt[0].months);
    cmd_compare_capacity_legend(f, st);
    if (st->best < 0) {
        int met = 0;
        for (i = 0; i < st->n; i++)
            met |= st->opt[i].verdict.met;
        fprintf(f, "\n%s\n", met ? "no option with prices meets the SLO: "
                                    "nothing to recommend on cost."
                                  : "no option meets the SLO.");
        return;
    }
    fprintf(f, "\nrecommended: %s (%s, %s a month)", st->opt[st->best].name,
            st->opt[st->best].hardware,
            units_format_money(st->opt[st->best].monthly, a, sizeof a));
    if (st->runner_up < 0) {
        fprintf(f, ": the only option that meets the SLO.\n");
        return;
    }
    fprintf(f, ".\n  Against the next cheapest meeting the SLO, %s, it is "
               "%s a month cheaper (paired differences over %zu "
               "replications, 95%% CI ± %s: %s), and its P99 e2e is %s %s "
               "(± %s: %s).\n",
            st->opt[st->runner_up].name,
            units_format_money(st->d_cost, a, sizeof a), st->replications,
            units_format_money(st->d_cost_hw, b, sizeof b),
            st->cost_significant ? "significant" : "NOT significant",
            units_format_duration(fabs(st->d_p99), c, sizeof c),
            st->d_p99 >= 0 ? "lower" : "higher",
            units_format_duration(st->d_p99_hw, g, sizeof g),
            st->p99_significant ? "significant" : "not significant");
}

/* ---- CSV and JSON: full precision ---- */

static int cmd_compare_csv(FILE *f, const void *ctx)
{
    const struct compare_study *st = ctx;

    fprintf(f, "option,hardware,gpus,capacity,capacity_per_month,headroom,"
               "p99_ttft,p99_ttft_ci95_hw,p99_e2e,p99_e2e_ci95_hw,"
               "failed_share,slo_met,slo_missed_by,queries_per_month,"
               "monthly,tco,tco_low,tco_high,per_1k_queries,accuracy,"
               "payback_month,recommended\n");
    for (size_t i = 0; i < st->n; i++) {
        const struct compare_option *op = &st->opt[i];
        /* A capacity figure only where a search found one; the status
         * column says why the figure is empty otherwise. */
        int found = cmd_compare_capacity_found(op);

        fprintf(f, "\"%s\",\"%s\"", op->name, op->hardware);
        cli_csv_number(f, op->gpus);
        fprintf(f, ",%s", cmd_compare_capacity_status(op));
        cli_csv_numbers(f, (const double[]){
            found ? op->capacity : (double)NAN,
            found ? op->headroom : (double)NAN, op->verdict.p99[0],
            op->verdict.p99_hw[0], op->verdict.p99[1], op->verdict.p99_hw[1],
            op->verdict.failed_share}, 7);
        fprintf(f, ",%d,%s", op->verdict.met,
                op->verdict.why ? op->verdict.why : "");
        cli_csv_numbers(f, (const double[]){op->volume, op->monthly, op->tco,
                                            op->tco_lo, op->tco_hi,
                                            op->per_1k, op->accuracy}, 7);
        fprintf(f, ",%d,%d\n", op->payback_month, (int)i == st->best);
    }
    return ferror(f) ? -1 : 0;
}

static int cmd_compare_json(FILE *f, const void *ctx)
{
    const struct compare_study *st = ctx;
    struct jw w;

    jw_init(&w, f);
    jw_object_begin(&w, NULL);
    jw_string(&w, "study", st->path);
    jw_int(&w, "replications", (int64_t)st->replications);
    jw_string(&w, "random_numbers", "common: the same seeds for every "
                                    "option");
    jw_number(&w, "capacity_horizon", st->capacity_horizon);
    jw_array_begin(&w, "options");
    for (size_t i = 0; i < st->n; i++) {
        const struct compare_option *op = &st->opt[i];
        jw_object_begin(&w, NULL);
        jw_string(&w, "name", op->name);
        jw_string(&w, "hardware", op->hardware);
        jw_number(&w, "gpus", op->gpus);
        jw_string(&w, "gpu", op->sc->costs ? op->sc->costs->gpu : "");
        jw_string(&w, "acquire", op->sc->costs &&
                                         op->sc->costs->acquire == COST_RENT
                                     ? "rent"
                                     : "buy");
        jw_string(&w, "deployment", cost_option_names[op->deployment]);
        jw_object_begin(&w, "capacity");
        jw_bool(&w, "searched", op->capacity_searched);
        if (op->capacity_searched)
            jw_string(&w, "status", capacity_status_names[op->capacity_status]);
        else if (op->capacity_unbounded)
            jw_string(&w, "status",
                      op->verdict.met ? "unbounded" : "infeasible");
        jw_number(&w, "queries_per_month", op->capacity);
        jw_number(&w, "headroom", op->headroom);
        jw_object_end(&w);
        jw_object_begin(&w, "p99");
        jw_number(&w, "ttft", op->verdict.p99[0]);
        jw_number(&w, "ttft_ci95_hw", op->verdict.p99_hw[0]);
        jw_number(&w, "e2e", op->verdict.p99[1]);
        jw_number(&w, "e2e_ci95_hw", op->verdict.p99_hw[1]);
        jw_object_end(&w);
        jw_number(&w, "failed_share", op->verdict.failed_share);
        jw_object_begin(&w, "slo");
        jw_bool(&w, "met", op->verdict.met);
        jw_string(&w, "missed_by", op->verdict.why);
        jw_object_end(&w);
        jw_number(&w, "queries_per_month", op->volume);
        jw_number(&w, "monthly", op->monthly);
        jw_object_begin(&w, "tco");
        jw_int(&w, "months", op->months);
        jw_number(&w, "value", op->tco);
        jw_number(&w, "low", op->tco_lo);
        jw_number(&w, "high", op->tco_hi);
        jw_object_end(&w);
        jw_number(&w, "per_1k_queries", op->per_1k);
        jw_number(&w, "accuracy", op->accuracy);
        jw_int(&w, "payback_month", op->payback_month);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_begin(&w, "recommendation");
    jw_string(&w, "cheapest_meeting_slo",
              st->best >= 0 ? st->opt[st->best].name : NULL);
    jw_string(&w, "runner_up",
              st->runner_up >= 0 ? st->opt[st->runner_up].name : NULL);
    if (st->runner_up >= 0) {
        jw_number(&w, "monthly_difference", st->d_cost);
        jw_number(&w, "monthly_difference_ci95_hw", st->d_cost_hw);
        jw_bool(&w, "cost_significant", st->cost_significant);
        jw_number(&w, "p99_e2e_difference", st->d_p99);
        jw_number(&w, "p99_e2e_difference_ci95_hw", st->d_p99_hw);
        jw_bool(&w, "p99_significant", st->p99_significant);
    }
    jw_object_end(&w);
    jw_object_end(&w);
    return jw_finish(&w);
}

/* ---- the options figure ---- */

/* TCO against P99 e2e: a labelled point per option, its 95% interval as a
 * horizontal bar (one series per option: two points each), the SLO as a
 * vertical line. */
static int cmd_compare_figure(const struct compare_study *st,
                              struct cli_plots *p)
{
    char caption[FIGURE_MAX_CAPTION], title[FIGURE_MAX_TEXT];
    double row[FIGURE_MAX_COLUMNS];
    size_t n = st->n < FIGURE_MAX_COLUMNS - 3 ? st->n : FIGURE_MAX_COLUMNS - 3;
    struct figure *f;
    int status = SLM_OK;

    if (!n || !cli_plots_wanted(p, st->opt[0].sc, PLOT_OPTIONS))
        return SLM_OK;
    f = figure_new(PLOT_OPTIONS, FIGURE_XY);
    if (!f)
        return SLM_ENOMEM;
    snprintf(title, sizeof title, "%s: %d-month TCO against P99 end-to-end, "
             "per option", st->opt[0].sc->name, st->opt[0].months);
    figure_text(f->title, sizeof f->title, title);
    {
        const struct scenario *sc = st->opt[0].sc;
        char vol[32], slo[32], ttft[32];
        snprintf(caption, sizeof caption,
                 "%zu options, %zu replications each with common random "
                 "numbers; bars: 95%% intervals of the P99; * cheapest "
                 "meeting the SLO\n%s queries/month; TCO with one-time "
                 "costs, ranged inputs at their middle; SLO P99 e2e %s, "
                 "TTFT %s",
                 st->n, st->replications,
                 units_format_volume(st->opt[0].volume, vol, sizeof vol),
                 sc->slo.e2e_p99 > 0 ? units_format_duration(
                                           sc->slo.e2e_p99, slo, sizeof slo)
                                     : "none",
                 sc->slo.ttft_p99 > 0
                     ? units_format_duration(sc->slo.ttft_p99, ttft,
                                             sizeof ttft)
                     : "none");
        figure_text(f->caption, sizeof f->caption, caption);
    }
    figure_add_column(f, "p99_e2e");
    figure_add_column(f, "tco");
    figure_add_column(f, "bar_x");
    for (size_t i = 0; i < n; i++) {
        char col[FIGURE_MAX_NAME];
        snprintf(col, sizeof col, "bar_%zu", i);
        figure_add_column(f, col);
    }
    figure_add_series(f, "", 0, 1, FIGURE_LABELS, "#1f4e79");
    for (size_t i = 0; i < n; i++) {
        struct figure_series *s =
            figure_add_series(f, "", 2, 3 + i, FIGURE_LINES, "#1f4e79");
        (void)s;
    }
    for (size_t i = 0; i < n && !status; i++) {
        const struct compare_option *op = &st->opt[i];
        char label[FIGURE_MAX_LABEL];
        for (size_t k = 0; k < f->ncols; k++)
            row[k] = NAN;
        row[0] = op->verdict.p99[1];
        row[1] = op->tco;
        snprintf(label, sizeof label, "%s%s", op->name,
                 (int)i == st->best ? " *" : "");
        status = figure_add_row(f, row, label);
        for (int e = -1; e <= 1 && !status; e += 2) {
            for (size_t k = 0; k < f->ncols; k++)
                row[k] = NAN;
            row[2] = op->verdict.p99[1] + e * op->verdict.p99_hw[1];
            row[3 + i] = op->tco;
            status = figure_add_row(f, row, "");
        }
    }
    if (st->opt[0].sc->slo.e2e_p99 > 0)
        figure_add_mark(f, FIGURE_VLINE, st->opt[0].sc->slo.e2e_p99, NAN,
                        "SLO P99 e2e", "#c00000");
    figure_text(f->x.label, sizeof f->x.label, "P99 end-to-end latency");
    f->x.fmt = FIGURE_FMT_SECONDS;
    {
        double lo = (double)INFINITY, hi = 0;
        for (size_t i = 0; i < n; i++)
            if (st->opt[i].tco > 0) {
                lo = fmin(lo, st->opt[i].tco);
                hi = fmax(hi, st->opt[i].tco);
            }
        /* Options a hundred times apart stay readable on a log scale. */
        f->panel[0].y.log = lo > 0 && hi / lo > 20;
    }
    figure_text(f->panel[0].y.label, sizeof f->panel[0].y.label,
                f->panel[0].y.log ? "TCO (US$, log scale)" : "TCO (US$)");
    f->panel[0].y.fmt = FIGURE_FMT_MONEY;
    figure_text(f->panel[0].key, sizeof f->panel[0].key, "off");
    return cli_plots_add(p, status, f);
}

/* ---- the command ---- */

/* The progress line and the label it shows (kept here: the line borrows
 * it). */
struct cmd_compare_progress {
    struct cli_progress p;
    char label[128];
};

static void cmd_compare_progress(void *ctx, const char *option,
                                 const char *what)
{
    struct cmd_compare_progress *c = ctx;

    snprintf(c->label, sizeof c->label, "compare, %s: %s", option, what);
    cli_progress_done(&c->p);
    cli_progress_init(&c->p, c->label);
}

static int cmd_compare_main(int argc, char **argv, int ranks)
{
    struct cmd_compare_opts o;
    struct compare_opts co;
    struct compare_study *st;
    struct cmd_compare_progress prog;
    struct diag d;
    int rc;

    memset(&o, 0, sizeof o);
    cli_plots_init(&o.plots);
    rc = cmd_compare_args(argc, argv, &o);
    if (rc)
        return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
    st = mem_calloc(1, sizeof *st);
    if (!st)
        return cli_status_exit(SLM_ENOMEM, NULL, NULL);
    memset(&co, 0, sizeof co);
    co.paths = o.paths;
    co.npaths = o.npaths;
    co.sets = o.so.sets;
    co.nsets = o.so.nsets;
    co.out_dir = o.so.out_dir;
    co.capacity_horizon = o.capacity_horizon;
    co.no_capacity = o.no_capacity;
    co.progress = cmd_compare_progress;
    co.progress_ctx = &prog;
    co.jobs = cli_jobs(o.jobs);
    co.jobs_progress = cli_progress_jobs;
    co.jobs_progress_ctx = &prog.p;
    co.ranks = ranks;
    cli_progress_init(&prog.p, "compare");
    diag_init(&d, stderr);
    /* A scenario error is printed once, by rank 0. */
    int quiet_fd = ranks > 1 && pool_mpi_rank() > 0 ? cli_mute_stderr() : -1;
    rc = compare_run(&co, &d, st);
    cli_unmute_stderr(quiet_fd);
    cli_progress_done(&prog.p);
    if (ranks > 1 && pool_mpi_rank() > 0) {
        /* a worker rank: rank 0 gathered what it computed */
        cli_plots_fini(&o.plots);
        compare_fini(st);
        mem_free(st);
        return rc ? CLI_EXIT_FAIL : CLI_EXIT_OK;
    }
    rc = rc == SLM_ESYS ? cli_status_exit(rc, "cannot read", o.paths[0])
                        : cli_status_exit(rc, NULL, NULL);
    if (!rc && !o.so.quiet && !o.json && !o.csv)
        cmd_compare_print(stdout, st);
    if (!rc && st->n)
        rc = cli_cost_emit(st->opt[0].sc->out_dir, "compare.csv", o.csv,
                           cmd_compare_csv, st);
    if (!rc && st->n)
        rc = cli_cost_emit(st->opt[0].sc->out_dir, "compare.json", o.json,
                           cmd_compare_json, st);
    if (!rc)
        rc = cli_status_exit(cmd_compare_figure(st, &o.plots), NULL, NULL);
    if (!rc && st->n)
        rc = cli_plots_finish(&o.plots, st->opt[0].sc->out_dir, "compare",
                              o.so.quiet || o.json || o.csv);
    if (!rc && o.fail_on_slo) {
        int met = 0;
        for (size_t i = 0; i < st->n; i++)
            met |= st->opt[i].verdict.met;
        if (!met)
            rc = CLI_EXIT_SLO;
    }
    cli_plots_fini(&o.plots);
    compare_fini(st);
    mem_free(st);
    return rc;
}

int cmd_compare(int argc, char **argv)
{
    return cli_run_mpi(cmd_compare_main, argc, argv);
}
