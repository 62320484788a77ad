/*
 * test_plot: the figure builders on small hand-made inputs (their data
 * files hold the expected columns and values), tick values as they read,
 * the round trip through results.json, and drawing: with gnuplot present
 * every PNG and PDF is a real one; with it absent the data and scripts are
 * still written with one warning; a failing gnuplot is reported at the
 * script line.
 *
 * Pictures go to a fresh directory under build/; set SLMSIM_KEEP_PLOTS=1
 * to keep it (its path is printed) and look at them.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "check.h"

#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plots/draw.h"
#include "plots/figure.h"
#include "plots/gnuplot.h"
#include "plots/plot.h"
#include "sim/diag.h"
#include "sim/json.h"
#include "sim/mem.h"
#include "sim/out.h"
#include "sim/stats.h"

static char outdir[64];

static const struct plot_meta meta = {
    "test-scenario",
    "1 x L40S, llama-3-8b int4 | API $30/$60 per 1M tokens | 1M "
    "queries/month\n5 replications of 1 d"};

/* ---- helpers ---- */

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int group_setup(void **state)
{
    (void)state;
    /* A dying gnuplot must not kill the test (main does the same). */
    signal(SIGPIPE, SIG_IGN);
    mkdir("build", 0777);
    snprintf(outdir, sizeof outdir, "build/test-plot-XXXXXX");
    return mkdtemp(outdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    if (getenv("SLMSIM_KEEP_PLOTS"))
        printf("pictures kept in %s\n", outdir);
    else
        nftw(outdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* Reads a whole file into a malloc'd string (NULL when absent). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b)
        b[n] = '\0';
    if (len)
        *len = (size_t)n;
    fclose(f);
    return b;
}

static void path_of(char *buf, size_t size, const char *dir,
                    const char *name, const char *ext)
{
    snprintf(buf, size, "%s/%s.%s", dir, name, ext);
}

/* The header line of a .dat ("# a b c") and the numbers of row r. */
static void dat_read(const char *dir, const char *name, char *header,
                     size_t hsize, size_t r, double *v, size_t nv)
{
    char path[256], *text, *p, *end;
    size_t i;

    path_of(path, sizeof path, dir, name, "dat");
    text = slurp(path, NULL);
    assert_non_null(text);
    p = strchr(text, '\n') + 1; /* "# name: title" */
    end = strchr(p, '\n');
    snprintf(header, hsize, "%.*s", (int)(end - p), p);
    p = end + 1;
    for (i = 0; i < r; i++)
        p = strchr(p, '\n') + 1;
    for (i = 0; i < nv; i++) {
        v[i] = strtod(p, &end);
        assert_true(end != p);
        p = end;
    }
    free(text);
}

/* Draws f into dir with gnuplot program prog, capturing diagnostics into
 * *msgs (owned by the caller). */
static int draw_with(const char *dir, const char *prog, unsigned formats,
                     const struct figure *f, struct draw *c, char **msgs)
{
    size_t size = 0;
    FILE *sink = open_memstream(msgs, &size);
    struct diag d;
    int st;

    assert_non_null(sink);
    diag_init(&d, sink);
    draw_init(c, dir, formats, &d);
    c->gnuplot = prog;
    st = draw_figure(c, f);
    fclose(sink);
    return st;
}

/* ---- hand-made inputs, one per figure ---- */

static struct qhist *hist_of(const double *x, size_t n)
{
    struct qhist *h = qhist_new();
    size_t i;

    assert_non_null(h);
    for (i = 0; i < n; i++)
        qhist_add(h, x[i]);
    return h;
}

static struct figure *make_cdf(void)
{
    static const double e2e[] = {0.12, 0.2, 0.25, 0.3, 0.45, 0.5, 0.8, 1.1,
                                 1.6, 2.4};
    static const double ttft[] = {0.011, 0.015, 0.02, 0.03, 0.05,
                                  0.08,  0.09,  0.12, 0.2,  0.35};
    static const double api[] = {0.4, 0.6, 0.9, 1.2, 2.9};
    struct qhist *h[4];
    struct plot_cdf_curve curves[2];
    struct plot_cdf_input in;
    struct figure *f = NULL;

    h[0] = hist_of(e2e, 10);
    h[1] = hist_of(ttft, 10);
    h[2] = hist_of(api, 5);
    h[3] = NULL;
    curves[0] = (struct plot_cdf_curve){"overall", PLOT_OVERALL, h[0], h[1]};
    curves[1] = (struct plot_cdf_curve){"api", PLOT_API, h[2], NULL};
    memset(&in, 0, sizeof in);
    in.meta = meta;
    in.ncurves = 2;
    in.curves = curves;
    in.slo_e2e_p99 = 2.0;
    in.slo_ttft_p99 = 0.5;
    in.points = 50;
    assert_int_equal(plot_latency_cdf(&in, &f), 0);
    qhist_free(h[0]);
    qhist_free(h[1]);
    qhist_free(h[2]);
    return f;
}

static const double load_volume[] = {2e5, 4e5, 6e5, 8e5, 1e6, 1.2e6};
static const double load_p99[] = {0.3, 0.35, 0.5, 0.9, 2.6, 30};
static const double load_p50[] = {0.1, 0.11, 0.13, 0.2, 0.5, 12};

static struct figure *make_load(void)
{
    struct plot_load_series s = {"overall", PLOT_OVERALL, load_p50,
                                 load_p99};
    struct plot_load_input in = {meta, "end-to-end", 6, load_volume, 1, &s,
                                 2.0, 0};
    struct figure *f = NULL;

    assert_int_equal(plot_latency_vs_load(&in, &f), 0);
    return f;
}

#define NVOL 7
static const double cost_volume[NVOL] = {1e3, 1e4, 1e5, 1e6, 1e7, 3e7, 1e8};

static struct figure *make_cost(void)
{
    static double local[NVOL], api[NVOL], hybrid[NVOL];
    struct plot_cost_curve curves[3] = {{PLOT_LOCAL, NULL, local},
                                        {PLOT_API, NULL, api},
                                        {PLOT_HYBRID, NULL, hybrid}};
    struct plot_crossing x[2] = {{19667, 413, "local = API"},
                                 {4100, 700, "hybrid = API"}};
    struct plot_cost_input in = {meta, NVOL, cost_volume, 3, curves, 2, x,
                                 1e6};
    struct figure *f = NULL;
    size_t i;

    for (i = 0; i < NVOL; i++) {
        /* One GPU per 8.6M queries/month at $413; $0.021 per API query. */
        local[i] = 413 * ceil(cost_volume[i] / 8.6e6);
        api[i] = 0.021 * cost_volume[i];
        hybrid[i] = 0.8 * local[i] + 0.2 * api[i] + 300;
    }
    assert_int_equal(plot_cost_vs_volume(&in, &f), 0);
    return f;
}

#define NMONTHS 36

static struct figure *make_tco(void)
{
    static double local[NMONTHS + 1], api[NMONTHS + 1], hybrid[NMONTHS + 1];
    struct plot_cost_curve curves[3] = {{PLOT_LOCAL, NULL, local},
                                        {PLOT_API, NULL, api},
                                        {PLOT_HYBRID, NULL, hybrid}};
    static const int be[3] = {1, 0, 1};
    struct plot_tco_input in = {meta, NMONTHS, 3, curves, be};
    struct figure *f = NULL;
    size_t m;

    for (m = 0; m <= NMONTHS; m++) {
        local[m] = m ? 6180 + 413.0 * (double)m : 0;
        api[m] = 21000.0 * (double)m;
        hybrid[m] = m ? 6180 + 4613.0 * (double)m : 0;
    }
    assert_int_equal(plot_tco(&in, &f), 0);
    return f;
}

#define NT 48

static struct figure *make_timeline(void)
{
    static double t[NT], arr[NT], queue[NT], batch[NT], kv[NT];
    struct plot_timeline_series s[4] = {
        {"arrivals_per_min", "arrivals (per minute)", arr,
         FIGURE_FMT_NUMBER},
        {"queue_length", "queue (requests)", queue, FIGURE_FMT_NUMBER},
        {"batch_size", "batch (sequences)", batch, FIGURE_FMT_NUMBER},
        {"kv_occupancy", "KV cache (occupied)", kv, FIGURE_FMT_PERCENT}};
    /* An outage from 5 h to 7.5 h and one cut off by the end (24 h). */
    static const double down[2][2] = {{5 * 3600.0, 7.5 * 3600.0},
                                      {23 * 3600.0, 30 * 3600.0}};
    struct plot_timeline_input in = {meta, NT, t, 3600, 4, s, 2, down, 0};
    struct figure *f = NULL;
    size_t i;

    for (i = 0; i < NT; i++) {
        t[i] = (double)i * 1800;
        arr[i] = 23 + 10 * sin((double)i / 6);
        queue[i] = i % 12 == 5 ? 14 : (double)(i % 3);
        batch[i] = 8 + 4 * sin((double)i / 6);
        kv[i] = 0.2 + 0.1 * sin((double)i / 6);
    }
    assert_int_equal(plot_timeline(&in, &f), 0);
    return f;
}

static struct figure *make_sensitivity(void)
{
    static const struct plot_tornado_row rows[] = {
        {"data preparation", 2000, 10000, FIGURE_FMT_MONEY, 18900, 26900},
        {"API output price", 40, 80, FIGURE_FMT_MONEY, 20500, 25300},
        {"GPU price", 6000, 10000, FIGURE_FMT_MONEY, 20900, 24900},
        {"power price per kWh", 0.1, 0.3, FIGURE_FMT_MONEY, 22300, 23500}};
    struct plot_tornado_input in = {meta, "3-year TCO, hybrid (US$)", 22900,
                                    4, rows};
    struct figure *f = NULL;

    assert_int_equal(plot_sensitivity(&in, &f), 0);
    return f;
}

static struct figure *make_accuracy(void)
{
    static const struct plot_policy_point p[] = {
        {"all-api", PLOT_API, 21000, 0.905, 0},
        {"all-local", PLOT_LOCAL, 413, 0.872, 0},
        {"task-based", PLOT_HYBRID, 4613, 0.931, 1},
        {"confidence-fallback", PLOT_HYBRID, 2500, 0.925, 0},
        {"overflow", PLOT_HYBRID, 5200, 0.90, 0}};
    struct plot_accuracy_input in = {meta, 5, p};
    struct figure *f = NULL;

    assert_int_equal(plot_accuracy_cost(&in, &f), 0);
    return f;
}

static const double util_volume[] = {2e5, 1e6, 5e6, 2e7};

static struct figure *make_util(void)
{
    static const double busy[] = {0.1, 0.42, 0.97, 1.0};
    static const double kv[] = {0.001, 0.004, 0.03, 0.2};
    static const double station[] = {0.05, 0.25, 0.6, 0.9};
    struct plot_util_series s[2] = {{"local", PLOT_LOCAL, busy, kv},
                                    {"router", PLOT_OTHER, station, NULL}};
    struct plot_util_input in = {meta, 4, util_volume, 2, s, 1e6};
    struct figure *f = NULL;

    assert_int_equal(plot_utilization(&in, &f), 0);
    return f;
}

typedef struct figure *make_fn(void);
static make_fn *const makers[] = {make_cdf,         make_load,
                                  make_cost,        make_tco,
                                  make_timeline,    make_sensitivity,
                                  make_accuracy,    make_util};
#define NMAKERS (sizeof makers / sizeof makers[0])

/* ---- values as they read ---- */

static void expect_fmt(double v, enum figure_fmt fmt, const char *want)
{
    char b[48];

    draw_format_value(b, sizeof b, v, fmt);
    assert_string_equal(b, want);
}

static void test_plot_values_read_as_on_a_slide(void **state)
{
    (void)state;
    expect_fmt(12000, FIGURE_FMT_MONEY, "$12K");
    expect_fmt(413, FIGURE_FMT_MONEY, "$413");
    expect_fmt(1.5e6, FIGURE_FMT_MONEY, "$1.5M");
    expect_fmt(-5000, FIGURE_FMT_MONEY, "-$5K");
    expect_fmt(0, FIGURE_FMT_MONEY, "$0");
    expect_fmt(1e6, FIGURE_FMT_NUMBER, "1M");
    expect_fmt(999999, FIGURE_FMT_NUMBER, "1M");
    expect_fmt(19667, FIGURE_FMT_NUMBER, "19.7K");
    expect_fmt(2.5e9, FIGURE_FMT_NUMBER, "2.5B");
    expect_fmt(0.25, FIGURE_FMT_NUMBER, "0.25");
    expect_fmt(0.25, FIGURE_FMT_SECONDS, "250 ms");
    expect_fmt(2, FIGURE_FMT_SECONDS, "2 s");
    expect_fmt(5e-5, FIGURE_FMT_SECONDS, "50 \xc2\xb5s");
    expect_fmt(300, FIGURE_FMT_SECONDS, "5 min");
    expect_fmt(0.4, FIGURE_FMT_PERCENT, "40%");
    expect_fmt(0.995, FIGURE_FMT_PERCENT, "99.5%");
    expect_fmt((double)NAN, FIGURE_FMT_MONEY, "n/a");
}

static void test_plot_axes_get_round_ticks(void **state)
{
    struct figure_axis a;
    struct draw_axis d;

    (void)state;
    memset(&a, 0, sizeof a);
    a.min = a.max = (double)NAN;
    /* Linear money 0..$790K: a $100K step (1-2-5), from zero. */
    draw_axis_layout(&a, 12000, 790000, 6, &d);
    assert_close(d.lo, 0, 0);
    assert_close(d.hi, 800000, 1e-12);
    assert_int_equal(d.nticks, 5);
    assert_close(d.tick[1], 200000, 1e-12);
    /* Log over five decades: whole decades, a tick at each. */
    a.log = 1;
    draw_axis_layout(&a, 1500, 9e7, 6, &d);
    assert_close(d.lo, 1e3, 1e-12);
    assert_close(d.hi, 1e8, 1e-12);
    assert_int_equal(d.nticks, 6);
    /* Under two decades: 1, 2, 5 in each. */
    draw_axis_layout(&a, 0.012, 0.9, 6, &d);
    assert_close(d.lo, 0.01, 1e-12);
    assert_close(d.hi, 1, 1e-12);
    assert_int_equal(d.nticks, 7);
    assert_close(d.tick[1], 0.02, 1e-12);
}

static void test_plot_formats_parse(void **state)
{
    unsigned m = 0;

    (void)state;
    assert_int_equal(draw_formats_parse("png,pdf", &m), 0);
    assert_int_equal(m, DRAW_PNG | DRAW_PDF);
    assert_int_equal(draw_formats_parse("svg", &m), 0);
    assert_int_equal(m, DRAW_SVG);
    assert_int_equal(draw_formats_parse("png,jpg", &m), -1);
    assert_int_equal(draw_formats_parse("", &m), -1);
    assert_int_equal(m, DRAW_SVG);
}

static void test_plot_capacity_interpolates_the_slo_crossing(void **state)
{
    (void)state;
    /* P99 goes 0.9 s -> 2.6 s between 800K and 1M: 2 s is 1.1/1.7 of
     * the way. */
    assert_close(plot_capacity(load_volume, load_p99, 6, 2.0),
                 8e5 + 2e5 * 1.1 / 1.7, 1e-12);
    assert_true(isnan(plot_capacity(load_volume, load_p99, 6, 100)));
    assert_true(isnan(plot_capacity(load_volume, load_p99, 6, 0.1)));
    assert_true(isnan(plot_capacity(load_volume, load_p99, 6, 0)));
}

/* ---- data files ---- */

/* Writes f with gnuplot absent; returns the .dat header. */
static void write_no_gnuplot(const struct figure *f, char *header,
                             size_t hsize, size_t row, double *v, size_t nv)
{
    struct draw c;
    char *msgs = NULL;

    assert_int_equal(draw_with(outdir, "/nonexistent/gnuplot", DRAW_PNG, f,
                               &c, &msgs),
                     0);
    free(msgs);
    dat_read(outdir, f->name, header, hsize, row, v, nv);
}

static void test_plot_latency_cdf_data(void **state)
{
    struct figure *f = make_cdf();
    char h[256];
    double v[4];

    (void)state;
    write_no_gnuplot(f, h, sizeof h, 49, v, 4);
    assert_string_equal(h, "# latency_s overall_e2e overall_ttft api_e2e");
    assert_int_equal(f->nrows, 50);
    /* The last grid point is past every value: all CDFs are 1. */
    assert_close(v[1], 1, 0);
    assert_close(v[2], 1, 0);
    assert_close(v[3], 1, 0);
    /* Every grid value is the fraction of e2e values at or below it, to
     * the histogram's resolution. */
    {
        static const double e2e[] = {0.12, 0.2, 0.25, 0.3, 0.45,
                                     0.5,  0.8, 1.1,  1.6, 2.4};
        size_t r, k, below, above;
        for (r = 0; r < f->nrows; r++) {
            double x = figure_value(f, r, 0);
            for (k = below = above = 0; k < 10; k++) {
                below += e2e[k] <= x / (1 + 2 * QHIST_REL_ERR);
                above += e2e[k] <= x * (1 + 2 * QHIST_REL_ERR);
            }
            assert_within(figure_value(f, r, 1), below / 10.0, above / 10.0);
        }
    }
    assert_int_equal(f->nseries, 3);
    assert_int_equal(f->series[1].dash, 2);
    assert_string_equal(f->series[2].color, FIGURE_COLOR_API);
    assert_int_equal(f->nmarks, 2); /* the two SLOs */
    assert_close(f->marks[0].x, 2.0, 0);
    assert_int_equal(f->x.log, 1);
    figure_free(f);
}

static void test_plot_latency_vs_load_data(void **state)
{
    struct figure *f = make_load();
    char h[256];
    double v[3];

    (void)state;
    write_no_gnuplot(f, h, sizeof h, 4, v, 3);
    assert_string_equal(h, "# volume_per_month overall_p99 overall_p50");
    assert_close(v[0], 1e6, 0);
    assert_close(v[1], 2.6, 1e-12);
    assert_close(v[2], 0.5, 1e-12);
    assert_int_equal(f->nmarks, 2);
    assert_int_equal(f->marks[1].kind, FIGURE_POINT);
    assert_close(f->marks[1].x, 8e5 + 2e5 * 1.1 / 1.7, 1e-9);
    assert_string_equal(f->marks[1].label,
                        "capacity at the SLO: 929K/month");
    figure_free(f);
}

static void test_plot_latency_vs_load_marks_a_given_capacity(void **state)
{
    struct plot_load_series s = {"local", PLOT_LOCAL, load_p50, load_p99};
    struct plot_load_input in = {meta, "end-to-end", 6, load_volume, 1, &s,
                                 2.0, 7.5e5};
    struct figure *f = NULL;

    (void)state;
    assert_int_equal(plot_latency_vs_load(&in, &f), 0);
    assert_int_equal(f->nmarks, 2);
    assert_int_equal(f->marks[1].kind, FIGURE_POINT);
    assert_close(f->marks[1].x, 7.5e5, 0);
    assert_close(f->marks[1].y, 2.0, 0);
    assert_string_equal(f->marks[1].label,
                        "capacity at the SLO: 750K/month");
    assert_string_equal(f->series[0].color, FIGURE_COLOR_LOCAL);
    figure_free(f);
}

static void test_plot_utilization_data(void **state)
{
    struct figure *f = make_util();
    char h[256];
    double v[4];

    (void)state;
    write_no_gnuplot(f, h, sizeof h, 1, v, 4);
    assert_string_equal(h, "# volume_per_month local_busy local_kv "
                           "router_busy");
    assert_close(v[0], 1e6, 0);
    assert_close(v[1], 0.42, 0);
    assert_close(v[2], 0.004, 0);
    assert_close(v[3], 0.25, 0);
    assert_int_equal(f->nseries, 3);
    assert_string_equal(f->series[0].color, FIGURE_COLOR_LOCAL);
    assert_string_equal(f->series[1].color, FIGURE_COLOR_LOCAL);
    assert_int_equal(f->series[1].dash, 2);
    assert_string_equal(f->series[2].color, FIGURE_ORANGE);
    assert_int_equal(f->nmarks, 1);
    assert_int_equal(f->marks[0].kind, FIGURE_VLINE);
    assert_close(f->marks[0].x, 1e6, 0);
    assert_close(f->panel[0].y.min, 0, 0);
    assert_close(f->panel[0].y.max, 1, 0);
    assert_true(f->x.log);
    figure_free(f);
}

static void test_plot_cost_vs_volume_data(void **state)
{
    struct figure *f = make_cost();
    char h[256];
    double v[4];

    (void)state;
    write_no_gnuplot(f, h, sizeof h, 3, v, 4);
    assert_string_equal(h, "# volume_per_month local_per_month "
                           "API_per_month hybrid_per_month");
    assert_close(v[0], 1e6, 0);
    assert_close(v[1], 413, 1e-12);
    assert_close(v[2], 21000, 1e-12);
    assert_close(v[3], 0.8 * 413 + 0.2 * 21000 + 300, 1e-12);
    assert_string_equal(f->marks[0].label,
                        "local = API at 19.7K/month ($413/month)");
    assert_int_equal(f->marks[2].kind, FIGURE_VLINE);
    assert_true(f->x.log && f->panel[0].y.log);
    assert_string_equal(f->series[0].color, FIGURE_COLOR_LOCAL);
    assert_string_equal(f->series[1].color, FIGURE_COLOR_API);
    assert_string_equal(f->series[2].color, FIGURE_COLOR_HYBRID);
    figure_free(f);
}

static void test_plot_tco_data(void **state)
{
    struct figure *f = make_tco();
    char h[256];
    double v[4];

    (void)state;
    write_no_gnuplot(f, h, sizeof h, 36, v, 4);
    assert_string_equal(h, "# month local_cumulative API_cumulative "
                           "hybrid_cumulative");
    assert_int_equal(f->nrows, 37);
    assert_close(v[0], 36, 0);
    assert_close(v[1], 6180 + 413 * 36, 1e-12);
    assert_close(v[2], 21000 * 36, 1e-12);
    assert_int_equal(f->nmarks, 2);
    assert_string_equal(f->marks[0].label,
                        "local breaks even in month 1 ($6.59K)");
    figure_free(f);
}

static void test_plot_timeline_data(void **state)
{
    struct figure *f = make_timeline();
    char h[256];
    double v[5];

    (void)state;
    write_no_gnuplot(f, h, sizeof h, 2, v, 5);
    assert_string_equal(h, "# time_h arrivals_per_min queue_length "
                           "batch_size kv_occupancy");
    assert_close(v[0], 1.0, 0);
    assert_close(v[1], 23 + 10 * sin(2.0 / 6), 1e-9);
    assert_close(v[2], 2, 0);
    assert_int_equal(f->npanels, 4);
    assert_int_equal(f->series[3].panel, 3);
    assert_int_equal(f->nmarks, 4); /* warm-up line in every panel */
    /* The down windows in hours, the second cut at the axis's end. */
    assert_int_equal(f->nspans, 2);
    assert_close(f->spans[0].x0, 5.0, 0);
    assert_close(f->spans[0].x1, 7.5, 0);
    assert_close(f->spans[1].x0, 23.0, 0);
    assert_close(f->spans[1].x1, 23.5, 0);
    assert_string_equal(f->span_title, "outage/repair");
    assert_string_equal(f->panel[0].key, "top right");
    figure_free(f);
}

static void test_plot_sensitivity_data(void **state)
{
    struct figure *f = make_sensitivity();
    char h[256], *text, path[256];
    double v[5];

    (void)state;
    write_no_gnuplot(f, h, sizeof h, 0, v, 5);
    assert_string_equal(h, "# base at_low at_high input_low input_high "
                           "label");
    assert_close(v[0], 22900, 0);
    assert_close(v[1], 18900, 0);
    assert_close(v[2], 26900, 0);
    assert_close(v[3], 2000, 0);
    path_of(path, sizeof path, outdir, f->name, "dat");
    text = slurp(path, NULL);
    assert_non_null(strstr(text, "\"data preparation $2K\xe2\x80\x93$10K\""));
    free(text);
    assert_int_equal(f->kind, FIGURE_TORNADO);
    figure_free(f);
}

static void test_plot_accuracy_cost_data(void **state)
{
    struct figure *f = make_accuracy();
    char h[256];
    double v[3];

    (void)state;
    write_no_gnuplot(f, h, sizeof h, 0, v, 3);
    assert_string_equal(h, "# monthly_cost accuracy frontier "
                           "accuracy_local accuracy_API accuracy_hybrid "
                           "label");
    /* Sorted by cost; the frontier keeps all-local, confidence-fallback
     * (more accurate, dearer) and task-based; not overflow or all-api. */
    assert_close(v[0], 413, 0);
    assert_close(v[2], 0.872, 0);
    assert_string_equal(f->labels[0], "all-local");
    assert_string_equal(f->labels[1], "confidence-fallback");
    assert_string_equal(f->labels[2], "task-based (this scenario)");
    assert_false(isnan(figure_value(f, 2, 2)));
    assert_true(isnan(figure_value(f, 3, 2)));  /* overflow */
    assert_true(isnan(figure_value(f, 4, 2)));  /* all-api */
    assert_close(figure_value(f, 4, 4), 0.905, 0); /* API column */
    assert_true(isnan(figure_value(f, 4, 3)));
    figure_free(f);
}

/* ---- drawing ---- */

static void assert_file_magic(const char *path, const char *magic,
                              size_t mlen, size_t min_size)
{
    size_t len = 0;
    char *b = slurp(path, &len);

    if (!b)
        fail_msg("no file %s", path);
    if (len < min_size || memcmp(b, magic, mlen) != 0) {
        free(b);
        fail_msg("%s: %zu bytes, not a real picture", path, len);
    }
    free(b);
}

static void test_plot_draws_every_figure_as_png_and_pdf(void **state)
{
    struct draw c;
    char *msgs = NULL, path[256];
    struct figure *f;
    size_t i;

    (void)state;
    if (!gnuplot_available(gnuplot_program()))
        skip();
    for (i = 0; i < NMAKERS; i++) {
        f = makers[i]();
        assert_int_equal(draw_with(outdir, gnuplot_program(),
                                   DRAW_PNG | DRAW_PDF, f, &c, &msgs),
                         0);
        if (c.failed || *msgs)
            fail_msg("%s: %s", f->name, msgs);
        free(msgs);
        msgs = NULL;
        assert_int_equal(c.drawn, 1);
        path_of(path, sizeof path, outdir, f->name, "png");
        assert_file_magic(path, "\x89PNG\r\n\x1a\n", 8, 20000);
        path_of(path, sizeof path, outdir, f->name, "pdf");
        assert_file_magic(path, "%PDF-", 5, 5000);
        figure_free(f);
    }
}

static void test_plot_without_gnuplot_writes_data_and_warns_once(void **state)
{
    char dir[128], path[256], *msgs = NULL;
    struct draw c;
    struct diag d;
    size_t size = 0, i;
    FILE *sink;
    struct figure *f[2];

    (void)state;
    snprintf(dir, sizeof dir, "%s/no-gnuplot", outdir);
    setenv(GNUPLOT_ENV, "/nonexistent", 1);
    sink = open_memstream(&msgs, &size);
    diag_init(&d, sink);
    draw_init(&c, dir, DRAW_DEFAULT_FORMATS, &d);
    unsetenv(GNUPLOT_ENV);
    assert_string_equal(c.gnuplot, "/nonexistent");
    f[0] = make_load();
    f[1] = make_tco();
    for (i = 0; i < 2; i++)
        assert_int_equal(draw_figure(&c, f[i]), 0);
    fclose(sink);
    assert_string_equal(msgs, "slmsim: warning: gnuplot not found "
                              "('/nonexistent'); wrote .gp and .dat files "
                              "only: " GNUPLOT_INSTALL_HINT "\n");
    assert_int_equal(c.written, 2);
    assert_int_equal(c.drawn, 0);
    assert_int_equal(c.failed, 0);
    for (i = 0; i < 2; i++) {
        path_of(path, sizeof path, dir, f[i]->name, "gp");
        assert_int_equal(access(path, F_OK), 0);
        path_of(path, sizeof path, dir, f[i]->name, "dat");
        assert_int_equal(access(path, F_OK), 0);
        path_of(path, sizeof path, dir, f[i]->name, "png");
        assert_int_not_equal(access(path, F_OK), 0);
        figure_free(f[i]);
    }
    free(msgs);
}

/* A stand-in gnuplot that fails the way gnuplot does. */
static void test_plot_reports_gnuplot_errors_at_the_script_line(void **state)
{
    char fake[128], *msgs = NULL, want[512];
    struct figure *f = make_load();
    struct draw c;
    FILE *sh;

    (void)state;
    snprintf(fake, sizeof fake, "%s/fake-gnuplot", outdir);
    sh = fopen(fake, "w");
    assert_non_null(sh);
    fputs("#!/bin/sh\ncat >/dev/null\n"
          "echo '\"latency-vs-load.gp\" line 12: warning: be careful' >&2\n"
          "echo '\"latency-vs-load.gp\" line 5: undefined variable: x' >&2\n"
          "exit 1\n",
          sh);
    fclose(sh);
    chmod(fake, 0755);
    assert_int_equal(draw_with(outdir, fake, DRAW_PNG, f, &c, &msgs), 0);
    assert_int_equal(c.failed, 1);
    assert_int_equal(c.drawn, 0);
    snprintf(want, sizeof want,
             "%s/latency-vs-load.gp:12: warning: gnuplot: be careful\n"
             "%s/latency-vs-load.gp:5: error: gnuplot: undefined variable: "
             "x (in 'set encoding utf8')\n",
             outdir, outdir);
    assert_string_equal(msgs, want);
    free(msgs);
    figure_free(f);
}

/* ---- results.json round trip ---- */

static char *script_of(const struct figure *f)
{
    char *text = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&text, &size);

    assert_int_equal(draw_script(f, DRAW_PNG | DRAW_PDF, m), 0);
    fclose(m);
    return text;
}

/* {"figures": {NAME: ...}} for f, parsed back. */
static struct json *json_of(const struct figure *f)
{
    char *text = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&text, &size);
    struct json *j = NULL;
    struct jw w;
    struct diag d;

    jw_init(&w, m);
    jw_object_begin(&w, NULL);
    jw_object_begin(&w, "figures");
    figure_write_json(f, &w);
    jw_object_end(&w);
    jw_object_end(&w);
    assert_int_equal(jw_finish(&w), 0);
    fclose(m);
    diag_init(&d, stderr);
    assert_int_equal(json_parse(text, size, "r.json", &d, &j), 0);
    free(text);
    return j;
}

