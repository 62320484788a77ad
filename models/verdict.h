/*
 * verdict: whether a run met its service-level objective, and why not.
 *
 * A run meets its SLO when every latency target holds (P99 of TTFT, e2e,
 * time per output token, across replications, overall as users see it),
 * the share of arrivals that failed or were rejected is at most
 * slo.max_failed (default 0.1%), the run is stable (models/run.h: a queue
 * still growing makes every latency figure a function of the horizon), and,
 * with slo.deadline, every day's burst finished by that time of day.
 * verdict_compute() is the one place that decides; the text report,
 * results.json and the commands that exit on a missed SLO all ask it.
 */
#ifndef SLM_VERDICT_H
#define SLM_VERDICT_H

#include <stddef.h>

#include "models/run.h"
#include "models/scenario.h"

#define VERDICT_DEFAULT_MAX_FAILED 0.001
#define VERDICT_MAX_TARGETS 3

/* Reasons a verdict fails, as bits of verdict.failed_by. */
enum {
    VERDICT_LATENCY = 1u << 0,
    VERDICT_FAILURES = 1u << 1,
    VERDICT_UNSTABLE = 1u << 2,
    VERDICT_DEADLINE = 1u << 3
};

struct verdict_target {
    const char *key;  /* "ttft_p99", static */
    const char *name; /* "TTFT", static */
    enum run_metric metric;
    double target;    /* s */
    double p99, p99_low, p99_high; /* overall, 95% interval */
    uint64_t samples;
    int met;       /* p99 <= target (no samples: not met) */
    int undecided; /* the target lies inside the interval */
};

struct verdict {
    int has_slo;  /* the scenario states one; otherwise nothing below */
    int met;
    unsigned failed_by; /* VERDICT_* bits */
    size_t ntargets;
    struct verdict_target target[VERDICT_MAX_TARGETS];
    double failed_share; /* (failed + rejected) / arrived, pooled */
    double max_failed;
    struct run_stability stability;
    int has_deadline;
    double deadline;       /* s after midnight */
    size_t days, days_late; /* days with arrivals; those that missed it */
};

/* Decides for res[0..n) of sc. */
void verdict_compute(const struct scenario *sc, const struct run_result *res,
                     size_t n, struct verdict *out);

/* One line: "SLO met" or "SLO NOT met: 21.6% of requests failed or were
 * rejected (allowed 0.1%); ..." naming every reason, into buf. */
const char *verdict_describe(const struct verdict *v, char *buf,
                             size_t size);

/* Parses the slo section (node may be NULL) into *out: ttft_p99, e2e_p99,
 * tpot_p99 (durations), max_failed (a share in [0, 1], or a percentage
 * "0.5%"), deadline ("HH:MM", daily).  0, or -1 after reporting to d. */
struct cfg_node;
int verdict_parse_slo(const struct cfg_node *node, struct scenario_slo *out,
                      struct diag *d);

/* "06:00" -> 21600 s; -1 when text is not HH:MM with HH < 24, MM < 60. */
double verdict_parse_time_of_day(const char *text);

#endif
