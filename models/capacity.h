/*
 * capacity: the largest volume a backend sustains within P99 latency
 * targets, found by bisection with the simulation itself.
 *
 * A probe sets the scenario's arrival rate (arrivals_spec_set_rate: the
 * shape of the process is kept) and runs every replication of the
 * scenario at it, with the scenario's seed, so that probes share their
 * random numbers and latency grows smoothly with the rate.  A probe
 * passes when, at backend b, every P99 with a target (the mean over
 * replications of each replication's P99) is within it, and no more than
 * CAPACITY_MAX_IN_FLIGHT of the arrivals are still in the system at the
 * horizon.  More than that in flight fails as "queue growing" when the
 * run is unstable (models/run.h: a queue that grows fails whatever the
 * latencies say); when it is stable the probe is inconclusive (the
 * window is short against the latency).
 *
 * The search probes start_rate and half of it (so the answer is bracketed
 * from below as well as above), doubles until a probe fails (or
 * max_rate passes), halves until one passes (or min_rate fails), then
 * bisects the bracket [highest pass, lowest failure] until
 * (fail - pass) / pass <= tolerance, in at most CAPACITY_MAX_PROBES
 * probes.  The answer is the highest passing rate.  It is statistical: a
 * probe's P99s are estimates, so near the answer a pass and a failure may
 * swap; the true rate lies in the bracket widened by the P99s' error
 * (their 95% half-widths in report_stat, plus the histogram's 1%), which
 * more replications or a longer horizon shrink.  capacity_sure_range()
 * says what the probes' intervals alone make sure of.
 *
 * Settings the CLI uses (slmsim capacity, and the cost commands when they
 * simulate queries_per_month_per_gpu): CAPACITY_DEFAULT_REPLICATIONS
 * replications of CAPACITY_DEFAULT_HORIZON, the first sixth warm-up;
 * tolerance CAPACITY_DEFAULT_TOLERANCE; rates from
 * CAPACITY_MIN_ARRIVALS per measurement window up to
 * CAPACITY_DEFAULT_MAX_PER_MONTH.  The scenario carries them: callers
 * load it with the horizon, warm-up, replications and replica count they
 * want.
 */
#ifndef SLM_CAPACITY_H
#define SLM_CAPACITY_H

#include <stddef.h>

#include "models/report.h"
#include "models/run.h"
#include "models/scenario.h"
#include "sim/diag.h"

#define CAPACITY_MAX_PROBES 64
/* A probe with fewer completions after warm-up at the backend (all its
 * replications together) cannot put a P99 on either side of a target:
 * it is inconclusive, and a longer horizon decides it. */
#define CAPACITY_MIN_COMPLETIONS 1000.0
/* Fewer arrivals than this per measurement window make a P99 little more
 * than the largest value: min_rate's default keeps above it. */
#define CAPACITY_MIN_ARRIVALS 200.0
/* A probe with more than this share of its arrivals in flight at the
 * horizon fails as "queue growing". */
#define CAPACITY_MAX_IN_FLIGHT 0.02
#define CAPACITY_DEFAULT_TOLERANCE 0.02
#define CAPACITY_DEFAULT_REPLICATIONS 3
#define CAPACITY_DEFAULT_HORIZON 7200.0 /* s: 2 h, warm-up the first sixth */
#define CAPACITY_DEFAULT_MAX_PER_MONTH 1e9

/* Called before each probe with its rate (arrivals per second). */
typedef void capacity_probe_fn(void *ctx, double rate);

/* One replication of a probe as plain bytes, all the verdict takes from
 * it: the replication's result with every owned pointer cleared
 * (histograms, extras, the downtime log), and the P50, P95 and P99 of
 * each metric at the backend, read from its histograms before they went.
 * Static strings stay (figure keys, the binding word): they are addresses
 * in the program image, the same in a worker forked from this process
 * (study/jobs.h forks without exec), so a row may cross a pipe to it. */
struct capacity_rep {
    struct run_result light;
    double q[RUN_NMETRICS][3]; /* backend b: P50, P95, P99, s */
};

/* Fills *rep from the finished replication res at backend b. */
void capacity_rep_take(const struct run_result *res, size_t b,
                       struct capacity_rep *rep);

/* Runs replication r < sc->replications of sc (at the rate the probe set)
 * into *rep with hooks (may be NULL), reporting to d: one item of a
 * probe, in this process or in a worker.  Returns 0 or an SLM_* status. */
int capacity_rep_run(const struct scenario *sc, size_t b, unsigned r,
                     const struct run_hooks *hooks, struct diag *d,
                     struct capacity_rep *rep);

/* Runs every replication of a probe of sc at backend b into
 * reps[0..sc->replications) (zeroed, owned by the caller), each by
 * capacity_rep_run, in any order or place: the verdict reads the rows by
 * index, so it is the same bytes however they were computed.  Returns 0
 * or an SLM_* status (a replication's, SLM_ESYS for a worker that died,
 * SLM_EINTR). */
