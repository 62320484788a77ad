#include "study/pool.h"

#ifdef SLM_HAVE_MPI

#include <mpi.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "sim/interrupt.h"
#include "sim/mem.h"

enum { POOL_TAG_WORK = 1, POOL_TAG_ROW = 2 };
#define POOL_STOP UINT64_MAX

static int pool_started(void)
{
    int on = 0, off = 0;

    MPI_Initialized(&on);
    if (on)
        MPI_Finalized(&off);
    return on && !off;
}

int pool_mpi_init(void)
{
    int size = 1;

    if (!pool_started() && MPI_Init(NULL, NULL) != MPI_SUCCESS)
        return 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

int pool_mpi_rank(void)
{
    int rank = 0;

    if (pool_started())
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

/* The next point to hand out from *next, or POOL_STOP. */
static uint64_t pool_next(size_t n, const unsigned char *skip, size_t *next)
{
    while (*next < n && skip && skip[*next])
        (*next)++;
    return *next < n ? (uint64_t)(*next)++ : POOL_STOP;
}

static void pool_worker(size_t rowsize, pool_compute_fn *compute,
                        void *ctx, unsigned char *msg)
{
    for (;;) {
        uint64_t k;
        MPI_Recv(&k, 1, MPI_UINT64_T, 0, POOL_TAG_WORK, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        if (k == POOL_STOP)
            return;
        memcpy(msg, &k, sizeof k);
        compute(ctx, (size_t)k, msg + sizeof k);
        MPI_Send(msg, (int)(sizeof k + rowsize), MPI_BYTE, 0, POOL_TAG_ROW,
                 MPI_COMM_WORLD);
    }
}

/* Rank 0: polls for rows (an interrupt is noticed within a millisecond)
 * and keeps every other rank busy until the points run out. */
static int pool_master(int size, size_t n, const unsigned char *skip,
                       size_t rowsize, pool_done_fn *done, void *ctx,
                       unsigned char *msg)
{
    size_t next = 0, out = 0;
    struct timespec nap = {0, 1000000};

    for (int r = 1; r < size; r++) {
        uint64_t k = pool_next(n, skip, &next);
        MPI_Send(&k, 1, MPI_UINT64_T, r, POOL_TAG_WORK, MPI_COMM_WORLD);
        out += k != POOL_STOP;
    }
    while (out > 0) {
        MPI_Status st;
        uint64_t k;
        int flag = 0;
        if (interrupt_pending())
            return interrupt_pending();
        MPI_Iprobe(MPI_ANY_SOURCE, POOL_TAG_ROW, MPI_COMM_WORLD, &flag, &st);
        if (!flag) {
            nanosleep(&nap, NULL);
            continue;
        }
        MPI_Recv(msg, (int)(sizeof k + rowsize), MPI_BYTE, st.MPI_SOURCE,
                 POOL_TAG_ROW, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        out--;
        memcpy(&k, msg, sizeof k);
        done(ctx, (size_t)k, msg + sizeof k);
        k = pool_next(n, skip, &next);
        MPI_Send(&k, 1, MPI_UINT64_T, st.MPI_SOURCE, POOL_TAG_WORK,
                 MPI_COMM_WORLD);
        out += k != POOL_STOP;
    }
    return 0;
}

int pool_mpi_run(size_t n, const unsigned char *skip, size_t rowsize,
                 pool_compute_fn *compute, pool_done_fn *done, void *ctx)
{
    unsigned char *msg = mem_alloc(sizeof(uint64_t) + rowsize);
    int size = 1, rc = 0;

    if (!msg)
        return 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (pool_mpi_rank() == 0)
        rc = pool_master(size, n, skip, rowsize, done, ctx, msg);
    else
        pool_worker(rowsize, compute, ctx, msg);
    mem_free(msg);
    return rc;
}

void pool_mpi_fini(int abort_status)
{
    if (!pool_started())
        return;
    if (abort_status)
        MPI_Abort(MPI_COMM_WORLD, abort_status);
    MPI_Finalize();
}

#else /* !SLM_HAVE_MPI */

int pool_mpi_init(void)
{
    return 1;
}

int pool_mpi_rank(void)
{
    return 0;
}

int pool_mpi_run(size_t n, const unsigned char *skip, size_t rowsize,
                 pool_compute_fn *compute, pool_done_fn *done, void *ctx)
{
    (void)n, (void)skip, (void)rowsize, (void)compute, (void)done,
        (void)ctx;
    return 0;
}

void pool_mpi_fini(int abort_status)
{
    (void)abort_status;
}

#endif
