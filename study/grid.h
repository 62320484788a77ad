/*
 * grid: the points of a parameter sweep, and what one point measures.
 *
 * A sweep varies scenario keys (any key.path a --set can reach), each over
 * a list of values given as one --vary KEY.PATH=SPEC:
 *   a,b,c            the values as written (any scalar: 2, L40S, 5e6/month)
 *   lo..hi:lin:N     N values evenly spaced from lo to hi
 *   lo..hi:log:N     N values evenly spaced in log from lo to hi (lo, hi > 0)
 * or the same in the scenario's own block, which --vary replaces:
 *   sweep:
 *     vary:
 *       workload.arrivals.volume: 1e6/month..1e7/month:log:4
 *       backends.local.gpu: [L40S, H100-SXM]
 * Range ends are numbers with an optional unit written after them, the
 * same on both ends ("1e6/month..1e7/month:log:3"); each value is printed
 * with %.10g and the unit.  The grid is the product of the dimensions,
 * the last one varying fastest; point k's values are applied as --set
 * overrides after the user's own, so whatever the scenario accepts from
 * --set a sweep accepts.
 *
 * Every point runs the scenario's replications with the scenario's seeds
 * (replication r draws from the same streams at every point): common
 * random numbers, so differences between neighbouring points are the
 * parameters', not the dice's.
 */
#ifndef SLM_STUDY_GRID_H
#define SLM_STUDY_GRID_H

#include <stddef.h>

#include "sim/diag.h"

#define GRID_MAX_DIMS 8
#define GRID_MAX_VALUES 1000        /* values in one dimension */
#define GRID_MAX_VALUE_LEN 128      /* one value's text */
#define GRID_DEFAULT_MAX_POINTS 10000 /* limits.max_points (docs/limits.md) */

struct grid_dim {
    char key[256];  /* the dotted key path */
    size_t n;
    char (*value)[GRID_MAX_VALUE_LEN]; /* owned, n */
};

struct grid {
    size_t ndims;
    struct grid_dim dim[GRID_MAX_DIMS];
};

/* Adds the dimension of arg ("KEY.PATH=SPEC"); errors are reported at
 * ("--vary", argno, column) and return SLM_EINPUT; SLM_ENOMEM. */
int grid_add(struct grid *g, const char *arg, int argno, struct diag *d);

/* The same from a key and its SPEC, reported at key_at / spec_at (a
 * sweep: block in the scenario). */
int grid_add_spec(struct grid *g, const char *key, const char *spec,
                  const struct diag_pos *key_at,
                  const struct diag_pos *spec_at, struct diag *d);
/* A dimension of values[0..n) as written (a YAML list), value i reported
 * at at[i]. */
int grid_add_values(struct grid *g, const char *key,
                    const char *const *values, size_t n,
                    const struct diag_pos *key_at,
                    const struct diag_pos *at, struct diag *d);

/* Points in the grid (the product), saturating at (size_t)-1. */
size_t grid_npoints(const struct grid *g);

/* The value index of each dimension at point k (idx[0..ndims)). */
void grid_point(const struct grid *g, size_t k, size_t *idx);

/* "KEY.PATH=VALUE" of dimension i at point k into buf; returns buf. */
const char *grid_set_text(const struct grid *g, size_t k, size_t i,
                          char *buf, size_t size);

void grid_fini(struct grid *g);

/* What one point measured, across its replications: means and 95%
 * half-widths, NaN where the scenario has no such figure. */
struct grid_row {
    int status;          /* SLM_* of the point's runs (0: measured) */
    unsigned reps;
    double volume;       /* queries per month, as run */
    double ttft_p99, ttft_p99_hw, e2e_p99, e2e_p99_hw;
    double e2e_p50, e2e_p50_hw;
    double utilization, utilization_hw; /* the first gpu backend's */
    double failed_share;
    int stable;
    int has_slo, slo_met;
    char why[16];        /* what missed the SLO; "" when met */
    double monthly, tco, per_1k; /* the deployment's, one pricing path */
    int months;
};

struct scenario_overrides;

/* Loads path with the user's overrides ov, then the point's sets
 * (extra[0..nextra)), binds its prices and runs every replication into
 * *row.  Returns 0 (row->status may still say a run failed: reported to
 * d), SLM_EINPUT after reporting to d, SLM_ESYS or SLM_ENOMEM. */
int grid_run_point(const char *path, const struct scenario_overrides *ov,
                   const char *const *extra, size_t nextra, struct diag *d,
                   struct grid_row *row);

/* Only loads and binds (no runs): checks a point's overrides. */
int grid_check_point(const char *path, const struct scenario_overrides *ov,
                     const char *const *extra, size_t nextra,
                     struct diag *d);

#endif