typedef int capacity_reps_fn(void *ctx, const struct scenario *sc, size_t b,
                             struct diag *d, struct capacity_rep *reps);

struct capacity_opts {
    double p99[RUN_NMETRICS]; /* P99 target per metric at the backend, s;
                                 0: none.  At least one > 0. */
    double tolerance;  /* relative width of the final bracket, (0, 1) */
    double min_rate;   /* arrivals per second: the search goes no lower */
    double max_rate;   /* ... and no higher; > min_rate */
    double start_rate; /* first probe; 0: the scenario's mean rate */
    const struct run_hooks *hooks; /* given to every replication; may be
                                      NULL */
    capacity_probe_fn *on_probe;   /* may be NULL */
    void *probe_ctx;
    /* How a probe's replications run: NULL, in order in this process
     * (with hooks); else run_reps(reps_ctx, ...), e.g. over worker
     * processes (study/capacity.h). */
    capacity_reps_fn *run_reps;
    void *reps_ctx;
};

/* Defaults for sc: targets from sc->slo (ttft_p99, e2e_p99), the default
 * tolerance, min_rate = CAPACITY_MIN_ARRIVALS per measurement window,
 * max_rate = CAPACITY_DEFAULT_MAX_PER_MONTH, start at the scenario's
 * rate, no hooks. */
void capacity_opts_init(struct capacity_opts *o, const struct scenario *sc);

struct capacity_probe {
    double rate;        /* arrivals per second, the whole scenario */
    int pass;
    const char *failed; /* static: "ttft_p99", "e2e_p99", ... or "queue
                           growing"; NULL on a pass */
    struct report_stat lat[RUN_NMETRICS]; /* at the backend */
    double utilization; /* the backend's busy fraction (0 without) */
    double gpus;        /* the backend's "gpus" figure; 1 without */
    double served;      /* completions per second at the backend */
    double in_flight;   /* share of arrivals left at the horizon */
    const char *binding; /* static, may be NULL */
    int sure;           /* the verdict holds at the P99s' 95% bounds
                           (a pass at the upper, a failure at the lower
                           ones; a growing queue is sure) */
    /* Neither pass nor fail (pass is 0, failed says why):
     * CAPACITY_FEW_SAMPLES, fewer than CAPACITY_MIN_COMPLETIONS; or
     * CAPACITY_STRADDLES, over a target whose value lies inside the P99's
     * 95% interval.  A straddling probe still bounds the search from above
     * (the answer claims no more than the highest pass); a few-samples one
     * moves nothing. */
    int inconclusive;
    double completions; /* at the backend after warm-up, all replications */
    int stable;         /* run_stability over the probe's replications */
};

enum { CAPACITY_DECIDED, CAPACITY_FEW_SAMPLES, CAPACITY_STRADDLES };

enum capacity_status {
    CAPACITY_FOUND,      /* a pass below a failure */
    CAPACITY_INFEASIBLE, /* no probe passed, min_rate included */
    CAPACITY_ABOVE_MAX,  /* no probe failed, max_rate included */
    CAPACITY_INCONCLUSIVE /* no probe passed, and some were inconclusive:
                             the horizon is too short to tell */
};
extern const char *const capacity_status_names[4]; /* "found", ... */

struct capacity_result {
    size_t n;                                     /* probes run */
    struct capacity_probe probe[CAPACITY_MAX_PROBES]; /* by rate */
    int pass, fail; /* the bracket, as indices into probe; -1: none */
    enum capacity_status status;
};

/* Searches the largest rate backend b of sc sustains under o (see the
 * file comment) into *out.  sc's arrival rate is changed (left at the
 * last probe's); everything else is read only.  Returns 0, SLM_ENOMEM,
 * or SLM_EINPUT after reporting to d (the arrival process has no rate to
 * vary; a trace read during a run is bad); *out holds the probes run so
 * far either way. */
int capacity_search(struct scenario *sc, size_t b,
                    const struct capacity_opts *o, struct diag *d,
                    struct capacity_result *out);

/* Inconclusive probes of r, and a sentence about them for the answer
 * (empty when none): how many, why, and that a longer horizon decides
 * them ("--horizon" is named as flag). */
size_t capacity_inconclusive(const struct capacity_result *r,
                             const char *flag, char *buf, size_t size);

/* The highest rate whose probe passed even at its P99s' upper 95% bounds
 * and the lowest that failed even at the lower ones; 0 where none. */
void capacity_sure_range(const struct capacity_result *r, double *pass,
                         double *fail);

/* What one GPU of the backend served at the highest passing probe,
 * queries per month (served / gpus): the per-GPU capacity the cost model
 * takes.  0 when no probe passed. */
double capacity_per_gpu_month(const struct capacity_result *r);

#endif
