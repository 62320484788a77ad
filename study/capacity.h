/*
 * study capacity: a capacity search (models/capacity.h) whose probes run
 * their replications over worker processes.
 *
 * The bisection is sequential (each probe's rate depends on the verdicts
 * before it), so the parallelism is inside a probe: its replications are
 * items of study/jobs.h, each shipping a struct capacity_rep (plain
 * bytes) back, and the verdict is computed from the rows by index exactly
 * as in one process.  capacity.json and its figure data are the same
 * bytes with any number of jobs.
 */
#ifndef SLM_STUDY_CAPACITY_H
#define SLM_STUDY_CAPACITY_H

#include <stddef.h>

#include "models/capacity.h"
#include "models/scenario.h"
#include "sim/diag.h"
#include "study/sweep.h"

/* capacity_search() on backend b of sc under o, with each probe's
 * replications spread as jobs says (NULL or jobs <= 1: in this process,
 * with o->hooks; with more, the workers run without hooks and
 * jobs->progress reports the probe's replications).  o->run_reps is
 * replaced.  Returns as capacity_search does, SLM_EINTR and SLM_ESYS (a
 * worker died) too. */
int study_capacity_search(struct scenario *sc, size_t b,
                          const struct capacity_opts *o,
                          const struct study_jobs *jobs, struct diag *d,
                          struct capacity_result *out);

#endif
