/*
 * workload: what arrives: the arrival process and the task mix.
 *
 *   workload:
 *     arrivals: {process: poisson, volume: 1e6/month}
 *     tasks:
 *       - {type: document-classification, share: 0.8,
 *          input_tokens: 300, output_tokens: 200}
 *       - {type: summarization, share: 0.2,
 *          input_tokens: {dist: lognormal, median: 800, p99: 4000},
 *          output_tokens: 500, accuracy: {local: 0.75, api: 0.92}}
 *
 * tasks may be left out: one task "default" with 0 tokens (enough for
 * generic stations).  Shares must sum to 1 (within 1e-6).  Each request
 * draws its task, then its token counts, from the "workload.tasks" stream.
 * accuracy (optional) overrides the built-in table of models/accuracy.h for
 * that task: the share of answers that are right, in [0, 1], from the local
 * model and from the API.
 */
#ifndef SLM_WORKLOAD_H
#define SLM_WORKLOAD_H

#include <stddef.h>

#include "sim/arrivals.h"
#include "sim/dist.h"
#include "sim/sim.h"

struct task_spec {
    char *type;              /* owned */
    double share;            /* in (0, 1] */
    struct dist input_tokens;  /* tokens */
    struct dist output_tokens; /* tokens */
    double accuracy_local;     /* in [0, 1]; NaN when not given */
    double accuracy_api;       /* in [0, 1]; NaN when not given */
};

#define WORKLOAD_MAX_TASKS 64

struct workload_spec {
    struct arrivals_spec arrivals;
    size_t ntasks;
    struct task_spec *tasks; /* owned, ntasks entries */
    double *cum_share;       /* owned, cumulative shares */
};

/* Parses the workload mapping.  0, or -1 after reporting to d. */
int workload_parse(const struct cfg_node *node, struct workload_spec *w,
                   struct diag *d);
void workload_spec_fini(struct workload_spec *w);

/* Index of the task named type, or -1. */
int workload_task_index(const struct workload_spec *w, const char *type);

/* Fills r->task and the token counts, drawing from r_mix: the task from the
 * shares unless a.task >= 0, the tokens from the task's distributions unless
 * a.has_tokens (rounded to the nearest integer, at least 0). */
void workload_fill_request(const struct workload_spec *w,
                           const struct arrival *a, gsl_rng *r_mix,
                           struct request *r);

#endif
