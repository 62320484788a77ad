/*
 * jobs: independent items of a study computed in worker processes on one
 * machine (fork + pipes), the rows kept by index.
 *
 * Each item k < n is computed by compute(ctx, k, row) into a fixed-size
 * row of rowsize plain bytes (no pointers: it crosses a pipe).  With one
 * job the items run in this process, in order; with more, each runs in a
 * forked child that writes its row whole into a pipe and exits, at most
 * `jobs` children at a time.  The parent stores row k at rows + k *
 * rowsize, so what the caller sees never depends on which child finished
 * first: a study gives the same bytes with --jobs 1 and --jobs N.
 *
 * A child that dies (a crash, the OOM killer) or sends a short row leaves
 * its item missing (status SLM_ESYS), never a hang.  SIGINT/SIGTERM
 * (sim/interrupt.h) stop the handing out: the children still running are
 * killed and reaped, and jobs_run returns SLM_EINTR.
 */
#ifndef SLM_STUDY_JOBS_H
#define SLM_STUDY_JOBS_H

#include <stddef.h>

#define JOBS_MAX 256 /* the most worker processes at once */

/* Fills row (rowsize bytes, zeroed) with item k; returns 0 or an SLM_*
 * status (the item then counts as missing; its row still reaches done
 * nowhere, and rows keeps zeros). */
typedef int jobs_compute_fn(void *ctx, size_t k, void *row);

/* Called in the parent when item k arrived whole with status 0 (row
 * borrowed for the call), in the order they finish: a journal's hook.  The
 * rows array (jobs_run) holds them by index either way. */
typedef void jobs_done_fn(void *ctx, size_t k, const void *row);

/* Called in the parent before each item starts and after each finishes:
 * done of total finished, running now. */
typedef void jobs_progress_fn(void *ctx, size_t done, size_t total,
                              size_t running);

/* Computes item k in the calling process, storing what it computes
 * itself (no row); returns 0 or an SLM_* status. */
typedef int jobs_here_fn(void *ctx, size_t k);

struct jobs_spec {
    size_t n;                    /* items */
    size_t rowsize;              /* bytes per row */
    unsigned jobs;               /* worker processes; 0 or 1: in process */
    const unsigned char *skip;   /* NULL, or skip[k]: item k not wanted */
    jobs_compute_fn *compute;
    jobs_done_fn *done;          /* NULL: none */
    void *ctx;                   /* compute's and done's; read-only in a
                                    child */
    jobs_progress_fn *progress;  /* NULL: none */
    void *progress_ctx;
    /* NULL, or items k < nhere are computed by here(ctx, k) in this
     * process, first, while jobs - 1 workers start on the others: items
     * whose result cannot cross a pipe (a replication's time series).
     * Their rows stay zero and done is not called for them. */
    jobs_here_fn *here;
    size_t nhere;
};

/* Computes every wanted item of spec; rows (n * rowsize bytes, or NULL)
 * gets row k at rows + k * rowsize, status (n ints, or NULL) item k's
 * status: 0 when row k holds it, compute's SLM_* when it failed, SLM_ESYS
 * when its worker died or could not start (or it was skipped or never
 * reached); both owned by the caller.  Returns 0
 * (items may still be missing: see ok), SLM_EINTR when interrupted
 * (interrupt_pending() says by what) or SLM_ENOMEM.  *failed (NULL: not
 * counted) adds the items missing. */
int jobs_run(const struct jobs_spec *spec, void *rows, int *status,
             size_t *failed);

/* The default number of jobs: the online CPUs, 1 when unknown, at most
 * JOBS_MAX. */
unsigned jobs_default(void);

#endif
