/*
 * router: which backend a request goes to, and what happens to the answer.
 *
 *   routing: {policy: single, backend: mm16}            everything to one
 *   routing: {policy: split, shares: {a: 0.7, b: 0.3}}  random split
 *   routing: {policy: all-local}                        everything local
 *   routing: {policy: all-api}                          everything to the API
 *   routing: {policy: task-based, local_tasks: [document-classification]}
 *   routing: {policy: confidence-fallback, fallback_rate: 0.05,
 *             fallback_by_task: {summarization: 0.3}}
 *   routing: {policy: overflow, max_wait: 200ms}
 *   routing: {policy: failover, primary: local}
 * and, with any policy:
 *   local: NAME, api: NAME      the two sides (defaults below)
 *   router_delay: 8ms | {dist: ...} | NAME-OF-A-STATION
 *   format_error_rate: 0.01, format_retries: 1
 *
 * The hybrid policies see two sides.  "local" is the backend named by
 * `local`, else the only backend not of kind api (the router-delay station
 * aside), else the one named "local"; "api" is the backend named by `api`,
 * else the only one of kind api, else the one named "api".
 *
 * - task-based: tasks in local_tasks go local, the others to the API.
 * - confidence-fallback: everything local first.
 * - overflow: local unless the local backend predicts a wait above
 *   max_wait (default slo.ttft_p99, else slo.e2e_p99), then the API.
 * - failover: to the primary side (default local) unless it is down and the
 *   other is up (backend_kind.available).
 * With task-based, confidence-fallback, overflow and failover, a share of
 * the answers the local side gives (fallback_by_task for the task, else
 * fallback_rate; default 0, required for confidence-fallback) is escalated:
 * the same request goes on to the API and pays both latencies and both
 * bills.  An API answer is rejected by the response validator with
 * probability format_error_rate and asked again, up to format_retries
 * times (default 1); the last rejection fails the request.
 * router_delay is added to every request before routing: a duration
 * distribution ("router.delay" stream), or a station backend that the
 * request visits first.
 *
 * Draws: split from "router", escalation from "router.fallback", the
 * validator from "router.validator" (the run owns the streams).
 */
#ifndef SLM_ROUTER_H
#define SLM_ROUTER_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "models/backend.h"
#include "models/workload.h"
#include "sim/cfg.h"
#include "sim/diag.h"
#include "sim/dist.h"
#include "sim/sim.h"

enum router_policy {
    ROUTER_SINGLE,
    ROUTER_SPLIT,
    ROUTER_ALL_LOCAL,
    ROUTER_ALL_API,
    ROUTER_TASK_BASED,
    ROUTER_CONFIDENCE_FALLBACK,
    ROUTER_OVERFLOW,
    ROUTER_FAILOVER,
    ROUTER_NPOLICIES
};
extern const char *const router_policy_names[ROUTER_NPOLICIES];

/* Why a request went where it first went. */
enum router_reason {
    ROUTER_BY_POLICY,   /* the policy's one target, or a split draw */
    ROUTER_BY_TASK,     /* task-based */
    ROUTER_BY_OVERFLOW, /* overflow: local would have waited too long */
    ROUTER_BY_FAILOVER, /* failover: the primary side was down */
    ROUTER_NREASONS
};
extern const char *const router_reason_names[ROUTER_NREASONS];

enum router_side { ROUTER_LOCAL, ROUTER_API, ROUTER_NSIDES };

/* Which local answers confidence fallback escalates (models/accuracy.h
 * has the formula): those with the lowest confidence score, whose ROC AUC
 * against correctness is fallback_auc (default ROUTER_DEFAULT_AUC), or a
 * random share (escalation: random, the score independent of being
 * right).  Either way the same share is escalated, so latency and cost
 * do not depend on it; the blended accuracy does. */
enum router_escalation { ROUTER_ESCALATE_CONFIDENCE, ROUTER_ESCALATE_RANDOM };
#define ROUTER_DEFAULT_AUC 0.75

struct router_spec {
    enum router_policy policy;
    int target;             /* single: backend index */
    size_t n;               /* split: number of backends */
    double *cum_share;      /* split: owned cumulative shares, n entries */
    int local, api;         /* backend indices of the sides; -1: none */
    size_t nb;              /* backends */
    unsigned char *side;    /* owned, nb entries: enum router_side */
    size_t ntasks;          /* the workload's tasks */
    unsigned char *task_local; /* task-based: owned, ntasks flags */
    double *fallback;       /* owned, ntasks shares escalated; NULL: none */
    double fallback_rate;   /* the default share */
    int escalation;         /* enum router_escalation */
    double fallback_auc;    /* default AUC of the confidence score */
    double *auc;            /* owned, ntasks AUCs (with fallback) */
    double max_wait;        /* overflow: s */
    int primary;            /* failover: enum router_side */
    int has_delay;          /* router_delay is a distribution */
    struct dist delay;      /* s; owned arrays */
    int delay_backend;      /* router_delay as a station; -1: none */
    double format_error_rate; /* share of API answers rejected */
    long format_retries;    /* re-asks after a rejection */
    char *max_wait_from;    /* owned: "slo.e2e_p99" etc. when defaulted */
};

/* What router_parse checks the routing block against (all borrowed). */
struct router_context {
    const char *const *names;                /* backend names, nb */
    const struct backend_kind *const *kinds; /* backend kinds, nb */
    size_t nb;
    const struct workload_spec *workload;
    double slo_ttft_p99, slo_e2e_p99;        /* s; 0 when not set */
};

/* Parses routing (node may be NULL when absent).  0, SLM_EINPUT after
 * reporting, or SLM_ENOMEM.  spec owns its arrays: router_spec_fini (also after a
 * failure). */
int router_parse(const struct cfg_node *node, const struct router_context *c,
                 struct router_spec *spec, struct diag *d);
void router_spec_fini(struct router_spec *spec);

/* A copy of spec under another policy, for what-if runs (the
 * accuracy-cost figure): the sides, the router delay and the validator
 * are kept.  policy is ROUTER_ALL_LOCAL, ROUTER_ALL_API, ROUTER_TASK_BASED
 * (task_local: spec->ntasks flags, 1 = local; borrowed, copied) or
 * ROUTER_CONFIDENCE_FALLBACK (fallback_rate escalated for every task);
 * spec must have both sides.  Returns 0 with *out owned by the caller
 * (router_spec_fini), or SLM_ENOMEM. */
int router_spec_whatif(const struct router_spec *spec,
                       enum router_policy policy,
                       const unsigned char *task_local, double fallback_rate,
                       struct router_spec *out);

/* The live backends of one replication, for the policies that ask them. */
struct router_live {
    struct sim *s;
    const struct backend_kind *const *kinds; /* nb, borrowed */
    void *const *inst;                       /* nb, borrowed */
    gsl_rng *rng;                            /* the "router" stream */
};

/* The backend index for request r (by task, by state); *why says why. */
int router_choose(const struct router_spec *spec, const struct router_live *l,
                  const struct request *r, enum router_reason *why);

/* Share of the local side's answers to task that are escalated (0 when the
 * policy does not escalate). */
double router_fallback_share(const struct router_spec *spec, int task);

/* The AUC the escalation of task's answers selects with: 0.5 for
 * escalation: random, else the task's fallback_auc. */
double router_fallback_auc(const struct router_spec *spec, int task);

const char *router_describe(const struct router_spec *spec,
                            const char *const *names, char *buf, size_t size);

#endif
