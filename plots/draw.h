/*
 * draw: a figure on disk, as data, script and pictures.
 *
 * For figure NAME in directory DIR, draw_figure() writes
 *   DIR/NAME.dat   the table (figure_write_dat), for checking or reuse
 *   DIR/NAME.gp    a gnuplot script that redraws every picture from it:
 *                  `cd DIR && gnuplot NAME.gp`
 * atomically (sim/out.h), then runs the script through gnuplot (the pipe
 * in plots/gnuplot.h) for NAME.png (pngcairo, 1600x900, slide size),
 * NAME.pdf (pdfcairo, 10x5.625 in) and, when asked, NAME.svg.  Pictures
 * are drawn under temporary names and renamed when gnuplot succeeded.
 *
 * The script spells out everything the picture needs, computed here from
 * the data: axis ranges, ticks at round values with their labels ($12K,
 * 1M, 250 ms, 40%: draw_format_value), label placements that keep marks'
 * labels apart.  So what the data says and what the picture shows cannot
 * drift apart, and the script is plain enough to edit by hand.
 *
 * Missing gnuplot is not an error: the .dat and .gp files are written,
 * one warning says how to install it (once per struct draw), and the
 * status stays 0.  A gnuplot that fails is reported as an error located in
 * the script ("DIR/NAME.gp:23: error: gnuplot: ...") and counted in
 * failed; the caller decides the exit status.
 */
#ifndef SLM_DRAW_H
#define SLM_DRAW_H

#include <stddef.h>
#include <stdio.h>

#include "plots/figure.h"
#include "sim/diag.h"

enum draw_format { DRAW_PNG = 1, DRAW_PDF = 2, DRAW_SVG = 4 };
#define DRAW_DEFAULT_FORMATS (DRAW_PNG | DRAW_PDF)
#define DRAW_FORMATS_HELP "png, pdf, svg"

/* Parses a comma-separated list of format names ("png,pdf") into a mask.
 * Returns 0, or -1 (mask untouched) for an unknown or empty name. */
int draw_formats_parse(const char *text, unsigned *mask);

/* A tick or mark value as it reads on a slide: fmt decides the unit
 * ($12K, 1.5M, 250 ms, 40%), three significant digits at most. */
void draw_format_value(char *buf, size_t size, double v, enum figure_fmt fmt);

#define DRAW_MAX_TICKS 24

/* An axis's range and ticks as drawn. */
struct draw_axis {
    double lo, hi;           /* range */
    size_t nticks;
    double tick[DRAW_MAX_TICKS];
};

/* The range and round-valued ticks for axis a whose data span
 * [dmin, dmax] (NaN or dmin > dmax: no data), about target ticks.  A set
 * a->min/a->max wins; log axes span whole decades with ticks at powers of
 * ten (2x and 5x too over two decades or less, every other decade over
 * more than 2 target); linear axes span multiples of a 1-2-5 step, from
 * zero when the data are all positive and reach near it. */
void draw_axis_layout(const struct figure_axis *a, double dmin, double dmax,
                      int target, struct draw_axis *out);

/* Writes the whole gnuplot script for f, one block per format in mask.
 * Returns 0, or SLM_ESYS (errno set) when a write failed. */
int draw_script(const struct figure *f, unsigned formats, FILE *out);

struct draw {
    const char *dir;     /* borrowed: where files go (created if needed) */
    unsigned formats;    /* DRAW_* mask */
    const char *gnuplot; /* borrowed: the program (gnuplot_program()) */
    struct diag *d;      /* borrowed: gnuplot's errors and the warning */
    int have_gnuplot;    /* -1 not checked yet, 0 missing, 1 found */
    int warned;          /* the missing-gnuplot warning was given */
    size_t written;      /* figures whose .dat and .gp were written */
    size_t drawn;        /* figures gnuplot drew */
    size_t failed;       /* figures gnuplot failed on (reported) */
    char path[4096];     /* after SLM_ESYS: the file that failed */
};

/* Prepares c; gnuplot is looked up at the first figure. */
void draw_init(struct draw *c, const char *dir, unsigned formats,
               struct diag *d);

/* Writes f's files and draws it (see the file comment).  Returns 0 (also
 * when gnuplot is missing or failed: see c->have_gnuplot, c->failed),
 * SLM_ESYS with errno set and c->path naming the file, or SLM_ENOMEM. */
int draw_figure(struct draw *c, const struct figure *f);

#endif
