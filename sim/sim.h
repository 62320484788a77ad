/*
 * sim: the simulation context, clock and run loop.
 *
 * One struct sim per replication holds everything that changes while the
 * model runs: the clock, the event queue, the random streams, the request
 * pool.  Models talk to the engine only through this header.  Nothing here
 * knows about GPUs, APIs or prices.
 *
 * Time is in seconds from 0.  Statistics count only requests that arrive in
 * the measurement window [warmup, horizon); the run stops at the horizon and
 * whatever is still in the system is reported as in flight.
 *
 * Error handling inside the loop: a handler that cannot schedule (out of
 * memory) does not need to check; the failure is sticky, the loop stops
 * after that handler and sim_run() returns it.
 */
#ifndef SLM_SIM_H
#define SLM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sim/evq.h"

/* A request as it travels through the system.  Requests come from the
 * sim's pool: memory follows requests in flight, not requests simulated.
 * Fields after 'next' are scratch space for whichever model holds it.
 * sim_request_new sets every field one by one: a new field goes there. */
struct request {
    uint64_t id;          /* arrival order, from 0 */
    double t_arrival;     /* entered the system, s */
    double t_enqueue;     /* entered the current backend's queue, s */
    double t_start;       /* service began (first token work), s */
    double t_first_token; /* first output token, s (gpu, api) */
    int task;             /* index into the workload's task table */
    int backend;          /* index of the backend serving it, -1 none */
    uint32_t input_tokens;
    uint32_t output_tokens;
    uint32_t attempts;    /* tries so far at the current backend */
    uint32_t flags;       /* REQUEST_* below */
    uint32_t rework;      /* times the run sent it back (validator) */
    double t_wait;        /* queueing summed over the backends visited, s */
    /* The prompt's prefix-block hashes (a trace's), prefix_blocks of them,
     * each covering prefix_block_tokens tokens of the prompt from its
     * start; borrowed from the workload (the trace's cached rows), NULL
     * when unknown.  prefix_pass tells looped passes of one trace apart:
     * equal (pass, hash) means an equal prefix. */
    const uint32_t *prefix_hashes;
    uint32_t prefix_blocks;
    uint32_t prefix_block_tokens;
    uint32_t prefix_pass;
    struct request *next; /* intrusive link: one queue at a time */
    /* model scratch */
    double x[4];
    uint64_t u[2];
    void *p;
};

enum {
    REQUEST_MEASURED = 1u << 0,  /* arrived in [warmup, horizon) */
    REQUEST_ESCALATED = 1u << 1, /* router: sent on to a second backend */
    REQUEST_FAILED = 1u << 2
};

/* Memory ceilings (docs/limits.md); 0 takes the default.  Reaching one
 * stops the run with SLM_ELIMIT and sim_limit() says which: an overloaded
 * system then ends with a message, not an OOM kill. */
struct sim_limits {
    size_t max_in_flight; /* requests in the system at once */
    size_t max_events;    /* events pending in the queue at once */
};

struct sim_config {
    uint64_t seed;
    unsigned replication; /* 0-based */
    double horizon;       /* s, > warmup */
    double warmup;        /* s, >= 0 */
};

/* Defaults: about 170 bytes a request and 40 an event, so the two stay
 * near 400 MB together whatever the input. */
#define SIM_DEFAULT_MAX_IN_FLIGHT 2000000u
#define SIM_DEFAULT_MAX_EVENTS 4000000u

enum sim_limit { SIM_LIMIT_NONE, SIM_LIMIT_IN_FLIGHT, SIM_LIMIT_EVENTS };

struct sim;

/* A new context owned by the caller, or NULL when out of memory. */
struct sim *sim_new(const struct sim_config *cfg);
void sim_free(struct sim *s); /* NULL is fine; frees streams and pools */

/* Sets the ceilings (before the run; zero fields keep the defaults). */
void sim_set_limits(struct sim *s, const struct sim_limits *l);

/* Whether the models fill their time series (sim/tseries.h) in this run:
 * 1 by default; a run that keeps none of them (every replication but the
 * one reported, every figure re-run) sets 0 before the models are made,
 * and they skip the work.  Nothing else depends on it. */
void sim_set_series(struct sim *s, int keep);
int sim_series(const struct sim *s);

double sim_now(const struct sim *s);
double sim_horizon(const struct sim *s);
double sim_warmup(const struct sim *s);
unsigned sim_replication(const struct sim *s);
/* True once the clock has passed the warm-up. */
int sim_measuring(const struct sim *s);

/* Schedules fn(s, ctx, arg) at absolute time t (t >= now; earlier times are
 * a bug and assert) or after delay dt >= 0.  Events past the horizon are
 * dropped at once (they would never run).  Out of memory is sticky: see
 * above. */
void sim_schedule_at(struct sim *s, double t, evq_fn *fn, void *ctx,
                     void *arg);
void sim_schedule_in(struct sim *s, double dt, evq_fn *fn, void *ctx,
                     void *arg);
/* The same for the one stream that always has exactly one event pending,
 * the next arrival: kept in a slot beside the event queue, it runs in the
 * same order as if scheduled with sim_schedule_at (time, then scheduling
 * order), for one compare per event instead of a push and a pop.  The
 * slot holds one event: schedule the next only once the last has run
 * (from its handler, as the arrival stream does). */
void sim_schedule_slot(struct sim *s, double t, evq_fn *fn, void *ctx,
                       void *arg);

/* The random stream for source (a stable name such as "arrivals" or
 * "backend.local.service"), created on first use, owned by the sim.
 * NULL when out of memory (sticky error set too). */
gsl_rng *sim_stream(struct sim *s, const char *source);

/* A zeroed request from the pool (id, t_arrival = now, backend = -1, the
 * MEASURED flag set by time), or NULL when out of memory (sticky).
 * Return it with sim_request_free once it leaves the system. */
struct request *sim_request_new(struct sim *s);
void sim_request_free(struct sim *s, struct request *r);
/* Requests taken from the pool and not yet returned. */
size_t sim_requests_in_flight(const struct sim *s);
/* Largest number in flight at once (memory high-water mark). */
size_t sim_requests_peak(const struct sim *s);

/* Progress: called about every 2^16 events with the simulated time. */
typedef void sim_progress_fn(void *ctx, double now, double horizon);
void sim_set_progress(struct sim *s, sim_progress_fn *fn, void *ctx);

/* Runs events in time order until none remain before the horizon or
 * sim_stop() is called.  Returns 0 or the sticky error: SLM_ENOMEM,
 * SLM_ELIMIT (a ceiling above; see sim_limit) or SLM_EINTR (a signal,
 * polled every 4,096 events through sim/interrupt.h). */
int sim_run(struct sim *s);
void sim_stop(struct sim *s);
/* Marks a failure from inside a handler (SLM_* code): the loop stops. */
void sim_fail(struct sim *s, int status);

uint64_t sim_events(const struct sim *s); /* events executed */
/* Which ceiling stopped the run, SIM_LIMIT_NONE when none did. */
enum sim_limit sim_limit(const struct sim *s);
/* The ceilings in force (the defaults filled in). */
size_t sim_max_in_flight(const struct sim *s);
size_t sim_max_events(const struct sim *s);
size_t sim_evq_peak(const struct sim *s);

#endif
