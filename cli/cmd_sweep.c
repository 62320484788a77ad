/*
 * slmsim sweep: the scenario over a grid of parameter values (study/
 * grid.h), every point's replications with common random numbers, into
 * DIR/sweep.csv and DIR/sweep.json.
 *
 * Points run in worker processes (--jobs N, default the online CPUs;
 * study/jobs.h): one fork per point, its row sent back whole through a
 * pipe, so a slow point never holds up the others and the rows are the
 * same bytes whatever N.
 * Each finished point is appended to DIR/sweep.journal as one line with a
 * checksum, written by one write(): a sweep killed at any moment leaves a
 * journal whose complete lines are finished points, and rerunning it runs
 * only the others (a torn last line is run again).  The journal's first
 * line names the sweep (a hash of the scenario file, the overrides and the
 * grid), so a journal of another sweep is refused; --fresh starts over.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd_sweep.h"
#include "cli/cmd_plot.h"
#include "cli/common.h"
#include "models/report.h"
#include "sim/interrupt.h"
#include "sim/json.h"
#include "sim/cfg.h"
#include "sim/mem.h"
#include "sim/units.h"
#include "plots/draw.h"
#include "plots/figure.h"
#include "study/grid.h"
#include "study/jobs.h"
#include "study/pool.h"

#define SWEEP_MAX_VARY GRID_MAX_DIMS

/* The --vary options in order; argno[i] is the i-th one's place among
 * them (from 1) for messages.  One more than the limit is kept, so that
 * the grid says "too many dimensions". */
struct sweep_vary {
    const char *spec[SWEEP_MAX_VARY + 1];
    int argno[SWEEP_MAX_VARY + 1];
    size_t n;
    int nth;
};

struct sweep_opts {
    struct cli_scenario_opts so;
    struct sweep_vary vary;
    const char *jobs, *max_points;
    int fresh;
    struct cli_plots plots; /* want -1 (the default) draws them too */
};

static int sweep_parse_vary(const char *cmd, const char *opt,
                            const char *value, void *dest)
{
    struct sweep_vary *v = dest;

    (void)cmd, (void)opt;
    v->nth++;
    if (v->n < SWEEP_MAX_VARY + 1) {
        v->argno[v->n] = v->nth;
        v->spec[v->n++] = value;
    }
    return 0;
}

static const struct cli_opt sweep_opts_table[] = {
    {.name = "--vary", .kind = CLI_OPT_REPEAT, .metavar = "KEY.PATH=SPEC",
     .help = "a dimension (repeatable, at most 8); SPEC is\n"
             "a,b,c  or  lo..hi:lin:N  or  lo..hi:log:N\n"
             "(range ends may carry a unit: 1e6/month)",
     .dest = offsetof(struct sweep_opts, vary), .parse = sweep_parse_vary},
    {.name = "--jobs", .short_name = "-j", .kind = CLI_OPT_INT,
     .metavar = "N", .help = "worker processes (default: online CPUs)",
     .dest = offsetof(struct sweep_opts, jobs), .lo = 1,
     .hi = JOBS_MAX},
    {.name = "--fresh", .kind = CLI_OPT_FLAG,
     .help = "ignore the journal: run every point again",
     .dest = offsetof(struct sweep_opts, fresh)},
    {.name = "--max-points", .kind = CLI_OPT_INT, .metavar = "N",
     .help = "refuse a larger grid (overrides limits.max_points,\n"
             "default 10000)",
     .dest = offsetof(struct sweep_opts, max_points), .lo = 1,
     .hi = 100000000},
    CLI_ARGS_SCENARIO_OPTS(struct sweep_opts, so),
    CLI_ARGS_PLOTS_OPTS(struct sweep_opts, plots),
};

static const struct cli_args_spec sweep_args = {
    .cmd = "sweep",
    .help =
        "usage: slmsim sweep [OPTIONS] FILE --vary KEY.PATH=SPEC [--vary ...]\n"
        "\n"
        "Runs the scenario at every point of a grid of values, each point's\n"
        "replications with the same seeds (common random numbers), and writes\n"
        "DIR/sweep.csv and DIR/sweep.json: one row per point with the varied\n"
        "values, P99 TTFT and e2e and P50 e2e with 95% intervals, GPU\n"
        "utilisation, the failed share, stability, the SLO verdict, and the\n"
        "monthly cost, $ per 1K queries and TCO from the one pricing path.\n"
        "An interrupted sweep resumes from DIR/sweep.journal.  Without --vary\n"
        "the scenario's own block is used:\n"
        "  sweep:\n"
        "    vary: {backends.local.count: 1..4:lin:4, backends.local.gpu: [L40S, L4]}\n"
        "\n",
    .help_tail = "\n"
                 "Figures: one per swept key with two values or more,\n"
                 "sweep-N-KEY (N its place among the keys): P99 end-to-end\n"
                 "against the key's value with its 95% interval (dashed),\n"
                 "a curve per combination of the other keys (at most 6);\n"
                 "a key whose values are not numbers (a GPU type) gets\n"
                 "its values as labelled points.  Into DIR, listed under\n"
                 "figures in sweep.json, with DIR/figures-sweep.json.\n"
                 "\n"
                 "exit status: 0 success, 1 points missing or the run failed,\n"
                 "2 bad input, 128+N stopped by signal N (rerun to resume)\n",
    .opts = sweep_opts_table,
    .nopts = sizeof sweep_opts_table / sizeof sweep_opts_table[0],
    .path = offsetof(struct sweep_opts, so.path),
};

