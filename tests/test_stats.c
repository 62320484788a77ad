/*
 * test_stats: Welford against two passes, merges against one pass, the
 * quantile sketch against exact sorted quantiles, t intervals against a
 * hand computation.
 */
#include "check.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/diag.h"
#include "sim/mem.h"
#include "sim/stats.h"

#define STATS_TEST_N 100000

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The nearest-rank q-quantile of sorted[0..n): rank ceil(q n), at least 1,
 * computed with the same expression as the contract states. */
static double exact_quantile(const double *sorted, size_t n, double q)
{
    size_t rank = (size_t)ceil(q * (double)n);
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

static const double test_qs[] = {0.0,  0.001, 0.01, 0.1,   0.25, 0.5,
                                 0.75, 0.9,   0.99, 0.999, 0.9999, 1.0};

/* Sorts x, feeds it to a sketch and checks every test_qs quantile within
 * QHIST_REL_ERR relative error (the sketch's bound; exact 0 for zeros). */
static void check_quantiles(double *x, size_t n)
{
    struct qhist *h = qhist_new();
    size_t i;

    assert_non_null(h);
    for (i = 0; i < n; i++)
        qhist_add(h, x[i]);
    qsort(x, n, sizeof *x, cmp_double);
    assert_int_equal(qhist_count(h), n);
    for (i = 0; i < sizeof test_qs / sizeof test_qs[0]; i++) {
        double exact = exact_quantile(x, n, test_qs[i]);
        double got = qhist_quantile(h, test_qs[i]);
        if (exact < QHIST_MIN)
            assert_close(got, 0.0, 0.0);
        else
            assert_close(got, exact, QHIST_REL_ERR);
    }
    qhist_free(h);
}

static double *draws(unsigned long seed, int kind)
{
    double *x = malloc(STATS_TEST_N * sizeof *x);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    size_t i;

    assert_non_null(x);
    gsl_rng_set(r, seed);
    for (i = 0; i < STATS_TEST_N; i++)
        x[i] = kind == 0 ? gsl_ran_lognormal(r, log(0.2), 1.15)
                         : gsl_ran_exponential(r, 2.385);
    gsl_rng_free(r);
    return x;
}

/* ---- Welford ---------------------------------------------------------- */

static void test_stats_welford_matches_a_two_pass_computation(void **state)
{
    double *x = draws(2385, 0);
    long double mean = 0, ss = 0;
    double lo = HUGE_VAL, hi = -HUGE_VAL, var, kappa, u = DBL_EPSILON / 2;
    struct welford w;
    size_t i;

    (void)state;
    /* A large offset makes the naive sum(x^2) - n mean^2 lose about 1% of
     * the variance here; Welford must not. */
    for (i = 0; i < STATS_TEST_N; i++)
        x[i] += 1e6;
    welford_init(&w);
    for (i = 0; i < STATS_TEST_N; i++) {
        welford_add(&w, x[i]);
        mean += (long double)x[i];
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    mean /= STATS_TEST_N;
    for (i = 0; i < STATS_TEST_N; i++)
        ss += ((long double)x[i] - mean) * ((long double)x[i] - mean);
    var = (double)(ss / (STATS_TEST_N - 1));
    /* Reference in long double.  Tolerances are the worst-case rounding
     * bounds of n updates in double: n u for the mean, n u kappa for the
     * variance, kappa = mean/sd its condition number (Chan, Golub and
     * LeVeque 1983).  The naive formula misses by about u kappa^2, 500
     * times more. */
    kappa = (double)mean / sqrt(var);
    assert_int_equal(w.n, STATS_TEST_N);
    assert_close(w.mean, (double)mean, STATS_TEST_N * u);
    assert_close(welford_variance(&w), var, STATS_TEST_N * u * kappa);
    assert_close(w.min, lo, 0.0);
    assert_close(w.max, hi, 0.0);
    free(x);
}

static void test_stats_welford_variance_is_zero_below_two_samples(void **state)
{
    struct welford w;

    (void)state;
    welford_init(&w);
    assert_close(welford_variance(&w), 0.0, 0.0);
    welford_add(&w, 2.385);
    assert_close(welford_variance(&w), 0.0, 0.0);
    assert_close(w.mean, 2.385, 0.0);
}

static void test_stats_welford_merge_equals_a_single_pass(void **state)
{
    double *x = draws(83, 1);
    struct welford all, part[3], empty;
    size_t cut[4] = {0, 17, 61234, STATS_TEST_N}, i;
    int k;

    (void)state;
    welford_init(&all);
    welford_init(&empty);
    for (i = 0; i < STATS_TEST_N; i++)
        welford_add(&all, x[i]);
    for (k = 0; k < 3; k++) {
        welford_init(&part[k]);
        for (i = cut[k]; i < cut[k + 1]; i++)
            welford_add(&part[k], x[i]);
    }
    /* Empty on either side changes nothing. */
    welford_merge(&empty, &part[0]);
    welford_merge(&empty, &part[1]);
    welford_merge(&empty, &part[2]);
    welford_init(&part[0]);
    welford_merge(&empty, &part[0]);
    /* Both sides round differently: allow the n u bound of each. */
    assert_int_equal(empty.n, all.n);
    assert_close(empty.mean, all.mean, STATS_TEST_N * DBL_EPSILON);
    assert_close(welford_variance(&empty), welford_variance(&all),
                 STATS_TEST_N * DBL_EPSILON);
    assert_close(empty.min, all.min, 0.0);
    assert_close(empty.max, all.max, 0.0);
    free(x);
}

/* ---- qhist ------------------------------------------------------------ */

static void test_stats_qhist_quantiles_match_sorted_lognormal_samples(
    void **state)
{
    double *x = draws(2385, 0);

    (void)state;
    check_quantiles(x, STATS_TEST_N);
    free(x);
}

static void test_stats_qhist_quantiles_match_sorted_exponential_samples(
    void **state)
{
    double *x = draws(2385, 1);

    (void)state;
    check_quantiles(x, STATS_TEST_N);
    free(x);
}

static void test_stats_qhist_survives_extremes_ties_and_bucket_edges(
    void **state)
{
    double g = (1.0 + QHIST_REL_ERR) / (1.0 - QHIST_REL_ERR);
    double *x = malloc(STATS_TEST_N * sizeof *x);
    size_t i, n = 0;

    (void)state;
    assert_non_null(x);
    /* Ties at the ends of the range, the range's own limits, and values
     * on and just beside the nominal bucket edges g^k. */
    for (i = 0; i < 30000; i++)
        x[n++] = 1e-8;
    for (i = 0; i < 20000; i++)
        x[n++] = 1e9;
    for (i = 0; i < 10000; i++)
        x[n++] = 2.385;
    x[n++] = QHIST_MIN;
    x[n++] = QHIST_MAX;
    for (i = 0; n + 3 <= STATS_TEST_N; i++) {
        double edge = pow(g, (double)(i % 2400) - 1036.0);
        x[n++] = edge;
        x[n++] = nextafter(edge, 0.0);
        x[n++] = nextafter(edge, HUGE_VAL);
    }
    check_quantiles(x, n);
    free(x);
}

static void test_stats_qhist_zeros_come_back_as_zero(void **state)
{
    double *x = draws(4242, 1);
    struct qhist *h = qhist_new();
    size_t i;

    (void)state;
    for (i = 0; i < 30000; i++)
        x[i] = i % 2 ? 0.0 : 1e-12; /* both below QHIST_MIN */
    for (i = 0; i < STATS_TEST_N; i++)
        qhist_add(h, x[i]);
    assert_close(qhist_quantile(h, 0.0), 0.0, 0.0);
    assert_close(qhist_quantile(h, 0.3), 0.0, 0.0);
    assert_true(qhist_quantile(h, 0.30001) > 0.0);
    assert_close(qhist_cdf(h, 0.0), 0.3, 1e-12);
    qhist_free(h);
    check_quantiles(x, STATS_TEST_N);
    free(x);
}

static void test_stats_qhist_empty_answers_zero(void **state)
{
    struct qhist *h = qhist_new();

    (void)state;
    assert_int_equal(qhist_count(h), 0);
    assert_close(qhist_quantile(h, 0.5), 0.0, 0.0);
    assert_close(qhist_cdf(h, 1.0), 0.0, 0.0);
    qhist_add(h, 2.385);
    qhist_reset(h);
    assert_int_equal(qhist_count(h), 0);
    assert_close(qhist_quantile(h, 0.99), 0.0, 0.0);
    qhist_free(h);
    qhist_free(NULL);
}

/* A bucket's representative may lie above the largest sample in it: the
 * answer is clamped, so a P99 never reads above the max (or below the
 * min), as "p99 21.7 ms, max 21.5 ms" once did. */
static void test_stats_qhist_quantile_never_leaves_the_sample_range(
    void **state)
{
    struct qhist *h = qhist_new(), *m = qhist_new();
    double q;

    (void)state;
    qhist_add(h, 0.0215);
    qhist_add(h, 0.0213);
    for (q = 0.0; q <= 1.0; q += 0.01) {
        assert_true(qhist_quantile(h, q) <= 0.0215);
        assert_true(qhist_quantile(h, q) >= 0.0213);
    }
    assert_close(qhist_quantile(h, 0.99), 0.0215, 0.0);
    qhist_add(m, 7.0);
    qhist_merge(m, h);
    assert_close(qhist_quantile(m, 1.0), 7.0, QHIST_REL_ERR);
    assert_close(qhist_quantile(m, 0.0), 0.0213, 0.0);
    qhist_reset(m);
    qhist_add(m, 3.0);
    assert_close(qhist_quantile(m, 0.5), 3.0, 0.0);
    qhist_free(h);
    qhist_free(m);
}

static void test_stats_quantile_min_samples_is_100_over_the_tail(
    void **state)
{
    (void)state;
    assert_int_equal(stats_quantile_min_samples(0.99), 10000);
    assert_int_equal(stats_quantile_min_samples(0.95), 2000);
    assert_int_equal(stats_quantile_min_samples(0.5), 200);
    assert_true(stats_quantile_min_samples(1.0) == UINT64_MAX);
}

static void test_stats_qhist_cdf_brackets_the_exact_cdf(void **state)
{
    double g = (1.0 + QHIST_REL_ERR) / (1.0 - QHIST_REL_ERR);
    double *x = draws(2385, 0);
    struct qhist *h = qhist_new();
    size_t i, j;

    (void)state;
    for (i = 0; i < STATS_TEST_N; i++)
        qhist_add(h, x[i]);
    qsort(x, STATS_TEST_N, sizeof *x, cmp_double);
    /* The bucket holding t is (t/g, t g] at worst: counting it whole
     * means F(t) <= cdf(t) <= F(t g). */
    for (j = 0; j < 9; j++) {
        double t = exact_quantile(x, STATS_TEST_N, 0.1 * (double)(j + 1));
        size_t below = 0, below_g = 0;
        for (i = 0; i < STATS_TEST_N; i++) {
            below += x[i] <= t;
            below_g += x[i] <= t * g;
        }
        assert_within(qhist_cdf(h, t), (double)below / STATS_TEST_N,
                      (double)below_g / STATS_TEST_N);
    }
    assert_close(qhist_cdf(h, x[STATS_TEST_N - 1]), 1.0, 0.0);
    assert_close(qhist_cdf(h, -1.0), 0.0, 0.0);
    qhist_free(h);
    free(x);
}

static void test_stats_qhist_merge_equals_a_single_sketch(void **state)
{
    double *x = draws(83, 0);
    struct qhist *all = qhist_new(), *a = qhist_new(), *b = qhist_new();
    size_t i, k;

    (void)state;
    for (i = 0; i < STATS_TEST_N; i++) {
        qhist_add(all, x[i]);
        qhist_add(i < 40000 ? a : b, x[i]);
    }
    qhist_merge(a, b);
    assert_int_equal(qhist_count(a), qhist_count(all));
    for (k = 0; k < sizeof test_qs / sizeof test_qs[0]; k++)
        assert_close(qhist_quantile(a, test_qs[k]),
                     qhist_quantile(all, test_qs[k]), 0.0);
    qhist_free(all);
    qhist_free(a);
    qhist_free(b);
    free(x);
}

/* NaN is counted (in the zero bucket) but never moves the range a bucket's
 * answer is clamped to: not even as the first sample, and a sketch of
 * NaN alone answers 0.  A merge with an empty sketch keeps the range. */
static void test_stats_qhist_range_leaves_nan_out(void **state)
{
    struct qhist *h = qhist_new(), *e = qhist_new();

    (void)state;
    assert_non_null(h);
    assert_non_null(e);
    qhist_add(h, NAN);
    assert_close(qhist_quantile(h, 0.5), 0.0, 0.0);
    qhist_add(h, 5.0);
    qhist_add(h, 7.0);
    assert_int_equal(qhist_count(h), 3);
    /* rank 3 of 3 is 7; rank 1 is the NaN's zero bucket, clamped up to
     * the smallest real sample, 5 (it read 0 when NaN came first) */
    assert_close(qhist_quantile(h, 1.0), 7.0, QHIST_REL_ERR);
    assert_close(qhist_quantile(h, 0.0), 5.0, 0.0);
    qhist_merge(h, e);
    qhist_merge(e, h);
    assert_close(qhist_quantile(e, 0.0), 5.0, 0.0);
    assert_close(qhist_quantile(e, 1.0), qhist_quantile(h, 1.0), 0.0);
    qhist_reset(h);
    qhist_add(h, 2.0);
    assert_close(qhist_quantile(h, 0.5), 2.0, 0.0); /* clamped to [2, 2] */
    qhist_free(h);
    qhist_free(e);
}

/* ---- metric ----------------------------------------------------------- */

static void test_stats_metric_feeds_both_accumulators(void **state)
{
    struct metric m, m2;
    int i;

    (void)state;
    assert_int_equal(metric_init(&m), 0);
    assert_int_equal(metric_init(&m2), 0);
    for (i = 1; i <= 100; i++)
        metric_add(i <= 50 ? &m : &m2, 0.1 * i);
    metric_merge(&m, &m2);
    assert_int_equal(m.w.n, 100);
    assert_int_equal(qhist_count(m.h), 100);
    assert_close(m.w.mean, 5.05, 1e-12);
    assert_close(qhist_quantile(m.h, 0.5), 5.0, QHIST_REL_ERR);
    metric_reset(&m);
    assert_int_equal(m.w.n, 0);
    assert_int_equal(qhist_count(m.h), 0);
    metric_fini(&m);
    metric_fini(&m2);
    assert_null(m.h);
}

static void test_stats_metric_init_reports_out_of_memory(void **state)
{
    struct metric m;

    (void)state;
    mem_fail_after(0);
    assert_int_equal(metric_init(&m), SLM_ENOMEM);
    mem_fail_reset();
    metric_fini(&m);
}

/* ---- confidence intervals --------------------------------------------- */

static void test_stats_ci_t_matches_a_hand_computed_interval(void **state)
{
    const double x[] = {2.385, 2.107, 2.912, 2.634, 2.201};
    double mean, half;

    (void)state;
    /* mean 12.239/5 = 2.4478; s^2 = 0.4311508/4 = 0.1077877;
     * s/sqrt(5) = 0.146824861654966; t(0.975, 4) = 2.776445105197799,
     * t(0.995, 4) = 4.604094871415897 (tables). */
    stats_ci_t(x, 5, 0.95, &mean, &half);
    assert_close(mean, 2.4478, 1e-14);
    assert_close(half, 0.4076511684632751, 1e-9);
    stats_ci_t(x, 5, 0.99, &mean, &half);
    assert_close(half, 0.6759955925419788, 1e-9);
}

static void test_stats_ci_t_has_no_width_below_two_values(void **state)
{
    const double x[] = {2.385};
    double mean, half;

    (void)state;
    stats_ci_t(x, 1, 0.95, &mean, &half);
    assert_close(mean, 2.385, 0.0);
    assert_close(half, 0.0, 0.0);
}

/* The bucket index as qhist computed it before the table: with log(). */
static size_t log_bucket_index(double x)
{
    double g = (1.0 + QHIST_ALPHA) / (1.0 - QHIST_ALPHA), inv = 1.0 / log(g);
    long first = (long)ceil(log(QHIST_MIN) * inv);
    long nb = (long)ceil(log(QHIST_MAX) * inv) - first + 1, i;

    if (x >= QHIST_MAX)
        return (size_t)nb - 1;
    i = (long)ceil(log(x) * inv) - first;
    return i < 0 ? 0 : i >= nb ? (size_t)nb - 1 : (size_t)i;
}

static void check_index_near(double x, size_t *checked)
{
    double y = x;
    int k;

    for (k = 0; k < 3; k++)
        y = nextafter(y, 0.0);
    for (k = 0; k < 7; k++, y = nextafter(y, HUGE_VAL)) {
        if (!(y >= QHIST_MIN))
            continue;
        if (qhist_bucket_index(y) != log_bucket_index(y)) {
            print_error("x = %a: table %zu, log %zu\n", y,
                        qhist_bucket_index(y), log_bucket_index(y));
            fail();
        }
        ++*checked;
    }
}

static void test_stats_qhist_table_index_equals_the_log_index(void **state)
{
    double g = (1.0 + QHIST_ALPHA) / (1.0 - QHIST_ALPHA);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    size_t checked = 0, i;
    long k;

    (void)state;
    gsl_rng_set(r, 20260102);
    /* Log-uniform over the whole range and past both ends. */
    for (i = 0; i < 2000000; i++) {
        double x = exp(gsl_ran_flat(r, log(QHIST_MIN), log(QHIST_MAX * 10)));
        check_index_near(x, &checked);
        i += 6;
    }
    /* Around every bucket edge g^k, where a log() rounding decides. */
    for (k = -1100; k < 1400; k++)
        check_index_near(pow(g, (double)k), &checked);
    /* The ends and values typical of latencies. */
    check_index_near(QHIST_MIN, &checked);
    check_index_near(QHIST_MAX, &checked);
    check_index_near(1.0, &checked);
    check_index_near(2.385, &checked);
    check_index_near(0.001, &checked);
    assert_true(checked > 2000000);
    assert_int_equal(qhist_bucket_index(HUGE_VAL), log_bucket_index(1e300));
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_welford_matches_a_two_pass_computation),
        cmocka_unit_test(
            test_stats_welford_variance_is_zero_below_two_samples),
        cmocka_unit_test(test_stats_welford_merge_equals_a_single_pass),
        cmocka_unit_test(
            test_stats_qhist_quantiles_match_sorted_lognormal_samples),
        cmocka_unit_test(
            test_stats_qhist_quantiles_match_sorted_exponential_samples),
        cmocka_unit_test(
            test_stats_qhist_survives_extremes_ties_and_bucket_edges),
        cmocka_unit_test(test_stats_qhist_zeros_come_back_as_zero),
        cmocka_unit_test(test_stats_qhist_empty_answers_zero),
        cmocka_unit_test(test_stats_qhist_table_index_equals_the_log_index),
        cmocka_unit_test(test_stats_qhist_cdf_brackets_the_exact_cdf),
        cmocka_unit_test(
            test_stats_qhist_quantile_never_leaves_the_sample_range),
        cmocka_unit_test(
            test_stats_quantile_min_samples_is_100_over_the_tail),
        cmocka_unit_test(test_stats_qhist_merge_equals_a_single_sketch),
        cmocka_unit_test(test_stats_qhist_range_leaves_nan_out),
        cmocka_unit_test(test_stats_metric_feeds_both_accumulators),
        cmocka_unit_test(test_stats_metric_init_reports_out_of_memory),
        cmocka_unit_test(test_stats_ci_t_matches_a_hand_computed_interval),
        cmocka_unit_test(test_stats_ci_t_has_no_width_below_two_values),
    };
    return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
