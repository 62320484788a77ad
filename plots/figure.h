/*
 * figure: one picture as plain data, independent of how it is drawn.
 *
 * A figure is a table (named numeric columns, rows, optional row labels)
 * plus what to draw from it: series (two columns of the table, a style and
 * a colour), marks (reference lines and labelled points), axes (label with
 * unit, log or linear, how tick values read: $12K, 1M, 250 ms, 40%) and
 * words (title, caption).  Builders in plots/plot.h fill one from model
 * outputs; plots/draw.h turns it into NAME.dat + NAME.gp and pictures; the
 * "figures" section of results.json is the same data (figure_write_json),
 * which is how `slmsim plot` redraws without simulating again
 * (figure_from_json).  docs/figures.md describes the JSON.
 *
 * Text is kept in fixed-size fields, cut at their size when a builder
 * writes them and refused when a file's text is longer.  Only the rows
 * grow; at most FIGURE_MAX_ROWS.
 */
#ifndef SLM_FIGURE_H
#define SLM_FIGURE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/diag.h"
#include "sim/json.h"
#include "sim/out.h"

#define FIGURE_MAX_NAME 32     /* figure and column names, bytes with NUL */
#define FIGURE_MAX_TEXT 160    /* titles, axis labels, series and mark text */
#define FIGURE_MAX_CAPTION 400 /* the caption line(s) */
#define FIGURE_MAX_LABEL 64    /* one row label */
#define FIGURE_MAX_COLUMNS 24
#define FIGURE_MAX_SERIES 16
#define FIGURE_MAX_MARKS 16
#define FIGURE_MAX_PANELS 4
#define FIGURE_MAX_ROWS 100000
#define FIGURE_MAX_SPANS 256   /* shaded x intervals (down windows) */

/* How an axis's tick values read (see draw_format_value). */
enum figure_fmt {
    FIGURE_FMT_NUMBER,  /* 1.5K, 2M, 0.25 */
    FIGURE_FMT_MONEY,   /* $400, $12K, $1.2M */
    FIGURE_FMT_SECONDS, /* 500 us, 20 ms, 1.5 s, 2 min */
    FIGURE_FMT_PERCENT, /* a fraction shown as 0%..100% */
    FIGURE_FMT_CATEGORY, /* x only: row r's label at x = r + 1 (a GPU
                            type); set min and max to 0.5, nrows + 0.5 */
    FIGURE_FMT_COUNT
};

struct figure_axis {
    char label[FIGURE_MAX_TEXT]; /* with its unit: "monthly cost (US$)" */
    int log;                     /* 1: log10 scale */
    enum figure_fmt fmt;
    double min, max; /* NaN: from the data */
};

/* One picture stacked above another shares the x axis (timeline). */
struct figure_panel {
    struct figure_axis y;
    char key[FIGURE_MAX_NAME]; /* legend place: "top left", ..., "off" */
};

enum figure_style {
    FIGURE_LINES,
    FIGURE_POINTS,
    FIGURE_LINESPOINTS,
    FIGURE_STEPS,  /* a step function: flat until the next x */
    FIGURE_HBARS,  /* a horizontal bar per row from column x to column y,
                      rows from the top (tornado) */
    FIGURE_LABELS, /* points labelled with their row's label */
    FIGURE_STYLE_COUNT
};

struct figure_series {
    char title[FIGURE_MAX_TEXT]; /* legend entry; "" for none */
    size_t x, y;                 /* column indexes */
    enum figure_style style;
    char color[8];               /* "#rrggbb" */
    int dash;                    /* 1 solid, 2 dashed, 3 dotted, 4 dash-dot */
    size_t panel;
};

enum figure_mark_kind {
    FIGURE_VLINE, /* x = value, labelled at the top */
    FIGURE_HLINE, /* y = value, labelled at the left */
    FIGURE_POINT, /* (x, y), labelled beside the point */
    FIGURE_MARK_KIND_COUNT
};

struct figure_mark {
    enum figure_mark_kind kind;
    double x, y;
    char label[FIGURE_MAX_TEXT];
    char color[8];
    size_t panel;
};

/* A shaded interval of the x axis, over every panel (the timeline's
 * outage and repair windows). */
struct figure_span {
    double x0, x1; /* x0 < x1, in x axis units */
};

enum figure_kind {
    FIGURE_XY,      /* series against a numeric x axis */
    FIGURE_TORNADO, /* FIGURE_HBARS against row labels on the y axis */
    FIGURE_KIND_COUNT
};

