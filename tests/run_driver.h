/*
 * run_driver: scenarios from text, run through the real path.
 *
 * For tests that need whole replications: the YAML goes through a
 * temporary file and scenario_load, as users' files do, then every
 * replication runs into its own run_result.  Static functions: each test
 * program that includes this gets its own copy.
 */
#ifndef SLM_RUN_DRIVER_H
#define SLM_RUN_DRIVER_H

#include "tests/check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/report.h"
#include "models/run.h"
#include "models/scenario.h"

#define DRV_MAX_REPS 10

struct drv {
    struct scenario *sc;
    size_t n;
    struct run_result res[DRV_MAX_REPS];
};

/* The scenario in yaml, owned by the caller (scenario_free); the test
 * fails when it does not load. */
static inline struct scenario *drv_load(const char *yaml)
{
    char path[] = "/tmp/slmsim-test-XXXXXX";
    struct scenario *sc = NULL;
    struct diag d;
    int fd = mkstemp(path);
    FILE *f;

    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(yaml, f);
    fclose(f);
    diag_init(&d, stderr);
    assert_int_equal(scenario_load(path, NULL, &d, &sc), 0);
    unlink(path);
    return sc;
}

/* Loads yaml and runs all its replications (at most DRV_MAX_REPS). */
static inline void drv_run(struct drv *v, const char *yaml)
{
    struct diag d;
    size_t r;

    v->sc = drv_load(yaml);
    v->n = v->sc->replications;
    assert_true(v->n <= DRV_MAX_REPS);
    diag_init(&d, stderr);
    for (r = 0; r < v->n; r++) {
        assert_int_equal(run_result_init(&v->res[r], v->sc->nbackends), 0);
        assert_int_equal(run_replication(v->sc, (unsigned)r, NULL, &d,
                                         &v->res[r]), 0);
    }
}

static inline void drv_free(struct drv *v)
{
    size_t r;

    for (r = 0; r < v->n; r++)
        run_result_fini(&v->res[r]);
    scenario_free(v->sc);
}

/* Figure key of backend b in one replication; fails when missing. */
static inline double drv_figure(const struct run_result *r, int b,
                                const char *key)
{
    size_t i;

    for (i = 0; i < r->backend[b].fig.n; i++)
        if (!strcmp(r->backend[b].fig.f[i].key, key))
            return r->backend[b].fig.f[i].value;
    fail_msg("figure '%s' missing", key);
    return 0.0;
}

/* Every replication keeps arrived = completed + failed + rejected +
 * in flight. */
static inline void drv_check_identity(const struct drv *v)
{
    size_t r;

    for (r = 0; r < v->n; r++) {
        const struct run_result *x = &v->res[r];
        assert_true(x->in_flight <= x->arrived);
        assert_true(x->arrived ==
                    x->completed + x->failed + x->rejected + x->in_flight);
    }
}

#endif
