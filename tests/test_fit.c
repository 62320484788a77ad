/*
 * test_fit: the fits of calibrate/fit.h on samples drawn from known
 * parameters (each recovered within its 99% interval, est +- z se, the
 * seed fixed so each check always holds or always fails), the jitter
 * families told apart, and the samples CSV read back.
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "calibrate/fit.h"
#include "sim/diag.h"
#include "sim/mem.h"

/* The truth the samples are drawn from (an L40S-like device). */
#define T_READ_BW 7.5e11
#define T_COPY_BW 6.5e11
#define T_FP16_BW 6.9e11
#define T_FP16_FLOPS 1.6e14
#define T_INT4_BW 5.5e11
#define T_DEQUANT 3e-14
#define T_OVERHEAD 2.0e-3
#define T_LAYER 4.0e-4
#define T_ATTN_PER_BYTE 1.6e-12
#define T_PREFILL_ATTN 1.0e14
#define T_JITTER_CV 0.05
#define NOISE_SD 0.03 /* lognormal noise on every time */

static double z99(void)
{
    return gsl_cdf_ugaussian_Pinv(0.995);
}

static void within(double est, double se, double truth)
{
    if (!(se > 0))
        print_error("estimate %.6g of %.6g has se %.3g\n", est, truth, se);
    assert_true(se > 0);
    assert_within(truth, est - z99() * se, est + z99() * se);
}

struct gen {
    gsl_rng *r;
    struct fit_samples ss;
};

static void put(struct gen *g, int kernel, int dtype, long m, long k, long n,
                long ctx, double bytes, double flops, double t)
{
    struct fit_sample s;
    memset(&s, 0, sizeof s);
    s.kernel = kernel;
    s.dtype = dtype;
    snprintf(s.shape, sizeof s.shape, "%s", "q");
    s.m = m;
    s.k = k;
    s.n = n;
    s.ctx = ctx;
    s.bytes = bytes;
    s.flops = flops;
    s.seconds = t * exp(gsl_ran_gaussian(g->r, NOISE_SD));
    assert_int_equal(fit_samples_add(&g->ss, &s), 0);
}

static void gen_linear(struct gen *g)
{
    static const long shapes[3][2] = {{4096, 4096}, {4096, 2048},
                                      {14336, 4096}};
    for (int sh = 0; sh < 3; sh++) {
        long k = shapes[sh][0], n = shapes[sh][1];
        double kn = (double)k * (double)n;
        for (long m = 1; m <= 2; m++)
            for (int rep = 0; rep < 20; rep++) {
                put(g, FIT_K_GEMM, CALIB_DT_FP16, m, k, n, 0, 2 * kn,
                    2 * m * kn, 8e-6 + 2 * kn / T_FP16_BW);
                put(g, FIT_K_GEMM, CALIB_DT_INT4, m, k, n, 0, 0.52 * kn,
                    2 * m * kn, 8e-6 + 0.52 * kn / T_INT4_BW);
            }
        for (long m = 512; m <= 4096; m *= 2)
            for (int rep = 0; rep < 20; rep++) {
                double fl = 2.0 * (double)m * kn;
                put(g, FIT_K_PREFILL, CALIB_DT_FP16, m, k, n, 0, 2 * kn, fl,
                    2e-5 + fl / T_FP16_FLOPS);
                put(g, FIT_K_PREFILL, CALIB_DT_INT4, m, k, n, 0, 0.52 * kn,
                    fl, 2e-5 + fl / T_FP16_FLOPS +
                            T_DEQUANT * kn * (double)((m + 127) / 128));
            }
    }
}

static void gen_rest(struct gen *g)
{
    for (int rep = 0; rep < 20; rep++) {
        for (double b = 1e8; b <= 1.6e9; b *= 2) {
            put(g, FIT_K_READ, -1, 0, 0, 0, 0, b, 0, 5e-6 + b / T_READ_BW);
            put(g, FIT_K_COPY, -1, 0, 0, 0, 0, 2 * b, 0,
                5e-6 + 2 * b / T_COPY_BW);
        }
        for (long L = 1; L <= 32; L *= 2)
            put(g, FIT_K_STEP, CALIB_DT_FP16, 1, 0, 0, L, 0, 0,
                T_OVERHEAD + (double)L * T_LAYER);
        for (long ctx = 128; ctx <= 32768; ctx *= 4) {
            double bytes = (double)ctx * 4096 * 4;
            put(g, FIT_K_ATTN, CALIB_DT_FP16, 4, 128, 32, ctx, bytes, 0,
                4e-6 + bytes * T_ATTN_PER_BYTE);
        }
        for (long len = 512; len <= 8192; len *= 2) {
            double fl = 4.0 * 32 * 128 * (double)len * (double)(len + 1) / 2;
            put(g, FIT_K_PREFILL_ATTN, CALIB_DT_FP16, len, 128, 32, len, 0,
                fl, 1e-5 + fl / T_PREFILL_ATTN);
        }
        put(g, FIT_K_LAUNCH, -1, 0, 0, 0, 0, 0, 0, 3e-6);
        put(g, FIT_K_LAYER, CALIB_DT_FP16, 1, 0, 0, 512, 0, 0, 4.2e-4);
        put(g, FIT_K_LAYER_PARTS, CALIB_DT_FP16, 1, 0, 0, 512, 0, 0, 4.0e-4);
    }
    double shape = 1 / (T_JITTER_CV * T_JITTER_CV);
    for (int i = 0; i < 400; i++) {
        struct fit_sample s;
        memset(&s, 0, sizeof s);
        s.kernel = FIT_K_JITTER;
        s.dtype = CALIB_DT_FP16;
        snprintf(s.shape, sizeof s.shape, "-");
        s.seconds = 0.02 * gsl_ran_gamma(g->r, shape, 1 / shape);
        assert_int_equal(fit_samples_add(&g->ss, &s), 0);
    }
}

