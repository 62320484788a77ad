/*
 * The capacity search against queueing theory.  An M/M/1 station (mean
 * service 2.385 s, mu = 0.41929/s) has exact P99s at every arrival rate
 * lambda < mu:
 *   wait:   P(W > t) = rho exp(-(mu - lambda) t), rho = lambda / mu
 *   e2e:    P(T > t) = exp(-(mu - lambda) t)
 * so the rate at which a P99 equals its target is known: for e2e,
 * lambda* = mu - ln(100) / target; for the wait, the root of
 * rho exp(-(mu - lambda) target) = 0.01, which is increasing in lambda.
 * The search must bracket lambda* within its tolerance plus the
 * statistical error of the probes at the bracket's ends: their P99s' 99%
 * intervals (and the histogram's 1%), carried to rates through the exact
 * slope of the P99 in lambda.
 */
#include "tests/run_driver.h"

#include <gsl/gsl_cdf.h>

#include "models/capacity.h"
#include "sim/units.h"

#define MM1_SERVICE 2.385
#define MM1_MU (1.0 / MM1_SERVICE)
#define MM1_REPS 6

static const char mm1_yaml[] =
    "name: mm1-capacity\n"
    "seed: 20260107\n"
    "horizon: 200000s\n"
    "warmup: 10000s\n"
    "replications: 6\n"
    "workload:\n"
    "  arrivals: {process: poisson, rate: 0.2/s}\n"
    "backends:\n"
    "  mm1: {kind: station, servers: 1, service: {dist: exponential, "
    "mean: 2.385s}}\n";

/* Exact P99 of the metric at rate lambda. */
static double mm1_p99(enum run_metric m, double lambda)
{
    double rho = lambda / MM1_MU;

    if (m == RUN_WAIT)
        return rho <= 0.01 ? 0 : log(rho / 0.01) / (MM1_MU - lambda);
    return log(100.0) / (MM1_MU - lambda);
}

/* The rate whose exact P99 is target: bisection, the P99 increasing. */
static double mm1_rate_at(enum run_metric m, double target)
{
    double lo = 0.011 * MM1_MU, hi = MM1_MU * (1 - 1e-12);

    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (mm1_p99(m, mid) > target)
            hi = mid;
        else
            lo = mid;
    }
    return 0.5 * (lo + hi);
}

/* How far the probe's rate may be from the rate its estimated P99 says:
 * the P99's 99% half-width across replications plus the histogram's 1%,
 * over the exact slope dP99/dlambda there. */
static double mm1_rate_error(enum run_metric m, const struct capacity_probe *p)
{
    double t95 = gsl_cdf_tdist_Pinv(0.975, MM1_REPS - 1);
    double t99 = gsl_cdf_tdist_Pinv(0.995, MM1_REPS - 1);
    double err = p->lat[m].p99_hw * t99 / t95 + 0.01 * p->lat[m].p99;
    double h = 1e-6 * p->rate;
    double slope = (mm1_p99(m, p->rate + h) - mm1_p99(m, p->rate - h)) /
                   (2 * h);

    return err / slope;
}

static void check_bracket(enum run_metric m, double target)
{
    struct scenario *sc = drv_load(mm1_yaml);
    struct capacity_result *r = calloc(1, sizeof *r);
    struct capacity_opts o;
    struct diag d;
    double exact = mm1_rate_at(m, target), lo, hi;
    const struct capacity_probe *pass, *fail;

    assert_non_null(r);
    capacity_opts_init(&o, sc);
    assert_close(o.min_rate, CAPACITY_MIN_ARRIVALS / (sc->horizon - sc->warmup), 1e-12);
    o.p99[m] = target;
    diag_init(&d, stderr);
    assert_int_equal(capacity_search(sc, 0, &o, &d, r), 0);
    assert_int_equal(r->status, CAPACITY_FOUND);
    pass = &r->probe[r->pass];
    fail = &r->probe[r->fail];
    assert_true(pass->pass && !fail->pass);
    /* Bisection stopped at the tolerance, with a pass below a failure. */
    assert_true(fail->rate > pass->rate);
    assert_true(fail->rate - pass->rate <= o.tolerance * pass->rate);
    lo = pass->rate - mm1_rate_error(m, pass);
    hi = fail->rate + mm1_rate_error(m, fail);
    assert_within(exact, lo, hi);
    /* ... and that error is small enough for the check to mean something. */
    assert_true(hi - lo < 0.15 * exact);
    /* A station is one server, every completion counted. */
    assert_close(capacity_per_gpu_month(r), pass->served * UNITS_MONTH,
                 1e-12);
    assert_close(pass->served, pass->rate, 0.03);
    for (size_t i = 1; i < r->n; i++)
        assert_true(r->probe[i].rate > r->probe[i - 1].rate);
    free(r);
    scenario_free(sc);
}

/* rho* = 0.80 here: the P99 wait of the mm1 scenario, 52.26 s, at 0.8 mu,
 * is a little above 50 s. */
static void test_capacity_brackets_the_mm1_rate_for_a_p99_wait(void **state)
{
    (void)state;
    check_bracket(RUN_WAIT, 50.0);
}

/* lambda* = mu - ln(100) / 60 s = 0.34254/s, rho* = 0.817. */
static void test_capacity_brackets_the_mm1_rate_for_a_p99_e2e(void **state)
{
    (void)state;
    check_bracket(RUN_E2E, 60.0);
}