struct figure {
    char name[FIGURE_MAX_NAME]; /* "latency-cdf": file stem and JSON key */
    enum figure_kind kind;
    char title[FIGURE_MAX_TEXT];
    char caption[FIGURE_MAX_CAPTION]; /* the assumptions; '\n' breaks */
    struct figure_axis x;
    size_t npanels; /* >= 1 */
    struct figure_panel panel[FIGURE_MAX_PANELS];
    size_t ncols;
    char columns[FIGURE_MAX_COLUMNS][FIGURE_MAX_NAME];
    size_t nrows;
    double *rows;  /* owned: nrows * ncols values, row-major; NaN missing */
    char (*labels)[FIGURE_MAX_LABEL]; /* owned, nrows of them, or NULL */
    size_t nseries;
    struct figure_series series[FIGURE_MAX_SERIES];
    size_t nmarks;
    struct figure_mark marks[FIGURE_MAX_MARKS];
    /* Shaded x intervals, all in one colour with one legend entry
     * (span_title, in panel 0's key); spans_cut counts those left out
     * past FIGURE_MAX_SPANS (the caption says so). */
    size_t nspans;
    struct figure_span spans[FIGURE_MAX_SPANS];
    uint64_t spans_cut;
    char span_title[FIGURE_MAX_TEXT];
    char span_color[8];
    size_t cap; /* rows allocated */
};

/* Okabe & Ito's colour-blind-safe palette (2008), and the roles that keep
 * one colour across every figure. */
#define FIGURE_BLACK "#000000"
#define FIGURE_ORANGE "#E69F00"
#define FIGURE_SKY_BLUE "#56B4E9"
#define FIGURE_GREEN "#009E73"
#define FIGURE_YELLOW "#F0E442"
#define FIGURE_BLUE "#0072B2"
#define FIGURE_VERMILLION "#D55E00"
#define FIGURE_PURPLE "#CC79A7"

#define FIGURE_COLOR_LOCAL FIGURE_BLUE        /* self-hosted GPUs */
#define FIGURE_COLOR_API FIGURE_VERMILLION    /* the cloud API */
#define FIGURE_COLOR_HYBRID FIGURE_GREEN      /* both, routed */
#define FIGURE_COLOR_OVERALL FIGURE_BLACK     /* as the user sees it */
#define FIGURE_COLOR_SLO FIGURE_PURPLE        /* targets and limits */
#define FIGURE_COLOR_OTHER FIGURE_ORANGE      /* a station, a 4th option */
#define FIGURE_COLOR_OTHER2 FIGURE_SKY_BLUE

/* ---- building ---- */

/* A new figure named name with one panel, linear axes and no data; NULL
 * when out of memory.  Owned by the caller: figure_free.  The name is cut
 * at FIGURE_MAX_NAME - 1 bytes. */
struct figure *figure_new(const char *name, enum figure_kind kind);
void figure_free(struct figure *f); /* NULL is fine */

/* Copies src into dst[size], cut at a UTF-8 character boundary. */
void figure_text(char *dst, size_t size, const char *src);

/* Appends the span [x0, x1) (x0 < x1, both finite); SLM_ELIMIT past
 * FIGURE_MAX_SPANS (counted in spans_cut), SLM_EINPUT for a bad one. */
int figure_add_span(struct figure *f, double x0, double x1);

/* Appends a column; returns its index, or -1 when there are
 * FIGURE_MAX_COLUMNS already or rows were added. */
int figure_add_column(struct figure *f, const char *name);

/* Appends a row of ncols values (copied) and, when label is not NULL, its
 * label (the first row's decides: all rows have labels or none do).
 * Returns 0, SLM_ENOMEM, or SLM_EINPUT when FIGURE_MAX_ROWS are there. */
int figure_add_row(struct figure *f, const double *values,
                   const char *label);

/* Value of row r, column c (no checks beyond assert). */
double figure_value(const struct figure *f, size_t r, size_t c);

/* Appends a series or mark (copied); returns a pointer to the stored one,
 * or NULL when the figure is full. */
struct figure_series *figure_add_series(struct figure *f,
                                        const char *title, size_t x,
                                        size_t y, enum figure_style style,
                                        const char *color);
struct figure_mark *figure_add_mark(struct figure *f,
                                    enum figure_mark_kind kind, double x,
                                    double y, const char *label,
                                    const char *color);


/* ---- the table as a gnuplot data file ---- */

/* "# NAME: TITLE", a "# col1 col2 ..." header line, then a row per line:
 * values with %.10g, NaN for missing, the label last in double quotes.
 * Returns 0, or SLM_ESYS (errno set) when a write fails. */
int figure_write_dat(const struct figure *f, FILE *out);

/* ---- the JSON round trip ---- */

/* Writes f as member f->name of the open JSON object (the "figures"
 * section of results.json). */
void figure_write_json(const struct figure *f, struct jw *w);

/* Reads one figure from j, a member of "figures" (its key is the name).
 * Every problem is reported to d at its place in file.  Returns 0 with
 * *out owned by the caller, SLM_EINPUT, or SLM_ENOMEM. */
int figure_from_json(const struct json *j, const char *file, struct diag *d,
                     struct figure **out);

#endif
