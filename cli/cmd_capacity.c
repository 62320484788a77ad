/*
 * slmsim capacity: the largest volume a GPU backend sustains within the
 * scenario's SLO, found by bisection with the simulation itself
 * (models/capacity.h: probes, verdicts, the search).
 *
 * This file loads the scenario for the search, with the probe horizon,
 * warm-up and replications as --set overrides after the user's, so the
 * same path checks them as checks the file; the replica count goes the
 * same way: count 1 first, then the scenario's count when it is larger,
 * starting from count times the one replica's answer.  It prints the
 * answer and writes capacity.json.  The cost commands use the same
 * loading and search for the capacity of one GPU (cli/cmd_capacity.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_capacity.h"
#include "cli/cmd_plot.h"
#include "cli/common.h"
#include "models/capacity.h"
#include "models/gpu.h"
#include "models/report.h"
#include "models/run.h"
#include "plots/draw.h"
#include "plots/plot.h"
#include "sim/mem.h"
#include "sim/units.h"
#include "study/capacity.h"

#define CAP_DEFAULT_MAX_VOLUME \
    (CAPACITY_DEFAULT_MAX_PER_MONTH / UNITS_MONTH)

struct cap_opts {
    struct cli_scenario_opts so;
    const char *backend; /* --backend, or NULL */
    int json;
    double horizon;    /* s per probe */
    double tolerance;  /* relative width of the final bracket */
    double max_volume; /* arrivals per second */
    const char *jobs;  /* --jobs N, or NULL: the online CPUs */
    struct cli_plots plots;
};

static const struct cli_opt cap_opts_table[] = {
    CLI_ARGS_SCENARIO_OPTS(struct cap_opts, so),
    {.name = "--backend", .kind = CLI_OPT_STRING, .metavar = "NAME",
     .help = "the gpu backend (default: the only one)",
     .dest = offsetof(struct cap_opts, backend)},
    {.name = "--horizon", .kind = CLI_OPT_DURATION, .metavar = "DURATION",
     .help = "simulated time per probe, default 2h; the\n"
             "first sixth is warm-up",
     .dest = offsetof(struct cap_opts, horizon),
     .parse = cli_args_parse_duration},
    {.name = "--tolerance", .kind = CLI_OPT_STRING, .metavar = "X",
     .help = "stop when (fail - pass) / pass <= X, default 0.02",
     .dest = offsetof(struct cap_opts, tolerance),
     .parse = cli_args_parse_fraction},
    {.name = "--max-volume", .kind = CLI_OPT_RATE, .metavar = "RATE",
     .help = "search no higher, default 1e9/month",
     .dest = offsetof(struct cap_opts, max_volume),
     .parse = cli_args_parse_rate},
    CLI_ARGS_JSON_OPT(struct cap_opts, json, "capacity.json"),
    CLI_ARGS_JOBS_OPT(struct cap_opts, jobs),
    CLI_ARGS_PLOTS_OPTS(struct cap_opts, plots),
};

static const struct cli_args_spec cap_args = {
    .cmd = "capacity",
    .help =
        "usage: slmsim capacity [OPTIONS] SCENARIO.yaml\n"
        "\n"
        "Finds the largest volume one replica of the scenario's GPU backend\n"
        "(and its `count` replicas, when more than one) sustains within the\n"
        "scenario's SLO (slo.ttft_p99, slo.e2e_p99; at least one is needed), by\n"
        "bisection over the arrival rate with the simulation itself.  Each probe\n"
        "runs N replications of a short horizon with the scenario's seed, so\n"
        "probes share random numbers; it passes when every P99 in the SLO (the\n"
        "mean over replications of each one's P99, at the backend) is within\n"
        "it and fewer than 2% of its arrivals are still queued at the end.\n"
        "The answer is statistical: it is the highest passing volume, and the\n"
        "bracket [last pass, first fail] is as narrow as the tolerance, not\n"
        "narrower than the noise.  Reports the volume per second, minute, month\n"
        "and per GPU, the P99s with 95% intervals there, and the constraint\n"
        "that binds the GPU (bandwidth, compute, kv-cache, batch-limit).\n"
        "Writes OUTDIR/capacity.json, with every probe in probes[].  The volume\n"
        "is the scenario's whole arrival stream: with routing, only the routed\n"
        "share reaches the backend.  --replications is per probe here (default\n"
        "3) and --set applies to every probe.  The bisection is sequential; a\n"
        "probe's replications run on --jobs worker processes, with the same\n"
        "answer and the same capacity.json bytes whatever the number.\n"
        "\n",
    .help_tail =
        "\n"
        "Figure: latency-vs-load (P50 and P99 at the backend against volume from\n"
        "the probes, the SLO and the capacity found marked), into OUTDIR with\n"
        "OUTDIR/figures-capacity.json.\n"
        "\n"
        "exit status: 0 success (also when no volume meets the SLO), 1 the run\n"
        "failed, 2 bad input (flags, scenario, no SLO, no gpu backend)\n",
    .opts = cap_opts_table,
    .nopts = sizeof cap_opts_table / sizeof cap_opts_table[0],
    .path = offsetof(struct cap_opts, so.path),
};


