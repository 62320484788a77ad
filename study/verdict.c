#include "study/verdict.h"

#include <string.h>

#include "models/report.h"
#include "models/verdict.h"

/* The study layer reads the model's verdict (models/verdict.h, the one
 * place that decides) and adds the P99s a comparison table shows even
 * where the SLO sets no target. */
void study_verdict(const struct scenario *sc, const struct run_result *res,
                   size_t n, struct study_verdict *out)
{
    static const enum run_metric metric[2] = {RUN_TTFT, RUN_E2E};
    struct verdict v;
    double arrived = 0, in_flight = 0;

    memset(out, 0, sizeof *out);
    verdict_compute(sc, res, n, &v);
    for (size_t r = 0; r < n; r++) {
        arrived += (double)res[r].arrived;
        in_flight += (double)res[r].in_flight;
    }
    out->has_slo = v.has_slo;
    out->met = v.has_slo ? v.met : 1;
    out->failed_share = v.failed_share;
    out->in_flight_share = arrived > 0 ? in_flight / arrived : 0;
    for (int i = 0; i < 2; i++) {
        struct report_stat st;
        report_latency(res, n, -1, metric[i], &st);
        out->p99[i] = st.p99;
        out->p99_hw[i] = st.p99_hw;
    }
    if (out->met)
        return;
    /* The first reason, in the order a reader acts on them. */
    if (v.failed_by & VERDICT_UNSTABLE)
        out->why = "unstable";
    else if (v.failed_by & VERDICT_FAILURES)
        out->why = "failures";
    else if (v.failed_by & VERDICT_DEADLINE)
        out->why = "deadline";
    else
        for (size_t i = 0; i < v.ntargets && !out->why; i++)
            if (!v.target[i].met)
                out->why = v.target[i].key;
    if (!out->why)
        out->why = "latency";
}
