#include "plots/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plots/draw.h"
#include "sim/diag.h"
#include "sim/mem.h"

#define GREY "#666666"

static const char *plot_role_color(enum plot_role role, size_t i)
{
    static const char *const others[] = {FIGURE_ORANGE, FIGURE_SKY_BLUE,
                                         FIGURE_PURPLE, FIGURE_YELLOW};

    switch (role) {
    case PLOT_OVERALL: return FIGURE_COLOR_OVERALL;
    case PLOT_LOCAL: return FIGURE_COLOR_LOCAL;
    case PLOT_API: return FIGURE_COLOR_API;
    case PLOT_HYBRID: return FIGURE_COLOR_HYBRID;
    default: return others[i % (sizeof others / sizeof others[0])];
    }
}

static const char *plot_role_name(enum plot_role role)
{
    switch (role) {
    case PLOT_OVERALL: return "overall";
    case PLOT_LOCAL: return "local";
    case PLOT_API: return "API";
    case PLOT_HYBRID: return "hybrid";
    default: return "";
    }
}

/* A figure titled "SCENARIO: what" with the caption. */
static struct figure *fig_start(const char *name, enum figure_kind kind,
                                const struct plot_meta *meta,
                                const char *what)
{
    struct figure *f = figure_new(name, kind);
    char title[FIGURE_MAX_TEXT];

    if (!f)
        return NULL;
    snprintf(title, sizeof title, "%s%s%s",
             meta->scenario ? meta->scenario : "",
             meta->scenario ? ": " : "", what);
    figure_text(f->title, sizeof f->title, title);
    figure_text(f->caption, sizeof f->caption,
                meta->caption ? meta->caption : "");
    return f;
}

/* A column named PREFIX_SUFFIX from a user's name: letters, digits, '-'
 * and '_' kept, anything else '_', so it stays one word in the file. */
static int fig_column(struct figure *f, const char *prefix,
                      const char *suffix)
{
    char name[FIGURE_MAX_NAME];
    size_t i;

    snprintf(name, sizeof name, "%s%s%s", prefix, *suffix ? "_" : "",
             suffix);
    for (i = 0; name[i]; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') ||
              (name[i] >= 'A' && name[i] <= 'Z') ||
              (name[i] >= '0' && name[i] <= '9') || name[i] == '-' ||
              name[i] == '_'))
            name[i] = '_';
    return figure_add_column(f, name);
}

static void fig_axis(struct figure_axis *a, const char *label, int log,
                     enum figure_fmt fmt)
{
    figure_text(a->label, sizeof a->label, label);
    a->log = log;
    a->fmt = fmt;
}

/* Finishes a builder: the figure to *out, or freed on failure. */
static int fig_done(struct figure *f, int st, struct figure **out)
{
    if (st) {
        figure_free(f);
        return st;
    }
    *out = f;
    return SLM_OK;
}

static const char *role_color(enum plot_role role, size_t *nother)
{
    return plot_role_color(role, role == PLOT_OTHER ? (*nother)++ : 0);
}

static int slo_set(double v)
{
    return isfinite(v) && v > 0;
}

/* ---- latency-cdf ---- */

static int qhist_used(const struct qhist *h)
{
    return h && qhist_count(h) > 0;
}

/* The span worth drawing: from below the 0.1% point to past the largest
 * value and the SLOs, so every curve reaches 100% inside the plot. */
static int cdf_span(const struct plot_cdf_input *in, double *lo, double *hi)
{
    size_t i, k;

    *lo = (double)INFINITY;
    *hi = 0;
    for (i = 0; i < in->ncurves; i++) {
        const struct qhist *h[2] = {in->curves[i].e2e, in->curves[i].ttft};
        for (k = 0; k < 2; k++) {
            if (!qhist_used(h[k]))
                continue;
            *lo = fmin(*lo, fmax(qhist_quantile(h[k], 0.001) * 0.7,
                                 QHIST_MIN * 10));
            *hi = fmax(*hi, qhist_quantile(h[k], 1.0) * 1.3);
        }
    }
    if (slo_set(in->slo_e2e_p99))
        *hi = fmax(*hi, in->slo_e2e_p99 * 1.3);
    if (slo_set(in->slo_ttft_p99))
        *hi = fmax(*hi, in->slo_ttft_p99 * 1.3);
    return isfinite(*lo) && *hi > *lo ? 0 : -1;
}

