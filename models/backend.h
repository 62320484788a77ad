/*
 * backend: what every serving model (station, gpu, api) offers the run.
 *
 * A backend kind is a table of functions.  The scenario keeps, per backend,
 * its kind and its parsed configuration (owned by the scenario, shared
 * read-only by all replications); each replication creates an instance with
 * create(), submits requests to it, and after the run asks it for its
 * figures.  When a request leaves the backend, done or failed, the backend
 * calls env->done exactly once for it and never touches it again.
 *
 * Latency statistics are not the backend's business: the run derives them
 * from the request's timestamps, which the backend must keep true:
 *   t_enqueue  set by the run before submit (arrival at this backend)
 *   t_start    when service (prefill, first attempt that was admitted) began
 *   t_first_token  when the first output token was out (gpu, api; for a
 *              station, equal to the completion time)
 */
#ifndef SLM_BACKEND_H
#define SLM_BACKEND_H

#include <stddef.h>

#include "sim/cfg.h"
#include "sim/diag.h"
#include "sim/sim.h"

struct downlog;
struct jw;
struct workload_spec;

/* How a request left a backend. */
enum backend_outcome {
    BACKEND_DONE = 0,
    BACKEND_FAILED = 1,   /* gave up (retries exhausted, outage) */
    BACKEND_REJECTED = 2  /* refused at the door (too long for context) */
};

struct backend_env {
    void (*done)(struct sim *s, void *ctx, struct request *r,
                 enum backend_outcome outcome);
    void *ctx;                          /* borrowed: the run */
    const struct workload_spec *workload; /* borrowed */
    int index;                          /* this backend's index */
};

/* A named figure a backend reports after a run, e.g. {"utilization", 0.8}.
 * key is a static string; dots nest in results.json
 * ("kv.occupancy.mean" -> "kv": {"occupancy": {"mean": ...}}). */
struct backend_figure {
    const char *key;
    double value;
};

#define BACKEND_MAX_FIGURES 48

struct backend_figures {
    size_t n;
    struct backend_figure f[BACKEND_MAX_FIGURES];
};

/* Appends {key, value} (ignored past BACKEND_MAX_FIGURES). */
void backend_figures_add(struct backend_figures *fig, const char *key,
                         double value);

/* Which side of the bill a kind is on unless the router says otherwise:
 * our own hardware (gpu, station: the zero value) or a metered API. */
enum backend_side { BACKEND_SIDE_LOCAL = 0, BACKEND_SIDE_API = 1 };

struct backend_kind {
    const char *name; /* the YAML 'kind' */
    /* Identity, read instead of the name: the side of the bill, and
     * whether the kind stands for GPUs the cost model buys (gpu) or for
     * a metered API priced from its own pricing (api). */
    enum backend_side side;
    /* 1 when the backend produces output tokens (gpu, api): the run then
     * records ttft and tpot for it; 0 for stations. */
    int has_tokens;
    /* Parses the backend's mapping (where = "backends.NAME") into *cfg,
     * owned by the caller and released with cfg_free.  0, SLM_ENOMEM
     * (nothing reported), or non-zero after reporting the input's fault
     * (SLM_EINPUT; the api kind still says -1); *cfg is set (NULL or
     * partly filled) even on failure and cfg_free must accept it. */
    int (*parse)(const struct cfg_node *map, const char *where, void **cfg,
                 struct diag *d);
    void (*cfg_free)(void *cfg);
    /* One line describing the configuration, for the report. */
    const char *(*describe)(const void *cfg, char *buf, size_t size);
    /* An instance for one replication; NULL when out of memory. */
    void *(*create)(struct sim *s, const void *cfg, const char *name,
                    const struct backend_env *env);
    void (*destroy)(void *self);
    void (*submit)(struct sim *s, void *self, struct request *r);
    /* After the run (clock at the horizon): utilization, throughput-related
     * and kind-specific figures over the measurement window. */
    void (*collect)(void *self, struct sim *s, struct backend_figures *out);

    /* The rest is optional: NULL in kinds that have nothing more to say. */

    /* After collect: what limits the backend most at this load, a static
     * word (gpu: "bandwidth", "compute", "kv-cache", "batch-limit"). */
    const char *(*binding)(const void *self);
    /* After collect: takes what results.json shows beyond the figures (a
     * time series) out of the instance, as a snapshot owned by the caller
     * and released with extras_free; NULL when out of memory.  The
     * instance must still be destroyed as usual. */
    void *(*extras)(void *self);
    void (*extras_free)(void *extras);
    /* Writes the snapshot as members of the backend's JSON object. */
    void (*write_json)(const void *extras, struct jw *w);
    /* Optional, NULL when the kind cannot say: the queueing delay, in
     * seconds, that request r would see before its service began if it
     * were submitted now.  The overflow router compares it with its
     * threshold; it must not change the backend's state or draw. */
    double (*predicted_wait)(void *self, struct sim *s,
                             const struct request *r);
    /* Optional, NULL meaning always: 1 when the backend can serve now, 0
     * while it is down (every replica failed, an API outage).  The
     * failover router asks it; it must not change state or draw. */
    int (*available)(void *self, struct sim *s);
    /* Optional, NULL when the kind is never down: the windows it was down
     * in this replication (models/downlog.h), kept by the instance; the
     * run copies them for the timeline when it keeps extras. */
    const struct downlog *(*downlog)(const void *self);
};

/* The kind named name, or NULL; backend_kind_names lists them all. */
const struct backend_kind *backend_kind_find(const char *name);
extern const char *const backend_kind_names[];
extern const size_t backend_kind_count;

#endif
