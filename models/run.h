/*
 * run: one replication of a scenario, start to horizon.
 *
 * run_replication() builds a fresh struct sim from the scenario (seed,
 * replication index), creates every backend, generates arrivals, routes
 * each request, and records what happened to it when it leaves.  Only
 * requests that arrive inside the measurement window [warmup, horizon)
 * count; what is still in the system at the horizon is "in flight".
 * Identity, exact for every run: arrived = completed + failed + rejected +
 * in_flight.
 *
 * A request's path: arrival -> [router delay: a drawn delay, or a visit to
 * the router station] -> router_choose -> backend -> done.  When a backend
 * is done with it the run may send the same struct request on: a local
 * answer escalated by confidence fallback goes to the API
 * (REQUEST_ESCALATED), an API answer the validator rejects goes to the API
 * again (r->rework counts those).  Every visit is recorded for its backend
 * (completed, failed, rejected, latencies at the backend); the request
 * counts once overall, when it leaves the system, where the latencies are
 * taken from its arrival.
 *
 * Latencies per request, from its timestamps:
 *   wait = t_start - t_enqueue at a backend; overall, the sum over the
 *          backends visited (r->t_wait)
 *   e2e  = done - t_enqueue at a backend, done - t_arrival overall
 *   ttft = t_first_token - t_enqueue / t_arrival   (token backends only)
 *   tpot = (done - t_first_token) / (output_tokens - 1), when > 1 token
 */
#ifndef SLM_RUN_H
#define SLM_RUN_H

#include <stdint.h>

#include "models/scenario.h"
#include "sim/sim.h"
#include "sim/stats.h"

enum run_metric { RUN_WAIT, RUN_E2E, RUN_TTFT, RUN_TPOT, RUN_NMETRICS };
extern const char *const run_metric_names[RUN_NMETRICS];

struct run_backend {
    uint64_t routed;                   /* first sent here by the router */
    uint64_t completed, failed, rejected;
    uint64_t served;                   /* visits completed in the window,
                                          whatever the arrival time */
    double tokens_in, tokens_out;      /* of completed requests */
    struct metric lat[RUN_NMETRICS];   /* owned histograms */
    struct backend_figures fig;        /* from the backend's collect() */
    const char *binding;  /* static, from kind->binding; NULL without */
    /* Owned snapshot from kind->extras (run_hooks.keep_extras), released
     * by run_result_fini through extras_kind; NULL when not kept. */
    void *extras;
    const struct backend_kind *extras_kind;
    /* Owned copy of kind->downlog, kept with the extras (NULL
     * otherwise), open windows ended at the clock's last time. */
    struct downlog *down;
};

/* Per task type, requests that arrived in the window. */
struct run_task {
    uint64_t arrived;
    uint64_t routed[ROUTER_NSIDES];   /* the router's first choice */
    uint64_t escalated;               /* local answers sent on to the API */
    uint64_t answered[ROUTER_NSIDES]; /* completed: whose answer the user got */
    uint64_t failed;                  /* failed or rejected */
    double tokens_in, tokens_out;     /* sums over the arrived requests */
};

/* What the router and the run's escalations did, requests in the window. */
struct run_routing {
    uint64_t reason[ROUTER_NREASONS]; /* first choices, by reason */
    uint64_t escalated;               /* confidence fallback to the API */
    uint64_t validator_rejected;      /* API answers sent back */
    uint64_t validator_failed;        /* rejected once too often */
};

/* The backlog (requests in the system, all of them) sampled at equal
 * steps over the measurement window, for the stability test. */
#define RUN_BACKLOG_SAMPLES 256
/* Days of the batch makespan table (a year; later days are not kept). */
#define RUN_MAX_DAYS 366

/* Per simulated day (of arrival, from time 0), requests that arrived in
 * the window: the burst's first arrival and last completion. */
struct run_day {
    uint64_t arrived, done; /* done: completed, failed or rejected */
    double first_arrival;   /* s from time 0 */
    double last_arrival;    /* s from time 0 */
    double last_done;       /* s from time 0; 0 until one is done */
};

struct run_result {
    unsigned replication;
    double window; /* horizon - warmup, s */
    uint64_t arrived, completed, failed, rejected, in_flight;
    /* Completions in the window whatever the arrival time (the served
     * throughput), and everything from time 0 (for a run stopped early). */
    uint64_t served;
    uint64_t all_arrived, all_served;
    double backlog[RUN_BACKLOG_SAMPLES + 1]; /* requests, at warmup + k dt */
    size_t nbacklog;
    double backlog_dt; /* s */
    /* Why the replication ended early: SLM_ELIMIT (limit says which) or
     * SLM_EINTR; 0 when it reached the horizon. */
    int stopped;
    enum sim_limit limit;
    size_t limit_value; /* the ceiling reached */
    size_t in_system;   /* requests in the system when the clock stopped */
    double t_start;     /* s: the warm-up, where the window begins */
    double t_end;       /* s: the horizon, or where the clock stopped */
    size_t ndays;
    struct run_day day[RUN_MAX_DAYS];
    uint64_t events;         /* events executed */
    size_t peak_in_flight;   /* requests, all (not only measured) */
    size_t evq_peak;
    size_t nbackends;
    struct run_backend backend[SCENARIO_MAX_BACKENDS];
    struct metric overall[RUN_NMETRICS];
    struct run_routing routing;
    size_t ntasks;
    struct run_task task[WORKLOAD_MAX_TASKS]; /* by workload task index */
    int arrivals_ended;  /* a trace ran out before the horizon */
    double last_arrival; /* s, time of the last arrival */
};

