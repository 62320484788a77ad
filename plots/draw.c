#include "plots/draw.h"

#include <errno.h>
#include <signal.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plots/gnuplot.h"
#include "sim/mem.h"
#include "sim/out.h"

/* ---- formats ---- */

/* One picture format: gnuplot terminal and the sizes that read well on
 * it.  Fonts are points; a 1600x900 PNG is shown on a slide at about
 * 13 inches wide, so it needs larger type than the 10-inch PDF. */
struct term {
    unsigned mask;
    const char *ext;
    const char *terminal;
    int font, title_font, caption_font;
    double lw, ps; /* series line width and point size */
};

static const struct term terms[] = {
    {DRAW_PNG, "png", "pngcairo size 1600,900 noenhanced", 20, 26, 15,
     3.0, 1.8},
    {DRAW_PDF, "pdf", "pdfcairo size 10in,5.625in noenhanced", 11, 14, 8,
     2.5, 0.9},
    {DRAW_SVG, "svg", "svg size 1600,900 noenhanced dynamic", 20, 26, 15,
     3.0, 1.8},
};
#define NTERMS (sizeof terms / sizeof terms[0])

int draw_formats_parse(const char *text, unsigned *mask)
{
    unsigned m = 0;
    const char *p = text, *comma;
    size_t n, i;

    for (;;) {
        comma = strchr(p, ',');
        n = comma ? (size_t)(comma - p) : strlen(p);
        for (i = 0; i < NTERMS; i++)
            if (strlen(terms[i].ext) == n && !strncmp(p, terms[i].ext, n))
                break;
        if (i == NTERMS)
            return -1;
        m |= terms[i].mask;
        if (!comma)
            break;
        p = comma + 1;
    }
    *mask = m;
    return 0;
}

/* ---- values as they read ---- */

/* v rounded to three significant digits, so that unit choice and digits
 * agree (999,999 reads 1M, not 1000K). */
static double round3(double v)
{
    char b[32];

    snprintf(b, sizeof b, "%.3g", v);
    return strtod(b, NULL);
}

static void fmt_scaled(char *buf, size_t size, const char *pre, double v,
                       double unit, const char *suffix)
{
    snprintf(buf, size, "%s%s%.3g%s", v < 0 ? "-" : "", pre,
             fabs(v) / unit, suffix);
}

/* Thousands as K, millions as M, billions as B: the way budgets read. */
static void fmt_si(char *buf, size_t size, double v, const char *pre)
{
    double a = fabs(v);

    if (a >= 1e9)
        fmt_scaled(buf, size, pre, v, 1e9, "B");
    else if (a >= 1e6)
        fmt_scaled(buf, size, pre, v, 1e6, "M");
    else if (a >= 1e3)
        fmt_scaled(buf, size, pre, v, 1e3, "K");
    else
        fmt_scaled(buf, size, pre, v, 1.0, "");
}

static void fmt_seconds(char *buf, size_t size, double v)
{
    double a = fabs(v);

    if (a == 0)
        snprintf(buf, size, "0 s");
    else if (a < 1e-3)
        fmt_scaled(buf, size, "", v, 1e-6, " \xc2\xb5s");
    else if (a < 1)
        fmt_scaled(buf, size, "", v, 1e-3, " ms");
    else if (a < 120)
        fmt_scaled(buf, size, "", v, 1, " s");
    else if (a < 7200)
        fmt_scaled(buf, size, "", v, 60, " min");
    else if (a < 172800)
        fmt_scaled(buf, size, "", v, 3600, " h");
    else
        fmt_scaled(buf, size, "", v, 86400, " d");
}

void draw_format_value(char *buf, size_t size, double v, enum figure_fmt fmt)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "n/a");
        return;
    }
    v = round3(v);
    switch (fmt) {
    case FIGURE_FMT_MONEY: fmt_si(buf, size, v, "$"); break;
    case FIGURE_FMT_SECONDS: fmt_seconds(buf, size, v); break;
    case FIGURE_FMT_PERCENT:
        snprintf(buf, size, "%.3g%%", round3(v * 100) + 0.0);
        break;
    default: fmt_si(buf, size, v, ""); break;
    }
}

/* ---- ranges and ticks ---- */

