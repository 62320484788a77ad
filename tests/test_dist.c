/*
 * test_dist: sampling and exact moments of every kind, filled in directly
 * (parsing is tests/test_dist_parse.c).
 *
 * Tolerances come from the exact distribution, never a loose constant: a
 * sample mean of n draws is within z sqrt(var/n) of the mean, a sample
 * variance within z sqrt((mu4 - var^2)/n) of the variance, and a sample
 * fraction within z sqrt(p(1-p)/n) of its probability, z the two-sided 99%
 * normal quantile.  Seeds are fixed, so each check either always holds or
 * always fails.
 */
#include "check.h"

#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>

#include "sim/diag.h"
#include "sim/dist.h"
#include "sim/mem.h"
#include "sim/rng.h"

#define DIST_TEST_N 100000

static double z99(void)
{
    return gsl_cdf_ugaussian_Pinv(0.995);
}

/* Checks dist_mean and dist_second_moment against raw moments computed
 * here independently (raw[k-1] = E[X^k]), then the sample mean and
 * variance of DIST_TEST_N draws against their 99% intervals. */
static void check_moments(const struct dist *dd, const double raw[4],
                          const char *source)
{
    gsl_rng *r = rng_stream_new(2385, 0, source);
    double m1 = raw[0], var = raw[1] - m1 * m1;
    double mu4 = raw[3] - 4 * raw[2] * m1 + 6 * raw[1] * m1 * m1 -
                 3 * m1 * m1 * m1 * m1;
    double n = DIST_TEST_N, sum = 0, ss = 0, mean, svar, hw_mean, hw_var;
    double *x = malloc(DIST_TEST_N * sizeof *x);
    size_t i;

    assert_non_null(x);
    assert_close(dist_mean(dd), raw[0], 1e-12);
    assert_close(dist_second_moment(dd), raw[1], 1e-12);
    for (i = 0; i < DIST_TEST_N; i++) {
        x[i] = dist_sample(dd, r);
        sum += x[i];
    }
    mean = sum / n;
    for (i = 0; i < DIST_TEST_N; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    svar = ss / (n - 1);
    hw_mean = z99() * sqrt(var / n);
    hw_var = z99() * sqrt((mu4 - var * var) / n);
    assert_within(mean, m1 - hw_mean, m1 + hw_mean);
    assert_within(svar, var - hw_var, var + hw_var);
    free(x);
    gsl_rng_free(r);
}

static void test_dist_deterministic_always_gives_its_value(void **state)
{
    struct dist dd;
    gsl_rng *r = rng_stream_new(2385, 0, "fixed");
    int i;

    (void)state;
    dist_init_fixed(&dd, 2.385);
    for (i = 0; i < 1000; i++)
        assert_close(dist_sample(&dd, r), 2.385, 0.0);
    assert_close(dist_mean(&dd), 2.385, 0.0);
    assert_close(dist_second_moment(&dd), 2.385 * 2.385, 1e-15);
    dist_fini(&dd);
    gsl_rng_free(r);
}

static void test_dist_exponential_matches_its_moments(void **state)
{
    struct dist dd;
    double m = 2.385, raw[4] = {m, 2 * m * m, 6 * m * m * m,
                                24 * m * m * m * m}; /* k! m^k */

    (void)state;
    dist_init_fixed(&dd, 0);
    dd.kind = DIST_EXPONENTIAL;
    dd.a = m;
    check_moments(&dd, raw, "exponential");
}

static void test_dist_lognormal_matches_its_moments(void **state)
{
    struct dist dd;
    double mean = 0.83, cv = 0.7, s2 = log(1 + cv * cv), mu, raw[4];
    int k;

    (void)state;
    mu = log(mean) - s2 / 2;
    for (k = 1; k <= 4; k++) /* E[X^k] = exp(k mu + k^2 sigma^2 / 2) */
        raw[k - 1] = exp(k * mu + k * k * s2 / 2);
    assert_close(raw[0], mean, 1e-14);
    dist_init_fixed(&dd, 0);
    dd.kind = DIST_LOGNORMAL;
    dd.a = mu;
    dd.b = sqrt(s2);
    check_moments(&dd, raw, "lognormal");
}

static void test_dist_gamma_matches_its_moments(void **state)
{
    struct dist dd;
    double shape = 1.0 / (0.7 * 0.7), scale = 2.385 / shape, raw[4];
    int k;

    (void)state;
    for (k = 1; k <= 4; k++) /* E[X^k] = scale^k Gamma(shape+k)/Gamma(shape) */
        raw[k - 1] = pow(scale, k) * gsl_sf_poch(shape, k);
    dist_init_fixed(&dd, 0);
    dd.kind = DIST_GAMMA;
    dd.a = shape;
    dd.b = scale;
    check_moments(&dd, raw, "gamma");
}

static void test_dist_uniform_matches_its_moments(void **state)
{
    struct dist dd;
    double lo = 0.83, hi = 2.385, raw[4];
    int k;

    (void)state;
    for (k = 1; k <= 4; k++) /* (b^(k+1) - a^(k+1)) / ((k+1)(b-a)) */
        raw[k - 1] = (pow(hi, k + 1) - pow(lo, k + 1)) / ((k + 1) * (hi - lo));
    dist_init_fixed(&dd, 0);
    dd.kind = DIST_UNIFORM;
    dd.a = lo;
    dd.b = hi;
    check_moments(&dd, raw, "uniform");
}

static double values4[] = {0.25, 1.0, 2.385, 7.0};

static void test_dist_empirical_equal_weights_match_its_moments(void **state)
{
    struct dist dd;
    double raw[4] = {0, 0, 0, 0};
    int i, k;

    (void)state;
    for (k = 1; k <= 4; k++)
        for (i = 0; i < 4; i++)
            raw[k - 1] += pow(values4[i], k) / 4;
    dist_init_fixed(&dd, 0);
    dd.kind = DIST_EMPIRICAL;
    dd.n = 4;
    dd.values = values4; /* borrowed here: no dist_fini */
    check_moments(&dd, raw, "empirical");
}

static void test_dist_empirical_weights_set_the_frequencies(void **state)
{
    double cumw[4] = {1, 1, 4, 10}; /* weights 1, 0, 3, 6 */
    double p[4] = {0.1, 0.0, 0.3, 0.6}, raw[4] = {0, 0, 0, 0};
    gsl_rng *r = rng_stream_new(2385, 0, "weights");
    size_t count[4] = {0, 0, 0, 0}, i;
    struct dist dd;
    int k;

    (void)state;
    dist_init_fixed(&dd, 0);
    dd.kind = DIST_EMPIRICAL;
    dd.n = 4;
    dd.values = values4;
    dd.cumw = cumw;
    for (i = 0; i < DIST_TEST_N; i++) {
        double x = dist_sample(&dd, r);
        for (k = 0; k < 4; k++)
            count[k] += x == values4[k];
    }
    assert_int_equal(count[1], 0); /* weight 0: never drawn */
    for (k = 0; k < 4; k++) {
        double hw = z99() * sqrt(p[k] * (1 - p[k]) / DIST_TEST_N);
        assert_within((double)count[k] / DIST_TEST_N, p[k] - hw, p[k] + hw);
    }
    for (k = 1; k <= 4; k++)
        for (i = 0; i < 4; i++)
            raw[k - 1] += p[i] * pow(values4[i], k);
    check_moments(&dd, raw, "weights-moments"); /* fresh draws */
    gsl_rng_free(r);
}

/* Fraction of n draws <= x: Binomial(n, p)/n for p = F(x). */
static void check_fraction_below(const struct dist *dd, double x, double p,
                                 const char *source)
{
    gsl_rng *r = rng_stream_new(2385, 0, source);
    double hw = z99() * sqrt(p * (1 - p) / DIST_TEST_N);
    size_t below = 0, i;

    for (i = 0; i < DIST_TEST_N; i++)
        below += dist_sample(dd, r) <= x;
    assert_within((double)below / DIST_TEST_N, p - hw, p + hw);
    gsl_rng_free(r);
}

static void test_dist_lognormal_by_median_and_p99_reproduces_them(
    void **state)
{
    double median = 0.2, p99 = 2.385;
    struct dist dd;

    (void)state;
    dist_init_fixed(&dd, 0);
    dd.kind = DIST_LOGNORMAL;
    dd.a = log(median);
    dd.b = log(p99 / median) / gsl_cdf_ugaussian_Pinv(0.99);
    check_fraction_below(&dd, p99, 0.99, "median-p99");
    check_fraction_below(&dd, median, 0.5, "median-p99");
}

static void test_dist_min_and_max_clamp_every_draw(void **state)
{
    gsl_rng *r = rng_stream_new(2385, 0, "clamp");
    double lo = 0.5, hi = 4.0, m = 2.385, p_hi = exp(-hi / m),
           p_lo = 1 - exp(-lo / m), hw;
    size_t at_lo = 0, at_hi = 0, i;
    struct dist dd;

    (void)state;
    dist_init_fixed(&dd, 0);
    dd.kind = DIST_EXPONENTIAL;
    dd.a = m;
    dd.lo = lo;
    dd.hi = hi;
    for (i = 0; i < DIST_TEST_N; i++) {
        double x = dist_sample(&dd, r);
        assert_within(x, lo, hi);
        at_lo += x == lo;
        at_hi += x == hi;
    }
    /* The clamped mass is P(X < lo) and P(X > hi) of the exponential. */
    hw = z99() * sqrt(p_lo * (1 - p_lo) / DIST_TEST_N);
    assert_within((double)at_lo / DIST_TEST_N, p_lo - hw, p_lo + hw);
    hw = z99() * sqrt(p_hi * (1 - p_hi) / DIST_TEST_N);
    assert_within((double)at_hi / DIST_TEST_N, p_hi - hw, p_hi + hw);
    /* Moments are those before clamping, as the contract says. */
    assert_close(dist_mean(&dd), m, 0.0);
    gsl_rng_free(r);
}

static void test_dist_copy_owns_its_arrays(void **state)
{
    struct dist src, dst;
    gsl_rng *a = rng_stream_new(83, 0, "copy"), *b = rng_stream_new(83, 0,
                                                                     "copy");
    int i;

    (void)state;
    dist_init_fixed(&src, 0);
    src.kind = DIST_EMPIRICAL;
    src.n = 4;
    src.values = mem_alloc(4 * sizeof *src.values);
    src.cumw = mem_alloc(4 * sizeof *src.cumw);
    memcpy(src.values, values4, sizeof values4);
    for (i = 0; i < 4; i++)
        src.cumw[i] = i + 1.0;
    assert_int_equal(dist_copy(&dst, &src), 0);
    assert_ptr_not_equal(dst.values, src.values);
    assert_ptr_not_equal(dst.cumw, src.cumw);
    for (i = 0; i < 100; i++)
        assert_close(dist_sample(&dst, a), dist_sample(&src, b), 0.0);
    dist_fini(&src);
    /* cumw 1, 2, 3, 4: equal weights. */
    assert_close(dist_mean(&dst), (0.25 + 1 + 2.385 + 7) / 4, 1e-14);
    dist_fini(&dst);
    dist_fini(&dst); /* idempotent */
    gsl_rng_free(a);
    gsl_rng_free(b);
}

static void test_dist_copy_fails_cleanly_without_memory(void **state)
{
    struct dist src, dst;
    long n;

    (void)state;
    dist_init_fixed(&src, 0);
    src.kind = DIST_EMPIRICAL;
    src.n = 4;
    src.values = values4;
    src.cumw = values4;
    for (n = 0; n < 2; n++) {
        mem_fail_after(n);
        assert_int_equal(dist_copy(&dst, &src), SLM_ENOMEM);
        mem_fail_reset();
        assert_null(dst.values);
        assert_null(dst.cumw);
    }
}

static void test_dist_describe_names_kind_and_parameters(void **state)
{
    struct dist dd;
    char buf[128], tiny[8];

    (void)state;
    dist_init_fixed(&dd, 0.25);
    assert_string_equal(dist_describe(&dd, DIST_DURATION, buf, sizeof buf),
                        "deterministic(250ms)");
    dd.kind = DIST_LOGNORMAL;
    dd.a = log(0.2);
    dd.b = log(2.0 / 0.2) / gsl_cdf_ugaussian_Pinv(0.99);
    assert_string_equal(dist_describe(&dd, DIST_DURATION, buf, sizeof buf),
                        "lognormal(median 200ms, p99 2s)");
    dd.kind = DIST_EXPONENTIAL;
    dd.a = 512;
    dd.hi = 4096;
    assert_string_equal(dist_describe(&dd, DIST_COUNT, buf, sizeof buf),
                        "exponential(mean 512, max 4096)");
    dd.kind = DIST_GAMMA;
    dd.a = 1 / (0.7 * 0.7);
    dd.b = 1.0 / dd.a;
    dd.lo = 0.1;
    dd.hi = HUGE_VAL;
    assert_string_equal(dist_describe(&dd, DIST_DURATION, buf, sizeof buf),
                        "gamma(mean 1s, cv 0.7, min 100ms)");
    dd.kind = DIST_UNIFORM;
    dd.a = 1;
    dd.b = 7200;
    dd.lo = -HUGE_VAL;
    assert_string_equal(dist_describe(&dd, DIST_DURATION, buf, sizeof buf),
                        "uniform(1s, 2h)");
    assert_string_equal(dist_describe(&dd, DIST_DURATION, tiny, sizeof tiny),
                        "uniform");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dist_deterministic_always_gives_its_value),
        cmocka_unit_test(test_dist_exponential_matches_its_moments),
        cmocka_unit_test(test_dist_lognormal_matches_its_moments),
        cmocka_unit_test(test_dist_gamma_matches_its_moments),
        cmocka_unit_test(test_dist_uniform_matches_its_moments),
        cmocka_unit_test(test_dist_empirical_equal_weights_match_its_moments),
        cmocka_unit_test(test_dist_empirical_weights_set_the_frequencies),
        cmocka_unit_test(
            test_dist_lognormal_by_median_and_p99_reproduces_them),
        cmocka_unit_test(test_dist_min_and_max_clamp_every_draw),
        cmocka_unit_test(test_dist_copy_owns_its_arrays),
        cmocka_unit_test(test_dist_copy_fails_cleanly_without_memory),
        cmocka_unit_test(test_dist_describe_names_kind_and_parameters),
    };
    return cmocka_run_group_tests_name("dist", tests, NULL, NULL);
}