static void cdf_series(struct figure *f, const struct plot_cdf_input *in)
{
    size_t i, col = 1, nother = 0;
    char title[FIGURE_MAX_TEXT];
    struct figure_series *s;

    for (i = 0; i < in->ncurves; i++) {
        const struct plot_cdf_curve *c = &in->curves[i];
        const char *color = role_color(c->role, &nother);
        if (qhist_used(c->e2e)) {
            snprintf(title, sizeof title, "%s end-to-end", c->name);
            figure_add_series(f, title, 0, col++, FIGURE_LINES, color);
        }
        if (qhist_used(c->ttft)) {
            snprintf(title, sizeof title, "%s TTFT", c->name);
            s = figure_add_series(f, title, 0, col++, FIGURE_LINES, color);
            s->dash = 2;
        }
    }
}

static void cdf_marks(struct figure *f, const struct plot_cdf_input *in)
{
    char v[32], label[FIGURE_MAX_TEXT];

    if (slo_set(in->slo_e2e_p99)) {
        draw_format_value(v, sizeof v, in->slo_e2e_p99, FIGURE_FMT_SECONDS);
        snprintf(label, sizeof label, "SLO: end-to-end P99 %s", v);
        figure_add_mark(f, FIGURE_VLINE, in->slo_e2e_p99, (double)NAN, label,
                        FIGURE_COLOR_SLO);
    }
    if (slo_set(in->slo_ttft_p99)) {
        draw_format_value(v, sizeof v, in->slo_ttft_p99, FIGURE_FMT_SECONDS);
        snprintf(label, sizeof label, "SLO: TTFT P99 %s", v);
        figure_add_mark(f, FIGURE_VLINE, in->slo_ttft_p99, (double)NAN, label,
                        FIGURE_COLOR_SLO);
    }
}

int plot_latency_cdf(const struct plot_cdf_input *in, struct figure **out)
{
    size_t npts = in->points ? in->points : 240, i, k, c;
    double lo, hi, row[FIGURE_MAX_COLUMNS];
    struct figure *f;
    int st = SLM_OK;

    *out = NULL;
    if (in->ncurves < 1 || in->ncurves > PLOT_MAX_CURVES || npts < 2 ||
        cdf_span(in, &lo, &hi))
        return SLM_EINPUT;
    f = fig_start(PLOT_LATENCY_CDF, FIGURE_XY, &in->meta,
                  "latency distribution (CDF)");
    if (!f)
        return SLM_ENOMEM;
    fig_column(f, "latency_s", "");
    for (i = 0; i < in->ncurves; i++) {
        if (qhist_used(in->curves[i].e2e))
            fig_column(f, in->curves[i].name, "e2e");
        if (qhist_used(in->curves[i].ttft))
            fig_column(f, in->curves[i].name, "ttft");
    }
    /* Log-spaced grid: x_k = lo (hi/lo)^(k/(n-1)). */
    for (k = 0; k < npts && !st; k++) {
        row[0] = lo * pow(hi / lo, (double)k / (double)(npts - 1));
        for (i = 0, c = 1; i < in->ncurves; i++) {
            if (qhist_used(in->curves[i].e2e))
                row[c++] = qhist_cdf(in->curves[i].e2e, row[0]);
            if (qhist_used(in->curves[i].ttft))
                row[c++] = qhist_cdf(in->curves[i].ttft, row[0]);
        }
        st = figure_add_row(f, row, NULL);
    }
    cdf_series(f, in);
    cdf_marks(f, in);
    fig_axis(&f->x, "latency (log scale)", 1, FIGURE_FMT_SECONDS);
    fig_axis(&f->panel[0].y, "requests at or below (CDF)", 0,
             FIGURE_FMT_PERCENT);
    f->panel[0].y.min = 0;
    f->panel[0].y.max = 1;
    figure_text(f->panel[0].key, sizeof f->panel[0].key, "bottom right");
    return fig_done(f, st, out);
}

