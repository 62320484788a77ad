#include "study/sweep.h"

#include <math.h>
#include <string.h>

#include "models/report.h"
#include "sim/arrivals.h"
#include "sim/units.h"
#include "study/jobs.h"

/* Backend b's figure key over res[0..n), NaN when it has none. */
static double sweep_figure(const struct run_result *res, size_t n, int b,
                           const char *key)
{
    double mean, hw;

    return report_figure(res, n, b, key, &mean, &hw) ? (double)NAN : mean;
}

/* One point's figures, plain bytes for study/jobs.h. */
struct sweep_row {
    double p50, p99;
    double bp50[SCENARIO_MAX_BACKENDS], bp99[SCENARIO_MAX_BACKENDS];
    double busy[SCENARIO_MAX_BACKENDS], kv[SCENARIO_MAX_BACKENDS];
};

/* The sweep's points: factor of the mean rate for point k.  0.2x..1.2x in
 * steps of 0.2x, then steps of 1.5x: the sequence the serial sweep took,
 * so that every point is known before any has run. */
static double sweep_factor(size_t k)
{
    double f = 0.2;

    for (size_t i = 0; i < k; i++)
        f = f < 1.15 ? f + 0.2 : f * 1.5;
    return f;
}

struct sweep_ctx {
    const struct scenario *sc;
    double rate;  /* the scenario's mean rate, arrivals per second */
    size_t first; /* the first point of this batch */
    struct diag *d;
};

/* Point first + k of sc at its rate, in a copy of the arrivals: scalars
 * only change (rate, an MMPP's two rates, a trace's speedup), so the
 * shallow copy leaves sc as it was. */
static int sweep_point(void *ctx, size_t k, void *out)
{
    const struct sweep_ctx *c = ctx;
    struct scenario sc = *c->sc;
    struct sweep_row *row = out;
    struct run_result res[2];
    struct report_stat stat;
    unsigned reps = sc.replications < 2 ? sc.replications : 2;
    size_t n = 0;
    int st = SLM_OK;

    if (arrivals_spec_set_rate(&sc.workload.arrivals,
                               c->rate * sweep_factor(c->first + k)))
        return SLM_EINPUT;
    memset(res, 0, sizeof res);
    for (unsigned r = 0; r < reps && !st; r++) {
        st = run_result_init(&res[r], sc.nbackends);
        n = r + 1;
        if (!st)
            st = run_replication(&sc, r, NULL, c->d, &res[r]);
    }
    if (!st) {
        report_latency(res, n, -1, RUN_E2E, &stat);
        row->p50 = stat.p50;
        row->p99 = stat.p99;
        for (size_t b = 0; b < sc.nbackends; b++) {
            report_latency(res, n, (int)b, RUN_E2E, &stat);
            row->bp50[b] = stat.n ? stat.p50 : (double)NAN;
            row->bp99[b] = stat.n ? stat.p99 : (double)NAN;
            row->busy[b] = sweep_figure(res, n, (int)b, "utilization");
            row->kv[b] = sweep_figure(res, n, (int)b, "kv.occupancy.mean");
        }
    }
    for (size_t r = 0; r < n; r++)
        run_result_fini(&res[r]);
    return st;
}

static void sweep_store(const struct scenario *sc, const struct sweep_row *r,
                        size_t k, double vol, struct study_sweep *sw)
{
    sw->vol[k] = vol;
    sw->p50[k] = r->p50;
    sw->p99[k] = r->p99;
    for (size_t b = 0; b < sc->nbackends; b++) {
        sw->bp50[b][k] = r->bp50[b];
        sw->bp99[b][k] = r->bp99[b];
        sw->busy[b][k] = r->busy[b];
        sw->kv[b][k] = r->kv[b];
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

/* The points below 1.2x always run; past it the sweep stops at the knee.
 * Points run in batches of `jobs` (the first batch: all up to 1.2x, or
 * jobs when more) and are taken in order up to the knee, so a batch may
 * compute a point or two past it that is then dropped: the figures are
 * those of the serial sweep whatever the number of jobs. */
#define SWEEP_BELOW_KNEE 6

int study_load_sweep(const struct scenario *sc, struct diag *d,
                     const struct study_jobs *jobs, struct study_sweep *sw)
{
    struct sweep_ctx c = {sc, arrivals_mean_rate(&sc->workload.arrivals), 0,
                          d};
    struct sweep_row rows[STUDY_SWEEP_MAX];
    int status[STUDY_SWEEP_MAX];
    size_t k = 0;
    int st = SLM_OK, knee = 0;

    memset(sw, 0, sizeof *sw);
    if (!(c.rate > 0) || !isfinite(c.rate))
        return SLM_OK;
    {
        /* a process whose rate cannot be set has no sweep */
        struct arrivals_spec a = sc->workload.arrivals;
        if (arrivals_spec_set_rate(&a, c.rate * 0.2))
            return SLM_OK;
    }
    while (k < STUDY_SWEEP_MAX && !knee && !st) {
        unsigned j = jobs && jobs->jobs > 1 ? jobs->jobs : 1;
        size_t batch = k == 0 && j < SWEEP_BELOW_KNEE ? SWEEP_BELOW_KNEE : j;
        struct jobs_spec js = {0};
        size_t failed = 0;
        if (batch > STUDY_SWEEP_MAX - k)
            batch = STUDY_SWEEP_MAX - k;
        c.first = k;
        js = (struct jobs_spec){.n = batch, .rowsize = sizeof rows[0],
                                .jobs = j, .compute = sweep_point,
                                .ctx = &c};
        if (jobs) {
            js.progress = jobs->progress;
            js.progress_ctx = jobs->progress_ctx;
        }
        st = jobs_run(&js, rows, status, &failed);
        for (size_t i = 0; i < batch && !st && !knee; i++, k++) {
            double f = sweep_factor(k);
            if ((st = status[i]) != SLM_OK)
                break;
            sweep_store(sc, &rows[i], k,
                        c.rate * f * UNITS_MONTH, sw);
            knee = f > 1.15 && sweep_knee(sc, sw, k);
        }
    }
    sw->n = st ? 0 : k;
    return st;
}
