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

/* study_capacity_backend's answers when there is no backend to size. */
enum study_capacity_pick {
    STUDY_CAPACITY_NO_GPU = -1,   /* no backend of kind gpu */
    STUDY_CAPACITY_NOT_GPU = -2,  /* the named backend is not of kind gpu */
    STUDY_CAPACITY_NO_SUCH = -3,  /* no backend has that name */
    STUDY_CAPACITY_AMBIGUOUS = -4 /* several gpu backends and no name */
};

/* The gpu backend to size: the one named name (NULL: the only gpu
 * backend).  Its index, or an enum study_capacity_pick (< 0). */
int study_capacity_backend(const struct scenario *sc, const char *name);

/* Checks what a capacity search needs beyond a valid scenario, reported
 * to d at the file: an slo, and the gpu backend name (NULL: the only
 * one).  Returns the backend's index, or -1 after reporting. */
int study_capacity_check(const struct scenario *sc, const char *name,
                         struct diag *d);

/* 12.3M, 845K, 950: a count as people say it (3 significant digits),
 * written into buf, which is returned. */
const char *study_fmt_count(double x, char *buf, size_t size);

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
