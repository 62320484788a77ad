/* slmsim plot: redraw figures from saved results; and what the commands
 * that draw figures share (options, caption, drawing, the JSON section). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd_plot.h"
#include "cli/common.h"
#include "models/cost.h"
#include "plots/draw.h"
#include "plots/gnuplot.h"
#include "sim/arrivals.h"
#include "sim/json.h"
#include "sim/mem.h"
#include "sim/out.h"
#include "sim/units.h"

static const char cmd_plot_help[] =
    "usage: slmsim plot [OPTIONS] RESULTS.json\n"
    "\n"
    "Redraws the figures saved in the 'figures' section of RESULTS.json (as\n"
    "written by run, tco, crossover, sensitivity and capacity with --plots)\n"
    "without simulating again: NAME.dat, NAME.gp and the pictures, into the\n"
    "directory of RESULTS.json unless --out says otherwise.  Pictures need\n"
    "gnuplot ($" GNUPLOT_ENV ", default 'gnuplot'); without it the data and\n"
    "scripts are written and a warning says how to install it.\n"
    "\n"
    ;

static const char cmd_plot_help_tail[] =
    "\n"
    "exit status: 0 success (also without gnuplot), 1 a file could not be\n"
    "written or gnuplot failed, 2 bad input\n";

/* ---- shared ---- */

int cli_plots_parse_formats(const char *cmd, const char *opt,
                            const char *value, void *dest)
{
    (void)cmd, (void)opt;
    if (draw_formats_parse(value, dest)) {
        fprintf(stderr, "slmsim: error: unknown picture format in '%s' "
                        "(allowed: " DRAW_FORMATS_HELP ")\n", value);
        return -1;
    }
    return 0;
}

void cli_plots_init(struct cli_plots *p)
{
    memset(p, 0, sizeof *p);
    p->want = -1;
}

int cli_plots_wanted(const struct cli_plots *p, const struct scenario *sc,
                     const char *name)
{
    size_t i;

    if (p->want >= 0)
        return p->want;
    for (i = 0; sc && i < sc->nplots; i++)
        if (!strcmp(sc->plots[i], name))
            return 1;
    return 0;
}

void cli_plots_unavailable(const struct cli_plots *p,
                           const struct scenario *sc, const char *cmd,
                           const char *const *drawn, size_t ndrawn)
{
    size_t i, k;

    if (p->want >= 0 || !sc)
        return;
    for (i = 0; i < sc->nplots; i++) {
        for (k = 0; k < ndrawn && strcmp(sc->plots[i], drawn[k]); k++)
            ;
        if (k == ndrawn)
            fprintf(stderr, "slmsim: note: 'slmsim %s' does not draw '%s' "
                            "(outputs.plots)\n", cmd, sc->plots[i]);
    }
}

int cli_plots_add(struct cli_plots *p, int status, struct figure *f)
{
    if (status) {
        figure_free(f);
        /* No data for the figure is not a failure of the command. */
        return status == SLM_EINPUT ? SLM_OK : status;
    }
    if (p->n >= CLI_MAX_FIGURES) {
        figure_free(f);
        return SLM_OK;
    }
    p->fig[p->n++] = f;
    return SLM_OK;
}

void cli_plots_write_json(const struct cli_plots *p, struct jw *w)
{
    size_t i;

    if (!p->n)
        return;
    jw_object_begin(w, "figures");
    for (i = 0; i < p->n; i++)
        figure_write_json(p->fig[i], w);
    jw_object_end(w);
}

int cli_plots_draw(struct cli_plots *p, const char *dir, int quiet)
{
    struct draw c;
    struct diag d;
    size_t i;
    int st = SLM_OK;

    if (!p->n)
        return CLI_EXIT_OK;
    diag_init(&d, stderr);
    draw_init(&c, dir, p->formats, &d);
    for (i = 0; i < p->n && !st; i++)
        st = draw_figure(&c, p->fig[i]);
    if (st)
        return cli_status_exit(st, "cannot write", c.path);
    if (!quiet && c.drawn)
        printf("drew %zu figure%s in %s/\n", c.drawn, c.drawn == 1 ? "" : "s",
               dir);
    return c.failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* figures-CMD.json: the figures alone, for `slmsim plot`. */
static int cli_plots_json(FILE *f, const void *ctx)
{
    struct jw w;

    jw_init(&w, f);
    jw_object_begin(&w, NULL);
    cli_plots_write_json(ctx, &w);
    jw_object_end(&w);
    return jw_finish(&w);
}

/* The names a command's figures carry on disk: run's own (its results.json
 * lists them), the cost commands' with "-nominal" (they price the declared
 * volume and tokens, no simulation), capacity's with "-probes". */
static const char *const cli_run_figures[] = {
    "latency-cdf", "latency-vs-load", "cost-vs-volume", "tco",
    "timeline",    "sensitivity",     "accuracy-cost",  "utilization"};
static const char *const cli_cmd_figures[] = {
    "tco-nominal", "cost-vs-volume-nominal", "sensitivity-nominal",
    "latency-vs-load-probes", "options"};

static int cli_plots_has(const struct cli_plots *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->fig[i]->name, name))
            return 1;
    return 0;
}

