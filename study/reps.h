/*
 * reps: a scenario's replications spread over worker processes.
 *
 * Replication r is item r of study/jobs.h: a worker runs it and sends its
 * whole struct run_result back as plain bytes (run_result_pack: counts,
 * days, backlog, routing, tasks, backend figures, every histogram), and
 * this process unpacks it into res[r].  Replication 0 keeps its extras
 * (the time series behind results.json and the timeline figure), which
 * do not cross a pipe, so it runs here while the workers take the
 * others.  A result is the same bytes in any process, so the report,
 * results.json and every figure are the same with any number of jobs.
 *
 * Memory: res holds every replication, as with one process; beyond it
 * one packed result per worker at a time (study/jobs.h's buffers).
 */
#ifndef SLM_STUDY_REPS_H
#define SLM_STUDY_REPS_H

#include <stddef.h>

#include "models/run.h"
#include "models/scenario.h"
#include "sim/diag.h"
#include "study/sweep.h"

/* Runs replications 0.. of sc into res[] (sc->replications entries,
 * zeroed) on jobs->jobs processes (this one included), as
 * run_replications does: *n results initialised (run_result_fini each;
 * the first that did not reach the horizon is the last of them), *done
 * how many reached it.  keep: replication 0 keeps its extras.  Returns 0,
 * the status of the first replication that stopped (SLM_ELIMIT and
 * SLM_EINTR with its counts in res[*n - 1]), SLM_EINTR when a signal
 * stopped the pool (res[0..*done) finished, *n == *done), SLM_ESYS when
 * a worker died or sent a result that does not fit, or SLM_ENOMEM. */
int study_run_replications(const struct scenario *sc, int keep,
                           const struct study_jobs *jobs, struct diag *d,
                           struct run_result *res, size_t *n, size_t *done);

#endif