/* A 1-2-5 step near span / target. */
static double nice_step(double span, int target)
{
    double raw = span / target, mag = pow(10, floor(log10(raw)));
    double r = raw / mag;

    return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

static void add_tick(struct draw_axis *o, double v)
{
    if (o->nticks < DRAW_MAX_TICKS)
        o->tick[o->nticks++] = v;
}

/* The decades a log axis can show: doubles' normal range, so pow(10, k)
 * neither underflows to 0 nor overflows (a mark at 5e-324 would give a
 * bottom of 0, and log10(0) an endless tick loop). */
#define DRAW_LOG_MIN 1e-300
#define DRAW_LOG_MAX 1e300

static double clamp_log(double v)
{
    return v < DRAW_LOG_MIN ? DRAW_LOG_MIN : v > DRAW_LOG_MAX ? DRAW_LOG_MAX : v;
}

static void layout_log(const struct figure_axis *a, double dmin, double dmax,
                       int target, struct draw_axis *o)
{
    static const double mult[] = {1, 2, 5};
    double k0, k1, k, every;
    size_t m;

    if (!(dmin > 0) || !(dmax >= dmin) || !isfinite(dmax))
        dmin = 1, dmax = 10;
    dmin = clamp_log(dmin);
    dmax = clamp_log(dmax);
    /* A set bound that a log axis cannot show (<= 0, NaN, infinite) is
     * ignored for the data's own. */
    o->lo = a->min > 0 && isfinite(a->min) ? clamp_log(a->min)
                                           : pow(10, floor(log10(dmin)));
    o->hi = a->max > 0 && isfinite(a->max) ? clamp_log(a->max)
                                           : pow(10, ceil(log10(dmax)));
    if (!(o->hi > o->lo))
        o->hi = o->lo * 10;
    k0 = floor(log10(o->lo) + 1e-9);
    k1 = ceil(log10(o->hi) - 1e-9);
    /* Every decade while they fit, every other past ten; 2x and 5x as
     * well when the span is two decades or less.  Past 2 x DRAW_MAX_TICKS
     * decades, a step that keeps the loop to that many turns. */
    every = k1 - k0 > 2.0 * target ? 2 : 1;
    if ((k1 - k0) / every > 2.0 * DRAW_MAX_TICKS)
        every = ceil((k1 - k0) / (2.0 * DRAW_MAX_TICKS));
    for (k = k0; k <= k1; k += every)
        for (m = 0; m < (k1 - k0 <= 2 ? 3u : 1u); m++) {
            double v = mult[m] * pow(10, k);
            /* Past 100 s, decades of seconds read badly ("16.7 min"):
             * the nearest round unit of time instead. */
            if (a->fmt == FIGURE_FMT_SECONDS && v >= 30) {
                if (m)
                    continue;
                if (v < 99)
                    v = 30; /* 10 s, 30 s, 1 min read evenly */
                v = v < 999 ? 60 : v < 9999 ? 600 : v < 99999 ? 3600 : 86400;
            }
            if (v >= o->lo * (1 - 1e-9) && v <= o->hi * (1 + 1e-9))
                add_tick(o, v);
        }
}

/* The narrowest span a linear axis shows, relative to its size: below
 * about 1e-12 the ticks are no longer distinct doubles (an axis over
 * [1e17, 1e17 + 16] would step by 5 where the doubles step by 16, and
 * the tick loop never advance). */
#define DRAW_MIN_REL_SPAN 1e-9

static void layout_linear(const struct figure_axis *a, double dmin,
                          double dmax, int target, struct draw_axis *o)
{
    double step, v, mag;
    int i;

    if (!(dmax >= dmin) || !isfinite(dmin) || !isfinite(dmax))
        dmin = 0, dmax = 1;
    if (isfinite(a->min))
        dmin = a->min;
    if (isfinite(a->max))
        dmax = a->max;
    /* Amounts read against zero: start there when the data come near. */
    if (!isfinite(a->min) && dmin > 0 && dmin < 0.35 * dmax)
        dmin = 0;
    mag = fmax(fabs(dmin), fabs(dmax));
    if (!(dmax - dmin > mag * DRAW_MIN_REL_SPAN)) {
        double pad = fmax(mag * DRAW_MIN_REL_SPAN, dmin != 0 ? fabs(dmin) * 0.1 : 1);
        dmin -= pad;
        dmax += pad;
    }
    if (!isfinite(dmax - dmin)) /* [-1e308, 1e308] */
        dmin = -DBL_MAX / 4, dmax = DBL_MAX / 4;
    step = nice_step(dmax - dmin, target);
    o->lo = isfinite(a->min) ? a->min : floor(dmin / step + 1e-9) * step;
    o->hi = isfinite(a->max) ? a->max : ceil(dmax / step - 1e-9) * step;
    /* A set range too narrow for its doubles (gnuplot: "empty x range")
     * is drawn at the narrowest width that is not. */
    if (!(o->hi - o->lo > mag * DRAW_MIN_REL_SPAN)) {
        o->lo = dmin;
        o->hi = dmax;
    }
    /* Counted, not accumulated: at most DRAW_MAX_TICKS turns. */
    v = ceil(o->lo / step - 1e-9) * step;
    for (i = 0; i < DRAW_MAX_TICKS && v <= o->hi + step * 1e-9; i++) {
        add_tick(o, fabs(v) < step * 1e-9 ? 0.0 : v);
        v = ceil(o->lo / step - 1e-9) * step + (i + 1) * step;
    }
}

void draw_axis_layout(const struct figure_axis *a, double dmin, double dmax,
                      int target, struct draw_axis *out)
{
    memset(out, 0, sizeof *out);
    if (target < 2)
        target = 2;
    if (a->log)
        layout_log(a, dmin, dmax, target, out);
    else
        layout_linear(a, dmin, dmax, target, out);
}

/* Where v falls along the drawn axis, 0 at lo and 1 at hi. */
static double axis_frac(const struct draw_axis *d, int log, double v)
{
    if (log)
        return v > 0 ? log10(v / d->lo) / log10(d->hi / d->lo) : 0;
    return (v - d->lo) / (d->hi - d->lo);
}

static void span_add(double *lo, double *hi, double v, int log)
{
    if (!isfinite(v) || (log && v <= 0))
        return;
    if (isnan(*lo) || v < *lo)
        *lo = v;
    if (isnan(*hi) || v > *hi)
        *hi = v;
}

static void span_column(const struct figure *f, size_t c, int log,
                        double *lo, double *hi)
{
    size_t r;

    for (r = 0; r < f->nrows; r++)
        span_add(lo, hi, figure_value(f, r, c), log);
}

/* Every axis as drawn: data of the series and marks on it. */
struct layout {
    struct draw_axis x;
    struct draw_axis y[FIGURE_MAX_PANELS];
};

static void layout_figure(const struct figure *f, struct layout *L)
{
    double xlo = (double)NAN, xhi = (double)NAN, ylo, yhi;
    size_t i, p;

    for (i = 0; i < f->nseries; i++) {
        span_column(f, f->series[i].x, f->x.log, &xlo, &xhi);
        if (f->series[i].style == FIGURE_HBARS)
            span_column(f, f->series[i].y, f->x.log, &xlo, &xhi);
    }
    for (i = 0; i < f->nmarks; i++)
        if (f->marks[i].kind != FIGURE_HLINE)
            span_add(&xlo, &xhi, f->marks[i].x, f->x.log);
    draw_axis_layout(&f->x, xlo, xhi, 6, &L->x);
    for (p = 0; p < f->npanels; p++) {
        const struct figure_axis *ya = &f->panel[p].y;
        ylo = yhi = (double)NAN;
        for (i = 0; i < f->nseries; i++)
            if (f->series[i].panel == p && f->series[i].style != FIGURE_HBARS)
                span_column(f, f->series[i].y, ya->log, &ylo, &yhi);
        for (i = 0; i < f->nmarks; i++)
            if (f->marks[i].panel == p && f->marks[i].kind != FIGURE_VLINE)
                span_add(&ylo, &yhi, f->marks[i].y, ya->log);
        /* Stacked panels are short: fewer ticks, and room above the data
         * for the panel's heading. */
        if (f->npanels > 1 && !ya->log && isnan(ya->max) && yhi > ylo)
            yhi += (yhi - (isnan(ya->min) && ylo > 0 ? 0 : ylo)) * 0.45;
        draw_axis_layout(ya, ylo, yhi, f->npanels > 1 ? 3 : 6, &L->y[p]);
    }
}

/* ---- script text ---- */

/* s as a gnuplot double-quoted string; pct doubles '%' for tick labels,
 * which gnuplot reads as formats. */
static void gp_string(FILE *out, const char *s, int pct)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        if (*s == '\n')
            fputs("\\n", out);
        else if (*s == '%' && pct)
            fputs("%%", out);
        else
            fputc(*s, out);
    }
    fputc('"', out);
}