/* Removes, from dir, the files of the figures in names[0..n) that this
 * run does not draw: an earlier run's pictures never pass for this one's. */
static void cli_plots_clean(const struct cli_plots *p, const char *dir,
                            const char *const *names, size_t n)
{
    static const char *const ext[] = {"png", "pdf", "svg", "dat", "gp"};
    char path[4096];

    for (size_t i = 0; i < n; i++) {
        if (cli_plots_has(p, names[i]))
            continue;
        for (size_t e = 0; e < sizeof ext / sizeof ext[0]; e++) {
            snprintf(path, sizeof path, "%s/%s.%s", dir, names[i], ext[e]);
            (void)remove(path); /* absent is the usual case */
        }
    }
}

void cli_plots_clean_run(const struct cli_plots *p, const char *dir)
{
    cli_plots_clean(p, dir, cli_run_figures,
                    sizeof cli_run_figures / sizeof cli_run_figures[0]);
}

/* A nominal figure's caption says so instead of replications it did not
 * run: "; N replications of H after warm-up; seed S" becomes the basis. */
static void cli_plots_caption_nominal(struct figure *f)
{
    char *at = strstr(f->caption, " replication");
    char *start, *end, buf[FIGURE_MAX_CAPTION];

    if (!at)
        return;
    start = at;
    while (start > f->caption && start[-1] != ';' && start[-1] != '\n')
        start--;
    end = strstr(at, "; seed ");
    if (end) {
        end += strlen("; seed ");
        while (*end && *end != ';' && *end != '\n')
            end++;
    } else {
        end = at + strlen(at);
    }
    snprintf(buf, sizeof buf, "%.*s nominal arithmetic: declared volume and "
             "routed mean tokens, no simulation%s", (int)(start - f->caption),
             f->caption, end);
    figure_text(f->caption, sizeof f->caption, buf);
}

int cli_plots_finish(struct cli_plots *p, const char *dir, const char *cmd,
                     int quiet)
{
    const char *suffix = !strcmp(cmd, "capacity") ? "-probes"
                         : !strcmp(cmd, "compare") || !strcmp(cmd, "sweep")
                             ? ""
                             : "-nominal";
    char name[64];
    int st;

    for (size_t i = 0; i < p->n; i++) {
        struct figure *f = p->fig[i];
        char n2[FIGURE_MAX_NAME + 16];
        if (!suffix[0])
            continue;
        snprintf(n2, sizeof n2, "%s%s", f->name, suffix);
        figure_text(f->name, sizeof f->name, n2);
        if (!strcmp(suffix, "-nominal"))
            cli_plots_caption_nominal(f);
    }
    /* Only this command's own names: another command's files stay. */
    {
        const char *mine[8];
        size_t k = 0;
        for (size_t i = 0;
             i < sizeof cli_cmd_figures / sizeof cli_cmd_figures[0]; i++) {
            const char *nm = cli_cmd_figures[i];
            size_t ls = strlen(nm), lx = strlen(suffix);
            int owns = !strcmp(cmd, "sweep") ? 0 /* named by the grid */
                       : !strcmp(cmd, "compare")
                           ? !strcmp(nm, "options")
                       : !strcmp(cmd, "tco") ? !strcmp(nm, "tco-nominal")
                       : !strcmp(cmd, "crossover")
                           ? !strcmp(nm, "cost-vs-volume-nominal")
                       : !strcmp(cmd, "sensitivity")
                           ? !strcmp(nm, "sensitivity-nominal")
                           : ls > lx && !strcmp(nm + ls - lx, suffix);
            if (owns && k < 8)
                mine[k++] = nm;
        }
        cli_plots_clean(p, dir, mine, k);
    }
    if (!p->n)
        return CLI_EXIT_OK;
    snprintf(name, sizeof name, "figures-%s.json", cmd);
    st = cli_write_file(dir, name, cli_plots_json, p);
    if (st)
        return st;
    return cli_plots_draw(p, dir, quiet);
}

void cli_plots_fini(struct cli_plots *p)
{
    size_t i;

    for (i = 0; i < p->n; i++)
        figure_free(p->fig[i]);
    p->n = 0;
}

