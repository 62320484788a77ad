/* slmsim trace-stats: a logged trace summed up, and a synthetic workload
 * fitted to it. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd_trace_stats.h"
#include "cli/common.h"
#include "sim/out.h"
#include "sim/trace_stats.h"
#include "sim/units.h"

static const char cmd_trace_stats_help[] =
    "usage: slmsim trace-stats --format F [OPTIONS] FILE\n"
    "\n"
    "Summarises a request log: duration, requests, mean and peak rates (per\n"
    "minute and per hour: clock windows when the trace has clock times,\n"
    "else windows from the first request), the inter-arrival coefficient of\n"
    "variation, burstiness (index of dispersion of counts per second,\n"
    "minute and hour: 1 for Poisson; n/a with fewer than 10 windows), input\n"
    "and output token percentiles and an hourly profile (clock hours, else\n"
    "hours from the start).  Bad rows stop the read with FILE:LINE, unless\n"
    "--on-error skip.\n"
    "\n";


#define TS_MAX_NAME 256

struct ts_opts {
    struct trace_opts to;
    const char *path;
    int json, fit, have_format;
    char cols[TS_MAX_NAME];
};

/* What reading the command line came to. */
enum ts_args_result { TS_ARGS_OK = 0, TS_ARGS_BAD = 1, TS_ARGS_HELP = 2 };

static int ts_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int ts_fail(const char *fmt, ...)
{
    va_list ap;

    fputs("slmsim trace-stats: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see slmsim trace-stats --help)\n", stderr);
    return TS_ARGS_BAD;
}

/* --columns T,I,O[,K] split in o->cols (a copy). */
static int ts_columns(const char *cmd, const char *opt, const char *v,
                      void *dest)
{
    struct ts_opts *o = dest;
    (void)cmd, (void)opt;

    const char **slot[4] = {&o->to.col_time, &o->to.col_input,
                            &o->to.col_output, &o->to.col_task};
    char *p;
    int k = 0;

    if (strlen(v) >= sizeof o->cols)
        return ts_fail("'--columns %s' is too long", v);
    snprintf(o->cols, sizeof o->cols, "%s", v);
    for (p = o->cols; p && k < 4; k++) {
        *slot[k] = p;
        if ((p = strchr(p, ',')) != NULL)
            *p++ = '\0';
    }
    if (k < 3 || p)
        return ts_fail("'--columns %s' must name 3 or 4 columns: "
                       "time,input,output[,task]",
                       v);
    return 0;
}

static int ts_time_unit(const char *cmd, const char *opt, const char *v,
                        void *dest)
{
    struct ts_opts *o = dest;
    (void)cmd, (void)opt;

    char one[32];

    if (!strcmp(v, "datetime")) {
        o->to.time_unit = 0.0;
        return 0;
    }
    if (!strcmp(v, "ns")) {
        o->to.time_unit = 1e-9;
        return 0;
    }
    snprintf(one, sizeof one, "1%s", v);
    if (strlen(v) > 8 || !*v || units_parse_duration(one, &o->to.time_unit))
        return ts_fail("bad --time-unit '%s' (allowed: s, ms, us, ns, m, h, "
                       "d, datetime)",
                       v);
    return 0;
}

static int ts_format(const char *cmd, const char *opt, const char *v,
                     void *dest)
{
    struct ts_opts *o = dest;
    (void)cmd, (void)opt;

    int k;

    for (k = 0; k < TRACE_NFORMATS; k++) {
        if (!strcmp(v, trace_format_names[k])) {
            o->to.format = (enum trace_format)k;
            o->have_format = 1;
            return 0;
        }
    }
    return ts_fail("unknown --format '%s' (allowed: azure-llm, burstgpt, "
                   "mooncake, csv, jsonl)",
                   v);
}

static int ts_on_error(const char *cmd, const char *opt, const char *v,
                       void *dest)
{
    struct trace_opts *to = dest;

    (void)cmd, (void)opt;
    if (strcmp(v, "skip") && strcmp(v, "fail"))
        return ts_fail("bad --on-error '%s' (allowed: fail, skip)", v);
    to->on_error = !strcmp(v, "skip") ? TRACE_SKIP : TRACE_FAIL;
    return 0;
}