/* ---- latency-vs-load ---- */

double plot_capacity(const double *volume, const double *p99, size_t n,
                     double slo)
{
    size_t i;

    if (n == 0 || !slo_set(slo) || !(p99[0] <= slo))
        return (double)NAN;
    for (i = 1; i < n; i++) {
        if (!(p99[i] > slo))
            continue;
        /* Linear between the last volume that held and the first that
         * did not. */
        return volume[i - 1] + (volume[i] - volume[i - 1]) *
                                   (slo - p99[i - 1]) / (p99[i] - p99[i - 1]);
    }
    return (double)NAN;
}

static void load_marks(struct figure *f, const struct plot_load_input *in)
{
    char v[32], vol[32], label[FIGURE_MAX_TEXT];
    double cap;

    if (!slo_set(in->slo))
        return;
    draw_format_value(v, sizeof v, in->slo, FIGURE_FMT_SECONDS);
    cap = in->capacity > 0 ? in->capacity
                           : plot_capacity(in->volume, in->series[0].p99,
                                           in->n, in->slo);
    if (!(in->series[0].p99[0] <= in->slo)) {
        draw_format_value(vol, sizeof vol, in->volume[0], FIGURE_FMT_NUMBER);
        snprintf(label, sizeof label, "SLO: P99 %s (missed from %s/month)",
                 v, vol);
    } else if (isnan(cap) && !(in->capacity > 0)) {
        draw_format_value(vol, sizeof vol, in->volume[in->n - 1],
                          FIGURE_FMT_NUMBER);
        snprintf(label, sizeof label, "SLO: P99 %s (held up to %s/month)",
                 v, vol);
    } else {
        snprintf(label, sizeof label, "SLO: P99 %s", v);
    }
    figure_add_mark(f, FIGURE_HLINE, (double)NAN, in->slo, label, FIGURE_COLOR_SLO);
    if (isnan(cap))
        return;
    draw_format_value(vol, sizeof vol, cap, FIGURE_FMT_NUMBER);
    snprintf(label, sizeof label, "capacity at the SLO: %s/month", vol);
    figure_add_mark(f, FIGURE_POINT, cap, in->slo, label, FIGURE_BLACK);
}

int plot_latency_vs_load(const struct plot_load_input *in,
                         struct figure **out)
{
    double row[FIGURE_MAX_COLUMNS];
    char title[FIGURE_MAX_TEXT], label[FIGURE_MAX_TEXT];
    struct figure_series *s;
    struct figure *f;
    size_t i, k, c, nother = 0;
    int st = SLM_OK;

