/*
 * study cost: the scenario and what the cost model needs from it, for the
 * cost commands (tco, crossover, sensitivity) and run: the middle values
 * of every range, the nominal inputs (declared volume, mean tokens), the
 * simulated ones (nominal overlaid with what replications measured), and
 * the capacity per GPU with where it came from.
 *
 * The capacity per GPU is declared (costs.queries_per_month_per_gpu),
 * simulated (one replica of the only gpu backend searched at the SLO:
 * study_cost_capacity_plan says when, the caller loads the probe scenario
 * and runs the search, study_cost_capacity_take reads the answer) or
 * unknown (one GPU whatever the volume).  Text here (the capacity note)
 * is what every command prints and writes alike.
 */
#ifndef SLM_STUDY_COST_H
#define SLM_STUDY_COST_H

#include <stddef.h>

#include "models/capacity.h"
#include "models/cost.h"
#include "models/run.h"
#include "models/scenario.h"
#include "sim/diag.h"

/* Where the cost model's GPUs-per-volume figure came from. */
enum study_capacity_source {
    STUDY_CAPACITY_UNKNOWN,   /* none: one GPU whatever the volume */
    STUDY_CAPACITY_DECLARED,  /* costs.queries_per_month_per_gpu */
    STUDY_CAPACITY_SIMULATED  /* one replica of the gpu backend at the SLO */
};

struct study_cost {
    struct scenario *sc;           /* owned, unless borrowed */
    int borrowed;                  /* sc belongs to the caller */
    const struct cost_spec *spec;  /* borrowed from sc */
    struct cost_inputs nominal;    /* declared volume and mean tokens */
    struct cost_inputs simulated;  /* nominal overlaid with the run */
    int has_sim;                   /* simulated was filled from a run */
    double *v;                     /* owned: middle values, spec->nparams */
    enum study_capacity_source capacity_source;
    double capacity;      /* queries/month per GPU in use (middle value
                             when declared as a range); 0 when unknown */
    double capacity_pass, capacity_fail; /* simulated: the bracket,
                                            queries/month (fail 0: none) */
    double capacity_sure[2]; /* simulated: capacity_sure_range() per
                                month, pass and fail (0: none) */
    const char *capacity_backend; /* simulated: borrowed from sc */
    char capacity_note[384]; /* the assumptions line, without "capacity" */
};

/* Takes sc (which must have costs; borrowed when borrowed, else owned
 * from now on, even on failure) into c: the middle values and the
 * nominal inputs.  Returns 0 or SLM_ENOMEM; c is to be released with
 * study_cost_fini either way. */
int study_cost_init(struct study_cost *c, struct scenario *sc, int borrowed);
void study_cost_fini(struct study_cost *c);

/* The capacity per GPU without a search: declared, or unknown with its
 * note; *search gets the index of the gpu backend to search at the SLO
 * when one should be (may_search, no declared figure, one gpu backend,
 * an slo), else -1.  may_search 0: a borrowed scenario whose command
 * reports its own latency.  Returns 0, or SLM_EINPUT after reporting to
 * d at the file when `simulate` was asked for and cannot be done. */
int study_cost_capacity_plan(struct study_cost *c, int may_search,
                             struct diag *d, int *search);

/* The capacity per GPU from the search r on probe (the scenario the
 * search ran, for its replications and horizon) of backend b of c->sc:
 * the figure, the bracket, the confident range, the busy fraction per
 * query, the note; the nominal inputs take the capacity.  Returns 0, or
 * SLM_EINPUT after reporting to d at the file when the search was
 * inconclusive or no volume met the SLO. */
int study_cost_capacity_take(struct study_cost *c, int b,
                             const struct scenario *probe,
                             const struct capacity_result *r,
                             struct diag *d);

/* Overlays what replications res[0..n) measured on the nominal inputs. */
void study_cost_measured(struct study_cost *c, const struct run_result *res,
                         size_t n);

/* Runs c->sc's replications in order and overlays what they measured.
 * Returns 0 or an SLM_* status (a replication's, reported to d). */
int study_cost_simulate(struct study_cost *c, struct diag *d);

#endif