static void gp_ticks(FILE *out, const char *axis, const struct draw_axis *d,
                     enum figure_fmt fmt, int labels)
{
    char b[48];
    size_t i;

    fprintf(out, "set %stics (", axis);
    for (i = 0; i < d->nticks; i++) {
        draw_format_value(b, sizeof b, d->tick[i], fmt);
        fputs(i ? ", " : "", out);
        gp_string(out, labels ? b : "", 1);
        fprintf(out, " %.10g", d->tick[i]);
    }
    fputs(")\n", out);
}

/* The range is widened by a hair: gnuplot drops a tick that sits exactly
 * on a log axis's end. */
static void gp_axis(FILE *out, const char *axis, const struct figure_axis *a,
                    const struct draw_axis *d, int labels, int show_label)
{
    double pad = a->log ? 1 + 1e-9 : 1, add = a->log ? 0 : (d->hi - d->lo) * 1e-9;

    if (a->log)
        fprintf(out, "set logscale %s 10\n", axis);
    fprintf(out, "set %srange [%.12g:%.12g]\n", axis, d->lo / pad - add,
            d->hi * pad + add);
    gp_ticks(out, axis, d, a->fmt, labels);
    fprintf(out, "set %slabel ", axis);
    gp_string(out, show_label ? a->label : "", 0);
    fputc('\n', out);
}

static size_t caption_lines(const char *caption)
{
    size_t n = *caption ? 1 : 0;

    for (; *caption; caption++)
        n += *caption == '\n';
    return n;
}

/* Title centred on the canvas (gnuplot's own centres it on the plot area,
 * which long tick labels push aside), caption lines at its foot, one
 * label each, the last line lowest. */
static void gp_words(FILE *out, const struct figure *f, const struct term *t,
                     int title)
{
    const char *p = f->caption, *nl;
    size_t n = caption_lines(p), i;
    char line[FIGURE_MAX_CAPTION];

    if (title) {
        fputs("set label 990 ", out);
        gp_string(out, f->title, 0);
        fprintf(out, " at screen 0.5, screen 0.955 center font \",%d\"\n",
                t->title_font);
    }
    for (i = 0; i < n; i++, p = nl + 1) {
        nl = strchr(p, '\n');
        if (!nl)
            nl = p + strlen(p);
        snprintf(line, sizeof line, "%.*s", (int)(nl - p), p);
        fprintf(out, "set label %zu ", 900 + i);
        gp_string(out, line, 0);
        fprintf(out, " at screen 0.5, character %.2f center font \",%d\" "
                     "tc rgb \"#333333\"\n",
                0.7 + (double)(n - 1 - i) * 0.85, t->caption_font);
        if (!*nl)
            break;
    }
}

/* What is already on a panel, so that each new label can look for a
 * free place: boxes (labels, points, the key) and a coarse raster of the
 * data lines, all in fractions of the plot area.  Sizes are rough: at the
 * default fonts a character is about 1/110 of a full plot's width and
 * 1/22 of its height (a stacked panel is shorter: ch says how tall). */
#define CHAR_W (1.0 / 110)
#define CHAR_H (1.0 / 22)
#define MAX_PLACED (FIGURE_MAX_MARKS * 2 + 64)
#define GRID_W 160
#define GRID_H 80

struct placed {
    size_t n;
    double x0[MAX_PLACED], x1[MAX_PLACED], y0[MAX_PLACED], y1[MAX_PLACED];
    unsigned char grid[GRID_H][GRID_W]; /* 1: a data line passes */
    double ch;                          /* a character's height */
};

static void placed_add(struct placed *pl, double x0, double x1, double y0,
                       double y1)
{
    if (pl->n >= MAX_PLACED)
        return;
    pl->x0[pl->n] = x0;
    pl->x1[pl->n] = x1;
    pl->y0[pl->n] = y0;
    pl->y1[pl->n] = y1;
    pl->n++;
}

