/*
 * compare: purchasing options side by side.
 *
 * Options are named sets of overrides of one base scenario (its
 * `variants:` block: NAME: {KEY.PATH: VALUE, ...}, applied like --set on
 * top of the file and the user's own --set) or several scenario files
 * (one option each, named by the scenario).  Every option runs the same
 * replications with the same seeds: common random numbers, so the
 * arrivals and task draws are identical across options and differences
 * between them are the options', not the dice's.
 *
 * Per option: the hardware (GPUs and type, bought or rented), the
 * capacity at the SLO (a capacity search on its gpu backend, models/
 * capacity.h, as declared: all its replicas; for an option that sends
 * everything to the API, the same search on the api backend, bounded by
 * its rate limits and latency, or "unbounded" when it declares no limit)
 * and the headroom over the volume, the overall P99 TTFT and e2e with 95% intervals, the failed
 * share, the SLO verdict (study/verdict.h), and from the one pricing path
 * (study/pricing.h, measured inputs) the monthly cost of the deployment,
 * its TCO over costs.months with the range over every ranged input, $ per
 * 1K queries, the blended accuracy and the payback month against all API.
 *
 * An option without a costs section is compared on latency alone (its
 * money columns are NaN, "-" in text).
 *
 * The cheapest option (monthly) that meets the SLO is recommended; its
 * lead over the next cheapest that meets it is tested on paired
 * differences across replications (cost and P99 e2e): significant when
 * the 95% Student-t interval of the differences excludes 0.
 */
#ifndef SLM_STUDY_COMPARE_H
#define SLM_STUDY_COMPARE_H

#include <stddef.h>

#include "models/capacity.h"
#include "models/cost.h"
#include "models/run.h"
#include "models/scenario.h"
#include "sim/diag.h"
#include "study/jobs.h"
#include "study/verdict.h"

#define COMPARE_MAX_OPTIONS 16
#define COMPARE_MAX_SETS 64

struct compare_option {
    char name[64];
    char path[512];               /* the file it was loaded from */
    size_t nsets;                 /* its own overrides ("KEY.PATH=VALUE"),
                                     after the user's */
    char *sets[COMPARE_MAX_SETS]; /* owned */
    struct scenario *sc;          /* owned */
    size_t nres;                  /* replications run */
    struct run_result *res;       /* owned, nres; NULL after compare_run
                                     (the results stay where they ran) */
    /* hardware */
    char hardware[96];            /* "2 x L40S bought", "API only" */
    double gpus;
    /* capacity at the SLO, queries/month; 0: not searched (no gpu
     * backend, or no SLO) */
    double capacity;
    enum capacity_status capacity_status;
    int capacity_searched;
    int capacity_unbounded;       /* all to an API that declares no rate
                                     limit: nothing bounds it */
    double headroom;              /* capacity / volume - 1 */
    struct study_verdict verdict;
    /* money, measured inputs, ranged inputs at their middle */
    enum cost_option deployment;
    double volume;                /* queries/month, as run */
    double monthly;
    double tco, tco_lo, tco_hi;
    int months;
    double per_1k;
    int payback_month;            /* 0: never, -1: not applicable */
    double accuracy;              /* NaN when the tables do not say */
    /* per replication, for paired differences */
    double *rep_monthly, *rep_p99_e2e; /* owned, nres */
};

struct compare_study {
    char path[512];
    size_t n;
    struct compare_option opt[COMPARE_MAX_OPTIONS];
    int best;            /* cheapest meeting the SLO; -1: none meets it */
    int runner_up;       /* the next cheapest meeting it; -1: none */
    /* paired differences runner-up minus best, across replications */
    double d_cost, d_cost_hw, d_p99, d_p99_hw;
    int cost_significant, p99_significant;
    size_t replications;
    double capacity_horizon; /* s per capacity probe */
};

/* Progress: called before the options' runs and their capacity searches
 * (option "every option"). */
typedef void compare_progress_fn(void *ctx, const char *option,
                                 const char *what);

struct compare_opts {
    const char *const *paths;  /* one file with variants, or several */
    size_t npaths;
    const char *const *sets;   /* the user's --set, applied first */
    size_t nsets;
    const char *out_dir;       /* --out, or NULL */
    double capacity_horizon;   /* s; 0: CAPACITY_DEFAULT_HORIZON */
    int no_capacity;           /* skip the capacity searches */
    compare_progress_fn *progress;
    void *progress_ctx;
    unsigned jobs;             /* worker processes (study/jobs.h); 0, 1:
                                  this one.  The study is the same bytes
                                  with any number */
    jobs_progress_fn *jobs_progress; /* NULL: none */
    void *jobs_progress_ctx;
    int ranks;                 /* MPI ranks (study/pool.h: every rank
                                  calls compare_run; rank 0 gathers the
                                  study, the others only compute); 0, 1:
                                  none */
};

/* Loads the options, runs them and fills *st.  Returns 0, SLM_EINPUT
 * after reporting located errors to d, SLM_ESYS (errno set; a file could
 * not be read: d names it), or SLM_ENOMEM.  st is to be released with
 * compare_fini either way. */
int compare_run(const struct compare_opts *o, struct diag *d,
                struct compare_study *st);
void compare_fini(struct compare_study *st);

#endif