/* One search: the replica count it ran with, and its probes. */
struct cap_search {
    long replicas;
    struct capacity_result r;
};

struct cap {
    const struct cap_opts *o;
    struct scenario *sc; /* owned: of the last search; names and SLO */
    char *backend;       /* owned: the backend's name */
    int b;               /* the backend's index */
    double floor;        /* lowest rate probed, arrivals per second */
    size_t nsearch;
    struct cap_search search[2];
};

/* The overrides after the user's: the same path and the same checks as
 * the file. */
int cli_capacity_load(const char *cmd, const struct cli_scenario_opts *user,
                      double horizon, const char *backend, long replicas,
                      struct scenario **sc)
{
    struct cli_scenario_opts so = *user;
    char hz[64], wu[64], count[256], reps[32];

    if (so.nsets + 3 > CLI_MAX_SETS) {
        fprintf(stderr, "slmsim %s: error: too many --set options "
                        "(limit %d with capacity's own)\n", cmd,
                CLI_MAX_SETS - 3);
        return CLI_EXIT_INPUT;
    }
    snprintf(hz, sizeof hz, "horizon=%.17gs", horizon);
    snprintf(wu, sizeof wu, "warmup=%.17gs", horizon / 6.0);
    so.sets[so.nsets++] = hz;
    so.sets[so.nsets++] = wu;
    if (replicas > 0) {
        snprintf(count, sizeof count, "backends.%s.count=%ld", backend,
                 replicas);
        so.sets[so.nsets++] = count;
    }
    snprintf(reps, sizeof reps, "%d", CAPACITY_DEFAULT_REPLICATIONS);
    if (!so.replications)
        so.replications = reps;
    *sc = NULL;
    return cli_load_scenario(&so, sc);
}

static int cap_load(const struct cap_opts *o, const char *backend,
                    long replicas, struct scenario **sc)
{
    return cli_capacity_load("capacity", &o->so, o->horizon, backend,
                             replicas, sc);
}

/* Checks what capacity needs beyond a valid scenario (study/capacity.h),
 * reported at the file.  Returns the backend's index or -1. */
static int cap_check(const struct scenario *sc, const char *name)
{
    struct diag d;

    diag_init(&d, stderr);
    return study_capacity_check(sc, name, &d);
}

/* ---- output ---- */

/* Probe i of the search, or NULL for -1 (no such end of the bracket). */
static const struct capacity_probe *cap_probe_at(const struct cap_search *s,
                                                 int i)
{
    return i >= 0 ? &s->r.probe[i] : NULL;
}

static void cap_print_p99(const char *name, const struct report_stat *st)
{
    char a[32], b[32];

    if (st->n)
        printf(" P99 %s %s ± %s;", name,
               report_fmt_time(st->p99, a, sizeof a),
               report_fmt_time(st->p99_hw, b, sizeof b));
}

static void cap_print_probes(const struct cap_search *s)
{
    char v[32], a[32], b[32], d[32], e[32];

    printf("  %10s %9s  %-4s %10s %10s %10s %10s %6s  %s\n", "per month",
           "per s", "", "ttft p50", "ttft p99", "e2e p50", "e2e p99",
           "util", "bound by / failed");
    for (size_t i = 0; i < s->r.n; i++) {
        const struct capacity_probe *p = &s->r.probe[i];
        printf("  %10s %9.4g  %-4s %10s %10s %10s %10s %6.3f  %s%s%s\n",
               study_fmt_count(p->rate * UNITS_MONTH, v, sizeof v), p->rate,
               p->pass ? "pass" : p->inconclusive ? "?" : "FAIL",
               report_fmt_time(p->lat[RUN_TTFT].p50, a, sizeof a),
               report_fmt_time(p->lat[RUN_TTFT].p99, b, sizeof b),
               report_fmt_time(p->lat[RUN_E2E].p50, d, sizeof d),
               report_fmt_time(p->lat[RUN_E2E].p99, e, sizeof e),
               p->utilization,
               p->binding ? p->binding : "-", p->pass ? "" : " / ",
               p->pass ? "" : p->failed);
    }
}

