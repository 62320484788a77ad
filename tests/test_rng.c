/*
 * test_rng: streams are pure functions of (seed, replication, source), and
 * streams that differ in any input are uncorrelated.
 */
#include "check.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/rng.h"

/* Draws per correlation check.  Under independence the sample correlation
 * of n pairs is approximately N(0, 1/n), so |r| <= z / sqrt(n) with z the
 * two-sided 1e-4 normal quantile: a real dependence of 0.013 or more shows,
 * and a correct generator fails once in 10^4 seeds (the seeds are fixed). */
#define RNG_TEST_N 100000

static double rng_test_bound(void)
{
    return gsl_cdf_ugaussian_Pinv(1.0 - 0.5e-4) / sqrt((double)RNG_TEST_N);
}

static double rng_test_correlation(gsl_rng *a, gsl_rng *b)
{
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, n = RNG_TEST_N;
    int i;

    for (i = 0; i < RNG_TEST_N; i++) {
        double x = rng_uniform_pos(a), y = rng_uniform_pos(b);
        sa += x;
        sb += y;
        saa += x * x;
        sbb += y * y;
        sab += x * y;
    }
    return (sab - sa * sb / n) /
           sqrt((saa - sa * sa / n) * (sbb - sb * sb / n));
}

static void test_rng_stream_seed_matches_its_documented_formula(void **state)
{
    (void)state;
    /* Values from an independent implementation of
     * sm(sm(sm(seed) ^ replication) ^ fnv1a64(source)). */
    assert_true(rng_stream_seed(42, 0, "arrivals") == 0xf6406249caaabb89u);
    assert_true(rng_stream_seed(2385, 3, "backends.mm16.service") ==
                0xe941b1262d265adfu);
    assert_true(rng_stream_seed(0, 0, "") == 0x7dc2c42b173ebf65u);
}

static void test_rng_same_inputs_reproduce_the_stream(void **state)
{
    gsl_rng *a = rng_stream_new(2385, 7, "backends.mm16.service");
    gsl_rng *b = rng_stream_new(2385, 7, "backends.mm16.service");
    int i;

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    for (i = 0; i < 10000; i++)
        assert_true(gsl_rng_get(a) == gsl_rng_get(b));
    gsl_rng_free(a);
    gsl_rng_free(b);
}

static void test_rng_neighbouring_inputs_give_different_seeds(void **state)
{
    uint64_t base = rng_stream_seed(2385, 0, "gpu0");

    (void)state;
    assert_true(rng_stream_seed(2385, 0, "gpu1") != base);
    assert_true(rng_stream_seed(2385, 1, "gpu0") != base);
    assert_true(rng_stream_seed(2386, 0, "gpu0") != base);
    /* Replication and seed are mixed separately, not added. */
    assert_true(rng_stream_seed(2386, 0, "gpu0") !=
                rng_stream_seed(2385, 1, "gpu0"));
}

static void rng_test_uncorrelated(uint64_t s1, unsigned r1, const char *n1,
                                  uint64_t s2, unsigned r2, const char *n2)
{
    gsl_rng *a = rng_stream_new(s1, r1, n1);
    gsl_rng *b = rng_stream_new(s2, r2, n2);
    double bound = rng_test_bound();

    assert_non_null(a);
    assert_non_null(b);
    assert_within(rng_test_correlation(a, b), -bound, bound);
    gsl_rng_free(a);
    gsl_rng_free(b);
}

static void test_rng_different_names_give_uncorrelated_streams(void **state)
{
    (void)state;
    rng_test_uncorrelated(2385, 0, "gpu0", 2385, 0, "gpu1");
    rng_test_uncorrelated(2385, 0, "arrivals", 2385, 0, "arrivalt");
}

static void test_rng_different_replications_give_uncorrelated_streams(
    void **state)
{
    (void)state;
    rng_test_uncorrelated(2385, 0, "arrivals", 2385, 1, "arrivals");
    rng_test_uncorrelated(2385, 1, "arrivals", 2385, 2, "arrivals");
    rng_test_uncorrelated(2385, 0, "arrivals", 2386, 0, "arrivals");
}

static void test_rng_uniform_pos_stays_open_with_mean_one_half(void **state)
{
    gsl_rng *r = rng_stream_new(83, 0, "uniform");
    double sum = 0, z99 = gsl_cdf_ugaussian_Pinv(0.995);
    int i;

    (void)state;
    for (i = 0; i < RNG_TEST_N; i++) {
        double u = rng_uniform_pos(r);
        assert_true(u > 0.0 && u < 1.0);
        sum += u;
    }
    /* 99% interval for the mean of n U(0,1): 1/2 +- z sqrt(1/12 / n). */
    assert_within(sum / RNG_TEST_N,
                  0.5 - z99 * sqrt(1.0 / 12.0 / RNG_TEST_N),
                  0.5 + z99 * sqrt(1.0 / 12.0 / RNG_TEST_N));
    gsl_rng_free(r);
}

/* Our generator is GSL's mt19937 word for word: 10^6 outputs from each of
 * several seeds (0 is GSL's default 4357, 2^32 - 1 the widest), through
 * get, gsl_rng_uniform, our inline words and a GSL variate function. */
