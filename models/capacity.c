#include "models/capacity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/arrivals.h"
#include "sim/mem.h"
#include "sim/stats.h"
#include "sim/units.h"

const char *const capacity_status_names[4] = {
    "found", "infeasible", "above-max-volume", "inconclusive"};

/* What a failed target is called: the SLO keys' names. */
static const char *const failed_names[RUN_NMETRICS] = {
    "wait_p99", "e2e_p99", "ttft_p99", "tpot_p99"};

void capacity_opts_init(struct capacity_opts *o, const struct scenario *sc)
{
    memset(o, 0, sizeof *o);
    o->p99[RUN_TTFT] = sc->slo.ttft_p99;
    o->p99[RUN_E2E] = sc->slo.e2e_p99;
    o->tolerance = CAPACITY_DEFAULT_TOLERANCE;
    o->min_rate = CAPACITY_MIN_ARRIVALS / (sc->horizon - sc->warmup);
    o->max_rate = CAPACITY_DEFAULT_MAX_PER_MONTH / UNITS_MONTH;
}

/* How far a P99 is over its target (> 1: over), at its 95% interval's
 * bound on side (-1 low, 0 the estimate, +1 high); 0 without a target.
 * No samples at all is as bad as it gets. */
static double over(const struct report_stat *st, double target, int side)
{
    if (target <= 0)
        return 0;
    return st->n ? (st->p99 + side * st->p99_hw) / target : (double)INFINITY;
}

/* The largest ratio over the targets at side; *which gets its metric. */
static double worst(const struct capacity_opts *o,
                    const struct capacity_probe *p, int side, int *which)
{
    double w = 0;

    *which = -1;
    for (int m = 0; m < RUN_NMETRICS; m++) {
        double r = over(&p->lat[m], o->p99[m], side);
        if (o->p99[m] > 0 && (*which < 0 || r > w)) {
            w = r;
            *which = m;
        }
    }
    return w;
}

/* Even the median over a target: a P99 is at least the P50, and a P50
 * needs few samples, so such a probe fails whatever its size. */
static int median_over(const struct capacity_opts *o,
                       const struct capacity_probe *p)
{
    for (int m = 0; m < RUN_NMETRICS; m++)
        if (o->p99[m] > 0 && p->lat[m].n && p->lat[m].p50 > o->p99[m])
            return 1;
    return 0;
}

/* The verdict, and whether it holds at the 95% bounds: a pass even at
 * the upper ones is sure, a failure even at the lower ones too. */
static void judge(const struct capacity_opts *o, struct capacity_probe *p)
{
    int m, ignored;
    double w = worst(o, p, 0, &m);
    int growing = p->in_flight > CAPACITY_MAX_IN_FLIGHT && !p->stable;

    p->failed = w > 1 ? failed_names[m] : NULL;
    if (growing)
        p->failed = "queue growing";
    p->pass = p->failed == NULL;
    p->sure = p->pass ? worst(o, p, +1, &ignored) <= 1
                      : growing || median_over(o, p) ||
                            worst(o, p, -1, &ignored) > 1;
    /* A growing queue is a failure whatever the sample; otherwise too few
     * completions, or a failure inside the P99's own interval, decides
     * nothing. */
    if (!growing && p->completions < CAPACITY_MIN_COMPLETIONS &&
        !median_over(o, p)) {
        p->inconclusive = CAPACITY_FEW_SAMPLES;
        p->failed = "inconclusive: too few completions";
        p->pass = 0;
    } else if (!growing && p->in_flight > CAPACITY_MAX_IN_FLIGHT) {
        /* Many still in flight, yet no growth beyond chance: the window
         * is short against the latency, and the latencies left out are
         * the long ones. */
        p->inconclusive = CAPACITY_FEW_SAMPLES;
        p->failed = "inconclusive: many in flight at the horizon";
        p->pass = 0;
    } else if (!p->pass && !p->sure) {
        p->inconclusive = CAPACITY_STRADDLES;
        p->failed = "inconclusive: P99 interval straddles the SLO";
    }
}