static const struct cli_opt ts_opts_table[] = {
    {.name = "--format", .kind = CLI_OPT_STRING, .metavar = "F",
     .help = "azure-llm, burstgpt, mooncake, csv, jsonl", .dest = 0,
     .parse = ts_format},
    {.name = "--columns", .kind = CLI_OPT_LIST, .metavar = "T,I,O[,K]",
     .help = "csv/jsonl: the time, input-token, output-token\n"
             "(and task) column names",
     .dest = 0, .parse = ts_columns},
    {.name = "--time-unit", .kind = CLI_OPT_STRING, .metavar = "U",
     .help = "csv/jsonl: s, ms, us, ns, m, h, d or datetime\n(default s)",
     .dest = 0, .parse = ts_time_unit},
    {.name = "--task-column", .kind = CLI_OPT_STRING, .metavar = "C",
     .help = "count requests by the values of column C",
     .dest = offsetof(struct ts_opts, to.col_task)},
    {.name = "--on-error", .kind = CLI_OPT_STRING, .metavar = "skip",
     .help = "skip bad rows (counted) instead of stopping",
     .dest = offsetof(struct ts_opts, to), .parse = ts_on_error},
    {.name = "--json", .kind = CLI_OPT_FLAG,
     .help = "print JSON on stdout instead of the text",
     .dest = offsetof(struct ts_opts, json),
     .was_file = "prints the JSON on stdout instead of the text and takes "
                 "no file (redirect it: --json > FILE)"},
    {.name = "--fit", .kind = CLI_OPT_FLAG,
     .help = "print a scenario 'workload:' block (diurnal\n"
             "profile + token distributions) that\n"
             "reproduces the trace; scale it with\n"
             "--set workload.arrivals.volume=...",
     .dest = offsetof(struct ts_opts, fit)},
};

static const struct cli_args_spec ts_args_spec = {
    .cmd = "trace-stats",
    .help = cmd_trace_stats_help,
    .help_tail = "\n"
                 "exit status: 0 success, 1 the file could not be read, 2 "
                 "bad input\n",
    .opts = ts_opts_table,
    .nopts = sizeof ts_opts_table / sizeof ts_opts_table[0],
    .path = offsetof(struct ts_opts, path),
    .what = "trace file",
};

/* The options by the table, then what they must say together: an enum
 * ts_args_result. */
static int ts_args(int argc, char **argv, struct ts_opts *o)
{
    enum cli_args_status st;

    o->to.time_unit = 1.0;
    st = cli_args_parse(&ts_args_spec, argc, argv, o);
    if (st != CLI_ARGS_OK)
        return st == CLI_ARGS_HELP ? TS_ARGS_HELP : TS_ARGS_BAD;
    if (!o->have_format)
        return ts_fail("%s", "--format is required");
    if (o->to.format >= TRACE_CSV && !o->to.col_time)
        return ts_fail("format '%s' needs --columns time,input,output",
                       trace_format_names[o->to.format]);
    o->to.path = o->path;
    return TS_ARGS_OK;
}

/* Reads the whole trace into s.  Returns an SLM_* status. */
static int ts_read(const struct ts_opts *o, struct trace_stats *s,
                   struct trace_counts *counts, struct diag *d)
{
    struct trace_reader *r;
    struct trace_record rec;
    int rc = trace_open(&o->to, TRACE_WARN, d, &r);

    /* A trace the user named that is not there is bad input (exit 2), as
     * a missing scenario is; a failing disk stays the system's. */
    if (rc == SLM_ESYS && (errno == ENOENT || errno == ENOTDIR ||
                           errno == EISDIR || errno == EACCES)) {
        diag_error(d, NULL, "cannot read trace '%s': %s", o->path,
                   strerror(errno));
        return SLM_EINPUT;
    }
    if (rc)
        return rc;
    while ((rc = trace_next(r, &rec)) == 0) {
        if (s->n == 0) {
            s->clock0 = trace_clock_origin(r);
            s->weekday0 = trace_weekday_origin(r);
        }
        if ((rc = trace_stats_add(s, &rec)) != 0)
            break;
    }
    trace_warn_summary(r);
    *counts = *trace_counts(r);
    trace_close(r);
    trace_stats_finish(s);
    return rc == 1 ? 0 : rc;
}

/* Rate multipliers by hour: requests / observed time / mean rate; NaN
 * where less than a minute was observed. */