static void test_rng_mt19937_type_gives_gsl_mt19937_outputs(void **state)
{
    const unsigned long seeds[] = {0, 1, 4357, 2385, 0xffffffffUL,
                                   0x9e3779b9UL};
    (void)state;
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        gsl_rng *ours = gsl_rng_alloc(&rng_mt19937_type);
        gsl_rng *ref = gsl_rng_alloc(gsl_rng_mt19937);
        assert_non_null(ours);
        assert_non_null(ref);
        gsl_rng_set(ours, seeds[k]);
        gsl_rng_set(ref, seeds[k]);
        for (int i = 0; i < 1000000; i++) {
            double a, b;
            switch (i % 5) {
            case 0:
                assert_true(gsl_rng_get(ours) == gsl_rng_get(ref));
                continue;
            case 1:
                a = rng_uniform(ours), b = gsl_rng_uniform(ref);
                break;
            case 2:
                a = rng_word32(ours), b = (double)gsl_rng_get(ref);
                break;
            case 3:
                a = rng_uniform_pos(ours), b = gsl_rng_uniform_pos(ref);
                break;
            default:
                a = gsl_ran_gamma(ours, 0.83, 1.7);
                b = gsl_ran_gamma(ref, 0.83, 1.7);
                break;
            }
            assert_memory_equal(&a, &b, sizeof a);
        }
        gsl_rng_free(ours);
        gsl_rng_free(ref);
    }
}

/* The streams are of that type, so the inline path is the one taken. */
static void test_rng_streams_are_of_the_inline_type(void **state)
{
    gsl_rng *r = rng_stream_new(83, 0, "uniform");
    (void)state;
    assert_non_null(r);
    assert_ptr_equal(r->type, &rng_mt19937_type);
    gsl_rng_free(r);
}

/* The ziggurat's tables close: every strip has the area v of the base
 * strip (its rectangle [0, X0] x [0, f(r)]), the ladder starts at r and
 * reaches the top of the curve, and each sure part lies inside its strip's
 * next width. */
static void test_rng_ziggurat_strips_have_equal_areas(void **state)
{
    const double r = rng_zig_r, v = exp(-r) * (r + 1.0);
    double x[RNG_ZIG_N + 1];
    (void)state;
    for (int i = 0; i < RNG_ZIG_N; i++)
        x[i] = rng_zig_w[i] * 16777216.0;
    x[RNG_ZIG_N] = 0.0;
    assert_close(x[1], r, 1e-15);
    assert_close(x[0] * rng_zig_f[1], v, 1e-12);
    assert_close(rng_zig_f[RNG_ZIG_N], 1.0, 1e-15);
    for (int i = 1; i < RNG_ZIG_N; i++) {
        assert_close(x[i] * (rng_zig_f[i + 1] - rng_zig_f[i]), v, 1e-9);
        assert_close(rng_zig_f[i], exp(-x[i]), 1e-15);
        assert_true(rng_zig_k[i] == 0 ||
                    (double)(rng_zig_k[i] - 1) * rng_zig_w[i] < x[i + 1]);
    }
}

/* The draws are exponential: over n = 4 10^6 draws of mean 2.385 the
 * count beyond each of 12 quantiles (the tail past the ziggurat's r
 * included) sits inside its binomial 99.9% interval, and the mean
 * inside its normal 99.9% interval (sd of one draw = the mean). */
#define RNG_EXP_N 4000000
static void test_rng_exponential_has_the_exponential_tail_everywhere(
    void **state)
{
    const double mean = 2.385, z = 3.29;
    const double q[] = {0.01, 0.1, 0.3, 0.5, 0.69, 1.0, 2.0, 3.5,
                        5.0, 7.69711747, 8.5, 11.0};
    size_t nq = sizeof q / sizeof q[0];
    size_t beyond[12] = {0};
    double sum = 0.0;
    gsl_rng *g = rng_stream_new(2385, 0, "exponential");
    (void)state;
    assert_non_null(g);
    for (int n = 0; n < RNG_EXP_N; n++) {
        double e = rng_exponential(g, mean);
        assert_true(e >= 0.0);
        sum += e;
        for (size_t k = 0; k < nq; k++)
            beyond[k] += e > q[k] * mean;
    }
    for (size_t k = 0; k < nq; k++) {
        double p = exp(-q[k]), sd = sqrt(RNG_EXP_N * p * (1.0 - p));
        assert_within((double)beyond[k], RNG_EXP_N * p - z * sd - 1.0,
                      RNG_EXP_N * p + z * sd + 1.0);
    }
    assert_within(sum / RNG_EXP_N, mean - z * mean / sqrt(RNG_EXP_N),
                  mean + z * mean / sqrt(RNG_EXP_N));
    gsl_rng_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_stream_seed_matches_its_documented_formula),
        cmocka_unit_test(test_rng_same_inputs_reproduce_the_stream),
        cmocka_unit_test(test_rng_neighbouring_inputs_give_different_seeds),
        cmocka_unit_test(test_rng_different_names_give_uncorrelated_streams),
        cmocka_unit_test(
            test_rng_different_replications_give_uncorrelated_streams),
        cmocka_unit_test(test_rng_uniform_pos_stays_open_with_mean_one_half),
        cmocka_unit_test(test_rng_mt19937_type_gives_gsl_mt19937_outputs),
        cmocka_unit_test(test_rng_streams_are_of_the_inline_type),
        cmocka_unit_test(test_rng_ziggurat_strips_have_equal_areas),
        cmocka_unit_test(
            test_rng_exponential_has_the_exponential_tail_everywhere),
    };
    return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}
