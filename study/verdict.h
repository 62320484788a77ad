/*
 * verdict: did the runs meet the scenario's SLO, and if not, why (one
 * word), for the study layer's tables and exits.
 *
 * The decision is the model's (models/verdict.h: every P99 target, the
 * failed share against slo.max_failed, stability, a daily deadline); this
 * adds the overall P99 TTFT and e2e with their 95% half-widths, which a
 * comparison shows whether or not the SLO targets them.
 */
#ifndef SLM_STUDY_VERDICT_H
#define SLM_STUDY_VERDICT_H

#include <stddef.h>

#include "models/run.h"
#include "models/scenario.h"

struct study_verdict {
    int has_slo;          /* the scenario sets a target */
    int met;              /* 1 met, 0 missed (1 without an SLO) */
    const char *why;      /* static: "unstable", "failures", "deadline",
                             or the target missed ("ttft_p99", "e2e_p99",
                             "tpot_p99"); NULL when met */
    double failed_share;  /* failed + rejected, of the arrivals */
    double in_flight_share;
    double p99[2], p99_hw[2]; /* ttft, e2e overall: mean of each
                                 replication's P99 and its 95% half-width */
};

/* The verdict for sc over res[0..n). */
void study_verdict(const struct scenario *sc, const struct run_result *res,
                   size_t n, struct study_verdict *out);

#endif