/* Appends text to buf[size] at *len, cut when full. */
static void cap_add(char *buf, size_t size, size_t *len, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

static void cap_add(char *buf, size_t size, size_t *len, const char *fmt,
                    ...)
{
    va_list ap;
    int n;

    if (*len >= size)
        return;
    va_start(ap, fmt);
    n = vsnprintf(buf + *len, size - *len, fmt, ap);
    va_end(ap);
    *len = n < 0 ? *len : *len + (size_t)n < size ? *len + (size_t)n : size;
}

/* The last c in s[0..n), or NULL (memrchr is a GNU extension). */
static const void *memrchr_compat(const char *s, char c, size_t n)
{
    while (n-- > 0)
        if (s[n] == c)
            return s + n;
    return NULL;
}

/* A backend in a few words: its description up to the first '(' or ';'
 * (the details after it belong in the report, not on a slide). */
static void cap_backend(char *buf, size_t size, size_t *len,
                        const struct scenario *sc, size_t b)
{
    char desc[256];
    const char *s = sc->backends[b].kind->describe(sc->backends[b].cfg,
                                                   desc, sizeof desc);
    size_t n = strcspn(s, "(;");

    /* Longer than a slide's share: cut after a whole clause. */
    while (n > 60 && memchr(s, ',', n - 1))
        n = (size_t)((const char *)memrchr_compat(s, ',', n - 1) - s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == ','))
        n--;
    cap_add(buf, size, len, "%s%s: %.*s", b ? " | " : "",
            sc->backends[b].name, (int)(n > 60 ? 60 : n), s);
}

const char *cli_plots_caption(const struct scenario *sc, char *buf,
                              size_t size)
{
    char vol[32], win[32], slo[32];
    size_t len = 0, b;
    double *v;

    buf[0] = '\0';
    for (b = 0; b < sc->nbackends; b++)
        cap_backend(buf, size, &len, sc, b);
    /* The API's prices, unless an api backend's description said them;
     * cost_values fills every parameter, capex and one-time items too. */
    for (b = 0; b < sc->nbackends; b++)
        if (sc->backends[b].kind->side == BACKEND_SIDE_API)
            break;
    v = sc->costs && b == sc->nbackends
            ? mem_calloc(sc->costs->nparams, sizeof *v)
            : NULL;
    if (v && sc->costs->nparams >= COST_P_FIXED_COUNT) {
        cost_values(sc->costs, COST_PICK_MID, v);
        cap_add(buf, size, &len, " | API $%g/$%g per 1M in/out tokens",
                v[COST_P_API_INPUT_PER_1M], v[COST_P_API_OUTPUT_PER_1M]);
    }
    mem_free(v);
    draw_format_value(vol, sizeof vol,
                      arrivals_mean_rate(&sc->workload.arrivals) *
                          UNITS_MONTH,
                      FIGURE_FMT_NUMBER);
    draw_format_value(win, sizeof win, sc->horizon - sc->warmup,
                      FIGURE_FMT_SECONDS);
    cap_add(buf, size, &len, "\n%s queries/month; %u replication%s of %s "
                             "after warm-up; seed %llu",
            vol, sc->replications, sc->replications == 1 ? "" : "s", win,
            (unsigned long long)sc->seed);
    if (sc->slo.e2e_p99 > 0) {
        draw_format_value(slo, sizeof slo, sc->slo.e2e_p99,
                          FIGURE_FMT_SECONDS);
        cap_add(buf, size, &len, "; SLO P99 end-to-end %s", slo);
    }
    if (sc->slo.ttft_p99 > 0) {
        draw_format_value(slo, sizeof slo, sc->slo.ttft_p99,
                          FIGURE_FMT_SECONDS);
        cap_add(buf, size, &len, ", TTFT %s", slo);
    }
    return buf;
}

/* ---- slmsim plot ---- */

#define CMD_PLOT_MAX_ONLY 16

struct cmd_plot_opts {
    const char *path;
    const char *out;
    const char *only[CMD_PLOT_MAX_ONLY];
    size_t nonly;
    unsigned formats;
};

static const struct cli_opt cmd_plot_opts_table[] = {
    {.name = "--only", .kind = CLI_OPT_REPEAT, .metavar = "NAME",
     .help = "only this figure (repeatable)",
     .dest = offsetof(struct cmd_plot_opts, only),
     .count = offsetof(struct cmd_plot_opts, nonly),
     .max = CMD_PLOT_MAX_ONLY},
    {.name = "--format", .kind = CLI_OPT_LIST, .metavar = "LIST",
     .help = "picture formats, comma-separated: " DRAW_FORMATS_HELP "\n"
             "(default png,pdf)",
     .dest = offsetof(struct cmd_plot_opts, formats),
     .parse = cli_plots_parse_formats,
     .missing = "'--format' needs a value (" DRAW_FORMATS_HELP ")"},
    {.name = "--out", .short_name = "-o", .kind = CLI_OPT_STRING,
     .metavar = "DIR", .help = "write into DIR",
     .dest = offsetof(struct cmd_plot_opts, out),
     .check = cli_args_check_out_dir},
};

