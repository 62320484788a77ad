#include "study/sweep.h"

#include <math.h>
#include <string.h>

#include "models/report.h"
#include "sim/arrivals.h"
#include "sim/units.h"

/* Backend b's figure key over res[0..n), NaN when it has none. */
static double sweep_figure(const struct run_result *res, size_t n, int b,
                           const char *key)
{
    double mean, hw;

    return report_figure(res, n, b, key, &mean, &hw) ? (double)NAN : mean;
}

/* Point k: sc as it stands (its rate already set). */
static int sweep_point(const struct scenario *sc, size_t k, struct diag *d,
                       struct study_sweep *sw)
{
    struct run_result res[2];
    struct report_stat stat;
    unsigned reps = sc->replications < 2 ? sc->replications : 2;
    size_t n = 0;
    int st = SLM_OK;

    memset(res, 0, sizeof res);
    for (unsigned r = 0; r < reps && !st; r++) {
        st = run_result_init(&res[r], sc->nbackends);
        n = r + 1;
        if (!st)
            st = run_replication(sc, r, NULL, d, &res[r]);
    }
    if (!st) {
        report_latency(res, n, -1, RUN_E2E, &stat);
        sw->p50[k] = stat.p50;
        sw->p99[k] = stat.p99;
        for (size_t b = 0; b < sc->nbackends; b++) {
            report_latency(res, n, (int)b, RUN_E2E, &stat);
            sw->bp50[b][k] = stat.n ? stat.p50 : (double)NAN;
            sw->bp99[b][k] = stat.n ? stat.p99 : (double)NAN;
            sw->busy[b][k] = sweep_figure(res, n, (int)b, "utilization");
            sw->kv[b][k] = sweep_figure(res, n, (int)b, "kv.occupancy.mean");
        }
    }
    for (size_t r = 0; r < n; r++)
        run_result_fini(&res[r]);
    return st;
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

int study_load_sweep(struct scenario *sc, struct diag *d,
                     struct study_sweep *sw)
{
    struct arrivals_spec saved = sc->workload.arrivals;
    double rate = arrivals_mean_rate(&sc->workload.arrivals), factor = 0.2;
    size_t k;
    int st = SLM_OK;

    memset(sw, 0, sizeof *sw);
    if (!(rate > 0) || !isfinite(rate))
        return SLM_OK;
    for (k = 0; k < STUDY_SWEEP_MAX && !st; k++) {
        /* Scalars only change (rate, an MMPP's two rates, a trace's
         * speedup): the saved copy restores them exactly. */
        sc->workload.arrivals = saved;
        if (arrivals_spec_set_rate(&sc->workload.arrivals, rate * factor)) {
            k = 0;
            break;
        }
        st = sweep_point(sc, k, d, sw);
        sw->vol[k] = rate * factor * UNITS_MONTH;
        if (!st && factor > 1.15 && sweep_knee(sc, sw, k)) {
            k++;
            break;
        }
        factor = factor < 1.15 ? factor + 0.2 : factor * 1.5;
    }
    sc->workload.arrivals = saved;
    sw->n = st ? 0 : k;
    return st;
}