static int grid_cell(double f, int n)
{
    int i = (int)floor(f * n);

    return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/* Marks the cells the segment (ax, ay)-(bx, by) crosses, in steps of
 * half a cell; parts outside the plot are skipped. */
static void grid_line(struct placed *pl, double ax, double ay, double bx,
                      double by)
{
    double len = fmax(fabs(bx - ax) * GRID_W, fabs(by - ay) * GRID_H);
    int steps = (int)fmin(ceil(len * 2), 4.0 * GRID_W), k;

    for (k = 0; k <= steps; k++) {
        double t = steps ? (double)k / steps : 0;
        double x = ax + (bx - ax) * t, y = ay + (by - ay) * t;
        if (x >= 0 && x <= 1 && y >= 0 && y <= 1)
            pl->grid[grid_cell(y, GRID_H)][grid_cell(x, GRID_W)] = 1;
    }
}

/* How bad a place the box is: 0 when free, else the data-line cells it
 * covers plus 1000 per box it meets; leaving the plot is worst. */
static double placed_cost(const struct placed *pl, double x0, double x1,
                          double y0, double y1)
{
    double cost = 0;
    size_t i;
    int gx, gy;

    if (y0 < 0 || y1 > 1.02 || x0 < -0.01 || x1 > 1.03)
        return 1e9;
    for (i = 0; i < pl->n; i++)
        if (x0 < pl->x1[i] && pl->x0[i] < x1 && y0 < pl->y1[i] &&
            pl->y0[i] < y1)
            cost += 1000;
    for (gy = grid_cell(y0, GRID_H); gy <= grid_cell(y1, GRID_H); gy++)
        for (gx = grid_cell(x0, GRID_W); gx <= grid_cell(x1, GRID_W); gx++)
            cost += pl->grid[gy][gx];
    return cost;
}

/* Text width in plot fractions (UTF-8 continuation bytes not counted). */
static double text_width(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return (double)n * CHAR_W + 0.015;
}

/* A label next to the point at (fx, fy), in screen terms: level with it
 * on the roomier side, then the other side, then centred just above or
 * just below, then a line up or down on either side, then further; the
 * first place that covers no label or point, or the least crowded.  The
 * gap to the point is
 * LABEL_GAP characters, just clear of the point's own reserved box, so
 * the label reads as the point's.  Its box is reserved with a little
 * padding (gnuplot's textbox margins) so that labels never touch.
 * Writes "left|right|center offset DX,DY" (characters) for gnuplot. */
#define LABEL_GAP 1.6
#define LABEL_PAD 0.15 /* of a line, above and below */
/* A place costing less overlaps no label or point (each 1000), only a
 * few raster cells of lines: near the point beats clear of every line. */
#define LABEL_OK 100

static void place_label(FILE *out, struct placed *pl, double fx, double fy,
                        const char *text)
{
    /* side: 0 beside on the preferred side, 1 the other, 2 centred */
    static const struct { int side; double dy; } cand[] = {
        {0, 0}, {1, 0}, {2, 1.3}, {2, -1.3}, {0, 1.0}, {0, -1.0},
        {1, 1.0}, {1, -1.0}, {2, 2.4}, {2, -2.4}, {0, 2.0}, {0, -2.0},
        {1, 2.0}, {1, -2.0}, {2, 3.5}, {2, -3.5}, {0, 3.0}, {0, -3.0},
        {1, 3.0}, {1, -3.0}};
    double w = text_width(text), gap = LABEL_GAP * CHAR_W, pad;
    double x0, y0, cost, best = (double)INFINITY, bx0 = 0, by0 = 0, bdy = 0;
    int pref = fx > 0.55, side, bside = pref;
    size_t i;

    pad = LABEL_PAD * pl->ch;
    for (i = 0; i < sizeof cand / sizeof cand[0] && best >= LABEL_OK; i++) {
        side = cand[i].side == 2 ? 2 : cand[i].side ? !pref : pref;
        x0 = side == 2 ? fx - w / 2 : side ? fx - gap - w : fx + gap;
        /* centred near an edge: slid along to fit, still over the point */
        if (side == 2)
            x0 = fmax(0, fmin(x0, 1 - w));
        y0 = fy + cand[i].dy * pl->ch - pl->ch / 2;
        cost = placed_cost(pl, x0, x0 + w, y0 - pad, y0 + pl->ch + pad);
        /* level with the point, the box must not hide a line through it
         * (its own interval bar, a curve it sits on) */
        if (cand[i].dy == 0 && placed_cost(pl, x0, x0 + w, fy, fy) > 0)
            cost += 1000;
        if (cost < best) {
            best = cost;
            bx0 = x0;
            by0 = y0;
            bdy = cand[i].dy;
            bside = side;
        }
    }
    placed_add(pl, bx0, bx0 + w, by0 - pad, by0 + pl->ch + pad);
    if (bside == 2)
        fprintf(out, " center offset %.1f,%.1f",
                (bx0 + w / 2 - fx) / CHAR_W, bdy);
    else
        fprintf(out, " %s offset %.1f,%.1f", bside ? "right" : "left",
                bside ? -LABEL_GAP : LABEL_GAP, bdy);
}

struct panel_ctx {
    const struct figure *f;
    const struct layout *L;
    const struct term *t;
    size_t p;
    struct placed pl;
    int next_label;
};

static double frac_x(const struct panel_ctx *c, double x)
{
    return axis_frac(&c->L->x, c->f->x.log, x);
}

static double frac_y(const struct panel_ctx *c, double y)
{
    return axis_frac(&c->L->y[c->p], c->f->panel[c->p].y.log, y);
}

/* A vertical line's label beside the line, as high as it finds room,
 * on either side (the roomier first); the least crowded place when none
 * is free. */
static void gp_vline_label(FILE *out, struct panel_ctx *c,
                           const struct figure_mark *m)
{
    double fx = frac_x(c, m->x), w = text_width(m->label), h = c->pl.ch;
    double x0, fy, cost, best = (double)INFINITY, bx0 = 0, by = 0.95;
    int pref = fx > 0.65, side, bside = pref, k;

    for (fy = 1 - h * 0.7; fy > h && best > 0; fy -= h * 0.6)
        for (k = 0; k < 2 && best > 0; k++) {
            side = k ? !pref : pref;
            /* Clear of the line's own raster cell. */
            x0 = side ? fx - 0.008 - w : fx + 0.008;
            cost = placed_cost(&c->pl, x0, x0 + w, fy - h / 2, fy + h / 2);
            if (cost < best) {
                best = cost;
                bx0 = x0;
                by = fy;
                bside = side;
            }
        }
    placed_add(&c->pl, bx0, bx0 + w, by - h / 2, by + h / 2);
    fprintf(out, "set label %d ", c->next_label++);
    gp_string(out, m->label, 0);
    fprintf(out, " at %.10g, graph %.3f %s offset %s,0 tc rgb \"%s\" front "
                 "boxed\n",
            m->x, by, bside ? "right" : "left", bside ? "-0.4" : "0.4",
            m->color);
}

/* Reference lines go behind the data ("back"); labels in front. */
static void gp_mark(FILE *out, struct panel_ctx *c,
                    const struct figure_mark *m)
{
    switch (m->kind) {
    case FIGURE_VLINE:
        fprintf(out, "set arrow from %.10g, graph 0 to %.10g, graph 1 "
                     "nohead lw %.1f dt 2 lc rgb \"%s\" back\n",
                m->x, m->x, c->t->lw * 0.7, m->color);
        if (*m->label)
            gp_vline_label(out, c, m);
        grid_line(&c->pl, frac_x(c, m->x), 0, frac_x(c, m->x), 1);
        return;
    case FIGURE_HLINE:
        fprintf(out, "set arrow from graph 0, first %.10g to graph 1, first "
                     "%.10g nohead lw %.1f dt 2 lc rgb \"%s\" back\n",
                m->y, m->y, c->t->lw * 0.7, m->color);
        if (!*m->label)
            return;
        fprintf(out, "set label %d ", c->next_label++);
        gp_string(out, m->label, 0);
        fprintf(out, " at graph 0.01, first %.10g left offset 0,%s tc rgb "
                     "\"%s\" front boxed\n", m->y,
                frac_y(c, m->y) > 0.9 ? "-0.8" : "0.8", m->color);
        placed_add(&c->pl, 0, text_width(m->label),
                   frac_y(c, m->y) + 0.2 * c->pl.ch,
                   frac_y(c, m->y) + 1.4 * c->pl.ch);
        return;
    default:
        fprintf(out, "set label %d ", c->next_label++);
        gp_string(out, m->label, 0);
        fprintf(out, " at %.10g, %.10g point pt 7 ps %.1f lc rgb \"%s\" "
                     "tc rgb \"#222222\" front boxed",
                m->x, m->y, c->t->ps * 1.3, m->color);
        place_label(out, &c->pl, frac_x(c, m->x), frac_y(c, m->y),
                    m->label);
        fputc('\n', out);
    }
}

/* Row labels of a FIGURE_LABELS series, placed like point marks. */
static void gp_row_labels(FILE *out, struct panel_ctx *c,
                          const struct figure_series *s)
{
    const struct figure *f = c->f;
    double x, y;
    size_t r;

    for (r = 0; r < f->nrows && f->labels; r++) {
        x = figure_value(f, r, s->x);
        y = figure_value(f, r, s->y);
        if (!isfinite(x) || !isfinite(y))
            continue;
        fprintf(out, "set label %d ", c->next_label++);
        gp_string(out, f->labels[r], 0);
        fprintf(out, " at %.10g, %.10g tc rgb \"#222222\" front boxed", x, y);
        place_label(out, &c->pl, frac_x(c, x), frac_y(c, y), f->labels[r]);
        fputc('\n', out);
    }
}

/* The data lines of the panel into the raster. */
static void reserve_lines(struct panel_ctx *c)
{
    const struct figure *f = c->f;
    const struct figure_series *s;
    double ax = (double)NAN, ay = (double)NAN, bx, by;
    size_t i, k;

    for (i = 0; i < f->nseries; i++) {
        s = &f->series[i];
        if (s->panel != c->p || s->style == FIGURE_POINTS ||
            s->style == FIGURE_LABELS || s->style == FIGURE_HBARS)
            continue;
        for (k = 0, ax = (double)NAN; k < f->nrows; k++) {
            bx = frac_x(c, figure_value(f, k, s->x));
            by = frac_y(c, figure_value(f, k, s->y));
            if (!isfinite(bx) || !isfinite(by))
                continue; /* gnuplot joins across missing points too */
            if (isfinite(ax))
                grid_line(&c->pl, ax, ay, bx, s->style == FIGURE_STEPS ? ay
                                                                       : by);
            if (isfinite(ax) && s->style == FIGURE_STEPS)
                grid_line(&c->pl, bx, ay, bx, by);
            ax = bx;
            ay = by;
        }
    }
}

/* Points that labels must not cover: point marks and labelled rows. */
static void reserve_points(struct panel_ctx *c)
{
    const struct figure *f = c->f;
    double fx, fy, r = 0.012;
    size_t i, k;

    reserve_lines(c);

    for (i = 0; i < f->nmarks; i++) {
        if (f->marks[i].panel != c->p || f->marks[i].kind != FIGURE_POINT)
            continue;
        fx = frac_x(c, f->marks[i].x);
        fy = frac_y(c, f->marks[i].y);
        placed_add(&c->pl, fx - r, fx + r, fy - 2 * r, fy + 2 * r);
    }
    for (i = 0; i < f->nseries; i++) {
        if (f->series[i].panel != c->p || f->series[i].style != FIGURE_LABELS)
            continue;
        for (k = 0; k < f->nrows; k++) {
            fx = frac_x(c, figure_value(f, k, f->series[i].x));
            fy = frac_y(c, figure_value(f, k, f->series[i].y));
            if (isfinite(fx) && isfinite(fy))
                placed_add(&c->pl, fx - r, fx + r, fy - 2 * r, fy + 2 * r);
        }
    }
}

static void gp_series(FILE *out, const struct panel_ctx *c,
                      const struct figure_series *s)
{
    const struct term *t = c->t;
    size_t x = s->x + 1, y = s->y + 1, n = c->f->nrows;

    fprintf(out, "'%s.dat' ", c->f->name);
    switch (s->style) {
    case FIGURE_HBARS:
        /* Rows from the top: row r at height n-1-r, a bar from column x
         * to column y, 0.64 of a row thick. */
        fprintf(out, "using (($%zu+$%zu)/2):(%zu-$0):($%zu<$%zu?$%zu:$%zu):"
                     "($%zu<$%zu?$%zu:$%zu):(%zu-$0-0.32):(%zu-$0+0.32) "
                     "with boxxyerror fs solid 0.85 noborder lc rgb \"%s\"",
                x, y, n - 1, x, y, x, y, x, y, y, x, n - 1, n - 1, s->color);
        break;
    case FIGURE_POINTS:
    case FIGURE_LABELS:
        fprintf(out, "using %zu:%zu with points pt 7 ps %.1f lc rgb \"%s\"",
                x, y, t->ps, s->color);
        break;
    case FIGURE_LINESPOINTS:
        fprintf(out, "using %zu:%zu with linespoints lw %.1f pt 7 ps %.1f "
                     "dt %d lc rgb \"%s\"",
                x, y, t->lw, t->ps * 0.8, s->dash, s->color);
        break;
    default:
        fprintf(out, "using %zu:%zu with %s lw %.1f dt %d lc rgb \"%s\"", x,
                y, s->style == FIGURE_STEPS ? "steps" : "lines", t->lw,
                s->dash, s->color);
    }
    if (*s->title) {
        fputs(" title ", out);
        gp_string(out, s->title, 0);
    } else {
        fputs(" notitle", out);
    }
}

/* The legend, with its box reserved against labels (its size is
 * estimated from the entries). */
static void gp_key(FILE *out, struct panel_ctx *c)
{
    const char *key = c->f->panel[c->p].key;
    double w = 0, h, lo;
    size_t i, n = 0;

    if (!strcmp(key, "off") || !*key) {
        fputs("unset key\n", out);
        return;
    }
    /* Only gnuplot's position words may reach the script. */
    if (strspn(key, "abcdefghijklmnopqrstuvwxyz ") != strlen(key))
        key = "top left";
    fprintf(out, "set key %s opaque box lc rgb \"#bbbbbb\" samplen 2.5 "
                 "spacing 1.1 width 1\n", key);
    for (i = 0; i < c->f->nseries; i++)
        if (c->f->series[i].panel == c->p && *c->f->series[i].title) {
            w = fmax(w, text_width(c->f->series[i].title));
            n++;
        }
    if (c->p == 0 && c->f->nspans && *c->f->span_title) {
        w = fmax(w, text_width(c->f->span_title));
        n++;
    }
    w += 0.08;
    h = (double)n * c->pl.ch * 1.15 + 0.03;
    /* "center" alone is about the vertical when top and bottom are not
     * said ("right center"). */
    lo = strstr(key, "bottom") ? 0
         : strstr(key, "top") || !strstr(key, "center") ? 1 - h
                                                         : 0.5 - h / 2;
    placed_add(&c->pl, strstr(key, "right") ? 1 - w : 0,
               strstr(key, "right") ? 1 : w, lo, lo + h);
}

/* Rows of a tornado as y tick labels, the first row on top, with a free
 * band above the bars for the base line's label and one below for the
 * legend. */
static void gp_row_ticks(FILE *out, const struct figure *f)
{
    size_t r;

    fprintf(out, "set yrange [-1.3:%.1f]\nset ytics (",
            (double)f->nrows + 0.1);
    for (r = 0; r < f->nrows; r++) {
        fputs(r ? ", " : "", out);
        gp_string(out, f->labels ? f->labels[r] : "", 1);
        fprintf(out, " %zu", f->nrows - 1 - r);
    }
    fputs(")\nset ytics scale 0\nunset ylabel\n", out);
}

/* A stacked panel is named by a heading inside it, top left: rotated
 * axis labels would not fit its height. */
static void gp_heading(FILE *out, struct panel_ctx *c)
{
    const char *label = c->f->panel[c->p].y.label;
    double y;

    if (!*label)
        return;
    fprintf(out, "set label %d ", c->next_label++);
    gp_string(out, label, 0);
    y = 1 - 0.6 * c->pl.ch;
    fprintf(out, " at graph 0.005, graph %.3f left front boxed\n", y);
    placed_add(&c->pl, 0, text_width(label) + 0.01, y - c->pl.ch / 2, 1);
}

/* A category axis: the row labels as ticks at 1, 2, ... */
static void gp_category_axis(FILE *out, const struct figure *f,
                             const struct draw_axis *d, int show_label)
{
    fprintf(out, "set xrange [%.12g:%.12g]\nset xtics (", d->lo, d->hi);
    for (size_t r = 0; f->labels && r < f->nrows; r++) {
        fputs(r ? ", " : "", out);
        gp_string(out, f->labels[r], 1);
        fprintf(out, " %zu", r + 1);
    }
    fputs(")\nset xlabel ", out);
    gp_string(out, show_label ? f->x.label : "", 0);
    fputc('\n', out);
}

/* One panel: axes, key, marks, plot. */
static void gp_panel(FILE *out, struct panel_ctx *c, int last)
{
    const struct figure *f = c->f;
    const struct figure_panel *pan = &f->panel[c->p];
    int stacked = f->npanels > 1;
    size_t i, k = 0;

    if (f->x.fmt == FIGURE_FMT_CATEGORY)
        gp_category_axis(out, f, &c->L->x, last);
    else
        gp_axis(out, "x", &f->x, &c->L->x, last, last);
    if (f->kind == FIGURE_TORNADO)
        gp_row_ticks(out, f);
    else
        gp_axis(out, "y", &pan->y, &c->L->y[c->p], 1, !stacked);
    if (stacked)
        gp_heading(out, c);
    gp_key(out, c);
    reserve_points(c);
    for (i = 0; i < f->nmarks; i++)
        if (f->marks[i].panel == c->p)
            gp_mark(out, c, &f->marks[i]);
    for (i = 0; i < f->nseries; i++)
        if (f->series[i].panel == c->p && f->series[i].style == FIGURE_LABELS)
            gp_row_labels(out, c, &f->series[i]);
    fputs("plot ", out);
    for (i = 0; i < f->nseries; i++) {
        if (f->series[i].panel != c->p)
            continue;
        fputs(k++ ? ", \\\n     " : "", out);
        gp_series(out, c, &f->series[i]);
    }
    /* The shaded windows' legend entry: a sample box, no data. */
    if (c->p == 0 && f->nspans && *f->span_title) {
        fputs(k++ ? ", \\\n     " : "", out);
        fprintf(out, "keyentry with boxes fs solid 0.3 noborder "
                     "fc rgb \"%s\" title ", f->span_color);
        gp_string(out, f->span_title, 0);
    }
    if (!k)
        fputs("NaN notitle", out);
    fputc('\n', out);
}

/* Shaded x intervals as rectangles behind the data of every panel (set
 * once: objects outlive the panels of a multiplot). */
static void gp_spans(FILE *out, const struct figure *f)
{
    size_t i;

    for (i = 0; i < f->nspans; i++)
        fprintf(out, "set object %zu rect from first %.10g, graph 0 to "
                     "first %.10g, graph 1 behind fc rgb \"%s\" "
                     "fs solid 0.3 noborder\n",
                i + 1, f->spans[i].x0, f->spans[i].x1, f->span_color);
}

static void gp_common(FILE *out)
{
    fputs("reset\n"
          "set datafile missing \"NaN\"\n"
          "set border 3 lw 1 lc rgb \"#444444\"\n"
          "set tics nomirror out scale 0.6 textcolor rgb \"#222222\"\n"
          "set grid xtics ytics lw 1 lc rgb \"#d8d8d8\" dt 1\n"
          "set style textbox opaque noborder margins 1,1\n",
          out);
}

/* The drawing commands for terminal t, after its "set terminal". */
static void gp_body(FILE *out, const struct figure *f, const struct term *t,
                    const struct layout *L)
{
    struct panel_ctx c;
    double ncap = (double)caption_lines(f->caption);
    size_t p;

    memset(&c, 0, sizeof c);
    c.f = f;
    c.L = L;
    c.t = t;
    c.next_label = 1;
    c.pl.ch = CHAR_H * (f->npanels > 1 ? 1.2 * (double)f->npanels : 1);
    gp_common(out);
    gp_spans(out, f);
    if (f->npanels == 1) {
        fprintf(out, "set tmargin 3.2\nset bmargin %.1f\nset rmargin 4\n",
                3.4 + ncap * 0.85 + 0.4);
        gp_words(out, f, t, 1);
        gp_panel(out, &c, 1);
        return;
    }
    /* Stacked panels share the x axis: only the lowest is labelled, and
     * screen margins keep their plot areas aligned. */
    fprintf(out, "set multiplot layout %zu,1 title ", f->npanels);
    gp_string(out, f->title, 0);
    fprintf(out, " font \",%d\" margins 0.08,0.96,%.3f,0.9 spacing 0,0.025\n",
            t->title_font, 0.035 * (3.6 + ncap * 0.85));
    for (p = 0; p < f->npanels; p++) {
        c.p = p;
        c.pl.n = 0;
        memset(c.pl.grid, 0, sizeof c.pl.grid);
        fputs("unset label\nunset arrow\nunset logscale\n", out);
        if (p + 1 == f->npanels)
            gp_words(out, f, t, 0);
        gp_panel(out, &c, p + 1 == f->npanels);
    }
    fputs("unset multiplot\n", out);
}

int draw_script(const struct figure *f, unsigned formats, FILE *out)
{
    struct layout L;
    size_t i, c;

    layout_figure(f, &L);
    fprintf(out, "# slmsim figure '%s'", f->name);
    fputs("\n# Redraw from this directory with: gnuplot ", out);
    fprintf(out, "%s.gp\n# Data: %s.dat, columns:", f->name, f->name);
    for (c = 0; c < f->ncols; c++)
        fprintf(out, " %zu %s", c + 1, f->columns[c]);
    fprintf(out, "%s\n", f->labels ? " (then a label)" : "");
    fprintf(out, "if (!exists(\"stem\")) stem = \"%s\"\n"
                 "set encoding utf8\n", f->name);
    for (i = 0; i < NTERMS; i++) {
        if (!(formats & terms[i].mask))
            continue;
        fprintf(out, "\n# ---- %s ----\nset terminal %s font \"Sans,%d\"\n"
                     "set output stem.\".%s\"\n",
                terms[i].ext, terms[i].terminal, terms[i].font,
                terms[i].ext);
        gp_body(out, f, &terms[i], &L);
        fputs("unset output\n", out);
    }
    if (ferror(out)) {
        errno = errno ? errno : EIO;
        return SLM_ESYS;
    }
    return SLM_OK;
}

/* ---- files and gnuplot ---- */

void draw_init(struct draw *c, const char *dir, unsigned formats,
               struct diag *d)
{
    memset(c, 0, sizeof *c);
    c->dir = dir;
    c->formats = formats ? formats : DRAW_DEFAULT_FORMATS;
    c->gnuplot = gnuplot_program();
    c->d = d;
    c->have_gnuplot = -1;
}

/* dir/NAME.ext into c->path. */
static const char *draw_path(struct draw *c, const char *prefix,
                             const char *name, const char *ext)
{
    snprintf(c->path, sizeof c->path, "%s/%s%s.%s", c->dir, prefix, name,
             ext);
    return c->path;
}

static int write_text(struct draw *c, const char *path, const char *text,
                      size_t len)
{
    struct out_file of;
    int st = out_file_open(&of, path);

    if (st)
        return st;
    if (fwrite(text, 1, len, of.f) != len) {
        int e = errno;
        out_file_abort(&of);
        errno = e;
        return SLM_ESYS;
    }
    st = out_file_commit(&of);
    (void)c;
    return st;
}

/* Builds the text of f's .dat (which) or .gp into *text. */
static int render_text(const struct figure *f, unsigned formats, int gp,
                       char **text, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&buf, &size);
    int st;

    if (!m)
        return SLM_ENOMEM;
    st = gp ? draw_script(f, formats, m) : figure_write_dat(f, m);
    if (fclose(m) != 0 && !st)
        st = SLM_ENOMEM;
    if (st) {
        free(buf);
        return st;
    }
    /* open_memstream's buffer is malloc's: copy it into one of ours. */
    *text = mem_strndup(buf ? buf : "", size);
    *len = size;
    free(buf);
    return *text ? SLM_OK : SLM_ENOMEM;
}