static void test_plot_figures_survive_the_json_round_trip(void **state)
{
    struct figure *f, *g;
    struct json *j;
    struct diag d;
    char *a, *b;
    size_t i, k;

    (void)state;
    diag_init(&d, stderr);
    for (i = 0; i < NMAKERS; i++) {
        f = makers[i]();
        j = json_of(f);
        assert_int_equal(figure_from_json(json_at(json_get(j, "figures"), 0),
                                          "r.json", &d, &g),
                         0);
        assert_int_equal(g->nrows, f->nrows);
        assert_int_equal(g->ncols, f->ncols);
        for (k = 0; k < f->nrows * f->ncols; k++) {
            if (isnan(f->rows[k]))
                assert_true(isnan(g->rows[k]));
            else
                assert_close(g->rows[k], f->rows[k], 1e-9);
        }
        /* What is drawn is the same, number for number. */
        a = script_of(f);
        b = script_of(g);
        assert_string_equal(a, b);
        free(a);
        free(b);
        json_free(j);
        figure_free(f);
        figure_free(g);
    }
}

/* A figure object with one thing wrong, and the message it gets. */
static void expect_figure_error(const char *text, const char *want)
{
    struct json *j = NULL;
    struct figure *f = (struct figure *)1;
    char *msgs = NULL;
    size_t size = 0;
    FILE *sink = open_memstream(&msgs, &size);
    struct diag d;

    diag_init(&d, sink);
    assert_int_equal(json_parse(text, strlen(text), "r.json", &d, &j), 0);
    assert_int_equal(figure_from_json(json_at(j, 0), "r.json", &d, &f),
                     SLM_EINPUT);
    assert_null(f);
    fclose(sink);
    assert_string_equal(msgs, want);
    free(msgs);
    json_free(j);
}

