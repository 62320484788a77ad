/*
 * rng_gamma draws the same bits as gsl_ran_gamma from the same stream,
 * for shapes below, at and above 1 (the boost by a uniform's power, the
 * squeeze and the log test all taken), on slmsim's inline MT19937 and on
 * GSL's own generator, and leaves the stream at the same place.
 */
#include "check.h"

#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/rng.h"

static void same_draws(gsl_rng *a, gsl_rng *b, double shape, double scale,
                       int n)
{
    for (int i = 0; i < n; i++) {
        double x = rng_gamma(a, shape, scale);
        double y = gsl_ran_gamma(b, shape, scale);
        if (memcmp(&x, &y, sizeof x) != 0) {
            print_error("draw %d of gamma(%g, %g): %.17g, GSL %.17g\n", i,
                        shape, scale, x, y);
            fail();
        }
    }
    /* the streams stand at the same place */
    assert_int_equal(gsl_rng_get(a), gsl_rng_get(b));
}

static void test_rng_gamma_is_gsl_ran_gamma_bit_for_bit(void **state)
{
    static const double shapes[] = {0.05, 0.5, 0.999, 1.0, 1.5, 11.1,
                                    400.0, 1e5};
    static const double scales[] = {1.0, 0.0123};
    (void)state;
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        for (size_t j = 0; j < 2; j++) {
            gsl_rng *a = rng_stream_new(42, (unsigned)k, "gamma");
            gsl_rng *b = rng_stream_new(42, (unsigned)k, "gamma");
            assert_non_null(a);
            assert_non_null(b);
            same_draws(a, b, shapes[k], scales[j], 100000);
            gsl_rng_free(a);
            gsl_rng_free(b);
            a = gsl_rng_alloc(gsl_rng_mt19937);
            b = gsl_rng_alloc(gsl_rng_mt19937);
            gsl_rng_set(a, 1000 + k);
            gsl_rng_set(b, 1000 + k);
            same_draws(a, b, shapes[k], scales[j], 20000);
            gsl_rng_free(a);
            gsl_rng_free(b);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_gamma_is_gsl_ran_gamma_bit_for_bit),
    };
    return cmocka_run_group_tests_name("rng_gamma", tests, NULL, NULL);
}