static double figure_or(const struct run_result *res, size_t n, int b,
                        const char *key, double fallback)
{
    double mean, hw;

    return report_figure(res, n, b, key, &mean, &hw) ? fallback : mean;
}

static void rep_clear_metric(struct metric *m)
{
    m->h = NULL;
}

void capacity_rep_take(const struct run_result *res, size_t b,
                       struct capacity_rep *rep)
{
    static const double qs[3] = {0.50, 0.95, 0.99};

    memcpy(&rep->light, res, sizeof rep->light);
    for (int m = 0; m < RUN_NMETRICS; m++) {
        const struct metric *mt = &res->backend[b].lat[m];
        for (int j = 0; j < 3; j++)
            rep->q[m][j] = mt->w.n ? qhist_quantile(mt->h, qs[j]) : 0;
        rep_clear_metric(&rep->light.overall[m]);
    }
    for (size_t i = 0; i < SCENARIO_MAX_BACKENDS; i++) {
        struct run_backend *rb = &rep->light.backend[i];
        for (int m = 0; m < RUN_NMETRICS; m++)
            rep_clear_metric(&rb->lat[m]);
        rb->extras = NULL;
        rb->extras_kind = NULL;
        rb->down = NULL;
    }
}

int capacity_rep_run(const struct scenario *sc, size_t b, unsigned r,
                     const struct run_hooks *hooks, struct diag *d,
                     struct capacity_rep *rep)
{
    struct run_result res;
    int st;

    memset(&res, 0, sizeof res);
    st = run_result_init(&res, sc->nbackends);
    if (!st)
        st = run_replication(sc, r, hooks, d, &res);
    if (!st)
        capacity_rep_take(&res, b, rep);
    run_result_fini(&res);
    return st;
}

/* Floors a percentile's half-width at the histogram's resolution. */
static void floor_hw(double value, double *hw)
{
    double floor = QHIST_REL_ERR * fabs(value);

    if (*hw < floor)
        *hw = floor;
}

/* Metric m at the backend over reps[0..n), computed as report_latency
 * computes it from the results (replications with no samples left out,
 * the 95% t intervals, the floor), from the rows' figures. */
static void rep_latency(const struct capacity_rep *reps, size_t n, size_t b,
                        int m, struct report_stat *out)
{
    double v[4][SCENARIO_MAX_REPLICATIONS];
    size_t k = 0;

    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const struct welford *w = &reps[i].light.backend[b].lat[m].w;
        if (w->n == 0)
            continue;
        v[0][k] = w->mean;
        for (int j = 0; j < 3; j++)
            v[j + 1][k] = reps[i].q[m][j];
        if (w->max > out->max || out->n == 0)
            out->max = w->max;
        out->n += w->n;
        k++;
    }
    if (k == 0)
        return;
    stats_ci_t(v[0], k, 0.95, &out->mean, &out->mean_hw);
    stats_ci_t(v[1], k, 0.95, &out->p50, &out->p50_hw);
    stats_ci_t(v[2], k, 0.95, &out->p95, &out->p95_hw);
    stats_ci_t(v[3], k, 0.95, &out->p99, &out->p99_hw);
    floor_hw(out->p50, &out->p50_hw);
    floor_hw(out->p95, &out->p95_hw);
    floor_hw(out->p99, &out->p99_hw);
}

/* The probe's figures from its replications' rows (res: their light
 * results side by side, n of them). */
static void summarise(const struct capacity_rep *reps,
                      const struct run_result *res, size_t n, int b,
                      struct capacity_probe *p)
{
    double arrived = 0, left = 0;
    struct run_stability stab;

    for (int m = 0; m < RUN_NMETRICS; m++)
        rep_latency(reps, n, (size_t)b, m, &p->lat[m]);
    p->utilization = figure_or(res, n, b, "utilization", 0);
    p->gpus = figure_or(res, n, b, "gpus", 1);
    p->binding = report_binding(res, n, b);
    p->served = 0;
    p->completions = 0;
    for (size_t i = 0; i < n; i++) {
        arrived += (double)res[i].arrived;
        left += (double)res[i].in_flight;
        p->completions += (double)res[i].backend[b].completed;
        p->served += (double)res[i].backend[b].completed / res[i].window /
                     (double)n;
    }
    p->in_flight = arrived > 0 ? left / arrived : 0;
    run_stability(res, n, &stab);
    p->stable = stab.stable;
}

