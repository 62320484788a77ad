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
#include "sim/mem.h"

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

/* Fails the Nth allocation for N = 0, 1, 2, ... across loading the
 * scenario file at path and running its first replication, until
 * everything succeeds: each failure must come back as SLM_ENOMEM, never as
 * a crash, a leak (the sanitizer build checks) or bad input.  Returns the
 * number of allocations the walk crossed. */
static inline long drv_alloc_walk(const char *path)
{
    long n;
    int done = 0;

    for (n = 0; !done && n < 100000; n++) {
        struct scenario *sc = NULL;
        struct run_result res;
        struct diag d;
        int st;

        diag_init(&d, NULL);
        mem_fail_after(n);
        st = scenario_load(path, NULL, &d, &sc);
        if (st == 0) {
            st = run_result_init(&res, sc->nbackends);
            if (st == 0)
                st = run_replication(sc, 0, NULL, &d, &res);
            run_result_fini(&res);
            scenario_free(sc);
        }
        if (mem_fail_count() == 0) {
            assert_int_equal(st, 0);
            done = 1;
        } else {
            assert_int_equal(st, SLM_ENOMEM);
        }
        mem_fail_reset();
    }
    assert_true(done);
    return n;
}

#endif