static void warn_missing(struct draw *c)
{
    c->have_gnuplot = 0;
    if (c->warned)
        return;
    c->warned = 1;
    diag_warning(c->d, NULL, "gnuplot not found ('%s'); wrote .gp and .dat "
                             "files only: " GNUPLOT_INSTALL_HINT,
                 c->gnuplot);
}

/* Line n (from 1) of text, at most size - 1 bytes of it, into buf. */
static void script_line(const char *text, long n, char *buf, size_t size)
{
    const char *p = text;
    size_t len;

    for (; n > 1 && p; n--) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p || n < 1) {
        buf[0] = '\0';
        return;
    }
    len = strcspn(p, "\n");
    snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), p);
}

/* gnuplot's messages, each located in the script where it says
 * '"NAME.gp" line N: message'; a line without a place is reported as it
 * is when nothing else was.  Returns the number of errors reported. */
static int report_messages(struct draw *c, const struct figure *f,
                           const char *script, const char *msgs, int failed)
{
    char gp[4096], tag[64], src[128];
    struct diag_pos where = {gp, 0, 0};
    const char *p, *nl, *at;
    int errors = 0;
    long line;

    snprintf(gp, sizeof gp, "%s/%s.gp", c->dir, f->name);
    snprintf(tag, sizeof tag, "\"%s.gp\" line ", f->name);
    for (p = msgs; *p; p = *nl ? nl + 1 : nl) {
        nl = strchr(p, '\n');
        if (!nl)
            nl = p + strlen(p);
        at = strstr(p, tag);
        if (!at || at > nl)
            continue;
        line = strtol(at + strlen(tag), (char **)&at, 10);
        at += strspn(at, ": ");
        where.line = (int)line;
        script_line(script, line, src, sizeof src);
        if (!strncmp(at, "warning: ", 9)) {
            diag_warning(c->d, &where, "gnuplot: %.*s", (int)(nl - at - 9),
                         at + 9);
        } else {
            errors++;
            diag_error(c->d, &where, "gnuplot: %.*s (in '%s')",
                       (int)(nl - at), at, src);
        }
    }
    if (failed && !errors) {
        where.line = 0;
        p = msgs + strspn(msgs, " \n");
        nl = strchr(p, '\n');
        diag_error(c->d, &where, "gnuplot failed%s%.*s", *p ? ": " : "",
                   (int)(nl ? nl - p : (long)strlen(p)), p);
        errors++;
    }
    return errors;
}

