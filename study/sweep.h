/*
 * sweep: the scenario again at other volumes, for the latency-vs-load and
 * utilization figures.
 *
 * Every point scales the arrival process with arrivals_spec_set_rate (the
 * one path a capacity search uses too): the shape of the process is kept,
 * so a diurnal profile, an MMPP's burst ratio or a trace's replay speed
 * all follow the volume.  Points run at most two replications with the
 * scenario's own seeds; the scenario is left as it was.
 *
 * Volumes: 0.2x .. 1.2x the scenario's mean rate in steps of 0.2x, then
 * steps of 1.5x until past the knee (the overall P99 at three times the
 * SLO, or the first P99 when that already misses it, or a backend's P99
 * at three times its first: a hybrid's overall P99 can be the API's, flat,
 * while the GPU's runs away), at most STUDY_SWEEP_MAX points.  The points
 * run in worker processes (study/jobs.h) and give the same figures with
 * any number of jobs.
 *
 * A point's measurement window is the scenario's (horizon - warm-up) cut,
 * for arrivals that look the same at every time (poisson, gamma, mmpp),
 * to hold about STUDY_SWEEP_ARRIVALS expected arrivals, and never under
 * STUDY_SWEEP_MIN_WINDOW (a capacity probe's horizon); the warm-up is
 * kept.  2 x 10^5 arrivals give a P99 from 2,000 samples above it in each
 * replication, and the points past the knee, at tens of times the
 * volume, no longer cost tens of times the run: without the cut they were
 * nine tenths of `slmsim run`'s time on the quickstart.  A diurnal profile
 * or a trace replay keeps its whole window (a cut would keep only its
 * start).  The figures say so (cut_volume).
 */
#ifndef SLM_STUDY_SWEEP_H
#define SLM_STUDY_SWEEP_H

#include <stddef.h>

#include "models/run.h"
#include "models/scenario.h"
#include "sim/diag.h"
#include "study/jobs.h"

/* How a study spreads its independent runs over this machine's cores:
 * jobs worker processes (1: in this process), progress called after each
 * (NULL: none). */
struct study_jobs {
    unsigned jobs;
    jobs_progress_fn *progress;
    void *progress_ctx;
};

#define STUDY_SWEEP_MAX 18
#define STUDY_SWEEP_ARRIVALS 2e5
#define STUDY_SWEEP_MIN_WINDOW 7200.0 /* s */

struct study_sweep {
    size_t n;
    double vol[STUDY_SWEEP_MAX];                  /* queries/month */
    double p50[STUDY_SWEEP_MAX], p99[STUDY_SWEEP_MAX]; /* overall e2e */
    double bp50[SCENARIO_MAX_BACKENDS][STUDY_SWEEP_MAX]; /* e2e there */
    double bp99[SCENARIO_MAX_BACKENDS][STUDY_SWEEP_MAX];
    double busy[SCENARIO_MAX_BACKENDS][STUDY_SWEEP_MAX]; /* NaN: none */
    double kv[SCENARIO_MAX_BACKENDS][STUDY_SWEEP_MAX];   /* NaN: none */
    unsigned reps;     /* replications a point */
    double cut_volume; /* queries/month: the first point whose window was
                          cut; 0: none was */
};

/* Runs the sweep of sc into *out (n = 0 when the process has no rate to
 * scale), jobs NULL for one process.  Returns 0, SLM_ENOMEM, SLM_EINTR,
 * a failed point's status (reported to d), or SLM_ESYS when its worker
 * died. */
int study_load_sweep(const struct scenario *sc, struct diag *d,
                     const struct study_jobs *jobs, struct study_sweep *out);

#endif
