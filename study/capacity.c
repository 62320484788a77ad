#include "study/capacity.h"

#include <stdio.h>
#include <string.h>

#include "models/gpu.h"
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

int study_capacity_backend(const struct scenario *sc, const char *name)
{
    int found = STUDY_CAPACITY_NO_GPU, n = 0;

    for (size_t i = 0; i < sc->nbackends; i++) {
        int is_gpu = sc->backends[i].kind == &gpu_backend_kind;
        if (name && !strcmp(sc->backends[i].name, name))
            return is_gpu ? (int)i : STUDY_CAPACITY_NOT_GPU;
        if (!name && is_gpu && n++ == 0)
            found = (int)i;
    }
    if (name)
        return STUDY_CAPACITY_NO_SUCH;
    return n > 1 ? STUDY_CAPACITY_AMBIGUOUS : found;
}

int study_capacity_check(const struct scenario *sc, const char *name,
                         struct diag *d)
{
    struct diag_pos at = {sc->path, 0, 0};
    int b = study_capacity_backend(sc, name);
    int before = d->errors;

    if (sc->slo.ttft_p99 <= 0 && sc->slo.e2e_p99 <= 0)
        diag_error(d, &at, "capacity needs an slo: set slo.ttft_p99 "
                           "and/or slo.e2e_p99 (e.g. --set slo.e2e_p99=2s)");
    if (b == STUDY_CAPACITY_NO_GPU)
        diag_error(d, &at, "capacity needs a backend of kind gpu");
    else if (b == STUDY_CAPACITY_NOT_GPU)
        diag_error(d, &at, "backend '%s' is not of kind gpu", name);
    else if (b == STUDY_CAPACITY_NO_SUCH)
        diag_error(d, &at, "no backend named '%s'", name);
    else if (b == STUDY_CAPACITY_AMBIGUOUS)
        diag_error(d, &at, "several gpu backends: choose one with "
                           "--backend NAME");
    return d->errors > before ? -1 : b;
}

/* 12.3M, 845K, 950: volumes as people say them. */
const char *study_fmt_count(double x, char *buf, size_t size)
{
    if (x >= 1e9)
        snprintf(buf, size, "%.3gG", x / 1e9);
    else if (x >= 1e6)
        snprintf(buf, size, "%.3gM", x / 1e6);
    else if (x >= 1e4)
        snprintf(buf, size, "%.3gK", x / 1e3);
    else
        snprintf(buf, size, "%.3g", x);
    return buf;
}