static struct calib *identity(void)
{
    struct calib *c = calib_new();
    assert_non_null(c);
    c->kind = CALIB_KIND_CUDA;
    c->dt[CALIB_DT_INT4].dequant_tile = 128;
    assert_int_equal(calib_set_string(&c->device, "NVIDIA L40S") |
                     calib_set_string(&c->catalog, "L40S") |
                     calib_set_string(&c->model, "llama-3-8b") |
                     calib_set_string(&c->date, "2026-12-01"), 0);
    return c;
}

static void test_fit_recovers_known_parameters_within_their_errors(void **st)
{
    (void)st;
    struct gen g = {gsl_rng_alloc(gsl_rng_mt19937), {0}};
    gsl_rng_set(g.r, 2385);
    fit_samples_init(&g.ss);
    gen_linear(&g);
    gen_rest(&g);
    struct calib *c = identity();
    struct diag d;
    diag_init(&d, stderr);
    assert_int_equal(fit_run(&g.ss, c, "synthetic", &d), 0);
    within(c->bandwidth.value, c->bandwidth.se, T_READ_BW);
    within(c->copy_bandwidth.value, c->copy_bandwidth.se, T_COPY_BW);
    const struct calib_dtype_fit *f16 = &c->dt[CALIB_DT_FP16];
    const struct calib_dtype_fit *i4 = &c->dt[CALIB_DT_INT4];
    within(f16->bandwidth.value, f16->bandwidth.se, T_FP16_BW);
    within(f16->flops.value, f16->flops.se, T_FP16_FLOPS);
    within(i4->bandwidth.value, i4->bandwidth.se, T_INT4_BW);
    within(i4->dequant.value, i4->dequant.se, T_DEQUANT);
    within(c->overhead.value, c->overhead.se, T_OVERHEAD);
    within(c->attn_per_byte.value, c->attn_per_byte.se, T_ATTN_PER_BYTE);
    within(c->prefill_attn_flops.value, c->prefill_attn_flops.se,
           T_PREFILL_ATTN);
    within(c->layer_launch.value, c->layer_launch.se, 2e-5);
    /* efficiencies against the catalog's L40S */
    assert_close(f16->flops.efficiency, f16->flops.value / 362.05e12, 1e-12);
    assert_close(c->bandwidth.efficiency, c->bandwidth.value / 864e9, 1e-12);
    /* int4's own rate includes its dequantisation: below FP16's */
    assert_true(i4->flops.value < f16->flops.value);
    assert_false(c->dt[CALIB_DT_FP8].present);
    /* jitter: at cv 0.05 gamma and lognormal are all but the same shape,
     * so either may win, by a hair; the cv is within ~z cv/sqrt(2n) */
    assert_int_not_equal(c->jitter.dist, CALIB_JITTER_NONE);
    assert_true(fabs(c->jitter.loglik_gamma - c->jitter.loglik_lognormal) <
                3);
    assert_within(c->jitter.cv, T_JITTER_CV * (1 - z99() / sqrt(800.0)),
                  T_JITTER_CV * (1 + z99() / sqrt(800.0)));
    /* the 99% critical value of KS for n = 400: 1.63 / sqrt(n) */
    assert_true(c->jitter.ks < 1.63 / 20);
    assert_int_equal(c->samples, (long)g.ss.n);
    assert_true(c->nraw > 50);
    calib_free(c);
    fit_samples_fini(&g.ss);
    gsl_rng_free(g.r);
}

static void test_fit_line_is_exact_on_exact_points(void **st)
{
    (void)st;
    double x[5] = {1, 2, 3, 4, 5}, y[5];
    struct fit_line l;
    for (int i = 0; i < 5; i++)
        y[i] = 2.385 + 0.83 * x[i];
    assert_int_equal(fit_line_wls(x, y, NULL, 5, &l), 0);
    assert_close(l.a, 2.385, 1e-12);
    assert_close(l.b, 0.83, 1e-12);
    assert_true(l.se_b < 1e-9);
    assert_int_equal(fit_line_wls(x, y, NULL, 2, &l), SLM_EINPUT);
    double same[4] = {3, 3, 3, 3};
    assert_int_equal(fit_line_wls(same, y, NULL, 4, &l), SLM_EINPUT);
}