    *out = NULL;
    if (in->n < 2 || in->nseries < 1 || in->nseries > PLOT_MAX_CURVES)
        return SLM_EINPUT;
    snprintf(title, sizeof title, "%s latency against load", in->metric);
    f = fig_start(PLOT_LATENCY_VS_LOAD, FIGURE_XY, &in->meta, title);
    if (!f)
        return SLM_ENOMEM;
    fig_column(f, "volume_per_month", "");
    for (i = 0; i < in->nseries; i++) {
        const char *color = role_color(in->series[i].role, &nother);
        c = (size_t)fig_column(f, in->series[i].name, "p99");
        snprintf(label, sizeof label, "%s P99", in->series[i].name);
        figure_add_series(f, label, 0, c, FIGURE_LINESPOINTS, color);
        if (!in->series[i].p50)
            continue;
        c = (size_t)fig_column(f, in->series[i].name, "p50");
        snprintf(label, sizeof label, "%s P50", in->series[i].name);
        s = figure_add_series(f, label, 0, c, FIGURE_LINESPOINTS, color);
        s->dash = 2;
    }
    for (k = 0; k < in->n && !st; k++) {
        row[0] = in->volume[k];
        for (i = 0, c = 1; i < in->nseries; i++) {
            row[c++] = in->series[i].p99[k];
            if (in->series[i].p50)
                row[c++] = in->series[i].p50[k];
        }
        st = figure_add_row(f, row, NULL);
    }
    load_marks(f, in);
    /* Linear shows the hockey stick best; a sweep over a wide range
     * needs log not to squeeze its low end into a corner. */
    if (in->volume[in->n - 1] > 20 * in->volume[0])
        fig_axis(&f->x, "offered volume (queries/month, log scale)", 1,
                 FIGURE_FMT_NUMBER);
    else
        fig_axis(&f->x, "offered volume (queries/month)", 0,
                 FIGURE_FMT_NUMBER);
    snprintf(label, sizeof label, "%s latency (log scale)", in->metric);
    fig_axis(&f->panel[0].y, label, 1, FIGURE_FMT_SECONDS);
    /* Past the knee latency runs away by orders of magnitude; the picture
     * is about where that starts, so the axis stops a decade or so above
     * the SLO and the low-load P99 (lines leave through the top). */
    {
        double top = 10 * fmax(slo_set(in->slo) ? in->slo : 0,
                               in->series[0].p99[0]);
        if (isfinite(top) && top > 0)
            f->panel[0].y.max = pow(10, ceil(log10(top)));
    }
    return fig_done(f, st, out);
}

/* ---- cost-vs-volume ---- */

static const char *curve_name(const struct plot_cost_curve *c)
{
    return c->name ? c->name : plot_role_name(c->role);
}

static void cost_marks(struct figure *f, const struct plot_cost_input *in)
{
    char vol[32], cost[32], label[FIGURE_MAX_TEXT];
    size_t i;

    for (i = 0; i < in->ncrossings; i++) {
        const struct plot_crossing *x = &in->crossings[i];
        draw_format_value(vol, sizeof vol, x->volume, FIGURE_FMT_NUMBER);
        draw_format_value(cost, sizeof cost, x->cost, FIGURE_FMT_MONEY);
        snprintf(label, sizeof label, "%s at %s/month (%s/month)", x->what,
                 vol, cost);
        figure_add_mark(f, FIGURE_POINT, x->volume, x->cost, label,
                        FIGURE_BLACK);
    }
    if (isfinite(in->current) && in->current > 0) {
        draw_format_value(vol, sizeof vol, in->current, FIGURE_FMT_NUMBER);
        snprintf(label, sizeof label, "this scenario: %s/month", vol);
        figure_add_mark(f, FIGURE_VLINE, in->current, (double)NAN, label, GREY);
    }
}

int plot_cost_vs_volume(const struct plot_cost_input *in,
                        struct figure **out)
{
    double row[FIGURE_MAX_COLUMNS];
    struct figure *f;
    size_t i, k, nother = 0;
    int st = SLM_OK;

    *out = NULL;
    if (in->n < 2 || in->ncurves < 1 || in->ncurves > PLOT_MAX_OPTIONS ||
        in->ncrossings > PLOT_MAX_CROSSINGS)
        return SLM_EINPUT;
    f = fig_start(PLOT_COST_VS_VOLUME, FIGURE_XY, &in->meta,
                  "monthly cost against volume");
    if (!f)
        return SLM_ENOMEM;
    fig_column(f, "volume_per_month", "");
    for (i = 0; i < in->ncurves; i++) {
        fig_column(f, curve_name(&in->curves[i]), "per_month");
        figure_add_series(f, curve_name(&in->curves[i]), 0, i + 1,
                          FIGURE_LINES,
                          role_color(in->curves[i].role, &nother));
    }
    for (k = 0; k < in->n && !st; k++) {
        row[0] = in->volume[k];
        for (i = 0; i < in->ncurves; i++)
            row[i + 1] = in->curves[i].cost[k];
        st = figure_add_row(f, row, NULL);
    }
    cost_marks(f, in);
    fig_axis(&f->x, "volume (queries/month, log scale)", 1,
             FIGURE_FMT_NUMBER);
    fig_axis(&f->panel[0].y, "monthly cost (US$, log scale)", 1,
             FIGURE_FMT_MONEY);
    return fig_done(f, st, out);
}

