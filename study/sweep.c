#include "study/sweep.h"

#include <math.h>
#include <string.h>

#include "models/report.h"
#include "sim/arrivals.h"
#include "sim/stats.h"
#include "sim/units.h"
#include "study/jobs.h"

/* One replication of one point, plain bytes for study/jobs.h: what
 * report_latency and report_figure take from each replication (count,
 * P50, P99; the figure when the backend has it), so that the point's
 * figures are computed from the rows exactly as from the results. */
struct sweep_rep {
    double n, p50, p99; /* overall e2e; n = 0: no completions */
    double bn[SCENARIO_MAX_BACKENDS], bp50[SCENARIO_MAX_BACKENDS];
    double bp99[SCENARIO_MAX_BACKENDS];
    double busy[SCENARIO_MAX_BACKENDS], kv[SCENARIO_MAX_BACKENDS];
    unsigned char has_busy[SCENARIO_MAX_BACKENDS];
    unsigned char has_kv[SCENARIO_MAX_BACKENDS];
};

/* The sweep's points: factor of the mean rate for point k.  0.2x..1.2x in
 * steps of 0.2x, then steps of 1.5x: every point is known before any has
 * run. */
static double sweep_factor(size_t k)
{
    double f = 0.2;

    for (size_t i = 0; i < k; i++)
        f = f < 1.15 ? f + 0.2 : f * 1.5;
    return f;
}

struct sweep_ctx {
    const struct scenario *sc;
    double rate;   /* the scenario's mean rate, arrivals per second */
    size_t first;  /* the first point of this batch */
    unsigned reps; /* replications per point */
    struct diag *d;
};

static void sweep_metric(const struct metric *mt, double *n, double *p50,
                         double *p99)
{
    *n = (double)mt->w.n;
    *p50 = mt->w.n ? qhist_quantile(mt->h, 0.50) : 0;
    *p99 = mt->w.n ? qhist_quantile(mt->h, 0.99) : 0;
}

static int sweep_has(const struct run_result *res, size_t b, const char *key,
                     double *v)
{
    return report_figure(res, 1, (int)b, key, v, &(double){0}) == 0;
}

/* The measurement window of a point at `rate` arrivals per second: the
 * scenario's, cut to STUDY_SWEEP_ARRIVALS expected arrivals but not under
 * STUDY_SWEEP_MIN_WINDOW, for arrivals that look the same at every time
 * (study/sweep.h). */
static double sweep_window(const struct scenario *sc, double rate)
{
    double window = sc->horizon - sc->warmup;
    double cut = fmax(STUDY_SWEEP_ARRIVALS / rate, STUDY_SWEEP_MIN_WINDOW);

    if (!arrivals_spec_is_stationary(&sc->workload.arrivals))
        return window;
    return cut < window ? cut : window;
}

/* Item i: replication i % reps of point first + i / reps, in a copy of
 * the arrivals: scalars only change (rate, an MMPP's two rates, a
 * trace's speedup), so the shallow copy leaves sc as it was; its horizon
 * is the warm-up and the point's window. */
static int sweep_item(void *ctx, size_t i, void *out)
{
    const struct sweep_ctx *c = ctx;
    struct scenario sc = *c->sc;
    struct sweep_rep *row = out;
    struct run_result res;
    double rate = c->rate * sweep_factor(c->first + i / c->reps);
    int st;

    if (arrivals_spec_set_rate(&sc.workload.arrivals, rate))
        return SLM_EINPUT;
    sc.horizon = sc.warmup + sweep_window(c->sc, rate);
    memset(&res, 0, sizeof res);
    st = run_result_init(&res, sc.nbackends);
    if (!st)
        st = run_replication(&sc, (unsigned)(i % c->reps), NULL, c->d, &res);
    if (!st) {
        sweep_metric(&res.overall[RUN_E2E], &row->n, &row->p50, &row->p99);
        for (size_t b = 0; b < sc.nbackends; b++) {
            sweep_metric(&res.backend[b].lat[RUN_E2E], &row->bn[b],
                         &row->bp50[b], &row->bp99[b]);
            row->has_busy[b] = (unsigned char)sweep_has(
                &res, b, "utilization", &row->busy[b]);
            row->has_kv[b] = (unsigned char)sweep_has(
                &res, b, "kv.occupancy.mean", &row->kv[b]);
        }
    }
    run_result_fini(&res);
    return st;
}

#define SWEEP_MAX_REPS 2

/* The mean across replications of the values present (NaN: none), as
 * report_latency and report_figure take it (stats_ci_t). */
static double sweep_mean(const double *v, const unsigned char *has,
                         unsigned reps)
{
    double x[SWEEP_MAX_REPS], mean, hw;
    size_t k = 0;

    for (unsigned r = 0; r < reps; r++)
        if (has[r])
            x[k++] = v[r];
    if (k == 0)
        return (double)NAN;
    stats_ci_t(x, k, 0.95, &mean, &hw);
    return mean;
}

