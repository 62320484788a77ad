/*
 * verdict: did the runs meet the scenario's SLO, and if not, why.
 *
 * The SLO is missed when any P99 with a target (slo.ttft_p99, slo.e2e_p99;
 * the mean over replications of each replication's P99, overall as users
 * see it) exceeds it, when the failed or rejected share of the arrivals
 * exceeds STUDY_MAX_FAILED, or when the run is unstable: more than
 * STUDY_MAX_IN_FLIGHT of the arrivals still in the system at the horizon
 * (a queue that grows without bound), whatever the latencies of those
 * that finished say.  The first reason found is the one given.
 *
 * This is the study layer's reading of a run; `--fail-on-slo` (exit 3)
 * and compare's verdict column both come from here.
 */
#ifndef SLM_STUDY_VERDICT_H
#define SLM_STUDY_VERDICT_H

#include <stddef.h>

#include "models/run.h"
#include "models/scenario.h"

#define STUDY_MAX_FAILED 0.001    /* 0.1% of the arrivals */
#define STUDY_MAX_IN_FLIGHT 0.02  /* as capacity probes count a queue */

struct study_verdict {
    int has_slo;          /* the scenario sets a target */
    int met;              /* 1 met, 0 missed (1 without an SLO) */
    const char *why;      /* static: "ttft_p99", "e2e_p99", "failures",
                             "unstable"; NULL when met */
    double failed_share;  /* failed + rejected, of the arrivals */
    double in_flight_share;
    double p99[2], p99_hw[2]; /* ttft, e2e overall: mean of each
                                 replication's P99 and its 95% half-width */
};

/* The verdict for sc over res[0..n). */
void study_verdict(const struct scenario *sc, const struct run_result *res,
                   size_t n, struct study_verdict *out);

#endif