/* The P99 of the service time alone is ln(100) x 2.385 s = 10.98 s: a
 * 9 s target fails even at the lowest rate. */
static void test_capacity_says_when_no_rate_meets_the_target(void **state)
{
    struct scenario *sc = drv_load(mm1_yaml);
    struct capacity_result *r = calloc(1, sizeof *r);
    struct capacity_opts o;
    struct diag d;
    double pass, fail;

    (void)state;
    assert_non_null(r);
    capacity_opts_init(&o, sc);
    o.p99[RUN_E2E] = 9.0;
    diag_init(&d, stderr);
    assert_int_equal(capacity_search(sc, 0, &o, &d, r), 0);
    assert_int_equal(r->status, CAPACITY_INFEASIBLE);
    assert_int_equal(r->pass, -1);
    assert_close(r->probe[0].rate, o.min_rate, 1e-12);
    assert_string_equal(r->probe[0].failed, "e2e_p99");
    assert_true(capacity_per_gpu_month(r) == 0);
    capacity_sure_range(r, &pass, &fail);
    assert_true(pass == 0 && fail > 0);
    free(r);
    scenario_free(sc);
}

/* With the limit below the answer, the search stops there and says so. */
static void test_capacity_stops_at_the_max_rate(void **state)
{
    struct scenario *sc = drv_load(mm1_yaml);
    struct capacity_result *r = calloc(1, sizeof *r);
    struct capacity_opts o;
    struct diag d;

    (void)state;
    assert_non_null(r);
    capacity_opts_init(&o, sc);
    o.p99[RUN_E2E] = 60.0;
    o.max_rate = 0.25;
    diag_init(&d, stderr);
    assert_int_equal(capacity_search(sc, 0, &o, &d, r), 0);
    assert_int_equal(r->status, CAPACITY_ABOVE_MAX);
    assert_int_equal(r->fail, -1);
    assert_close(r->probe[r->pass].rate, 0.25, 1e-12);
    free(r);
    scenario_free(sc);
}

/* A horizon too short for a P99 (a few dozen completions per probe)
 * decides nothing: the search says inconclusive, never infeasible, and
 * suggests a longer horizon.  The e2e target (60 s) is far above the
 * service's own P99 so no median is over it. */
static void test_capacity_short_horizon_is_inconclusive_not_infeasible(
    void **state)
{
    struct scenario *sc = drv_load(
        "name: short\nseed: 5\nhorizon: 300s\nwarmup: 50s\n"
        "replications: 2\nworkload:\n  arrivals: {process: poisson, rate: "
        "0.2/s}\nbackends:\n  mm1: {kind: station, servers: 1, service: "
        "{dist: exponential, mean: 2.385s}}\n");
    struct capacity_result *r = calloc(1, sizeof *r);
    struct capacity_opts o;
    struct diag d;
    char note[400];
    size_t i;

    (void)state;
    assert_non_null(r);
    capacity_opts_init(&o, sc);
    o.p99[RUN_E2E] = 60.0;
    o.max_rate = 0.4;
    diag_init(&d, stderr);
    assert_int_equal(capacity_search(sc, 0, &o, &d, r), 0);
    assert_true(r->status != CAPACITY_INFEASIBLE);
    /* 0.2/s x 250 s x 2 = 100 completions: inconclusive */
    for (i = 0; i < r->n; i++)
        if (r->probe[i].rate <= 0.4)
            assert_true(r->probe[i].inconclusive || r->probe[i].pass ||
                        !strcmp(r->probe[i].failed, "queue growing"));
    assert_int_equal(r->status, CAPACITY_INCONCLUSIVE);
    assert_true(capacity_inconclusive(r, "--horizon", note, sizeof note) > 0);
    assert_non_null(strstr(note, "a longer --horizon decides them"));
    free(r);
    scenario_free(sc);
}

/* The search probes below the start as well as above it. */
static void test_capacity_probes_below_the_start(void **state)
{
    struct scenario *sc = drv_load(mm1_yaml);
    struct capacity_result *r = calloc(1, sizeof *r);
    struct capacity_opts o;
    struct diag d;

    (void)state;
    assert_non_null(r);
    capacity_opts_init(&o, sc);
    o.p99[RUN_E2E] = 60.0;
    o.tolerance = 0.2;
    diag_init(&d, stderr);
    assert_int_equal(capacity_search(sc, 0, &o, &d, r), 0);
    assert_int_equal(r->status, CAPACITY_FOUND);
    assert_close(r->probe[0].rate, 0.1, 1e-12); /* sorted: 0.2 / 2 first */
    free(r);
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capacity_brackets_the_mm1_rate_for_a_p99_wait),
        cmocka_unit_test(test_capacity_brackets_the_mm1_rate_for_a_p99_e2e),
        cmocka_unit_test(test_capacity_says_when_no_rate_meets_the_target),
        cmocka_unit_test(test_capacity_stops_at_the_max_rate),
        cmocka_unit_test(
            test_capacity_short_horizon_is_inconclusive_not_infeasible),
        cmocka_unit_test(test_capacity_probes_below_the_start),
    };
    return cmocka_run_group_tests_name("capacity", tests, NULL, NULL);
}