/* "6M/month", or none when rate is 0. */
static const char *cap_fmt_month(double rate, const char *none, char *buf,
                                 size_t size)
{
    char c[32];

    if (rate <= 0)
        return none;
    snprintf(buf, size, "%s/month", study_fmt_count(rate * UNITS_MONTH, c,
                                                   sizeof c));
    return buf;
}

static void cap_print_sure(const struct cap_search *s)
{
    char m[48], g[48];
    double pass, fail;

    capacity_sure_range(&s->r, &pass, &fail);
    printf("  with 95%% confidence (P99 intervals of the probes): passes "
           "at %s, fails at %s\n",
           cap_fmt_month(pass, "no volume probed", m, sizeof m),
           cap_fmt_month(fail, "no volume probed", g, sizeof g));
}

static void cap_print_search(const struct cap_search *s)
{
    const struct capacity_probe *p = cap_probe_at(s, s->r.pass);
    const struct capacity_probe *f = cap_probe_at(s, s->r.fail);
    char m[32], g[32], note[400];
    const struct capacity_probe *any = p ? p : f ? f : &s->r.probe[0];
    size_t unsure = capacity_inconclusive(&s->r, "--horizon", note,
                                          sizeof note);

    printf("\n%ld replica%s (%.0f GPU%s):\n", s->replicas,
           s->replicas == 1 ? "" : "s", any->gpus,
           any->gpus == 1 ? "" : "s");
    if (!p && s->r.status == CAPACITY_INCONCLUSIVE)
        printf("  inconclusive: no probe passed, and the horizon is too "
               "short to say that none would\n");
    else if (!p)
        printf("  no volume meets the SLO: even at %s/month (%.4g/s, the "
               "lowest probed) %s fails\n",
               study_fmt_count(f->rate * UNITS_MONTH, m, sizeof m), f->rate,
               f->failed);
    if (unsure)
        printf("  note: %s\n", note);
    if (p) {
        printf("  capacity   %s queries/month = %.4g/min = %.4g/s = %s per "
               "GPU per month%s\n",
               study_fmt_count(p->rate * UNITS_MONTH, m, sizeof m),
               p->rate * UNITS_MINUTE, p->rate,
               study_fmt_count(p->rate * UNITS_MONTH / p->gpus, g, sizeof g),
               f ? "" : " (or more: the search limit)");
        if (fabs(p->served - p->rate) > 0.01 * p->rate)
            printf("  of which the backend served %s/month (%.4g/s); the "
                   "routing sent the rest elsewhere\n",
                   study_fmt_count(p->served * UNITS_MONTH, m, sizeof m),
                   p->served);
        printf("  at capacity:");
        cap_print_p99("ttft", &p->lat[RUN_TTFT]);
        cap_print_p99("e2e", &p->lat[RUN_E2E]);
        printf(" utilization %.3f; bound by %s\n", p->utilization,
               p->binding ? p->binding : "-");
    }
    if (p && f && s->r.n)
        printf("  bracket    [%.4g/s pass, %.4g/s fail] = [%s, %s]/month; "
               "fails first: %s\n",
               p->rate, f->rate, study_fmt_count(p->rate * UNITS_MONTH, m,
                                               sizeof m),
               study_fmt_count(f->rate * UNITS_MONTH, g, sizeof g), f->failed);
    cap_print_sure(s);
    cap_print_probes(s);
}