#define FIG_HEAD "{\"f\": {\"kind\": \"xy\", \"x\": {}, \"panels\": [{\"y\": {}}], "

static void test_plot_bad_figures_are_located(void **state)
{
    (void)state;
    expect_figure_error(
        FIG_HEAD "\"columns\": [\"a\", \"b\"], \"rows\": [[1, 2], [3]], "
                 "\"series\": []}}",
        "r.json:1:94: error: figures.f.rows[1] must be an array of 2 "
        "numbers\n");
    expect_figure_error(
        FIG_HEAD "\"columns\": [\"a\"], \"rows\": [[1]], \"series\": "
                 "[{\"x\": \"a\", \"y\": \"zz\", \"style\": \"lines\", "
                 "\"color\": \"#000000\"}]}}",
        "r.json:1:109: error: figures.f.series[0].y names no column: 'zz'\n");
    expect_figure_error(
        FIG_HEAD "\"columns\": [\"a\"], \"rows\": [[1]], \"series\": "
                 "[{\"x\": \"a\", \"y\": \"a\", \"style\": \"bars\", "
                 "\"color\": \"red; system\"}]}}",
        "r.json:1:119: error: figures.f.series[0].style must be one of "
        "lines, points, linespoints, steps, hbars, labels, got 'bars'\n"
        "r.json:1:136: error: figures.f.series[0].color must be "
        "\"#rrggbb\", got 'red; system'\n");
    expect_figure_error("{\"../x\": {}}",
                        "r.json:1:2: error: figures: '../x' cannot name a "
                        "figure (1 to 31 letters, digits, '-', '_' or '.')\n");
    expect_figure_error("{\"f\": {\"kind\": \"xy\"}}",
                        "r.json:1:2: error: figures.f.x is missing\n"
                        "r.json:1:2: error: figures.f.panels is missing\n"
                        "r.json:1:2: error: figures.f.columns is missing\n");
}