/* A count option the table has checked: its value. */
static long sweep_count(const char *text)
{
    return strtol(text, NULL, 10);
}

/* ---- the sweep's identity, and the journal ---- */

static uint64_t sweep_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;

    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t sweep_fnv_str(uint64_t h, const char *s)
{
    return sweep_fnv(h, s, strlen(s) + 1);
}

/* What the rows depend on: the scenario file's bytes, the overrides and
 * the grid.  0 when the file cannot be read (it was loaded just before). */
static uint64_t sweep_identity(const char *path, const char *const *sets,
                               size_t nsets, const struct grid *g)
{
    uint64_t h = 14695981039346656037ULL;
    char buf[8192];
    size_t n;
    FILE *f = fopen(path, "rb");

    if (!f)
        return 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        h = sweep_fnv(h, buf, n);
    fclose(f);
    for (size_t i = 0; i < nsets; i++)
        h = sweep_fnv_str(h, sets[i]);
    for (size_t i = 0; i < g->ndims; i++) {
        h = sweep_fnv_str(h, g->dim[i].key);
        for (size_t j = 0; j < g->dim[i].n; j++)
            h = sweep_fnv_str(h, g->dim[i].value[j]);
    }
    return h;
}

/* One journal line for point k (without the checksum): every double in
 * %a, so a resumed row is the same bits as a computed one. */
static int sweep_encode(size_t k, const struct grid_row *r, char *buf,
                        size_t size)
{
    return snprintf(buf, size,
                    "%zu %u %a %a %a %a %a %a %a %a %a %a %d %d %d %s %a %a "
                    "%a %d",
                    k, r->reps, r->volume, r->ttft_p99, r->ttft_p99_hw,
                    r->e2e_p99, r->e2e_p99_hw, r->e2e_p50, r->e2e_p50_hw,
                    r->utilization, r->utilization_hw, r->failed_share,
                    r->stable, r->has_slo, r->slo_met,
                    r->why[0] ? r->why : "-", r->monthly, r->tco, r->per_1k,
                    r->months);
}

static int sweep_decode(const char *line, size_t *k, struct grid_row *r)
{
    char why[sizeof r->why] = {0};
    int used = 0;

    memset(r, 0, sizeof *r);
    /* %lf reads what %a wrote, nan and inf included (C99 strtod). */
    if (sscanf(line,
               "%zu %u %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %d %d %d "
               "%15s %lf %lf %lf %d%n",
               k, &r->reps, &r->volume, &r->ttft_p99, &r->ttft_p99_hw,
               &r->e2e_p99, &r->e2e_p99_hw, &r->e2e_p50, &r->e2e_p50_hw,
               &r->utilization, &r->utilization_hw, &r->failed_share,
               &r->stable, &r->has_slo, &r->slo_met, why, &r->monthly,
               &r->tco, &r->per_1k, &r->months, &used) != 20 ||
        line[used] != '\0')
        return -1;
    if (strcmp(why, "-"))
        memcpy(r->why, why, sizeof r->why);
    r->why[sizeof r->why - 1] = '\0';
    return 0;
}

struct sweep_state {
    const char *path;
    struct grid g;
    const char *sets[CLI_MAX_SETS + 2];
    size_t nsets;
    size_t npoints;
    struct grid_row *row; /* owned, npoints */
    unsigned char *done;  /* owned, npoints */
    size_t ndone;
    char journal[1024];
    int jfd;              /* the journal, open for appending */
    uint64_t id;
    const char *out_dir;
    unsigned reps;
    size_t nfigs;                          /* figures drawn, for sweep.json */
    char figs[GRID_MAX_DIMS][FIGURE_MAX_NAME];
};

static uint32_t sweep_sum(const char *s)
{
    return (uint32_t)(sweep_fnv(14695981039346656037ULL, s, strlen(s)) >>
                      16);
}

/* Reads the journal's finished points; -1 after an error (another
 * sweep's journal). */
static int sweep_journal_read(struct sweep_state *s)
{
    char line[2048], head[128];
    FILE *f = fopen(s->journal, "r");
    int first = 1;

    if (!f)
        return 0;
    snprintf(head, sizeof head, "slmsim-sweep-journal 1 %016llx %zu\n",
             (unsigned long long)s->id, s->npoints);
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line), k;
        struct grid_row r;
        char *hash;
        unsigned long sum;
        if (first) {
            first = 0;
            if (strcmp(line, head)) {
                fprintf(stderr, "%s:1:1: error: journal of another sweep "
                                "(another scenario file, overrides or grid); "
                                "--fresh starts over\n", s->journal);
                fclose(f);
                return -1;
            }
            continue;
        }
        /* A torn line (no newline, bad checksum) is a point to redo. */
        if (len == 0 || line[len - 1] != '\n')
            break;
        line[len - 1] = '\0';
        hash = strrchr(line, '#');
        if (!hash || hash == line)
            continue;
        sum = strtoul(hash + 1, NULL, 16);
        hash[-1] = '\0';
        if (sum != sweep_sum(line) || sweep_decode(line, &k, &r) ||
            k >= s->npoints)
            continue;
        if (!s->done[k])
            s->ndone++;
        s->done[k] = 1;
        s->row[k] = r;
    }
    fclose(f);
    return 0;
}