/* ---- tco ---- */

int plot_tco(const struct plot_tco_input *in, struct figure **out)
{
    double row[FIGURE_MAX_COLUMNS];
    char cost[32], label[FIGURE_MAX_TEXT], title[FIGURE_MAX_TEXT];
    struct figure *f;
    size_t i, m, nother = 0;
    int st = SLM_OK, be;

    *out = NULL;
    if (in->months < 1 || in->ncurves < 1 || in->ncurves > PLOT_MAX_OPTIONS)
        return SLM_EINPUT;
    snprintf(title, sizeof title, "cumulative cost over %zu months",
             in->months);
    f = fig_start(PLOT_TCO, FIGURE_XY, &in->meta, title);
    if (!f)
        return SLM_ENOMEM;
    fig_column(f, "month", "");
    for (i = 0; i < in->ncurves; i++) {
        const char *color = role_color(in->curves[i].role, &nother);
        fig_column(f, curve_name(&in->curves[i]), "cumulative");
        figure_add_series(f, curve_name(&in->curves[i]), 0, i + 1,
                          FIGURE_LINES, color);
        be = in->break_even ? in->break_even[i] : 0;
        if (be < 1 || (size_t)be > in->months)
            continue;
        draw_format_value(cost, sizeof cost, in->curves[i].cost[be],
                          FIGURE_FMT_MONEY);
        snprintf(label, sizeof label, "%s breaks even in month %d (%s)",
                 curve_name(&in->curves[i]), be, cost);
        figure_add_mark(f, FIGURE_POINT, be, in->curves[i].cost[be], label,
                        color);
    }
    for (m = 0; m <= in->months && !st; m++) {
        row[0] = (double)m;
        for (i = 0; i < in->ncurves; i++)
            row[i + 1] = in->curves[i].cost[m];
        st = figure_add_row(f, row, NULL);
    }
    fig_axis(&f->x, "months from the start", 0, FIGURE_FMT_NUMBER);
    fig_axis(&f->panel[0].y, "cumulative cost (US$)", 0, FIGURE_FMT_MONEY);
    f->x.min = 0;
    f->x.max = (double)in->months;
    return fig_done(f, st, out);
}

/* ---- timeline ---- */

/* The down windows, cut to the axis, shaded; the legend goes to the top
 * panel, and the caption says when some were left out. */
static void timeline_spans(struct figure *f,
                           const struct plot_timeline_input *in, double unit)
{
    char note[96];
    size_t i;
    double x0, x1;

    for (i = 0; i < in->ndown; i++) {
        x0 = fmax(in->down[i][0] / unit, f->x.min);
        x1 = fmin(in->down[i][1] / unit, f->x.max);
        if (x0 < x1)
            (void)figure_add_span(f, x0, x1); /* past the cap: counted */
    }
    f->spans_cut += in->down_cut;
    if (!f->nspans && !f->spans_cut)
        return;
    figure_text(f->span_title, sizeof f->span_title, "outage/repair");
    figure_text(f->span_color, sizeof f->span_color, FIGURE_COLOR_OTHER);
    figure_text(f->panel[0].key, sizeof f->panel[0].key, "top right");
    if (f->spans_cut) {
        snprintf(note, sizeof note,
                 "%s%llu more down windows not shaded (at most %d are)",
                 *f->caption ? "\n" : "", (unsigned long long)f->spans_cut,
                 FIGURE_MAX_SPANS);
        strncat(f->caption, note, sizeof f->caption - strlen(f->caption) - 1);
    }
}

