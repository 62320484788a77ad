/*
 * pool: points of a study spread over the ranks of an MPI job.
 *
 * Built with MPI (make MPI=1, SLM_HAVE_MPI) and started by mpirun with
 * more than one rank, rank 0 schedules and gathers: it hands one point at
 * a time to whichever rank is free (points differ widely in cost, so a
 * static split would leave ranks idle), receives each point's row as
 * bytes (every rank runs the same binary, so the bytes mean the same) and
 * passes it to done() in the order they finish; the caller keeps rows by
 * point index, so the outputs do not depend on that order.  Ranks other
 * than 0 only compute.
 *
 * A point whose computation fails comes back with its failure in the row
 * (the caller's business).  A rank that dies takes the MPI job with it
 * (Open MPI's default): rank 0's journal keeps every point that finished
 * before, and a rerun computes only the others.
 *
 * Without MPI every function is a stub: one rank, nothing distributed.
 */
#ifndef SLM_STUDY_POOL_H
#define SLM_STUDY_POOL_H

#include <stddef.h>

/* Fills row (rowsize bytes) with point k. */
typedef void pool_compute_fn(void *ctx, size_t k, void *row);
/* Rank 0: point k finished with row. */
typedef void pool_done_fn(void *ctx, size_t k, const void *row);

/* Starts MPI when built with it and launched by mpirun; returns the
 * number of ranks (1 without MPI or outside mpirun). */
int pool_mpi_init(void);
/* This process's rank (0 without MPI). */
int pool_mpi_rank(void);

/* Runs every point k < n with !skip[k] (skip NULL: every one) across
 * the ranks; every rank calls it.  Returns 0, or the signal that stopped rank 0 (SIGINT or
 * SIGTERM: points still out are abandoned). */
int pool_mpi_run(size_t n, const unsigned char *skip, size_t rowsize,
                 pool_compute_fn *compute, pool_done_fn *done, void *ctx);

/* Ends MPI (a no-op without it).  abort_status != 0 aborts the job with
 * that status instead (rank 0 after an interrupt). */
void pool_mpi_fini(int abort_status);

#endif
