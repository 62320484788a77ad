#include "study/verdict.h"

#include <string.h>

#include "models/report.h"

void study_verdict(const struct scenario *sc, const struct run_result *res,
                   size_t n, struct study_verdict *out)
{
    static const enum run_metric metric[2] = {RUN_TTFT, RUN_E2E};
    static const char *const names[2] = {"ttft_p99", "e2e_p99"};
    const double target[2] = {sc->slo.ttft_p99, sc->slo.e2e_p99};
    double arrived = 0, failed = 0, in_flight = 0;

    memset(out, 0, sizeof *out);
    for (size_t r = 0; r < n; r++) {
        arrived += (double)res[r].arrived;
        failed += (double)(res[r].failed + res[r].rejected);
        in_flight += (double)res[r].in_flight;
    }
    out->failed_share = arrived > 0 ? failed / arrived : 0;
    out->in_flight_share = arrived > 0 ? in_flight / arrived : 0;
    out->met = 1;
    for (int i = 0; i < 2; i++) {
        struct report_stat st;
        report_latency(res, n, -1, metric[i], &st);
        out->p99[i] = st.p99;
        out->p99_hw[i] = st.p99_hw;
        if (target[i] > 0) {
            out->has_slo = 1;
            if (out->met && !(st.n > 0 && st.p99 <= target[i])) {
                out->met = 0;
                out->why = names[i];
            }
        }
    }
    if (!out->has_slo)
        return;
    /* Latencies of what finished say nothing of what never did. */
    if (out->in_flight_share > STUDY_MAX_IN_FLIGHT) {
        out->met = 0;
        out->why = "unstable";
    } else if (out->failed_share > STUDY_MAX_FAILED) {
        out->met = 0;
        out->why = "failures";
    }
}
