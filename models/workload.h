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
 * generic stations), or with a trace, with the trace's tokens.  Shares
 * must sum to 1 (within 1e-6).  Each request draws its task, then its
 * token counts, from the "workload.tasks" stream, unless the trace gives
 * them: with `process: trace`, a task's input_tokens / output_tokens come
 * from the trace when left out or written `trace` (a distribution given
 * there wins over the trace), and the task comes from the trace's task
 * mapping when it has one.
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

#define WORKLOAD_MAX_TASKS 64
/* The largest token count a request may have: ten times the longest
 * context any catalog model takes.  A task whose token distribution has a
 * mean above it is a located error; a draw from a long tail beyond it is
 * cut to it (before, counts above 4e9 were clamped without a word). */
#define WORKLOAD_MAX_TOKENS 1e7

struct task_spec {
    char *type;              /* owned */
    double share;            /* in (0, 1] */
    struct dist input_tokens;  /* tokens */
    struct dist output_tokens; /* tokens */
    int input_from_trace;    /* 1: the trace row's count, not the dist */
    int output_from_trace;
    double accuracy_local;   /* in [0, 1]; NaN when not given */
    double accuracy_api;     /* in [0, 1]; NaN when not given */
};

struct workload_spec {
    struct arrivals_spec arrivals;
    size_t ntasks;
    struct task_spec *tasks; /* owned, ntasks entries */
    double *cum_share;       /* owned, cumulative shares */
};

/* Parses the workload mapping; trace paths are relative to base_dir (the
 * scenario file's folder).  A trace is read through once here
 * (arrivals_scan), so bad rows are found at load time.  0, or -1 after
 * reporting to d (or out of memory, nothing reported). */
int workload_parse(const struct cfg_node *node, const char *base_dir,
                   struct workload_spec *w, struct diag *d);
void workload_spec_fini(struct workload_spec *w);

/* Index of the task named type, or -1. */
int workload_task_index(const struct workload_spec *w, const char *type);

/* Fills r->task and the token counts, drawing from r_mix: the task from the
 * shares unless a.task >= 0, each token count from the trace when a
 * has_tokens and the task takes it from there, else from the task's
 * distribution (rounded to the nearest integer, at least 0); and the
 * trace row's block hashes (a borrowed pointer into w's trace cache) when
 * the input count is the trace's. */
void workload_fill_request(const struct workload_spec *w,
                           const struct arrival *a, gsl_rng *r_mix,
                           struct request *r);

#endif