/* After gnuplot: each picture's temporary renamed over its name, or
 * removed when gnuplot failed (keep == 0).  Returns 0 or SLM_ESYS with
 * c->path naming the file. */
static int settle_outputs(struct draw *c, const struct figure *f, int keep)
{
    char tmp[4096];
    struct stat st;
    size_t i;
    int status = SLM_OK;

    for (i = 0; i < NTERMS; i++) {
        if (!(c->formats & terms[i].mask))
            continue;
        snprintf(tmp, sizeof tmp, "%s/.%s.tmp-%ld.%s", c->dir, f->name,
                 (long)getpid(), terms[i].ext);
        draw_path(c, "", f->name, terms[i].ext);
        if (!keep) {
            unlink(tmp);
            continue;
        }
        if (stat(tmp, &st) != 0 || st.st_size == 0) {
            errno = stat(tmp, &st) != 0 ? errno : EIO;
            unlink(tmp);
            return SLM_ESYS;
        }
        if (rename(tmp, c->path) != 0 && !status)
            status = SLM_ESYS;
    }
    return status;
}

/* gnuplot's exit status says it crashed: a fault or an abort of its own,
 * not a signal sent to stop it. */
static int draw_crashed(int exit_status)
{
    int sig = exit_status - 128;

    return sig == SIGABRT || sig == SIGSEGV || sig == SIGBUS ||
           sig == SIGFPE || sig == SIGILL;
}