static void ts_profile(const struct trace_stats *s, double prof[24],
                       double day[7])
{
    double exp_h[24], exp_d[7], span = s->last - s->first;
    double mean = span > 0 ? (double)s->n / span : 0.0;
    int h;

    trace_stats_exposure(s, exp_h, exp_d);
    for (h = 0; h < 24; h++)
        prof[h] = exp_h[h] >= UNITS_MINUTE && mean > 0
                      ? (double)s->hour_count[h] / exp_h[h] / mean
                      : (double)NAN;
    for (h = 0; h < 7; h++)
        day[h] = exp_d[h] >= UNITS_HOUR && mean > 0
                     ? (double)s->day_count[h] / exp_d[h] / mean
                     : (double)NAN;
}

static const double ts_quantiles[] = {0.5, 0.9, 0.99};

static void ts_text_tokens(const char *name, const struct trace_tokens *t,
                           uint64_t n)
{
    printf("  %-14s mean %.1f, p50 %.0f, p90 %.0f, p99 %.0f, max %u\n", name,
           n ? t->sum / (double)n : 0.0, trace_stats_quantile(t, n, 0.5),
           trace_stats_quantile(t, n, 0.9), trace_stats_quantile(t, n, 0.99),
           t->max);
}

/* The prefix reuse an infinite cache would see (trace_stats.h). */
static void ts_text_reuse(const struct trace_hashes *h)
{
    if (h->full) {
        printf("  %-14s n/a (more than %u distinct block hashes)\n",
               "prefix reuse", TRACE_STATS_MAX_HASHES);
        return;
    }
    if (h->blocks == 0)
        return;
    printf("  %-14s at an infinite cache: %.2f%% of %llu blocks seen "
           "before, %.2f%% in a leading run (%llu rows with hashes)\n",
           "prefix reuse", 100.0 * (double)h->seen / (double)h->blocks,
           (unsigned long long)h->blocks,
           100.0 * (double)h->leading / (double)h->blocks,
           (unsigned long long)h->rows);
}

static void ts_text(const struct ts_opts *o, const struct trace_stats *s,
                    const struct trace_counts *c)
{
    static const char *const days[7] = {"Mon", "Tue", "Wed", "Thu",
                                        "Fri", "Sat", "Sun"};
    static const char *const win[TRACE_NWIN] = {"second", "minute", "hour"};
    double span = s->last - s->first, rate = span > 0 ? (double)s->n / span : 0;
    double prof[24], day[7];
    size_t i;
    int h, k;

    printf("trace %s (%s)\n", o->path, trace_format_names[o->to.format]);
    printf("  %-14s %llu (%llu bad rows skipped, %llu logged failures "
           "left out)\n",
           "requests", (unsigned long long)s->n,
           (unsigned long long)c->skipped, (unsigned long long)c->failed);
    printf("  %-14s %.1f s (%.3f h)\n", "duration", span, span / UNITS_HOUR);
    printf("  %-14s %.4g/s, %.4g/min, %.4g/h (%.4g/month)\n", "mean rate",
           rate, rate * UNITS_MINUTE, rate * UNITS_HOUR, rate * UNITS_MONTH);
    /* Over whole windows only: a trace shorter than an hour has no peak
     * hour to give, and a partial hour would read below the mean. */
    printf("  %-14s ", "peak rate");
    for (i = 0; i < TRACE_NWIN; i++) {
        static const int order[TRACE_NWIN] = {TRACE_WIN_MINUTE,
                                              TRACE_WIN_HOUR,
                                              TRACE_WIN_SECOND};
        static const char *const per[TRACE_NWIN] = {" in one second", "/min",
                                                    "/h"};
        const struct trace_window *wi = &s->win[order[i]];
        if (wi->whole)
            printf("%llu%s", (unsigned long long)wi->peak, per[order[i]]);
        else
            printf("n/a%s (no whole window)", per[order[i]]);
        printf("%s", i + 1 == TRACE_NWIN ? "\n" : ", ");
    }
    printf("  %-14s mean %.4g s, cv %.3f\n", "inter-arrival", s->gaps.mean,
           s->gaps.mean > 0 ? sqrt(welford_variance(&s->gaps)) / s->gaps.mean
                            : 0.0);
    printf("  %-14s index of dispersion (Poisson: 1):", "burstiness");
    for (k = 0; k < TRACE_NWIN; k++) {
        double idc = trace_stats_dispersion(&s->win[k]);
        if (isnan(idc))
            printf("%s n/a per %s", k ? "," : "", win[k]);
        else
            printf("%s %.3g per %s", k ? "," : "", idc, win[k]);
    }
    putchar('\n');
    ts_text_tokens("input tokens", &s->in, s->n);
    ts_text_tokens("output tokens", &s->out, s->n);
    ts_text_reuse(&s->hashes);
    ts_profile(s, prof, day);
    printf("  hourly profile (%s; rate / mean rate):\n",
           isnan(s->clock0) ? "hours from the start" : "clock time");
    for (h = 0; h < 24; h++)
        if (!isnan(prof[h]))
            printf("    %02d:00  %6.3f  (%llu requests)\n", h, prof[h],
                   (unsigned long long)s->hour_count[h]);
    for (h = 0; h < 7; h++)
        if (!isnan(day[h]))
            printf("    %s    %6.3f  (%llu requests)\n", days[h], day[h],
                   (unsigned long long)s->day_count[h]);
    for (i = 0; i < s->ntasks; i++)
        printf("  task '%s': %llu requests\n", s->task[i],
               (unsigned long long)s->task_count[i]);
}