static void cap_print(const struct cap *c)
{
    const struct scenario *sc = c->sc;
    char a[32], b[32], hz[32];

    printf("slmsim capacity: scenario '%s' (%s), backend '%s'\n", sc->name,
           sc->path, sc->backends[c->b].name);
    printf("  SLO: %s%s%s%s%s\n", sc->slo.ttft_p99 > 0 ? "P99 TTFT <= " : "",
           sc->slo.ttft_p99 > 0 ? report_fmt_time(sc->slo.ttft_p99, a,
                                                  sizeof a) : "",
           sc->slo.ttft_p99 > 0 && sc->slo.e2e_p99 > 0 ? ", " : "",
           sc->slo.e2e_p99 > 0 ? "P99 e2e <= " : "",
           sc->slo.e2e_p99 > 0 ? report_fmt_time(sc->slo.e2e_p99, b,
                                                 sizeof b) : "");
    printf("  method: bisection over the arrival rate to a %.3g%% bracket; "
           "each probe %u replication%s of %s (first sixth warm-up), seed "
           "%llu shared by all probes\n",
           100.0 * c->o->tolerance, sc->replications,
           sc->replications == 1 ? "" : "s",
           report_fmt_time(sc->horizon, hz, sizeof hz),
           (unsigned long long)sc->seed);
    for (size_t i = 0; i < c->nsearch; i++)
        cap_print_search(&c->search[i]);
    printf("\nThe answer is statistical: probes are samples, and the "
           "bracket is no sharper than their noise (more --replications or "
           "a longer --horizon sharpen it).  ± are 95%% confidence "
           "half-widths across replications.\n");
}

static void cap_json_probe(struct jw *w, const char *key, long replicas,
                           const struct capacity_probe *p)
{
    jw_object_begin(w, key);
    jw_int(w, "replicas", replicas);
    jw_number(w, "per_second", p->rate);
    jw_number(w, "per_month", p->rate * UNITS_MONTH);
    jw_bool(w, "pass", p->pass);
    jw_string(w, "failed", p->failed);
    report_json_stat(w, "ttft", &p->lat[RUN_TTFT]);
    report_json_stat(w, "e2e", &p->lat[RUN_E2E]);
    jw_number(w, "served_per_second", p->served);
    jw_number(w, "utilization", p->utilization);
    jw_number(w, "in_flight_share", p->in_flight);
    jw_bool(w, "confident", p->sure);
    jw_string(w, "binding_constraint", p->binding);
    jw_object_end(w);
}

static void cap_json_search(struct jw *w, const struct cap_search *s)
{
    const struct capacity_probe *p = cap_probe_at(s, s->r.pass);
    const struct capacity_probe *f = cap_probe_at(s, s->r.fail);
    double rate = p ? p->rate : 0, gpus = p ? p->gpus : f->gpus;
    double sure_pass, sure_fail;

    jw_object_begin(w, NULL);
    jw_int(w, "replicas", s->replicas);
    jw_number(w, "gpus", gpus);
    jw_string(w, "status", capacity_status_names[s->r.status]);
    jw_number(w, "per_second", rate);
    jw_number(w, "per_minute", rate * UNITS_MINUTE);
    jw_number(w, "per_month", rate * UNITS_MONTH);
    jw_number(w, "per_gpu_per_second", rate / gpus);
    jw_number(w, "per_gpu_per_month", rate * UNITS_MONTH / gpus);
    jw_object_begin(w, "bracket");
    jw_number(w, "pass_per_second", p ? p->rate : (double)NAN);
    jw_number(w, "fail_per_second", f ? f->rate : (double)NAN);
    jw_object_end(w);
    capacity_sure_range(&s->r, &sure_pass, &sure_fail);
    jw_object_begin(w, "confident");
    jw_number(w, "pass_per_second", sure_pass > 0 ? sure_pass : (double)NAN);
    jw_number(w, "fail_per_second", sure_fail > 0 ? sure_fail : (double)NAN);
    jw_object_end(w);
    jw_string(w, "binding_constraint", p ? p->binding : NULL);
    jw_string(w, "fails_first", f ? f->failed : NULL);
    if (p)
        cap_json_probe(w, "at_capacity", s->replicas, p);
    jw_object_end(w);
}

static void cap_json_method(struct jw *w, const struct cap *c)
{
    jw_object_begin(w, "method");
    jw_string(w, "search", "doubling or halving from the scenario's "
                           "volume, then bisection over the arrival rate");
    jw_string(w, "pass", "every P99 in the SLO (mean over replications of "
                         "each replication's P99, at the backend) within "
                         "it, and fewer than 2% of arrivals in flight at "
                         "the end");
    jw_int(w, "replications", c->sc->replications);
    jw_number(w, "horizon", c->sc->horizon);
    jw_number(w, "warmup", c->sc->warmup);
    jw_number(w, "tolerance", c->o->tolerance);
    jw_number(w, "min_per_second", c->floor);
    jw_number(w, "max_per_second", c->o->max_volume);
    jw_object_end(w);
}