static double rate_of(const struct capacity_result *r, int i)
{
    return r->probe[i].rate;
}

static int probed(const struct capacity_result *r, double rate)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->probe[i].rate == rate)
            return 1;
    return 0;
}

/* The last probe had too few completions to say anything. */
static int last_few(const struct capacity_result *r)
{
    return r->n > 0 && r->probe[r->n - 1].inconclusive == CAPACITY_FEW_SAMPLES;
}

struct search {
    struct scenario *sc;
    size_t b;
    const struct capacity_opts *o;
    struct diag *d;
    struct capacity_result *r;
};

/* The default: every replication in order in this process. */
static int reps_in_process(const struct search *s, struct capacity_rep *reps)
{
    int st = SLM_OK;

    for (unsigned r = 0; !st && r < s->sc->replications; r++)
        st = capacity_rep_run(s->sc, s->b, r, s->o->hooks, s->d, &reps[r]);
    return st;
}

/* Runs every replication at rate into the next probe and moves the
 * bracket's end on its side. */
static int probe(struct search *s, double rate)
{
    struct scenario *sc = s->sc;
    struct capacity_result *r = s->r;
    struct capacity_probe *p = &r->probe[r->n];
    size_t n = sc->replications;
    struct capacity_rep *reps = mem_calloc(n, sizeof *reps);
    struct run_result *res = mem_calloc(n, sizeof *res);
    int st = reps && res ? SLM_OK : SLM_ENOMEM;

    memset(p, 0, sizeof *p);
    p->rate = rate;
    if (!st && arrivals_spec_set_rate(&sc->workload.arrivals, rate)) {
        struct diag_pos at = {sc->path, 0, 0};
        diag_error(s->d, &at, "the arrival process has no rate to vary");
        st = SLM_EINPUT;
    }
    if (!st && s->o->on_probe)
        s->o->on_probe(s->o->probe_ctx, rate);
    if (!st)
        st = s->o->run_reps
                 ? s->o->run_reps(s->o->reps_ctx, sc, s->b, s->d, reps)
                 : reps_in_process(s, reps);
    if (!st) {
        for (size_t i = 0; i < n; i++)
            res[i] = reps[i].light;
        summarise(reps, res, n, (int)s->b, p);
        judge(s->o, p);
        if (p->pass)
            r->pass = (int)r->n;
        else if (p->inconclusive != CAPACITY_FEW_SAMPLES &&
                 (r->fail < 0 || rate < rate_of(r, r->fail)))
            r->fail = (int)r->n;
        r->n++;
    }
    mem_free(res);
    mem_free(reps);
    return st;
}

/* Doubling and halving find a bracket in O(log(range)) probes; bisection
 * then halves it each probe.  A secant step on the P99s would converge
 * faster on smooth curves, but the curves are noisy near the answer and
 * bisection's guarantee (the bracket always holds a pass below a
 * failure) is what the answer is quoted with. */