int plot_timeline(const struct plot_timeline_input *in, struct figure **out)
{
    /* The load in black, the servers' state in the local colour: the
     * timeline is a GPU pool's, and vermillion and green mean the API
     * and the hybrid in every other figure. */
    static const char *const colors[] = {FIGURE_BLACK, FIGURE_COLOR_LOCAL,
                                         FIGURE_COLOR_LOCAL,
                                         FIGURE_COLOR_LOCAL};
    double row[FIGURE_MAX_COLUMNS], unit;
    struct figure_series *s;
    struct figure_mark *m;
    struct figure *f;
    size_t i, k;
    int st = SLM_OK;

    *out = NULL;
    if (in->n < 2 || in->nseries < 1 || in->nseries > FIGURE_MAX_PANELS)
        return SLM_EINPUT;
    f = fig_start(PLOT_TIMELINE, FIGURE_XY, &in->meta,
                  "load and server state over simulated time");
    if (!f)
        return SLM_ENOMEM;
    /* Hours read best up to three days; days beyond. */
    unit = in->t[in->n - 1] > 3 * 86400.0 ? 86400.0 : 3600.0;
    fig_column(f, unit == 3600.0 ? "time_h" : "time_d", "");
    f->npanels = in->nseries;
    for (i = 0; i < in->nseries; i++) {
        fig_column(f, in->series[i].name, "");
        s = figure_add_series(f, "", 0, i + 1, FIGURE_STEPS, colors[i]);
        s->panel = i;
        fig_axis(&f->panel[i].y, in->series[i].label, 0, in->series[i].fmt);
        figure_text(f->panel[i].key, sizeof f->panel[i].key, "off");
        if (in->warmup > 0) {
            m = figure_add_mark(f, FIGURE_VLINE, in->warmup / unit, (double)NAN, "",
                                GREY);
            m->panel = i;
        }
    }
    for (k = 0; k < in->n && !st; k++) {
        row[0] = in->t[k] / unit;
        for (i = 0; i < in->nseries; i++)
            row[i + 1] = in->series[i].value[k];
        st = figure_add_row(f, row, NULL);
    }
    fig_axis(&f->x,
             in->warmup > 0
                 ? (unit == 3600.0 ? "simulated time (hours); dashed: end "
                                     "of warm-up"
                                   : "simulated time (days); dashed: end of "
                                     "warm-up")
                 : (unit == 3600.0 ? "simulated time (hours)"
                                   : "simulated time (days)"),
             0, FIGURE_FMT_NUMBER);
    f->x.min = 0;
    f->x.max = in->t[in->n - 1] / unit;
    if (!st)
        timeline_spans(f, in, unit);
    return fig_done(f, st, out);
}

/* ---- sensitivity ---- */

int plot_sensitivity(const struct plot_tornado_input *in,
                     struct figure **out)
{
    char lo[32], hi[32], base[32], label[FIGURE_MAX_TEXT];
    struct figure *f;
    size_t r;
    int st = SLM_OK;

    *out = NULL;
    if (in->nrows < 1 || in->nrows > PLOT_MAX_TORNADO)
        return SLM_EINPUT;
    f = fig_start(PLOT_SENSITIVITY, FIGURE_TORNADO, &in->meta,
                  "what moves the result (each input over its range)");
    if (!f)
        return SLM_ENOMEM;
    fig_column(f, "base", "");
    fig_column(f, "at_low", "");
    fig_column(f, "at_high", "");
    fig_column(f, "input_low", "");
    fig_column(f, "input_high", "");
    for (r = 0; r < in->nrows && !st; r++) {
        const struct plot_tornado_row *t = &in->rows[r];
        double row[5] = {in->base, t->at_lo, t->at_hi, t->lo, t->hi};
        draw_format_value(lo, sizeof lo, t->lo, t->fmt);
        draw_format_value(hi, sizeof hi, t->hi, t->fmt);
        snprintf(label, sizeof label, "%s %s\xe2\x80\x93%s", t->input, lo,
                 hi);
        st = figure_add_row(f, row, label);
    }
    figure_add_series(f, "input at the low end", 0, 1, FIGURE_HBARS,
                      FIGURE_SKY_BLUE);
    figure_add_series(f, "input at the high end", 0, 2, FIGURE_HBARS,
                      FIGURE_ORANGE);
    draw_format_value(base, sizeof base, in->base, FIGURE_FMT_MONEY);
    snprintf(label, sizeof label, "base %s", base);
    figure_add_mark(f, FIGURE_VLINE, in->base, (double)NAN, label, FIGURE_BLACK);
    fig_axis(&f->x, in->result ? in->result : "result", 0, FIGURE_FMT_MONEY);
    figure_text(f->panel[0].key, sizeof f->panel[0].key, "bottom right");
    return fig_done(f, st, out);
}