static void ts_json_tokens(struct jw *w, const char *key,
                           const struct trace_tokens *t, uint64_t n)
{
    jw_object_begin(w, key);
    jw_number(w, "mean", n ? t->sum / (double)n : 0.0);
    jw_number(w, "p50", trace_stats_quantile(t, n, ts_quantiles[0]));
    jw_number(w, "p90", trace_stats_quantile(t, n, ts_quantiles[1]));
    jw_number(w, "p99", trace_stats_quantile(t, n, ts_quantiles[2]));
    jw_number(w, "max", t->max);
    jw_object_end(w);
}

static int ts_json(const struct ts_opts *o, const struct trace_stats *s,
                   const struct trace_counts *c)
{
    static const char *const win[TRACE_NWIN] = {"per_second", "per_minute",
                                                "per_hour"};
    double span = s->last - s->first, prof[24], day[7];
    struct jw w;
    size_t i;
    int k;

    ts_profile(s, prof, day);
    jw_init(&w, stdout);
    jw_object_begin(&w, NULL);
    jw_string(&w, "path", o->path);
    jw_string(&w, "format", trace_format_names[o->to.format]);
    jw_int(&w, "requests", (int64_t)s->n);
    jw_int(&w, "skipped_rows", (int64_t)c->skipped);
    jw_int(&w, "failed_rows", (int64_t)c->failed);
    jw_number(&w, "duration", span);
    jw_number(&w, "mean_rate", span > 0 ? (double)s->n / span : 0.0);
    jw_object_begin(&w, "peak");
    for (k = 0; k < TRACE_NWIN; k++)
        if (s->win[k].whole)
            jw_int(&w, win[k], (int64_t)s->win[k].peak);
        else
            jw_string(&w, win[k], NULL); /* no whole window */
    jw_object_end(&w);
    jw_object_begin(&w, "dispersion");
    for (k = 0; k < TRACE_NWIN; k++)
        jw_number(&w, win[k], trace_stats_dispersion(&s->win[k]));
    jw_object_end(&w);
    jw_number(&w, "interarrival_mean", s->gaps.mean);
    jw_number(&w, "interarrival_cv",
              s->gaps.mean > 0 ? sqrt(welford_variance(&s->gaps)) / s->gaps.mean
                               : 0.0);
    ts_json_tokens(&w, "input_tokens", &s->in, s->n);
    ts_json_tokens(&w, "output_tokens", &s->out, s->n);
    if (s->hashes.blocks > 0 || s->hashes.full) {
        const struct trace_hashes *h = &s->hashes;
        jw_object_begin(&w, "prefix_reuse"); /* null shares: too many */
        jw_int(&w, "blocks", (int64_t)h->blocks);
        jw_int(&w, "seen", (int64_t)h->seen);
        jw_int(&w, "leading", (int64_t)h->leading);
        jw_number(&w, "seen_share", h->full ? (double)NAN
                                            : (double)h->seen /
                                                  (double)h->blocks);
        jw_number(&w, "leading_share", h->full ? (double)NAN
                                               : (double)h->leading /
                                                     (double)h->blocks);
        jw_object_end(&w);
    }
    jw_bool(&w, "clock_known", !isnan(s->clock0));
    jw_array_begin(&w, "hourly_profile"); /* null: not observed */
    for (k = 0; k < 24; k++)
        jw_number(&w, NULL, prof[k]);
    jw_array_end(&w);
    jw_object_begin(&w, "tasks");
    for (i = 0; i < s->ntasks; i++)
        jw_int(&w, s->task[i], (int64_t)s->task_count[i]);
    jw_object_end(&w);
    jw_object_end(&w);
    return jw_finish(&w);
}