static int cap_json(FILE *f, const void *ctx)
{
    const struct cap *c = ctx;
    const struct scenario *sc = c->sc;
    struct jw w;

    report_json_begin(&w, f, sc);
    jw_object_end(&w);
    jw_string(&w, "backend", sc->backends[c->b].name);
    jw_object_begin(&w, "slo");
    if (sc->slo.ttft_p99 > 0)
        jw_number(&w, "ttft_p99", sc->slo.ttft_p99);
    if (sc->slo.e2e_p99 > 0)
        jw_number(&w, "e2e_p99", sc->slo.e2e_p99);
    jw_object_end(&w);
    cap_json_method(&w, c);
    jw_array_begin(&w, "capacity");
    for (size_t i = 0; i < c->nsearch; i++)
        cap_json_search(&w, &c->search[i]);
    jw_array_end(&w);
    jw_array_begin(&w, "probes");
    for (size_t i = 0; i < c->nsearch; i++)
        for (size_t k = 0; k < c->search[i].r.n; k++)
            cap_json_probe(&w, NULL, c->search[i].replicas,
                           &c->search[i].r.probe[k]);
    jw_array_end(&w);
    jw_object_end(&w);
    return jw_finish(&w);
}

/* ---- the figure ---- */

/* The SLO term a search is judged on most: the one that failed first,
 * else e2e when set.  1: TTFT, 0: end-to-end. */
static int cap_fig_ttft(const struct scenario *sc, const struct cap_search *s)
{
    if (sc->slo.e2e_p99 <= 0)
        return 1;
    if (sc->slo.ttft_p99 <= 0)
        return 0;
    return s->r.fail >= 0 && s->r.probe[s->r.fail].failed &&
           !strcmp(s->r.probe[s->r.fail].failed, "ttft_p99");
}

/* latency-vs-load from the probes of the last search (the scenario's own
 * replica count), the capacity found marked on the SLO. */
static int cap_figure(const struct cap *c, struct cli_plots *p)
{
    const struct cap_search *s = &c->search[c->nsearch - 1];
    double vol[CAPACITY_MAX_PROBES], p50[CAPACITY_MAX_PROBES], p99[CAPACITY_MAX_PROBES];
    char caption[FIGURE_MAX_CAPTION], name[64];
    int ttft = cap_fig_ttft(c->sc, s);
    struct figure *f = NULL;
    size_t k;
    int st;

    for (k = 0; k < s->r.n; k++) {
        const struct report_stat *r =
            &s->r.probe[k].lat[ttft ? RUN_TTFT : RUN_E2E];
        vol[k] = s->r.probe[k].rate * UNITS_MONTH;
        p50[k] = r->p50;
        p99[k] = r->p99;
    }
    snprintf(name, sizeof name, "%s", c->sc->backends[c->b].name);
    {
        struct plot_load_series ls = {name, PLOT_LOCAL, p50, p99};
        struct plot_load_input in = {
            {c->sc->name, cli_plots_caption(c->sc, caption, sizeof caption)},
            ttft ? "TTFT" : "end-to-end", s->r.n, vol, 1, &ls,
            ttft ? c->sc->slo.ttft_p99 : c->sc->slo.e2e_p99,
            s->r.pass >= 0 && s->r.fail >= 0
                ? s->r.probe[s->r.pass].rate * UNITS_MONTH : 0};
        st = plot_latency_vs_load(&in, &f);
    }
    return cli_plots_add(p, st, f);
}

/* Draws the figure when wanted; returns the exit status. */
static int cap_plots(struct cap_opts *o, const struct cap *c)
{
    int st;

    if (!cli_plots_wanted(&o->plots, c->sc, PLOT_LATENCY_VS_LOAD))
        return CLI_EXIT_OK;
    st = cap_figure(c, &o->plots);
    if (st)
        return cli_status_exit(st, NULL, NULL);
    return cli_plots_finish(&o->plots, c->sc->out_dir, "capacity",
                            o->so.quiet || o->json);
}

/* ---- the command ---- */

/* The progress line and the label it shows. */
struct cap_progress {
    struct cli_progress line;
    char label[96];
};

/* A new progress line for the probe now starting. */
static void cap_progress_probe(void *ctx, double rate)
{
    struct cap_progress *p = ctx;

    cli_progress_done(&p->line);
    snprintf(p->label, sizeof p->label, "probe at %.4g/s", rate);
    cli_progress_init(&p->line, p->label);
}