/* ---- accuracy-cost ---- */

static int by_cost(const void *a, const void *b)
{
    const struct plot_policy_point *x = *(const struct plot_policy_point
                                              *const *)a;
    const struct plot_policy_point *y = *(const struct plot_policy_point
                                              *const *)b;

    if (x->monthly_cost != y->monthly_cost)
        return x->monthly_cost < y->monthly_cost ? -1 : 1;
    /* Same cost: the more accurate first, so it is the frontier's. */
    return (x->accuracy < y->accuracy) - (x->accuracy > y->accuracy);
}

/* One column per role present, holding the accuracy of that role's rows
 * (NaN elsewhere), with a labelled-point series on it; col[role] gets
 * the column, -1 for roles absent. */
static void accuracy_roles(struct figure *f,
                           const struct plot_policy_point *const *p,
                           size_t n, int col[PLOT_OTHER + 1])
{
    static const enum plot_role roles[] = {PLOT_LOCAL, PLOT_API, PLOT_HYBRID,
                                           PLOT_OTHER, PLOT_OVERALL};
    const char *name;
    size_t i, k;

    for (k = 0; k < sizeof roles / sizeof roles[0]; k++) {
        col[roles[k]] = -1;
        for (i = 0; i < n && p[i]->role != roles[k]; i++)
            ;
        if (i == n)
            continue;
        name = *plot_role_name(roles[k]) ? plot_role_name(roles[k]) : "other";
        col[roles[k]] = fig_column(f, "accuracy", name);
        figure_add_series(f, name, 0, (size_t)col[roles[k]], FIGURE_LABELS,
                          plot_role_color(roles[k], 0));
    }
}

int plot_accuracy_cost(const struct plot_accuracy_input *in,
                       struct figure **out)
{
    const struct plot_policy_point *p[PLOT_MAX_POLICIES];
    int col[PLOT_OTHER + 1];
    double row[FIGURE_MAX_COLUMNS], best = -(double)INFINITY, lo = (double)INFINITY, hi = 0;
    char label[FIGURE_MAX_LABEL];
    struct figure_series *s;
    struct figure *f;
    size_t i, k;
    int st = SLM_OK;

    *out = NULL;
    if (in->n < 1 || in->n > PLOT_MAX_POLICIES)
        return SLM_EINPUT;
    for (i = 0; i < in->n; i++)
        p[i] = &in->points[i];
    qsort(p, in->n, sizeof p[0], by_cost);
    f = fig_start(PLOT_ACCURACY_COST, FIGURE_XY, &in->meta,
                  "accuracy against monthly cost, per routing policy");
    if (!f)
        return SLM_ENOMEM;
    fig_column(f, "monthly_cost", "");
    fig_column(f, "accuracy", "");
    fig_column(f, "frontier", "");
    s = figure_add_series(f, "trade-off frontier", 0, 2, FIGURE_LINES, GREY);
    s->dash = 2;
    accuracy_roles(f, p, in->n, col);
    for (i = 0; i < in->n && !st; i++) {
        row[0] = p[i]->monthly_cost;
        row[1] = p[i]->accuracy;
        /* On the frontier when more accurate than everything cheaper. */
        row[2] = p[i]->accuracy > best ? p[i]->accuracy : (double)NAN;
        best = fmax(best, p[i]->accuracy);
        for (k = 3; k < f->ncols; k++)
            row[k] = (double)NAN;
        row[col[p[i]->role]] = p[i]->accuracy;
        lo = fmin(lo, p[i]->monthly_cost);
        hi = fmax(hi, p[i]->monthly_cost);
        snprintf(label, sizeof label, "%s%s", p[i]->policy,
                 p[i]->own ? " (this scenario)" : "");
        st = figure_add_row(f, row, label);
    }
    fig_axis(&f->x, "monthly cost (US$)", lo > 0 && hi / lo > 20,
             FIGURE_FMT_MONEY);
    if (f->x.log)
        figure_text(f->x.label, sizeof f->x.label,
                    "monthly cost (US$, log scale)");
    fig_axis(&f->panel[0].y, "blended accuracy", 0, FIGURE_FMT_PERCENT);
    /* Cheap and accurate is the corner no policy reaches. */
    figure_text(f->panel[0].key, sizeof f->panel[0].key, "top left");
    return fig_done(f, st, out);
}

