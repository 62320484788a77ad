/*
 * plot: one function per figure of a budget proposal.
 *
 * Each builder takes plain inputs (numbers, names, histograms) that a
 * command gathered from the models, and returns a struct figure
 * (plots/figure.h) ready to draw (plots/draw.h) and to store in
 * results.json.  Builders decide what a reader needs to see: axes with
 * units, the colours that mean local, API and hybrid in every figure
 * (Okabe-Ito palette), the SLO and the points worth marking (capacity,
 * crossovers, break-even), each labelled with its value.
 *
 *   plot_latency_cdf       latency-cdf       e2e and TTFT CDFs, log x, SLO
 *   plot_latency_vs_load   latency-vs-load   P50/P99 against volume, SLO,
 *                                            capacity point
 *   plot_cost_vs_volume    cost-vs-volume    monthly cost per option,
 *                                            log-log, crossovers
 *   plot_tco               tco               cumulative cost per option,
 *                                            break-even months
 *   plot_timeline          timeline          stacked series over time
 *   plot_sensitivity       sensitivity       tornado of TCO per input
 *   plot_accuracy_cost     accuracy-cost     accuracy against cost per
 *                                            routing policy, frontier
 *   plot_utilization       utilization       busy share and KV-cache
 *                                            occupancy against volume
 *
 * Every builder returns 0 with *out owned by the caller (figure_free),
 * SLM_EINPUT when the input cannot make the figure (no points, sizes over
 * the figure's limits; nothing is reported: the caller knows its data), or
 * SLM_ENOMEM.  Money is dollars, volumes queries per month, times seconds.
 */
#ifndef SLM_PLOT_H
#define SLM_PLOT_H

#include <stddef.h>

#include "plots/figure.h"
#include "sim/stats.h"

/* The figure names, as in outputs.plots and results.json. */
#define PLOT_LATENCY_CDF "latency-cdf"
#define PLOT_LATENCY_VS_LOAD "latency-vs-load"
#define PLOT_COST_VS_VOLUME "cost-vs-volume"
#define PLOT_TCO "tco"
#define PLOT_TIMELINE "timeline"
#define PLOT_SENSITIVITY "sensitivity"
#define PLOT_ACCURACY_COST "accuracy-cost"
#define PLOT_UTILIZATION "utilization"

/* What every figure says besides its data. */
struct plot_meta {
    const char *scenario; /* name, first in the title */
    const char *caption;  /* the key assumptions; '\n' starts a 2nd line */
};

/* Who a curve belongs to; decides its colour everywhere. */
enum plot_role {
    PLOT_OVERALL, /* black: as the user sees it */
    PLOT_LOCAL,   /* blue: self-hosted GPUs */
    PLOT_API,     /* vermillion: the cloud API */
    PLOT_HYBRID,  /* bluish green: routed between them */
    PLOT_OTHER    /* orange, then sky blue, yellow, purple by index */
};


/* ---- latency-cdf ---- */

struct plot_cdf_curve {
    const char *name;         /* "overall" or the backend's name */
    enum plot_role role;
    const struct qhist *e2e;  /* borrowed; NULL or empty: not drawn */
    const struct qhist *ttft; /* borrowed; NULL or empty: not drawn */
};

#define PLOT_MAX_CURVES 7

struct plot_cdf_input {
    struct plot_meta meta;
    size_t ncurves; /* 1..PLOT_MAX_CURVES */
    const struct plot_cdf_curve *curves;
    double slo_e2e_p99, slo_ttft_p99; /* s; 0 or NaN: none */
    size_t points; /* on the log grid; 0: 240 */
};

/* Fraction of requests at or below each latency on a log grid spanning
 * every curve (qhist_cdf), e2e solid and TTFT dashed, the SLOs as
 * vertical lines and P99 as a horizontal one. */
int plot_latency_cdf(const struct plot_cdf_input *in, struct figure **out);

/* ---- latency-vs-load ---- */

struct plot_load_series {
    const char *name;
    enum plot_role role;
    const double *p50; /* s, per volume; NULL: not drawn */
    const double *p99; /* s, per volume */
};

struct plot_load_input {
    struct plot_meta meta;
    const char *metric;    /* "end-to-end" or "TTFT", for the axis */
    size_t n;              /* volumes, >= 2, increasing */
    const double *volume;  /* queries/month offered */
    size_t nseries;        /* 1..PLOT_MAX_CURVES; the first is overall */
    const struct plot_load_series *series;
    double slo;            /* the P99 target, s; 0 or NaN: none */
    double capacity;       /* queries/month found elsewhere (slmsim
                              capacity's bisection), marked on the SLO;
                              0 or NaN: plot_capacity's */
};

/* P99 (solid) and P50 (dashed) against offered volume, log y, with the
 * SLO and the capacity point: in->capacity when set, else where the first
 * series's P99 first crosses the SLO, interpolated between the two
 * volumes around it (plot_capacity). */
int plot_latency_vs_load(const struct plot_load_input *in,
                         struct figure **out);

/* The volume at which p99[] first rises above slo, linear between
 * neighbours; NaN when it never does or is above it from the first
 * volume. */
double plot_capacity(const double *volume, const double *p99, size_t n,
                     double slo);

/* ---- cost-vs-volume and tco ---- */