static int draw_run(struct draw *c, const struct figure *f,
                    const char *script)
{
    struct gnuplot_run r;
    char cmd[FIGURE_MAX_NAME * 2 + 64];
    int st, failed;

    /* The process id in the temporaries' names: two runs into one folder
     * never write the same file. */
    snprintf(cmd, sizeof cmd, "stem = \".%s.tmp-%ld\"\nload \"%s.gp\"\n",
             f->name, (long)getpid(), f->name);
    st = gnuplot_exec(c->gnuplot, c->dir, cmd, &r);
    if (!st && draw_crashed(r.exit_status)) {
        /* gnuplot crashed (cairo's scaled-font hash can collide with its
         * ZOMBIE value at random and abort; cairo before 1.18): the same
         * script draws on a second run.  Killed by a signal sent to it
         * (SIGINT, SIGTERM: stopping) it is not run again. */
        const char *m = r.messages + strspn(r.messages, " \n");
        diag_warning(c->d, NULL, "gnuplot crashed on figure '%s' (exit "
                     "%d%s%.*s); drawing it again", f->name, r.exit_status,
                     *m ? ": " : "", (int)strcspn(m, "\n"), m);
        gnuplot_run_fini(&r);
        st = gnuplot_exec(c->gnuplot, c->dir, cmd, &r);
    }
    if (st) {
        gnuplot_run_fini(&r);
        draw_path(c, "", f->name, "gp");
        return st;
    }
    if (r.missing) {
        gnuplot_run_fini(&r);
        settle_outputs(c, f, 0);
        warn_missing(c);
        return SLM_OK;
    }
    failed = r.exit_status != 0;
    if (report_messages(c, f, script, r.messages, failed))
        failed = 1;
    gnuplot_run_fini(&r);
    if (failed) {
        c->failed++;
        settle_outputs(c, f, 0);
        return SLM_OK;
    }
    st = settle_outputs(c, f, 1);
    if (!st)
        c->drawn++;
    return st;
}

int draw_figure(struct draw *c, const struct figure *f)
{
    char *dat = NULL, *gp = NULL;
    size_t dlen = 0, glen = 0;
    int st;

    st = out_mkdirs(c->dir);
    if (st) {
        snprintf(c->path, sizeof c->path, "%s", c->dir);
        return st;
    }
    st = render_text(f, 0, 0, &dat, &dlen);
    if (!st)
        st = render_text(f, c->formats, 1, &gp, &glen);
    if (!st)
        st = write_text(c, draw_path(c, "", f->name, "dat"), dat, dlen);
    if (!st)
        st = write_text(c, draw_path(c, "", f->name, "gp"), gp, glen);
    if (!st) {
        c->written++;
        if (f->nrows == 0)
            diag_warning(c->d, NULL, "figure '%s' has no data: wrote its "
                                     ".gp and .dat files only", f->name);
        else if (c->have_gnuplot < 0)
            c->have_gnuplot = gnuplot_available(c->gnuplot);
        if (f->nrows && c->have_gnuplot == 0)
            warn_missing(c);
        else if (f->nrows)
            st = draw_run(c, f, gp);
    }
    mem_free(dat);
    mem_free(gp);
    return st;
}