static int search_run(struct search *s)
{
    const struct capacity_opts *o = s->o;
    struct capacity_result *r = s->r;
    double start = o->start_rate > 0
                       ? o->start_rate
                       : arrivals_mean_rate(&s->sc->workload.arrivals);
    double rate = fmin(fmax(start, o->min_rate), o->max_rate);
    int st = probe(s, rate);
    size_t i;

    /* One probe below the start, so a volume that is met is seen met. */
    if (!st && 0.5 * rate >= o->min_rate && r->fail < 0)
        st = probe(s, 0.5 * rate);
    while (!st && r->fail < 0 && rate < o->max_rate &&
           r->n < CAPACITY_MAX_PROBES)
        st = probe(s, rate = fmin(2.0 * rate, o->max_rate));
    /* Halving stops where the probes become too small to decide. */
    while (!st && r->pass < 0 && rate > o->min_rate && !last_few(r) &&
           r->n < CAPACITY_MAX_PROBES) {
        rate = fmax(0.5 * rate, o->min_rate);
        if (!probed(r, rate))
            st = probe(s, rate);
    }
    while (!st && r->pass >= 0 && r->fail >= 0 && r->n < CAPACITY_MAX_PROBES &&
           rate_of(r, r->fail) - rate_of(r, r->pass) >
               o->tolerance * rate_of(r, r->pass)) {
        st = probe(s, 0.5 * (rate_of(r, r->pass) + rate_of(r, r->fail)));
        if (last_few(r))
            break; /* the bracket cannot shrink on such probes */
    }
    r->status = r->pass < 0   ? CAPACITY_INFEASIBLE
                : r->fail < 0 ? CAPACITY_ABOVE_MAX
                              : CAPACITY_FOUND;
    for (i = 0; r->pass < 0 && i < r->n; i++)
        if (r->probe[i].inconclusive)
            r->status = CAPACITY_INCONCLUSIVE;
    return st;
}

static int by_rate(const void *a, const void *b)
{
    double x = ((const struct capacity_probe *)a)->rate;
    double y = ((const struct capacity_probe *)b)->rate;
    return (x > y) - (x < y);
}

/* Sorts the probes by rate (a latency-vs-load table), finding the
 * bracket's probes again by their rates. */
static void sort_probes(struct capacity_result *r)
{
    double pass = r->pass >= 0 ? rate_of(r, r->pass) : -1;
    double fail = r->fail >= 0 ? rate_of(r, r->fail) : -1;

    qsort(r->probe, r->n, sizeof r->probe[0], by_rate);
    for (size_t i = 0; i < r->n; i++) {
        if (r->probe[i].rate == pass && r->probe[i].pass)
            r->pass = (int)i;
        if (r->probe[i].rate == fail && !r->probe[i].pass)
            r->fail = (int)i;
    }
}

int capacity_search(struct scenario *sc, size_t b,
                    const struct capacity_opts *o, struct diag *d,
                    struct capacity_result *out)
{
    struct search s = {sc, b, o, d, out};
    int st;

    memset(out, 0, sizeof *out);
    out->pass = out->fail = -1;
    st = search_run(&s);
    sort_probes(out);
    return st;
}

void capacity_sure_range(const struct capacity_result *r, double *pass,
                         double *fail)
{
    *pass = *fail = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct capacity_probe *p = &r->probe[i];
        if (p->sure && p->pass && p->rate > *pass)
            *pass = p->rate;
        if (p->sure && !p->pass && (*fail == 0 || p->rate < *fail))
            *fail = p->rate;
    }
}

double capacity_per_gpu_month(const struct capacity_result *r)
{
    const struct capacity_probe *p;

    if (r->pass < 0)
        return 0;
    p = &r->probe[r->pass];
    return p->served * UNITS_MONTH / (p->gpus > 0 ? p->gpus : 1);
}

size_t capacity_inconclusive(const struct capacity_result *r,
                             const char *flag, char *buf, size_t size)
{
    size_t i, few = 0, straddle = 0;

    for (i = 0; i < r->n; i++) {
        few += r->probe[i].inconclusive == CAPACITY_FEW_SAMPLES;
        straddle += r->probe[i].inconclusive == CAPACITY_STRADDLES;
    }
    if (size)
        buf[0] = '\0';
    if (few + straddle == 0)
        return 0;
    snprintf(buf, size,
             "%zu probe%s inconclusive (%zu with fewer than %.0f "
             "completions after warm-up, %zu with the P99 interval "
             "straddling the SLO)%s; a longer %s decides them",
             few + straddle, few + straddle == 1 ? " was" : "s were", few,
             CAPACITY_MIN_COMPLETIONS, straddle,
             r->pass < 0 ? ", so no volume was shown to miss the SLO" : "",
             flag ? flag : "horizon");
    return few + straddle;
}