/* Prepares out for nbackends (allocates histograms).  0 or SLM_ENOMEM;
 * run_result_fini releases it either way. */
int run_result_init(struct run_result *out, size_t nbackends);
void run_result_fini(struct run_result *out);

/* A replication's result as plain bytes, to come back whole from a
 * worker process of the same build (study/reps.h): the counts, days,
 * backlog, routing, tasks, every backend's figures and binding, and
 * every histogram, overall and per backend.  The extras and down
 * windows (run_hooks.keep_extras) do not travel: the run that keeps them
 * runs in the process that reports.  run_result_pack writes
 * run_result_packed_size(res->nbackends) bytes into buf;
 * run_result_unpack makes out (from run_result_init for as many
 * backends) the result packed.  0, or SLM_EINPUT when buf does not
 * match out (out then unchanged). */
size_t run_result_packed_size(size_t nbackends);
void run_result_pack(const struct run_result *res, void *buf);
int run_result_unpack(struct run_result *out, const void *buf);

/* Stability: offered against served, and the backlog's trend.
 *
 * The test: the backlog samples are averaged in 16 consecutive batches
 * (batch means: neighbouring samples of a queue are correlated, batch
 * means far less); the least-squares slope of the batch means on time,
 * times the window, is the backlog growth of a replication.  Pooled over
 * replications: the mean growth, with a Student-t 95% interval from the
 * regressions' standard errors (variance sum / n^2, pooled degrees of
 * freedom).  The run is UNSTABLE when the interval's lower end exceeds
 * max(RUN_STABLE_MIN_GROWTH, RUN_STABLE_SHARE x arrivals per
 * replication): the queue grew, beyond chance, by a share of the traffic
 * no steady state explains.  A replication stopped by a limit is
 * unstable.
 */
#define RUN_STABLE_MIN_GROWTH 10.0
#define RUN_STABLE_SHARE 0.01

struct run_stability {
    int stable;
    double offered_rate;   /* arrivals in the window per s, mean */
    double served_rate;    /* completions in the window per s, mean */
    double backlog_growth; /* requests over the window, mean */
    double growth_low, growth_high; /* its 95% interval */
    double backlog_end;    /* requests in the system at the end, mean */
    double threshold;      /* requests: growth_low above it is unstable */
};

/* Fills *out from res[0..n) (n >= 1). */
void run_stability(const struct run_result *res, size_t n,
                   struct run_stability *out);

/* The limits a scenario may set (limits: {max_in_flight, max_events}),
 * parsed from node (NULL: none, the defaults).  0 or -1 after reporting
 * to d. */
#define RUN_LIMIT_CEILING 1000000000L /* the largest limit accepted */
struct cfg_node;
int run_parse_limits(const struct cfg_node *node, struct sim_limits *out,
                     struct diag *d);

struct run_hooks {
    sim_progress_fn *progress; /* may be NULL */
    void *progress_ctx;
    /* Keep each backend's extras (its time series) in the result: memory
     * of the order of horizon / 1 min per series, so a caller keeps them
     * for one replication (slmsim run: replication 0, for results.json
     * and the timeline figure). */
    int keep_extras;
};

/* The down windows of every backend in res (kept with its extras), in
 * seconds from time 0, as {start, end} into out[0..max), by backend and
 * then as they began; returns how many; *cut counts those left out (past
 * max, or past a backend's DOWNLOG_MAX). */
size_t run_down_windows(const struct run_result *res, double (*out)[2],
                        size_t max, uint64_t *cut);

/* Runs replication rep of sc into out (initialised by run_result_init);
 * hooks may be NULL.  Returns 0, SLM_ENOMEM, or SLM_EINPUT / SLM_ESYS when an input read
 * during the run (a trace) is bad, reported to d; SLM_ELIMIT when a limit
 * (sc->limits) stopped it and SLM_EINTR on a signal, both with out's
 * counts filled as far as the clock got (out->stopped, out->t_end). */
int run_replication(const struct scenario *sc, unsigned rep,
                    const struct run_hooks *hooks, struct diag *d,
                    struct run_result *out);

/* Runs replications 0.. of sc into res[] (sc->replications entries,
 * zeroed), stopping at the first failure; *n is how many were initialised
 * (run_result_fini each), *done how many reached the horizon.  keep: the
 * first keeps its extras.  Returns the status of the one that stopped, or
 * 0. */
int run_replications(const struct scenario *sc, struct run_result *res,
                     const struct run_hooks *hooks, int keep, struct diag *d,
                     size_t *n, size_t *done);

/* One line for a replication that stopped early (res->stopped), into buf:
 * where the clock stopped, which limit, offered and served rates. */
const char *run_describe_stop(const struct scenario *sc,
                              const struct run_result *res, char *buf,
                              size_t size);

#endif