/* Point k from its replications' rows rep[0..n). */
static void sweep_store(const struct scenario *sc, const struct sweep_rep *rep,
                        unsigned n, size_t k, double vol,
                        struct study_sweep *sw)
{
    double v[4][SWEEP_MAX_REPS];
    unsigned char h[3][SWEEP_MAX_REPS];

    sw->vol[k] = vol;
    for (unsigned r = 0; r < n; r++) {
        v[0][r] = rep[r].p50;
        v[1][r] = rep[r].p99;
        h[0][r] = rep[r].n > 0;
    }
    /* overall: 0 when nothing completed, as report_latency leaves it */
    sw->p50[k] = sweep_mean(v[0], h[0], n);
    sw->p99[k] = sweep_mean(v[1], h[0], n);
    if (isnan(sw->p50[k]))
        sw->p50[k] = sw->p99[k] = 0;
    for (size_t b = 0; b < sc->nbackends; b++) {
        for (unsigned r = 0; r < n; r++) {
            v[0][r] = rep[r].bp50[b];
            v[1][r] = rep[r].bp99[b];
            v[2][r] = rep[r].busy[b];
            v[3][r] = rep[r].kv[b];
            h[0][r] = rep[r].bn[b] > 0;
            h[1][r] = rep[r].has_busy[b];
            h[2][r] = rep[r].has_kv[b];
        }
        sw->bp50[b][k] = sweep_mean(v[0], h[0], n);
        sw->bp99[b][k] = sweep_mean(v[1], h[0], n);
        sw->busy[b][k] = sweep_mean(v[2], h[1], n);
        sw->kv[b][k] = sweep_mean(v[3], h[2], n);
    }
}

static int sweep_knee(const struct scenario *sc, const struct study_sweep *sw,
                      size_t k)
{
    if (sw->p99[k] >= 3 * fmax(sc->slo.e2e_p99, sw->p99[0]))
        return 1;
    for (size_t b = 0; b < sc->nbackends; b++)
        if (sw->bp99[b][k] >= 3 * sw->bp99[b][0])
            return 1;
    return 0;
}

/* The points up to 1.2x always run; past it the sweep stops at the knee.
 * Each replication of each point is one item for the worker pool: the
 * first batch is every point up to 1.2x, then batches of as many points
 * as fill the jobs (one point's two replications on two cores), taken in
 * order up to the knee.  A batch of several points may compute one past
 * the knee, which is dropped: the figures are those of one process
 * whatever the number of jobs. */
#define SWEEP_BELOW_KNEE 6

int study_load_sweep(const struct scenario *sc, struct diag *d,
                     const struct study_jobs *jobs, struct study_sweep *sw)
{
    unsigned reps = sc->replications < SWEEP_MAX_REPS ? sc->replications
                                                      : SWEEP_MAX_REPS;
    struct sweep_ctx c = {sc, arrivals_mean_rate(&sc->workload.arrivals), 0,
                          reps, d};
    struct sweep_rep rows[SWEEP_BELOW_KNEE * SWEEP_MAX_REPS + JOBS_MAX];
    int status[SWEEP_BELOW_KNEE * SWEEP_MAX_REPS + JOBS_MAX];
    unsigned j = jobs && jobs->jobs > 1 ? jobs->jobs : 1;
    size_t k = 0;
    int st = SLM_OK, knee = 0;

    memset(sw, 0, sizeof *sw);
    sw->reps = reps;
    if (!(c.rate > 0) || !isfinite(c.rate) || reps == 0)
        return SLM_OK;
    {
        /* a process whose rate cannot be set has no sweep */
        struct arrivals_spec a = sc->workload.arrivals;
        if (arrivals_spec_set_rate(&a, c.rate * 0.2))
            return SLM_OK;
    }
    while (k < STUDY_SWEEP_MAX && !knee && !st) {
        size_t points = k == 0 ? SWEEP_BELOW_KNEE : (j + reps - 1) / reps;
        struct jobs_spec js;
        if (points > STUDY_SWEEP_MAX - k)
            points = STUDY_SWEEP_MAX - k;
        c.first = k;
        js = (struct jobs_spec){.n = points * reps,
                                .rowsize = sizeof rows[0], .jobs = j,
                                .compute = sweep_item, .ctx = &c};
        if (jobs) {
            js.progress = jobs->progress;
            js.progress_ctx = jobs->progress_ctx;
        }
        st = jobs_run(&js, rows, status, NULL);
        for (size_t i = 0; i < points && !st && !knee; i++, k++) {
            double f = sweep_factor(k);
            for (unsigned r = 0; r < reps && !st; r++)
                st = status[i * reps + r];
            if (st)
                break;
            sweep_store(sc, &rows[i * reps], reps, k,
                        c.rate * f * UNITS_MONTH, sw);
            if (sw->cut_volume == 0 &&
                sweep_window(sc, c.rate * f) < sc->horizon - sc->warmup)
                sw->cut_volume = sw->vol[k];
            knee = f > 1.15 && sweep_knee(sc, sw, k);
        }
    }
    sw->n = st ? 0 : k;
    return st;
}