/* ---- utilization ---- */

/* The columns and series of one backend; returns how many columns. */
static size_t util_series(struct figure *f, const struct plot_util_series *u,
                          size_t *nother)
{
    const char *color = role_color(u->role, nother);
    char label[FIGURE_MAX_TEXT];
    struct figure_series *s;
    size_t c = 0;

    if (u->busy) {
        snprintf(label, sizeof label, "%s busy", u->name);
        figure_add_series(f, label, 0, (size_t)fig_column(f, u->name, "busy"),
                          FIGURE_LINESPOINTS, color);
        c++;
    }
    if (u->kv) {
        snprintf(label, sizeof label, "%s KV cache occupied", u->name);
        s = figure_add_series(f, label, 0,
                              (size_t)fig_column(f, u->name, "kv"),
                              FIGURE_LINESPOINTS, color);
        s->dash = 2;
        c++;
    }
    return c;
}

int plot_utilization(const struct plot_util_input *in, struct figure **out)
{
    double row[FIGURE_MAX_COLUMNS];
    char vol[32], label[FIGURE_MAX_TEXT];
    struct figure *f;
    size_t i, k, c, nother = 0;
    int st = SLM_OK;

    *out = NULL;
    if (in->n < 2 || in->nseries < 1 || in->nseries > PLOT_MAX_CURVES)
        return SLM_EINPUT;
    f = fig_start(PLOT_UTILIZATION, FIGURE_XY, &in->meta,
                  "how busy the servers are against load");
    if (!f)
        return SLM_ENOMEM;
    fig_column(f, "volume_per_month", "");
    for (i = 0, c = 0; i < in->nseries; i++)
        c += util_series(f, &in->series[i], &nother);
    if (c == 0) {
        figure_free(f);
        return SLM_EINPUT;
    }
    for (k = 0; k < in->n && !st; k++) {
        row[0] = in->volume[k];
        for (i = 0, c = 1; i < in->nseries; i++) {
            if (in->series[i].busy)
                row[c++] = in->series[i].busy[k];
            if (in->series[i].kv)
                row[c++] = in->series[i].kv[k];
        }
        st = figure_add_row(f, row, NULL);
    }
    if (isfinite(in->current) && in->current > 0) {
        draw_format_value(vol, sizeof vol, in->current, FIGURE_FMT_NUMBER);
        snprintf(label, sizeof label, "scenario: %s/month", vol);
        figure_add_mark(f, FIGURE_VLINE, in->current, (double)NAN, label, GREY);
    }
    fig_axis(&f->x, in->volume[in->n - 1] > 20 * in->volume[0]
                        ? "offered volume (queries/month, log scale)"
                        : "offered volume (queries/month)",
             in->volume[in->n - 1] > 20 * in->volume[0], FIGURE_FMT_NUMBER);
    fig_axis(&f->panel[0].y, "share of time busy / of cache occupied", 0,
             FIGURE_FMT_PERCENT);
    f->panel[0].y.min = 0;
    f->panel[0].y.max = 1;
    /* Busy shares climb to the top right, occupancy hugs the bottom. */
    figure_text(f->panel[0].key, sizeof f->panel[0].key, "right center");
    return fig_done(f, st, out);
}