int cli_capacity_search(struct scenario *sc, int b, double start,
                        double tolerance, double max_rate, unsigned jobs,
                        struct capacity_result *r)
{
    struct cap_progress prog;
    struct run_hooks hooks = {.progress = cli_progress_update,
                              .progress_ctx = &prog.line};
    struct study_jobs sj = {jobs, cli_progress_jobs, &prog.line};
    struct capacity_opts co;
    struct diag d;
    int st;

    capacity_opts_init(&co, sc);
    co.start_rate = start;
    if (tolerance > 0)
        co.tolerance = tolerance;
    if (max_rate > 0)
        co.max_rate = max_rate;
    co.hooks = &hooks;
    co.on_probe = cap_progress_probe;
    co.probe_ctx = &prog;
    cli_progress_init(&prog.line, "capacity");
    diag_init(&d, stderr);
    st = study_capacity_search(sc, (size_t)b, &co, &sj, &d, r);
    cli_progress_done(&prog.line);
    return cli_status_exit(st, "run failed", sc->path);
}

/* One search with replicas replicas (0: as the file says), starting at
 * start arrivals per second (0: the scenario's own rate). */
static int cap_run_search(struct cap *c, long replicas, double start)
{
    struct cap_search *s = &c->search[c->nsearch];
    int rc;

    scenario_free(c->sc);
    c->sc = NULL;
    rc = cap_load(c->o, c->backend, replicas, &c->sc);
    if (rc)
        return rc;
    memset(s, 0, sizeof *s);
    s->r.pass = s->r.fail = -1;
    s->replicas = gpu_cfg_replicas(c->sc->backends[c->b].cfg);
    c->nsearch++;
    return cli_capacity_search(c->sc, c->b, start, c->o->tolerance,
                               c->o->max_volume, cli_jobs(c->o->jobs), &s->r);
}

/* Loads the file as given to find the backend and its count. */
static int cap_prepare(struct cap *c, long *count)
{
    int rc = cap_load(c->o, NULL, 0, &c->sc);

    if (rc)
        return rc;
    c->b = cap_check(c->sc, c->o->backend);
    if (c->b < 0)
        return CLI_EXIT_INPUT;
    c->backend = mem_strdup(c->sc->backends[c->b].name);
    if (!c->backend)
        return cli_status_exit(SLM_ENOMEM, NULL, NULL);
    *count = gpu_cfg_replicas(c->sc->backends[c->b].cfg);
    c->floor = CAPACITY_MIN_ARRIVALS / (c->sc->horizon - c->sc->warmup);
    return CLI_EXIT_OK;
}

/* One replica first; then the file's count, starting from count times
 * the one replica's capacity, which scales nearly linearly. */
static int cap_main(struct cap_opts *o)
{
    struct cap c;
    long count = 1;
    double start = 0;
    int rc;

    memset(&c, 0, sizeof c);
    c.o = o;
    rc = cap_prepare(&c, &count);
    if (!rc)
        rc = cap_run_search(&c, 1, 0);
    if (!rc && count > 1) {
        const struct capacity_result *one = &c.search[0].r;
        if (one->pass >= 0)
            start = (double)count * one->probe[one->pass].rate;
        rc = cap_run_search(&c, count, start);
    }
    if (!rc && o->json)
        cap_json(stdout, &c);
    else if (!rc && !o->so.quiet)
        cap_print(&c);
    if (!rc)
        rc = cli_write_file(c.sc->out_dir, "capacity.json", cap_json, &c);
    if (!rc && !o->json && !o->so.quiet)
        printf("\nwrote %s/capacity.json\n", c.sc->out_dir);
    if (!rc)
        rc = cap_plots(o, &c);
    cli_plots_fini(&o->plots);
    scenario_free(c.sc);
    mem_free(c.backend);
    return rc;
}

int cmd_capacity(int argc, char **argv)
{
    struct cap_opts o;
    int st;

    memset(&o, 0, sizeof o);
    cli_plots_init(&o.plots);
    o.horizon = CAPACITY_DEFAULT_HORIZON;
    o.tolerance = CAPACITY_DEFAULT_TOLERANCE;
    o.max_volume = CAP_DEFAULT_MAX_VOLUME;
    st = cli_args_parse(&cap_args, argc, argv, &o);
    if (st != CLI_ARGS_OK)
        return st == CLI_ARGS_HELP ? CLI_EXIT_OK : CLI_EXIT_INPUT;
    return cap_main(&o);
}