static const struct cli_args_spec cmd_plot_args_spec = {
    .cmd = "plot",
    .help = cmd_plot_help,
    .help_tail = cmd_plot_help_tail,
    .opts = cmd_plot_opts_table,
    .nopts = sizeof cmd_plot_opts_table / sizeof cmd_plot_opts_table[0],
    .path = offsetof(struct cmd_plot_opts, path),
    .what = "results file",
};

static int cmd_plot_args(int argc, char **argv, struct cmd_plot_opts *o)
{
    enum cli_args_status st = cli_args_parse(&cmd_plot_args_spec, argc, argv,
                                             o);

    return st == CLI_ARGS_OK ? 0 : st == CLI_ARGS_HELP ? CLI_HELP_SHOWN : -1;
}

static int cmd_plot_selected(const struct cmd_plot_opts *o, const char *name)
{
    size_t i;

    if (!o->nonly)
        return 1;
    for (i = 0; i < o->nonly; i++)
        if (!strcmp(o->only[i], name))
            return 1;
    return 0;
}

/* Every --only must name a saved figure. */
static int cmd_plot_check_only(const struct cmd_plot_opts *o,
                               const struct json *figs)
{
    size_t i;
    int bad = 0;

    for (i = 0; i < o->nonly; i++)
        if (!json_get(figs, o->only[i])) {
            fprintf(stderr, "slmsim plot: error: no figure '%s' in '%s'\n",
                    o->only[i], o->path);
            bad = 1;
        }
    return bad;
}

/* The figures of root into p (reported to d when malformed). */
static int cmd_plot_read(const struct cmd_plot_opts *o,
                         const struct json *root, struct diag *d,
                         struct cli_plots *p)
{
    const struct json *figs = json_get(root, "figures");
    struct figure *f;
    size_t i;
    int st = SLM_OK, bad = 0;

    if (!json_is(figs, JSON_OBJECT) || json_len(figs) == 0) {
        struct diag_pos where = {o->path, figs ? figs->line : 0,
                                 figs ? figs->col : 0};
        diag_error(d, &where, "no figures saved here (a 'figures' object "
                              "is written by the commands' --plots)");
        return SLM_EINPUT;
    }
    if (cmd_plot_check_only(o, figs))
        return SLM_EINPUT;
    for (i = 0; i < json_len(figs) && !st; i++) {
        if (!cmd_plot_selected(o, json_at(figs, i)->key))
            continue;
        st = figure_from_json(json_at(figs, i), o->path, d, &f);
        if (st == SLM_EINPUT) {
            bad = 1;
            st = SLM_OK;
            continue;
        }
        if (!st)
            st = cli_plots_add(p, SLM_OK, f);
    }
    return st ? st : bad ? SLM_EINPUT : SLM_OK;
}

/* The directory holding path ("." when none). */
static void dir_of(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        snprintf(buf, size, ".");
    else if (slash == path)
        snprintf(buf, size, "/");
    else
        snprintf(buf, size, "%.*s", (int)(slash - path), path);
}

int cmd_plot(int argc, char **argv)
{
    struct cmd_plot_opts o;
    struct cli_plots p;
    struct json *root = NULL;
    struct diag d;
    char dir[4096];
    int st, rc;

    memset(&o, 0, sizeof o);
    st = cmd_plot_args(argc, argv, &o);
    if (st)
        return st == CLI_HELP_SHOWN ? CLI_EXIT_OK : CLI_EXIT_INPUT;
    diag_init(&d, stderr);
    st = json_load(o.path, &d, &root);
    if (st)
        return cli_status_exit(st, "cannot read", o.path);
    cli_plots_init(&p);
    p.formats = o.formats;
    st = cmd_plot_read(&o, root, &d, &p);
    json_free(root);
    if (st) {
        cli_plots_fini(&p);
        return cli_status_exit(st, NULL, NULL);
    }
    if (o.out)
        snprintf(dir, sizeof dir, "%s", o.out);
    else
        dir_of(strcmp(o.path, "-") ? o.path : "./-", dir, sizeof dir);
    rc = cli_plots_draw(&p, dir, 0);
    cli_plots_fini(&p);
    return rc;
}