static void test_plot_from_json_survives_allocation_failures(void **state)
{
    struct figure *f = make_sensitivity(), *g = NULL;
    struct json *j = json_of(f);
    struct diag d;
    long n;
    int st;

    (void)state;
    diag_init(&d, NULL);
    for (n = 0;; n++) {
        mem_fail_after(n);
        st = figure_from_json(json_at(json_get(j, "figures"), 0), "r.json",
                              &d, &g);
        mem_fail_reset();
        if (st == SLM_OK)
            break;
        assert_int_equal(st, SLM_ENOMEM);
        assert_null(g);
    }
    assert_int_equal(g->nrows, 4);
    figure_free(g);
    figure_free(f);
    json_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plot_values_read_as_on_a_slide),
        cmocka_unit_test(test_plot_axes_get_round_ticks),
        cmocka_unit_test(test_plot_formats_parse),
        cmocka_unit_test(test_plot_capacity_interpolates_the_slo_crossing),
        cmocka_unit_test(test_plot_latency_cdf_data),
        cmocka_unit_test(test_plot_latency_vs_load_data),
        cmocka_unit_test(test_plot_latency_vs_load_marks_a_given_capacity),
        cmocka_unit_test(test_plot_utilization_data),
        cmocka_unit_test(test_plot_cost_vs_volume_data),
        cmocka_unit_test(test_plot_tco_data),
        cmocka_unit_test(test_plot_timeline_data),
        cmocka_unit_test(test_plot_sensitivity_data),
        cmocka_unit_test(test_plot_accuracy_cost_data),
        cmocka_unit_test(test_plot_draws_every_figure_as_png_and_pdf),
        cmocka_unit_test(test_plot_without_gnuplot_writes_data_and_warns_once),
        cmocka_unit_test(test_plot_reports_gnuplot_errors_at_the_script_line),
        cmocka_unit_test(test_plot_figures_survive_the_json_round_trip),
        cmocka_unit_test(test_plot_bad_figures_are_located),
        cmocka_unit_test(test_plot_from_json_survives_allocation_failures),
    };
    return cmocka_run_group_tests_name("plot", tests, group_setup,
                                       group_teardown);
}
