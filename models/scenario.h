/*
 * scenario: a whole scenario file as plain data, every unit SI.
 *
 * scenario_load() parses the YAML, applies --set overrides, checks every
 * field (unknown keys, types, bounds, shares, required fields) through the
 * parse function of each module that owns a section, and copies what it
 * needs out of the document, which is freed before it returns.  The result
 * is owned by the caller (scenario_free) and read-only during runs, so all
 * replications share it.
 *
 * Top-level keys: name, description, seed, horizon, warmup, replications,
 * workload, backends, routing, slo, costs, outputs.
 */
#ifndef SLM_SCENARIO_H
#define SLM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "models/backend.h"
#include "models/router.h"
#include "models/workload.h"
#include "sim/diag.h"
#include "sim/sim.h"

#define SCENARIO_MAX_BACKENDS 16
#define SCENARIO_MAX_REPLICATIONS 1000
#define SCENARIO_MAX_NOTES 32
#define SCENARIO_DEFAULT_REPLICATIONS 5
#define SCENARIO_DEFAULT_SEED 1

struct cost_spec;

struct scenario_backend {
    char *name;                     /* owned */
    const struct backend_kind *kind; /* static */
    void *cfg;                      /* owned via kind->cfg_free */
};

struct scenario_slo {
    double ttft_p99; /* s; 0 when not set */
    double e2e_p99;  /* s; 0 when not set */
    double tpot_p99; /* s per output token; 0 when not set */
    double max_failed; /* share of arrivals failed or rejected allowed */
    double deadline;   /* s after midnight each day; < 0 when not set */
    int set;           /* the file has an slo section */
};

struct scenario {
    char *path;        /* owned: as the user typed it */
    char *name;        /* owned */
    char *description; /* owned, may be NULL */
    uint64_t seed;
    double horizon; /* s */
    double warmup;  /* s */
    unsigned replications;
    struct workload_spec workload;
    size_t nbackends;
    struct scenario_backend backends[SCENARIO_MAX_BACKENDS];
    const char *backend_names[SCENARIO_MAX_BACKENDS]; /* borrowed views */
    struct router_spec routing;
    struct scenario_slo slo;
    char *out_dir;  /* owned */
    size_t nplots;
    char **plots;   /* owned list of figure names */
    /* Defaults the file did not set, said aloud in the report's
     * assumptions, e.g. "replications: 5 (default)". */
    size_t nnotes;
    char *notes[SCENARIO_MAX_NOTES]; /* owned */
    struct cost_spec *costs; /* owned; NULL when the file has no costs */
    struct sim_limits limits; /* limits: (models/run.h); 0 = default */
};

/* Overrides applied on top of the file, in order. */
struct scenario_overrides {
    const char *const *sets; /* "key.path=value" strings, borrowed */
    size_t nsets;
    const char *out_dir;     /* --out, or NULL */
};

/* Loads path ("-" for stdin).  Returns 0 with *out owned by the caller,
 * SLM_EINPUT after reporting every problem found (up to the diag limit),
 * SLM_ESYS (errno set; the file could not be read: a missing file, a
 * folder or one without read permission is SLM_EINPUT, reported) or
 * SLM_ENOMEM (an allocation failed, as the allocator counted). */
int scenario_load(const char *path, const struct scenario_overrides *ov,
                  struct diag *d, struct scenario **out);
void scenario_free(struct scenario *sc); /* NULL is fine */

/* Index of the backend named name, or -1. */
int scenario_backend_index(const struct scenario *sc, const char *name);


#endif