struct plot_cost_curve {
    enum plot_role role; /* PLOT_LOCAL, PLOT_API, PLOT_HYBRID */
    const char *name;    /* NULL: plot_role_name(role) */
    const double *cost;  /* dollars, one per x; NaN: no value there */
};

struct plot_crossing {
    double volume;    /* queries/month */
    double cost;      /* dollars/month there */
    const char *what; /* "local = API" */
};

#define PLOT_MAX_OPTIONS 3
#define PLOT_MAX_CROSSINGS 6

struct plot_cost_input {
    struct plot_meta meta;
    size_t n;             /* volumes, >= 2, increasing, > 0 */
    const double *volume; /* queries/month */
    size_t ncurves;       /* 1..PLOT_MAX_OPTIONS */
    const struct plot_cost_curve *curves;
    size_t ncrossings;    /* up to PLOT_MAX_CROSSINGS */
    const struct plot_crossing *crossings;
    double current;       /* the scenario's volume, marked; NaN: none */
};

/* Monthly cost of each option against volume, log-log, each crossing
 * marked and labelled with its volume and cost. */
int plot_cost_vs_volume(const struct plot_cost_input *in,
                        struct figure **out);

struct plot_tco_input {
    struct plot_meta meta;
    size_t months;        /* >= 1; curves hold months + 1 values, 0..M */
    size_t ncurves;       /* 1..PLOT_MAX_OPTIONS */
    const struct plot_cost_curve *curves; /* cumulative dollars */
    /* Per curve: the month its cumulative cost is first at most the
     * API's (0: never, or the API itself). */
    const int *break_even;
};

/* Cumulative cost month by month per option, each break-even month marked
 * on its curve. */
int plot_tco(const struct plot_tco_input *in, struct figure **out);

/* ---- timeline ---- */

struct plot_timeline_series {
    const char *name;    /* column name: "queue_length" */
    const char *label;   /* the panel's axis label, with unit */
    const double *value; /* one per time */
    enum figure_fmt fmt;
};

struct plot_timeline_input {
    struct plot_meta meta;
    size_t n;           /* times, >= 2 */
    const double *t;    /* s from the start of the run */
    double warmup;      /* s; shaded off when > 0 */
    size_t nseries;     /* 1..FIGURE_MAX_PANELS */
    const struct plot_timeline_series *series;
    /* Down windows (outages, replica repairs), s from the start of the
     * run, [start, end) each; shaded, at most FIGURE_MAX_SPANS of them.
     * down_cut: windows the caller already left out (said in the
     * caption, with those cut here). */
    size_t ndown;
    const double (*down)[2];
    uint64_t down_cut;
};

/* One panel per series, stacked over a shared time axis in hours (days
 * beyond three days), the end of the warm-up marked, down windows shaded
 * (legend "outage/repair"). */
int plot_timeline(const struct plot_timeline_input *in, struct figure **out);

/* ---- sensitivity ---- */

struct plot_tornado_row {
    const char *input;   /* "GPU price" */
    double lo, hi;       /* the input's range, for the label */
    enum figure_fmt fmt; /* how lo and hi read */
    double at_lo, at_hi; /* the result with the input at each end */
};

#define PLOT_MAX_TORNADO 16

struct plot_tornado_input {
    struct plot_meta meta;
    const char *result; /* "3-year TCO (US$)" */
    double base;        /* the result at every input's middle */
    size_t nrows;       /* 1..PLOT_MAX_TORNADO, largest swing first */
    const struct plot_tornado_row *rows;
};

/* A horizontal bar per input from the base value to the result at each
 * end of its range, largest swing on top. */
int plot_sensitivity(const struct plot_tornado_input *in,
                     struct figure **out);

/* ---- accuracy-cost ---- */

struct plot_policy_point {
    const char *policy;  /* "all-local", "task-based", ... */
    enum plot_role role;
    double monthly_cost; /* dollars */
    double accuracy;     /* blended, 0..1 */
    int own;             /* 1: the scenario's own policy ("(this
                            scenario)" is added to its label) */
};

#define PLOT_MAX_POLICIES 12

struct plot_accuracy_input {
    struct plot_meta meta;
    size_t n; /* 1..PLOT_MAX_POLICIES */
    const struct plot_policy_point *points;
};

/* Each policy as a labelled point, and the frontier through the policies
 * no other beats on both cost and accuracy. */
int plot_accuracy_cost(const struct plot_accuracy_input *in,
                       struct figure **out);

/* ---- utilization ---- */

struct plot_util_series {
    const char *name;   /* the backend's name */
    enum plot_role role;
    const double *busy; /* busy share per volume, 0..1; NULL: not drawn */
    const double *kv;   /* KV-cache occupancy (time mean) per volume;
                           NULL: none (not a GPU pool) */
};

struct plot_util_input {
    struct plot_meta meta;
    size_t n;               /* volumes, >= 2, increasing */
    const double *volume;   /* queries/month offered to the scenario */
    size_t nseries;         /* 1..PLOT_MAX_CURVES */
    const struct plot_util_series *series;
    double current;         /* the scenario's volume, marked; NaN: none */
};

/* Busy share (solid) and KV-cache occupancy (dashed) of each backend
 * against the scenario's offered volume, 0..100%, the scenario's own
 * volume marked: how much headroom the hardware has. */
int plot_utilization(const struct plot_util_input *in, struct figure **out);

#endif
