/*
 * check: what every cmocka test program here shares.
 *
 * cmocka 1.1.5 has no assert_double_equal and its assert_float_equal rounds
 * to float, so doubles are compared with assert_close (relative tolerance,
 * absolute near zero) and assert_within (explicit interval).
 */
#ifndef SLM_CHECK_H
#define SLM_CHECK_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#define assert_close(actual, expected, rel_tol)                               \
    do {                                                                       \
        double a_ = (actual), e_ = (expected), t_ = (rel_tol);                 \
        double s_ = fabs(e_) > 1e-300 ? fabs(e_) : 1.0;                        \
        if (!(fabs(a_ - e_) <= t_ * s_)) {                                     \
            print_error("%s = %.17g, expected %.17g (rel tol %g)\n", #actual, \
                        a_, e_, t_);                                           \
            fail();                                                            \
        }                                                                      \
    } while (0)

#define assert_within(actual, lo, hi)                                          \
    do {                                                                       \
        double a_ = (actual), l_ = (lo), h_ = (hi);                            \
        if (!(a_ >= l_ && a_ <= h_)) {                                         \
            print_error("%s = %.17g, expected in [%.17g, %.17g]\n", #actual,  \
                        a_, l_, h_);                                           \
            fail();                                                            \
        }                                                                      \
    } while (0)

/* Directory with test inputs, set by the Makefile (-DTEST_DATA_DIR). */
#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/data"
#endif

#endif