/* Probability bands for the fitted token law: finer in the tail, where
 * serving cost lives.  Each band is one value of an empirical law, the
 * quantile at its middle, weighted by its width (per mille). */
static const double ts_bands[] = {0,    0.05, 0.1,  0.15, 0.2,   0.25,
                                  0.3,  0.35, 0.4,  0.45, 0.5,   0.55,
                                  0.6,  0.65, 0.7,  0.75, 0.8,   0.85,
                                  0.9,  0.95, 0.99, 0.999, 1.0};
#define TS_NBANDS (sizeof ts_bands / sizeof ts_bands[0] - 1)

static void ts_fit_tokens(const char *key, const struct trace_tokens *t,
                          uint64_t n)
{
    size_t b;

    printf("      %s:\n        dist: empirical\n        values: [", key);
    for (b = 0; b < TS_NBANDS; b++)
        printf("%s%.0f", b ? ", " : "",
               trace_stats_quantile(t, n, (ts_bands[b] + ts_bands[b + 1]) / 2));
    printf("]\n        weights: [");
    for (b = 0; b < TS_NBANDS; b++)
        printf("%s%.0f", b ? ", " : "",
               1000.0 * (ts_bands[b + 1] - ts_bands[b]));
    printf("]\n");
}

/* Hours not observed get weight 1 (the mean); weekend from the weekday
 * rates when both kinds of day were observed. */
static void ts_fit(const struct ts_opts *o, const struct trace_stats *s)
{
    double span = s->last - s->first, prof[24], day[7], wd = 0, we = 0;
    double rate = span > 0 ? (double)s->n / span : 0.0;
    int h, nwd = 0, nwe = 0;

    ts_profile(s, prof, day);
    for (h = 0; h < 7; h++) {
        if (isnan(day[h]))
            continue;
        if (h < 5)
            wd += day[h], nwd++;
        else
            we += day[h], nwe++;
    }
    printf("# fitted by slmsim trace-stats --fit from %s (%s):\n", o->path,
           trace_format_names[o->to.format]);
    printf("# %llu requests over %.4g h, mean %.4g/s; per-minute index of "
           "dispersion %.3g\n# (a diurnal Poisson process has about 1; "
           "hours not observed have weight 1)\n",
           (unsigned long long)s->n, span / UNITS_HOUR, rate,
           trace_stats_dispersion(&s->win[TRACE_WIN_MINUTE]));
    printf("workload:\n  arrivals:\n    process: diurnal\n"
           "    volume: %.6g/month\n    profile: [",
           rate * UNITS_MONTH);
    for (h = 0; h < 24; h++)
        printf("%s%.4g", h ? ", " : "", isnan(prof[h]) ? 1.0 : prof[h]);
    printf("]\n    weekend: %.4g\n", nwd && nwe ? (we / nwe) / (wd / nwd) : 1.0);
    printf("  tasks:\n    - type: default\n      share: 1\n");
    ts_fit_tokens("input_tokens", &s->in, s->n);
    ts_fit_tokens("output_tokens", &s->out, s->n);
}

int cmd_trace_stats(int argc, char **argv)
{
    struct ts_opts o;
    struct trace_stats s;
    struct trace_counts c;
    struct diag d;
    int rc;

    memset(&o, 0, sizeof o);
    rc = ts_args(argc, argv, &o);
    if (rc)
        return rc == TS_ARGS_HELP ? CLI_EXIT_OK : CLI_EXIT_INPUT;
    diag_init(&d, stderr);
    trace_stats_init(&s);
    rc = ts_read(&o, &s, &c, &d);
    if (!rc && s.n == 0) {
        fprintf(stderr, "%s: error: no requests in the trace\n", o.path);
        rc = SLM_EINPUT;
    }
    if (!rc) {
        if (o.fit)
            ts_fit(&o, &s);
        else if (o.json)
            rc = ts_json(&o, &s, &c) ? SLM_ESYS : 0;
        else
            ts_text(&o, &s, &c);
    }
    trace_stats_fini(&s);
    return cli_status_exit(rc, "cannot read trace", o.path);
}
