/*
 * The engine against exact queueing theory, with fixed seeds: each exact
 * value must lie inside the 99% Student-t interval of R independent
 * replications (not a loose constant), plus identities that hold exactly.
 *
 *   M/M/1:  Wq = rho/(mu - lambda);  P(Wq > t) = rho exp(-(mu - lambda) t)
 *   M/M/c:  Wq = C(c, a)/(c mu - lambda), C the Erlang C probability
 *   M/G/1:  Wq = lambda E[S^2] / (2 (1 - rho))   (Pollaczek-Khinchine)
 *   Little: Lq = lambda Wq, on the same run
 */
#include "tests/run_driver.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/report.h"
#include "models/run.h"
#include "models/scenario.h"
#include "sim/mem.h"
#include "sim/stats.h"

#define Q_REPS 10
#define Q_LEVEL 0.99

struct q_runs {
    struct scenario *sc;
    struct run_result res[Q_REPS];
};

static void q_run(struct q_runs *q, const char *yaml)
{
    struct diag d;
    unsigned r;

    q->sc = drv_load(yaml);
    assert_int_equal(q->sc->replications, Q_REPS);
    diag_init(&d, stderr);
    for (r = 0; r < Q_REPS; r++) {
        assert_int_equal(run_result_init(&q->res[r], q->sc->nbackends), 0);
        assert_int_equal(run_replication(q->sc, r, NULL, &d, &q->res[r]), 0);
    }
}

static void q_free(struct q_runs *q)
{
    unsigned r;

    for (r = 0; r < Q_REPS; r++)
        run_result_fini(&q->res[r]);
    scenario_free(q->sc);
}

/* 99% interval, across replications, of f(replication). */
static void q_ci(const struct q_runs *q, double (*f)(const struct run_result *),
                 double *lo, double *hi)
{
    double v[Q_REPS], mean, hw;
    unsigned r;

    for (r = 0; r < Q_REPS; r++)
        v[r] = f(&q->res[r]);
    stats_ci_t(v, Q_REPS, Q_LEVEL, &mean, &hw);
    *lo = mean - hw;
    *hi = mean + hw;
}

static double q_wait_mean(const struct run_result *r)
{
    return r->backend[0].lat[RUN_WAIT].w.mean;
}

static double q_e2e_mean(const struct run_result *r)
{
    return r->backend[0].lat[RUN_E2E].w.mean;
}

static double q_wait_p99(const struct run_result *r)
{
    return qhist_quantile(r->backend[0].lat[RUN_WAIT].h, 0.99);
}

static double q_figure(const struct run_result *r, const char *key)
{
    size_t i;

    for (i = 0; i < r->backend[0].fig.n; i++)
        if (!strcmp(r->backend[0].fig.f[i].key, key))
            return r->backend[0].fig.f[i].value;
    fail_msg("figure '%s' missing", key);
    return 0.0;
}

static double q_utilization(const struct run_result *r)
{
    return q_figure(r, "utilization");
}

/* Little's law on one replication: Lq / (lambda_measured Wq) - 1, where
 * lambda is the realised arrival rate of the window. */
static double q_little_gap(const struct run_result *r)
{
    double lambda = (double)r->arrived / r->window;
    return q_figure(r, "queue.mean") / (lambda * q_wait_mean(r)) - 1.0;
}

#define Q_STATION(servers, service, rate)                                     \
    "name: q\nseed: 7\nhorizon: 3d\nwarmup: 6h\nreplications: 10\n"            \
    "workload: {arrivals: {process: poisson, rate: " rate "}}\n"              \
    "backends: {s: {kind: station, servers: " servers ", service: " service   \
    "}}\n"

static void test_mm1_wait_mean_and_p99_match_exact_formulas(void **state)
{
    const double mu = 1.0 / 2.385, lambda = 0.8 * mu, rho = 0.8;
    struct q_runs q;
    double lo, hi;

    (void)state;
    q_run(&q, Q_STATION("1", "{dist: exponential, mean: 2.385s}",
                        "0.3354297694/s"));
    q_ci(&q, q_wait_mean, &lo, &hi);
    assert_within(rho / (mu - lambda), lo, hi);
    q_ci(&q, q_e2e_mean, &lo, &hi);
    assert_within(1.0 / (mu - lambda), lo, hi);
    q_ci(&q, q_wait_p99, &lo, &hi);
    assert_within(log(rho / 0.01) / (mu - lambda), lo, hi);
    q_ci(&q, q_utilization, &lo, &hi);
    assert_within(rho, lo, hi);
    q_free(&q);
}

/* Erlang C by the stable recurrence on Erlang B:
 * B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)); C = B / (1 - rho (1 - B)). */
