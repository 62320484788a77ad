/*
 * whatif: the scenario under other routing policies, for the
 * accuracy-cost figure.
 *
 * The scenario's own point comes from the replications it already ran;
 * each variant (all-local, all-api, task-based with the narrow tasks
 * local when the workload has narrow and broad ones, confidence fallback
 * at 5%, 10% and 20%; the one that is the scenario's own routing left
 * out) runs the scenario again with that routing for at most
 * WHATIF_REPS replications, the scenario's own seeds.  Each point is its
 * blended accuracy and its monthly cost as run (study/economics.h, the
 * one pricing path).  The variants run in worker processes
 * (study/jobs.h) and give the same figures with any number of jobs.
 */
#ifndef SLM_STUDY_WHATIF_H
#define SLM_STUDY_WHATIF_H

#include <stddef.h>

#include "models/router.h"
#include "models/run.h"
#include "models/scenario.h"
#include "sim/diag.h"
#include "study/sweep.h"

#define WHATIF_REPS 3
#define WHATIF_MAX 8 /* the own point and at most 6 variants */

struct whatif_point {
    enum router_policy policy;
    int own;             /* the scenario's own routing */
    double rate;         /* confidence fallback: the escalated share */
    char label[48];      /* "all-local", "fallback 5%", ... */
    double accuracy;     /* blended expected accuracy */
    double monthly_cost; /* $ per month as run */
};

struct study_whatifs {
    size_t n; /* points with a finite accuracy, the own point first */
    struct whatif_point pt[WHATIF_MAX];
};

/* The points of sc, whose own replications are res[0..n) (sc needs
 * costs, a local and an api side: otherwise out->n = 0).  jobs NULL: one
 * process.  Returns 0, SLM_ENOMEM, SLM_EINTR, a failed run's status
 * (reported to d) or SLM_ESYS when a worker died. */
int study_policy_whatifs(const struct scenario *sc,
                         const struct run_result *res, size_t n,
                         const struct study_jobs *jobs, struct diag *d,
                         struct study_whatifs *out);

#endif