static void test_fit_jitter_tells_lognormal_from_gamma(void **st)
{
    (void)st;
    enum { N = 2000 };
    double t[N];
    struct calib_jitter j;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 83);
    /* a skewed lognormal (cv 0.4) is far from any gamma */
    double sd = sqrt(log1p(0.4 * 0.4));
    for (int i = 0; i < N; i++)
        t[i] = gsl_ran_lognormal(r, log(0.01), sd);
    assert_int_equal(fit_jitter(t, N, &j), 0);
    assert_int_equal(j.dist, CALIB_JITTER_LOGNORMAL);
    assert_within(j.cv, 0.4 * (1 - 3 * z99() / sqrt(2.0 * N)),
                  0.4 * (1 + 3 * z99() / sqrt(2.0 * N)));
    for (int i = 0; i < N; i++)
        t[i] = gsl_ran_gamma(r, 1.5, 0.01); /* cv 0.816 */
    assert_int_equal(fit_jitter(t, N, &j), 0);
    assert_int_equal(j.dist, CALIB_JITTER_GAMMA);
    assert_true(j.ks < 1.63 / sqrt((double)N));
    for (int i = 0; i < N; i++)
        t[i] = 0.01;
    assert_int_equal(fit_jitter(t, N, &j), 0);
    assert_int_equal(j.dist, CALIB_JITTER_NONE);
    assert_int_equal(fit_jitter(t, 7, &j), SLM_EINPUT);
    t[3] = -1;
    assert_int_equal(fit_jitter(t, N, &j), SLM_EINPUT);
    gsl_rng_free(r);
}

static void test_fit_samples_csv_reads_back(void **st)
{
    (void)st;
    struct fit_samples ss, back;
    struct fit_sample s = {FIT_K_PREFILL, CALIB_DT_INT4, "down", 512, 14336,
                           4096, 0, 3.05e7, 6.0129e13, 1.234567e-3};
    fit_samples_init(&ss);
    fit_samples_init(&back);
    assert_int_equal(fit_samples_add(&ss, &s), 0);
    struct calib *m = identity(), *m2 = calib_new();
    char path[] = "/tmp/slmsim-fit-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    assert_int_equal(fit_samples_write(f, &ss, m), 0);
    fclose(f);
    struct diag d;
    diag_init(&d, stderr);
    assert_int_equal(fit_samples_read(path, &d, &back, m2), 0);
    remove(path);
    assert_int_equal((int)back.n, 1);
    assert_int_equal(back.s[0].kernel, FIT_K_PREFILL);
    assert_int_equal(back.s[0].dtype, CALIB_DT_INT4);
    assert_string_equal(back.s[0].shape, "down");
    assert_int_equal(back.s[0].k, 14336);
    assert_close(back.s[0].flops, 6.0129e13, 1e-15);
    assert_close(back.s[0].seconds, 1.234567e-3, 1e-9);
    assert_string_equal(m2->device, "NVIDIA L40S");
    assert_string_equal(m2->catalog, "L40S");
    assert_int_equal(m2->kind, CALIB_KIND_CUDA);
    assert_int_equal(m2->dt[CALIB_DT_INT4].dequant_tile, 128);
    calib_free(m);
    calib_free(m2);
    fit_samples_fini(&ss);
    fit_samples_fini(&back);
}

static void test_fit_bad_row_is_located(void **st)
{
    (void)st;
    char *text = NULL;
    size_t len = 0;
    FILE *sink = open_memstream(&text, &len);
    struct diag d;
    struct fit_samples ss;
    struct calib *m = calib_new();
    diag_init(&d, sink);
    fit_samples_init(&ss);
    assert_int_equal(fit_samples_read(TEST_DATA_DIR "/calib/bad-number.csv",
                                      &d, &ss, m), SLM_EINPUT);
    fclose(sink);
    assert_non_null(strstr(text, "tests/data/calib/bad-number.csv:8:18: "
                                 "error: 'bytes' must be a number >= 0, got "
                                 "'1e3x'\n"));
    assert_int_equal(d.errors, 4);
    free(text);
    calib_free(m);
    fit_samples_fini(&ss);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_recovers_known_parameters_within_their_errors),
        cmocka_unit_test(test_fit_line_is_exact_on_exact_points),
        cmocka_unit_test(test_fit_jitter_tells_lognormal_from_gamma),
        cmocka_unit_test(test_fit_samples_csv_reads_back),
        cmocka_unit_test(test_fit_bad_row_is_located),
    };
    return cmocka_run_group_tests_name("fit", tests, NULL, NULL);
}