static double q_erlang_c(int c, double a)
{
    double b = 1.0, rho = a / c;
    int k;

    for (k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    return b / (1.0 - rho * (1.0 - b));
}

static void test_mmc_wait_mean_matches_erlang_c(void **state)
{
    const int c = 16;
    const double mu = 1.0 / 2.385, lambda = 0.9 * c * mu;
    struct q_runs q;
    double lo, hi, wq = q_erlang_c(c, lambda / mu) / (c * mu - lambda);

    (void)state;
    q_run(&q, Q_STATION("16", "{dist: exponential, mean: 2.385s}",
                        "6.037735849/s"));
    q_ci(&q, q_wait_mean, &lo, &hi);
    assert_within(wq, lo, hi);
    q_ci(&q, q_e2e_mean, &lo, &hi);
    assert_within(wq + 2.385, lo, hi);
    q_ci(&q, q_utilization, &lo, &hi);
    assert_within(0.9, lo, hi);
    q_free(&q);
}

static void test_md1_wait_mean_matches_pollaczek_khinchine(void **state)
{
    const double s = 2.385, rho = 0.83, lambda = rho / s;
    struct q_runs q;
    double lo, hi;

    (void)state;
    /* lambda = 0.83/2.385 = 0.3480083857 */
    q_run(&q, Q_STATION("1", "2.385s", "0.3480083857/s"));
    q_ci(&q, q_wait_mean, &lo, &hi);
    assert_within(lambda * s * s / (2.0 * (1.0 - rho)), lo, hi);
    q_free(&q);
}

static void test_mg1_gamma_wait_mean_matches_pollaczek_khinchine(void **state)
{
    /* Gamma service, mean 2.385 s, cv 1.7: E[S^2] = (1 + cv^2) mean^2. */
    const double s = 2.385, cv = 1.7, rho = 0.83, lambda = rho / s;
    struct q_runs q;
    double lo, hi;

    (void)state;
    q_run(&q, Q_STATION("1", "{dist: gamma, mean: 2.385s, cv: 1.7}",
                        "0.3480083857/s"));
    q_ci(&q, q_wait_mean, &lo, &hi);
    assert_within(lambda * (1.0 + cv * cv) * s * s / (2.0 * (1.0 - rho)), lo,
                  hi);
    q_free(&q);
}

static void test_littles_law_holds_on_the_same_run(void **state)
{
    struct q_runs q;
    double lo, hi;

    (void)state;
    q_run(&q, Q_STATION("3", "{dist: lognormal, mean: 2.385s, cv: 1.3}",
                        "1.05/s"));
    q_ci(&q, q_little_gap, &lo, &hi);
    assert_within(0.0, lo, hi);
    q_free(&q);
}

static void test_every_arrival_is_accounted_for(void **state)
{
    struct q_runs q;
    unsigned r;

    (void)state;
    q_run(&q, Q_STATION("2", "{dist: exponential, mean: 2.385s}", "0.8/s"));
    for (r = 0; r < Q_REPS; r++) {
        const struct run_result *x = &q.res[r];
        assert_true(x->arrived > 0);
        assert_int_equal(x->arrived, x->completed + x->failed + x->rejected +
                                         x->in_flight);
        assert_int_equal(x->backend[0].completed, x->completed);
    }
    q_free(&q);
}

/* Same scenario and seed: byte-identical results.json. */
static char *q_json(const struct q_runs *q)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    assert_int_equal(report_write_json(f, q->sc, q->res, Q_REPS), 0);
    fclose(f);
    return buf;
}

static void test_same_seed_gives_identical_results_json(void **state)
{
    struct q_runs a, b;
    char *ja, *jb;

    (void)state;
    q_run(&a, Q_STATION("2", "{dist: exponential, mean: 2.385s}", "0.7/s"));
    q_run(&b, Q_STATION("2", "{dist: exponential, mean: 2.385s}", "0.7/s"));
    /* the two temporary files have different names; the rest must match */
    mem_free(b.sc->path);
    b.sc->path = mem_strdup(a.sc->path);
    ja = q_json(&a);
    jb = q_json(&b);
    assert_string_equal(ja, jb);
    free(ja);
    free(jb);
    q_free(&a);
    q_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mm1_wait_mean_and_p99_match_exact_formulas),
        cmocka_unit_test(test_mmc_wait_mean_matches_erlang_c),
        cmocka_unit_test(test_md1_wait_mean_matches_pollaczek_khinchine),
        cmocka_unit_test(test_mg1_gamma_wait_mean_matches_pollaczek_khinchine),
        cmocka_unit_test(test_littles_law_holds_on_the_same_run),
        cmocka_unit_test(test_every_arrival_is_accounted_for),
        cmocka_unit_test(test_same_seed_gives_identical_results_json),
    };
    return cmocka_run_group_tests_name("queueing", tests, NULL, NULL);
}
