#include "study/capacity.h"

#include <string.h>

#include "sim/mem.h"
#include "sim/status.h"
#include "study/jobs.h"

struct cap_jobs {
    const struct study_jobs *jobs;
    /* the probe's, set by cap_reps for its items */
    const struct scenario *sc;
    size_t b;
    struct diag *d;
};

/* Item r: replication r of the probe, at the rate the probe set on sc
 * before the workers were forked. */
static int cap_item(void *ctx, size_t r, void *row)
{
    const struct cap_jobs *c = ctx;

    return capacity_rep_run(c->sc, c->b, (unsigned)r, NULL, c->d, row);
}

/* A probe's replications as pool items; the first failed item's status
 * (by index, so the same one whatever finished first). */
static int cap_reps(void *ctx, const struct scenario *sc, size_t b,
                    struct diag *d, struct capacity_rep *reps)
{
    struct cap_jobs *c = ctx;
    size_t n = sc->replications;
    int *status = mem_calloc(n ? n : 1, sizeof *status);
    struct jobs_spec js = {.n = n, .rowsize = sizeof *reps,
                           .jobs = c->jobs->jobs, .compute = cap_item,
                           .ctx = c, .progress = c->jobs->progress,
                           .progress_ctx = c->jobs->progress_ctx};
    int st;

    if (!status)
        return SLM_ENOMEM;
    c->sc = sc;
    c->b = b;
    c->d = d;
    st = jobs_run(&js, reps, status, NULL);
    for (size_t i = 0; !st && i < n; i++)
        st = status[i];
    mem_free(status);
    return st;
}

int study_capacity_search(struct scenario *sc, size_t b,
                          const struct capacity_opts *o,
                          const struct study_jobs *jobs, struct diag *d,
                          struct capacity_result *out)
{
    struct capacity_opts co = *o;
    struct cap_jobs c = {jobs, NULL, 0, NULL};

    co.run_reps = NULL;
    if (jobs && jobs->jobs > 1) {
        co.run_reps = cap_reps;
        co.reps_ctx = &c;
    }
    return capacity_search(sc, b, &co, d, out);
}