static int sweep_journal_open(struct sweep_state *s, int fresh)
{
    char head[128];
    int exists;

    if (out_mkdirs(s->out_dir))
        return cli_status_exit(SLM_ESYS, "cannot create", s->out_dir);
    if (fresh && unlink(s->journal) && errno != ENOENT)
        return cli_status_exit(SLM_ESYS, "cannot remove", s->journal);
    exists = access(s->journal, F_OK) == 0;
    if (exists && sweep_journal_read(s))
        return CLI_EXIT_INPUT;
    s->jfd = open(s->journal, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (s->jfd < 0)
        return cli_status_exit(SLM_ESYS, "cannot write", s->journal);
    if (!exists) {
        int n = snprintf(head, sizeof head,
                         "slmsim-sweep-journal 1 %016llx %zu\n",
                         (unsigned long long)s->id, s->npoints);
        if (write(s->jfd, head, (size_t)n) != n)
            return cli_status_exit(SLM_ESYS, "cannot write", s->journal);
    }
    return CLI_EXIT_OK;
}

/* Appends point k in one write (the line is the unit of atomicity). */
static int sweep_journal_add(struct sweep_state *s, size_t k)
{
    char line[2048];
    int n = sweep_encode(k, &s->row[k], line, sizeof line - 16);

    if (n < 0 || (size_t)n >= sizeof line - 16)
        return -1;
    n += snprintf(line + n, sizeof line - (size_t)n, " #%08x\n",
                  (unsigned)sweep_sum(line));
    return write(s->jfd, line, (size_t)n) == n ? 0 : -1;
}

/* ---- running points ---- */

struct sweep_progress {
    int tty;
    double t0;
    size_t total, done0, done;
};

static double sweep_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sweep_progress_show(struct sweep_progress *p, size_t running)
{
    double el = sweep_now() - p->t0, eta;
    size_t ran = p->done - p->done0;

    if (!p->tty)
        return;
    eta = ran ? el / (double)ran * (double)(p->total - p->done)
              : (double)NAN;
    if (isfinite(eta))
        fprintf(stderr, "\rsweep: %zu/%zu points, %zu running, ETA %.0f s  ",
                p->done, p->total, running, eta);
    else
        fprintf(stderr, "\rsweep: %zu/%zu points, %zu running  ", p->done,
                p->total, running);
}

static int sweep_point_sets(const struct sweep_state *s, size_t k,
                            char (*buf)[512], const char **extra)
{
    for (size_t i = 0; i < s->g.ndims; i++)
        extra[i] = grid_set_text(&s->g, k, i, buf[i], sizeof buf[i]);
    return (int)s->g.ndims;
}

/* Point k here, in this process. */
static int sweep_compute(const struct sweep_state *s, size_t k,
                         struct grid_row *row)
{
    char buf[GRID_MAX_DIMS][512];
    const char *extra[GRID_MAX_DIMS];
    struct scenario_overrides ov = {s->sets, s->nsets, s->out_dir};
    struct diag d;
    int n = sweep_point_sets(s, k, buf, extra), st;

    diag_init(&d, stderr);
    st = grid_run_point(s->path, &ov, extra, (size_t)n, &d, row);
    if (st && !row->status)
        row->status = st;
    return row->status;
}

/* Point k finished in some process: kept by index and journalled (the
 * pool's done hook, in this process). */
struct sweep_local {
    struct sweep_state *s;
    struct sweep_progress *p;
};

static int sweep_job(void *ctx, size_t k, void *row)
{
    const struct sweep_local *l = ctx;
    return sweep_compute(l->s, k, row);
}

static void sweep_finish_point(struct sweep_state *s, size_t k,
                               const struct grid_row *row,
                               struct sweep_progress *p, size_t *failed)
{
    if (row->status) {
        (*failed)++;
        return;
    }
    s->row[k] = *row;
    s->done[k] = 1;
    s->ndone++;
    p->done++;
    if (sweep_journal_add(s, k))
        fprintf(stderr, "slmsim sweep: warning: cannot write %s: %s\n",
                s->journal, strerror(errno));
}

/* The pool hands over only points whose status is 0. */
static void sweep_job_done(void *ctx, size_t k, const void *row)
{
    const struct sweep_local *l = ctx;
    struct grid_row r;
    size_t unused = 0;

    memcpy(&r, row, sizeof r);
    sweep_finish_point(l->s, k, &r, l->p, &unused);
}

static void sweep_job_progress(void *ctx, size_t done, size_t total,
                               size_t running)
{
    (void)done, (void)total;
    sweep_progress_show(ctx, running);
}

/* On this machine: study/jobs.h's pool, the points not yet journalled. */
static void sweep_run_local(struct sweep_state *s, struct sweep_progress *p,
                            long jobs, size_t *failed)
{
    struct sweep_local l = {s, p};
    unsigned char *skip = mem_alloc(s->npoints);
    struct jobs_spec js = {.n = s->npoints, .rowsize = sizeof(struct grid_row),
                           .jobs = (unsigned)jobs, .compute = sweep_job,
                           .done = sweep_job_done, .ctx = &l,
                           .progress = sweep_job_progress,
                           .progress_ctx = p};

    if (!skip) {
        *failed = s->npoints - s->ndone;
        return;
    }
    /* a copy: done[] changes as points finish */
    memcpy(skip, s->done, s->npoints);
    js.skip = skip;
    jobs_run(&js, NULL, NULL, failed);
    mem_free(skip);
}

/* Across MPI ranks (study/pool.h): each rank computes in its own process,
 * rank 0 journals and gathers. */
struct sweep_mpi_ctx {
    struct sweep_state *s;
    struct sweep_progress *p;
    size_t *failed;
};

static void sweep_mpi_compute(void *ctx, size_t k, void *row)
{
    const struct sweep_mpi_ctx *c = ctx;

    sweep_compute(c->s, k, row);
}

static void sweep_mpi_done(void *ctx, size_t k, const void *row)
{
    const struct sweep_mpi_ctx *c = ctx;
    struct grid_row r;

    memcpy(&r, row, sizeof r);
    sweep_finish_point(c->s, k, &r, c->p, c->failed);
    sweep_progress_show(c->p, 0);
}

static int sweep_run_mpi(struct sweep_state *s, struct sweep_progress *p,
                         size_t *failed)
{
    struct sweep_mpi_ctx c = {s, p, failed};

    return pool_mpi_run(s->npoints, s->done, sizeof(struct grid_row),
                        sweep_mpi_compute, sweep_mpi_done, &c);
}

/* ---- figures: the metric against each swept key ---- */

#define SWEEP_FIG_SERIES 6

static const char *const sweep_colors[SWEEP_FIG_SERIES] = {
    "#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6"};

/* Value text as a number on the x axis: a plain number, a rate (per
 * month), a duration (s); NaN when it is none (a category). */
static double sweep_x(const char *text, const char **unit)
{
    double x;

    if (!units_parse_number(text, &x)) {
        *unit = "";
        return x;
    }
    if (!units_parse_rate(text, &x)) {
        *unit = " (per month)";
        return x * UNITS_MONTH;
    }
    if (!units_parse_duration(text, &x)) {
        *unit = " (s)";
        return x;
    }
    return (double)NAN;
}

/* The point with dimension i at value v and the others at combination c
 * (the others' indexes in mixed radix, dimension order). */
static size_t sweep_point_at(const struct grid *g, size_t i, size_t v,
                             size_t c)
{
    size_t k = 0;

    /* grid_point's order: the last dimension varies fastest */
    for (size_t d = 0; d < g->ndims; d++) {
        size_t idx;
        if (d == i) {
            idx = v;
        } else {
            size_t below = 1;
            for (size_t e = d + 1; e < g->ndims; e++)
                if (e != i)
                    below *= g->dim[e].n;
            idx = c / below % g->dim[d].n;
        }
        k = k * g->dim[d].n + idx;
    }
    return k;
}

/* "count=2, gpu=L40S": the other dimensions at point k. */
static void sweep_combo_title(const struct grid *g, size_t i, size_t k,
                              char *buf, size_t size)
{
    size_t idx[GRID_MAX_DIMS], len = 0;

    grid_point(g, k, idx);
    buf[0] = '\0';
    for (size_t d = 0; d < g->ndims && len < size; d++) {
        const char *dot;
        if (d == i)
            continue;
        dot = strrchr(g->dim[d].key, '.');
        len += (size_t)snprintf(buf + len, size - len, "%s%s=%s",
                                len ? ", " : "", dot ? dot + 1 : g->dim[d].key,
                                g->dim[d].value[idx[d]]);
    }
}

static int sweep_figure(struct sweep_state *s, size_t i, struct cli_plots *p)
{
    const struct grid_dim *dim = &s->g.dim[i];
    size_t ncombo = dim->n ? s->npoints / dim->n : 0, nser, v, c;
    const char *unit = "", *u;
    const char *dot = strrchr(dim->key, '.');
    char name[FIGURE_MAX_NAME + 32], text[FIGURE_MAX_TEXT];
    double row[FIGURE_MAX_COLUMNS];
    int numeric = 1;
    double top = 0;
    struct figure *f;
    int st = SLM_OK;

    for (v = 0; v < dim->n; v++)
        numeric &= isfinite(sweep_x(dim->value[v], v ? &u : &unit));
    nser = ncombo < SWEEP_FIG_SERIES ? ncombo : SWEEP_FIG_SERIES;
    snprintf(name, sizeof name, "sweep-%zu-%s", i + 1, dot ? dot + 1 : dim->key);
    f = figure_new(name, FIGURE_XY);
    if (!f)
        return SLM_ENOMEM;
    snprintf(text, sizeof text, "%s: P99 end-to-end against %s",
             s->path, dim->key);
    figure_text(f->title, sizeof f->title, text);
    {
        char cap[FIGURE_MAX_CAPTION];
        snprintf(cap, sizeof cap, "%u replications per point, common random "
                 "numbers; %s: 95%% interval%s%s", s->reps,
                 numeric ? "dashed" : "the points above and below",
                 ncombo > nser ? "; the first combinations of the other keys "
                                 "only" : "",
                 numeric ? "" : "; the points of a value side by side");
        figure_text(f->caption, sizeof f->caption, cap);
    }
    snprintf(text, sizeof text, "%s%s", dim->key, numeric ? unit : "");
    figure_text(f->x.label, sizeof f->x.label, text);
    figure_text(f->panel[0].y.label, sizeof f->panel[0].y.label,
                "P99 end-to-end latency");
    f->panel[0].y.fmt = FIGURE_FMT_SECONDS;
    if (!numeric) {
        f->x.fmt = FIGURE_FMT_CATEGORY;
        f->x.min = 0.5;
        f->x.max = (double)dim->n + 0.5;
    }
    /* per combination: its x (a category's points side by side), the P99
     * and the interval's ends */
    for (c = 0; c < nser; c++) {
        char col[FIGURE_MAX_NAME];
        snprintf(col, sizeof col, "x_%zu", c);
        figure_add_column(f, col);
        snprintf(col, sizeof col, "p99_%zu", c);
        figure_add_column(f, col);
        snprintf(col, sizeof col, "lo_%zu", c);
        figure_add_column(f, col);
        snprintf(col, sizeof col, "hi_%zu", c);
        figure_add_column(f, col);
    }
    for (c = 0; c < nser; c++) {
        struct figure_series *se;
        sweep_combo_title(&s->g, i, sweep_point_at(&s->g, i, 0, c), text,
                          sizeof text);
        figure_add_series(f, text, 4 * c, 4 * c + 1,
                          numeric ? FIGURE_LINESPOINTS : FIGURE_POINTS,
                          sweep_colors[c]);
        for (size_t e = 2; e <= 3; e++) {
            se = figure_add_series(f, "", 4 * c, 4 * c + e,
                                   numeric ? FIGURE_LINES : FIGURE_POINTS,
                                   sweep_colors[c]);
            if (se)
                se->dash = 2;
        }
    }
    for (v = 0; v < dim->n && !st; v++) {
        double x = numeric ? sweep_x(dim->value[v], &u) : (double)(v + 1);
        for (c = 0; c < nser; c++) {
            size_t k = sweep_point_at(&s->g, i, v, c);
            const struct grid_row *r = &s->row[k];
            int have = !r->status && s->done[k];
            row[4 * c] = numeric ? x
                                 : x + 0.3 * ((double)c -
                                              (double)(nser - 1) / 2) /
                                           (double)(nser > 1 ? nser - 1 : 1);
            row[4 * c + 1] = have ? r->e2e_p99 : (double)NAN;
            row[4 * c + 2] = have ? r->e2e_p99 - r->e2e_p99_hw : (double)NAN;
            row[4 * c + 3] = have ? r->e2e_p99 + r->e2e_p99_hw : (double)NAN;
        }
        for (c = 0; c < nser; c++)
            if (isfinite(row[4 * c + 3]))
                top = fmax(top, row[4 * c + 3]);
        st = figure_add_row(f, row, numeric ? NULL : dim->value[v]);
    }
    /* room above the data for the legend, which sits at the top */
    if (top > 0) {
        f->panel[0].y.min = 0;
        f->panel[0].y.max = top * (1.15 + 0.12 * (double)nser);
    }
    if (!st && s->nfigs < GRID_MAX_DIMS)
        figure_text(s->figs[s->nfigs++], sizeof s->figs[0], f->name);
    return cli_plots_add(p, st, f);
}

/* A figure per dimension with two values or more, into p. */
static int sweep_figures(struct sweep_state *s, struct cli_plots *p)
{
    int st = SLM_OK;

    if (p->want == 0)
        return SLM_OK;
    for (size_t i = 0; i < s->g.ndims && !st; i++)
        if (s->g.dim[i].n >= 2)
            st = sweep_figure(s, i, p);
    return st;
}

/* ---- outputs ---- */

static void sweep_csv_text(FILE *f, const char *v)
{
    if (strpbrk(v, ",\"\n")) {
        fputc('"', f);
        for (; *v; v++) {
            if (*v == '"')
                fputc('"', f);
            fputc(*v, f);
        }
        fputc('"', f);
    } else {
        fputs(v, f);
    }
}

static int sweep_write_csv(FILE *f, const void *ctx)
{
    const struct sweep_state *s = ctx;
    size_t idx[GRID_MAX_DIMS];

    fputs("point", f);
    for (size_t i = 0; i < s->g.ndims; i++) {
        fputc(',', f);
        sweep_csv_text(f, s->g.dim[i].key);
    }
    fputs(",status,replications,volume_per_month,ttft_p99_s,ttft_p99_hw_s,"
          "e2e_p50_s,e2e_p50_hw_s,e2e_p99_s,e2e_p99_hw_s,utilization,"
          "utilization_hw,failed_share,stable,slo,slo_missed,monthly_usd,"
          "per_1k_usd,tco_usd,tco_months\n", f);
    for (size_t k = 0; k < s->npoints; k++) {
        const struct grid_row *r = &s->row[k];
        grid_point(&s->g, k, idx);
        fprintf(f, "%zu", k);
        for (size_t i = 0; i < s->g.ndims; i++) {
            fputc(',', f);
            sweep_csv_text(f, s->g.dim[i].value[idx[i]]);
        }
        if (!s->done[k]) {
            fputs(",missing,,,,,,,,,,,,,,,,,,\n", f);
            continue;
        }
        fprintf(f, ",ok,%u", r->reps);
        cli_csv_numbers(f, (const double[]){
            r->volume, r->ttft_p99, r->ttft_p99_hw, r->e2e_p50, r->e2e_p50_hw,
            r->e2e_p99, r->e2e_p99_hw, r->utilization, r->utilization_hw,
            r->failed_share}, 10);
        fprintf(f, ",%s,%s,%s", r->stable ? "yes" : "no",
                !r->has_slo ? "none" : r->slo_met ? "met" : "missed",
                r->why);
        cli_csv_numbers(f, (const double[]){r->monthly, r->per_1k, r->tco}, 3);
        if (r->months > 0 && isfinite(r->tco))
            fprintf(f, ",%d\n", r->months);
        else
            fputs(",\n", f);
    }
    return ferror(f) ? -1 : 0;
}

static void sweep_json_ci(struct jw *w, const char *key, double mean,
                          double hw)
{
    jw_object_begin(w, key);
    jw_number(w, "mean", mean);
    jw_number(w, "ci95", hw);
    jw_object_end(w);
}

static int sweep_write_json(FILE *f, const void *ctx)
{
    const struct sweep_state *s = ctx;
    size_t idx[GRID_MAX_DIMS];
    struct jw w;

    jw_init(&w, f);
    jw_object_begin(&w, NULL);
    jw_string(&w, "slmsim", SLMSIM_VERSION);
    jw_string(&w, "scenario", s->path);
    jw_int(&w, "points", (int64_t)s->npoints);
    jw_int(&w, "finished", (int64_t)s->ndone);
    jw_int(&w, "replications", s->reps);
    jw_array_begin(&w, "vary");
    for (size_t i = 0; i < s->g.ndims; i++) {
        jw_object_begin(&w, NULL);
        jw_string(&w, "key", s->g.dim[i].key);
        jw_array_begin(&w, "values");
        for (size_t j = 0; j < s->g.dim[i].n; j++)
            jw_string(&w, NULL, s->g.dim[i].value[j]);
        jw_array_end(&w);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_array_begin(&w, "figures");
    for (size_t i = 0; i < s->nfigs; i++)
        jw_string(&w, NULL, s->figs[i]);
    jw_array_end(&w);
    jw_array_begin(&w, "rows");
    for (size_t k = 0; k < s->npoints; k++) {
        const struct grid_row *r = &s->row[k];
        grid_point(&s->g, k, idx);
        jw_object_begin(&w, NULL);
        jw_int(&w, "point", (int64_t)k);
        jw_object_begin(&w, "values");
        for (size_t i = 0; i < s->g.ndims; i++)
            jw_string(&w, s->g.dim[i].key, s->g.dim[i].value[idx[i]]);
        jw_object_end(&w);
        jw_string(&w, "status", s->done[k] ? "ok" : "missing");
        if (s->done[k]) {
            jw_int(&w, "replications", r->reps);
            jw_number(&w, "volume_per_month", r->volume);
            sweep_json_ci(&w, "ttft_p99_s", r->ttft_p99, r->ttft_p99_hw);
            sweep_json_ci(&w, "e2e_p50_s", r->e2e_p50, r->e2e_p50_hw);
            sweep_json_ci(&w, "e2e_p99_s", r->e2e_p99, r->e2e_p99_hw);
            sweep_json_ci(&w, "utilization", r->utilization,
                          r->utilization_hw);
            jw_number(&w, "failed_share", r->failed_share);
            jw_bool(&w, "stable", r->stable);
            jw_string(&w, "slo", !r->has_slo ? "none"
                                 : r->slo_met ? "met" : "missed");
            jw_string(&w, "slo_missed", r->why[0] ? r->why : NULL);
            jw_number(&w, "monthly_usd", r->monthly);
            jw_number(&w, "per_1k_usd", r->per_1k);
            jw_number(&w, "tco_usd", r->tco);
            jw_int(&w, "tco_months", r->months);
        }
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    return jw_finish(&w);
}

/* ---- the command ---- */

/* Every value of every dimension once, on the scenario: a bad key or
 * value is a located error before anything runs. */
static int sweep_check(const struct sweep_state *s)
{
    struct scenario_overrides ov = {s->sets, s->nsets, s->out_dir};
    struct diag d;
    char buf[512];
    int bad = 0;

    diag_init(&d, stderr);
    for (size_t i = 0; i < s->g.ndims && !bad; i++)
        for (size_t j = 0; j < s->g.dim[i].n && !bad; j++) {
            const char *extra = buf;
            int st;
            snprintf(buf, sizeof buf, "%s=%s", s->g.dim[i].key,
                     s->g.dim[i].value[j]);
            st = grid_check_point(s->path, &ov, &extra, 1, &d);
            if (st) {
                fprintf(stderr, "slmsim sweep: in --vary %s\n", buf);
                bad = st;
            }
        }
    return bad ? cli_status_exit(bad, "cannot read", s->path) : 0;
}

/* The scenario's own sweep: block (sweep.vary: KEY.PATH: SPEC or a list)
 * into s->g, when the command line varies nothing. */
static int sweep_file_grid(struct sweep_state *s, struct diag *d)
{
    static const char *const keys[] = {"vary"};
    const struct cfg_node *sw, *vary;
    struct cfg_doc *doc = NULL;
    int st = cfg_load_file(s->path, d, &doc);

    if (st)
        return st;
    sw = cfg_get(cfg_doc_root(doc), "sweep");
    vary = sw ? cfg_get(sw, "vary") : NULL;
    if (!sw) {
        cfg_doc_free(doc);
        return SLM_OK;
    }
    if (cfg_expect(sw, CFG_MAP, "sweep", d) ||
        cfg_check_keys(sw, "sweep", keys, 1, d) ||
        (!vary && (diag_error(d, &sw->pos, "missing required key 'vary' in "
                              "sweep"), 1)) ||
        cfg_expect(vary, CFG_MAP, "vary", d))
        st = SLM_EINPUT;
    for (size_t i = 0; !st && i < vary->n; i++) {
        const struct cfg_node *v = vary->items[i];
        if (v->kind == CFG_SCALAR) {
            st = grid_add_spec(&s->g, vary->keys[i], v->scalar,
                               &vary->key_pos[i], &v->pos, d);
        } else if (v->kind == CFG_SEQ && v->n <= GRID_MAX_VALUES) {
            const char *text[GRID_MAX_VALUES];
            struct diag_pos at[GRID_MAX_VALUES];
            for (size_t j = 0; j < v->n && !st; j++) {
                if (cfg_expect(v->items[j], CFG_SCALAR, vary->keys[i], d))
                    st = SLM_EINPUT;
                text[j] = v->items[j]->scalar;
                at[j] = v->items[j]->pos;
            }
            if (!st)
                st = grid_add_values(&s->g, vary->keys[i], text, v->n,
                                     &vary->key_pos[i], at, d);
        } else {
            diag_error(d, &v->pos, "sweep.vary.%s must be a SPEC (a,b,c or "
                       "lo..hi:lin|log:N) or a list of at most %d values",
                       vary->keys[i], GRID_MAX_VALUES);
            st = SLM_EINPUT;
        }
    }
    cfg_doc_free(doc);
    return st;
}

/* The point limit and where it was said: --max-points, else the last
 * --set limits.max_points=N, else the file's limits.max_points (at its
 * place), else GRID_DEFAULT_MAX_POINTS.  The scenario load has checked
 * the value (a whole number from 1 to 1e8). */
struct sweep_limit {
    long max;
    struct diag_pos at; /* file: where; else file NULL */
    char file[512];
    const char *how;    /* how it was set, for the message */
};

static void sweep_max_points(const struct sweep_opts *o,
                             const struct cli_scenario_opts *so,
                             long max_points, struct sweep_limit *lim)
{
    static const char key[] = "limits.max_points=";
    struct cfg_doc *doc = NULL;
    struct diag d;
    FILE *nul = fopen("/dev/null", "w");

    memset(lim, 0, sizeof *lim);
    lim->max = GRID_DEFAULT_MAX_POINTS;
    lim->how = "the default";
    if (o->max_points) {
        lim->max = max_points;
        lim->how = "set by --max-points";
        return;
    }
    for (size_t i = so->nsets; i-- > 0;)
        if (!strncmp(so->sets[i], key, sizeof key - 1)) {
            lim->max = strtol(so->sets[i] + sizeof key - 1, NULL, 10);
            lim->how = "set by --set";
            return;
        }
    /* the file again, quietly: loading it reported any error already */
    diag_init(&d, nul ? nul : stderr);
    if (cfg_load_file(so->path, &d, &doc) == 0) {
        const struct cfg_node *l = cfg_get(cfg_doc_root(doc), "limits");
        const struct cfg_node *m = l ? cfg_get(l, "max_points") : NULL;
        if (m && m->kind == CFG_SCALAR) {
            lim->max = strtol(m->scalar, NULL, 10);
            snprintf(lim->file, sizeof lim->file, "%s", so->path);
            lim->at = m->pos;
            lim->at.file = lim->file;
        }
    }
    cfg_doc_free(doc);
    if (nul)
        fclose(nul);
}

/* A grid larger than the limit: refused before anything runs, at the
 * limit's place when the file set it. */
static int sweep_too_big(const struct sweep_state *s,
                         const struct sweep_limit *lim)
{
    if (s->npoints <= (size_t)lim->max)
        return 0;
    if (lim->at.file) {
        struct diag d;
        diag_init(&d, stderr);
        diag_error(&d, &lim->at, "the grid has %zu points, more than "
                   "limits.max_points = %ld (raise it, or --max-points N; "
                   "docs/limits.md)", s->npoints, lim->max);
    } else {
        fprintf(stderr, "slmsim sweep: error: the grid has %zu points, more "
                        "than limits.max_points = %ld (%s; raise it with "
                        "--max-points N or limits.max_points in the "
                        "scenario; docs/limits.md)\n", s->npoints, lim->max,
                lim->how);
    }
    return 1;
}

static int sweep_setup(struct sweep_state *s, const struct sweep_opts *o,
                       const struct cli_scenario_opts *so, long max_points)
{
    struct sweep_limit lim;
    static char seed[64], reps[64];
    struct scenario *sc = NULL;
    struct diag d;
    int rc;

    if (!strcmp(so->path, "-")) {
        fprintf(stderr, "slmsim sweep: error: a sweep needs a scenario file "
                        "(its journal names the file), not '-'\n");
        return CLI_EXIT_INPUT;
    }
    rc = cli_load_scenario(so, &sc);
    if (rc)
        return rc;
    s->reps = sc->replications;
    snprintf(s->journal, sizeof s->journal, "%s/sweep.journal",
             sc->out_dir);
    s->out_dir = mem_strdup(sc->out_dir);
    scenario_free(sc);
    if (!s->out_dir)
        return cli_status_exit(SLM_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < so->nsets; i++)
        s->sets[s->nsets++] = so->sets[i];
    if (so->seed) {
        snprintf(seed, sizeof seed, "seed=%s", so->seed);
        s->sets[s->nsets++] = seed;
    }
    if (so->replications) {
        snprintf(reps, sizeof reps, "replications=%s", so->replications);
        s->sets[s->nsets++] = reps;
    }
    diag_init(&d, stderr);
    /* --vary replaces the file's sweep: block as a whole. */
    for (size_t i = 0; i < o->vary.n; i++) {
        int st = grid_add(&s->g, o->vary.spec[i], o->vary.argno[i], &d);
        if (st)
            return cli_status_exit(st, NULL, NULL);
    }
    if (o->vary.n == 0) {
        int st = sweep_file_grid(s, &d);
        if (st)
            return cli_status_exit(st, "cannot read", s->path);
    }
    if (s->g.ndims == 0) {
        fprintf(stderr, "slmsim sweep: error: nothing to vary (--vary "
                        "KEY.PATH=SPEC or a sweep: block; see slmsim sweep "
                        "--help)\n");
        return CLI_EXIT_INPUT;
    }
    s->npoints = grid_npoints(&s->g);
    sweep_max_points(o, so, max_points, &lim);
    if (sweep_too_big(s, &lim))
        return CLI_EXIT_INPUT;
    rc = sweep_check(s);
    if (rc)
        return rc;
    s->row = mem_calloc(s->npoints, sizeof *s->row);
    s->done = mem_calloc(s->npoints, 1);
    if (!s->row || !s->done)
        return cli_status_exit(SLM_ENOMEM, NULL, NULL);
    s->id = sweep_identity(s->path, s->sets, s->nsets, &s->g);
    return CLI_EXIT_OK;
}

static void sweep_fini(struct sweep_state *s)
{
    if (s->jfd >= 0)
        close(s->jfd);
    grid_fini(&s->g);
    mem_free(s->row);
    mem_free(s->done);
    mem_free((char *)s->out_dir);
}

static int sweep_main(int argc, char **argv, int ranks)
{
    struct sweep_opts o = {0};
    int drawn = 0;
    const struct cli_scenario_opts *so = &o.so;
    struct sweep_state s;
    struct sweep_progress p;
    long jobs, max_points = GRID_DEFAULT_MAX_POINTS;
    size_t failed = 0, resumed;
    int rc, sig = 0, rank = pool_mpi_rank(), quiet_fd;

    memset(&s, 0, sizeof s);
    memset(&p, 0, sizeof p);
    s.jfd = -1;
    cli_plots_init(&o.plots);
    rc = cli_args_parse(&sweep_args, argc, argv, &o);
    if (rc != CLI_ARGS_OK)
        return rc == CLI_ARGS_HELP ? CLI_EXIT_OK : CLI_EXIT_INPUT;
    jobs = (long)cli_jobs(o.jobs);
    if (o.max_points)
        max_points = sweep_count(o.max_points);
    s.path = so->path;
    /* Every rank checks the same inputs and fails the same way; rank 0
     * alone says so. */
    quiet_fd = ranks > 1 && rank > 0 ? cli_mute_stderr() : -1;
    rc = sweep_setup(&s, &o, so, max_points);
    cli_unmute_stderr(quiet_fd);
    if (!rc && ranks > 1 && rank > 0) {
        sweep_run_mpi(&s, &p, &failed);
        sweep_fini(&s);
        return CLI_EXIT_OK;
    }
    if (!rc)
        rc = sweep_journal_open(&s, o.fresh);
    if (rc) {
        if (ranks > 1 && s.npoints) {
            /* The other ranks wait for work: release them. */
            memset(s.done, 1, s.npoints);
            sweep_run_mpi(&s, &p, &failed);
        }
        sweep_fini(&s);
        return rc;
    }
    resumed = s.ndone;
    p.tty = isatty(STDERR_FILENO);
    p.t0 = sweep_now();
    p.total = s.npoints;
    p.done0 = p.done = s.ndone;
    if (ranks > 1)
        sig = sweep_run_mpi(&s, &p, &failed);
    else
        sweep_run_local(&s, &p, jobs, &failed);
    if (p.tty)
        fputs("\r\033[K", stderr);
    if (sig || interrupt_pending()) {
        fprintf(stderr, "slmsim sweep: interrupted: %zu of %zu points in "
                        "%s; rerun to finish\n", s.ndone, s.npoints,
                s.journal);
        sweep_fini(&s);
        return 128 + (sig ? sig : interrupt_pending());
    }
    rc = cli_status_exit(sweep_figures(&s, &o.plots), NULL, NULL);
    if (!rc)
        rc = cli_write_file(s.out_dir, "sweep.csv", sweep_write_csv, &s);
    if (!rc)
        rc = cli_write_file(s.out_dir, "sweep.json", sweep_write_json, &s);
    if (!rc)
        rc = cli_plots_finish(&o.plots, s.out_dir, "sweep", so->quiet);
    drawn = 1;
    if (!rc && !so->quiet)
        printf("sweep: %zu points x %u replications: %zu run now, %zu from "
               "the journal%s; wrote %s/sweep.csv and sweep.json\n",
               s.npoints, s.reps, s.ndone - resumed, resumed,
               failed ? ", some missing" : "", s.out_dir);
    if (!rc && s.ndone < s.npoints) {
        fprintf(stderr, "slmsim sweep: error: %zu of %zu points missing "
                        "(failed runs, reported above); rerun to retry "
                        "them\n", s.npoints - s.ndone, s.npoints);
        rc = CLI_EXIT_FAIL;
    }
    if (drawn)
        cli_plots_fini(&o.plots);
    sweep_fini(&s);
    return rc;
}

int cmd_sweep(int argc, char **argv)
{
    return cli_run_mpi(sweep_main, argc, argv);
}
