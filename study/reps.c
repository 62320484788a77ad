#include "study/reps.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sim/mem.h"
#include "sim/status.h"
#include "study/jobs.h"

/* A row: the replication's status, then its packed result, aligned for
 * it. */
#define REPS_HEAD _Alignof(max_align_t)

struct reps_ctx {
    const struct scenario *sc;
    int keep;
    struct diag *d;
    struct run_result *res;
    int *status;            /* each replication's own, by index */
    unsigned char *inited;  /* res[r] initialised */
};

/* In a worker: replication r, packed behind its status.  A replication
 * stopped by a limit or a signal still sends its counts; only a result
 * that could not be made fails the item. */
static int reps_item(void *ctx, size_t r, void *row)
{
    const struct reps_ctx *c = ctx;
    struct run_result res;
    int32_t st = (int32_t)run_result_init(&res, c->sc->nbackends);

    if (!st)
        st = (int32_t)run_replication(c->sc, (unsigned)r, NULL, c->d, &res);
    if (st != SLM_ENOMEM) {
        memcpy(row, &st, sizeof st);
        run_result_pack(&res, (unsigned char *)row + REPS_HEAD);
    }
    run_result_fini(&res);
    return st == SLM_ENOMEM ? SLM_ENOMEM : SLM_OK;
}

/* In this process: a worker's row arrived whole. */
static void reps_done(void *ctx, size_t r, const void *row)
{
    struct reps_ctx *c = ctx;
    int32_t st;

    memcpy(&st, row, sizeof st);
    c->status[r] = run_result_init(&c->res[r], c->sc->nbackends);
    c->inited[r] = 1;
    if (!c->status[r] &&
        run_result_unpack(&c->res[r], (const unsigned char *)row + REPS_HEAD))
        c->status[r] = SLM_ESYS;
    if (!c->status[r])
        c->status[r] = st;
}

/* In this process: replication 0, which keeps its extras. */
static int reps_here(void *ctx, size_t r)
{
    struct reps_ctx *c = ctx;
    struct run_hooks h;

    memset(&h, 0, sizeof h);
    h.keep_extras = c->keep && r == 0;
    c->status[r] = run_result_init(&c->res[r], c->sc->nbackends);
    c->inited[r] = 1;
    if (!c->status[r])
        c->status[r] = run_replication(c->sc, (unsigned)r, &h, c->d,
                                       &c->res[r]);
    return SLM_OK;
}

/* The first replication that failed to arrive or to finish decides, by
 * index (as one process runs them in order); the results past it are
 * released. */
static int reps_settle(const struct reps_ctx *c, const int *item, size_t nr,
                       int pool, size_t *n, size_t *done)
{
    int st = SLM_OK;
    size_t r;

    *n = *done = 0;
    for (r = 0; r < nr && !st; r++) {
        if (item[r] || !c->inited[r]) {
            st = pool == SLM_EINTR ? SLM_EINTR
                 : item[r] && item[r] != SLM_ESYS ? item[r] : SLM_ESYS;
            break;
        }
        *n = r + 1;
        st = c->status[r];
        if (!st)
            *done = r + 1;
    }
    if (!st && pool == SLM_EINTR)
        st = SLM_EINTR; /* every one arrived, the signal stands */
    for (size_t k = *n; k < nr; k++)
        if (c->inited[k]) {
            run_result_fini(&c->res[k]);
            memset(&c->res[k], 0, sizeof c->res[k]);
        }
    return st;
}

int study_run_replications(const struct scenario *sc, int keep,
                           const struct study_jobs *jobs, struct diag *d,
                           struct run_result *res, size_t *n, size_t *done)
{
    size_t nr = sc->replications;
    int *st = mem_calloc(2 * (nr ? nr : 1), sizeof *st);
    unsigned char *inited = mem_calloc(nr ? nr : 1, 1);
    struct reps_ctx c = {sc, keep, d, res, st + nr, inited};
    struct jobs_spec js = {
        .n = nr,
        .rowsize = REPS_HEAD + run_result_packed_size(sc->nbackends),
        .jobs = jobs ? jobs->jobs : 1,
        .compute = reps_item,
        .done = reps_done,
        .ctx = &c,
        .progress = jobs ? jobs->progress : NULL,
        .progress_ctx = jobs ? jobs->progress_ctx : NULL,
        .here = reps_here,
        .nhere = 1};
    int rc = SLM_ENOMEM;

    *n = *done = 0;
    if (st && inited) {
        rc = jobs_run(&js, NULL, st, NULL);
        if (rc != SLM_ENOMEM)
            rc = reps_settle(&c, st, nr, rc, n, done);
    }
    mem_free(st);
    mem_free(inited);
    return rc;
}
