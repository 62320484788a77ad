/*
 * draw_axis_layout: every axis ends, whatever the numbers.  Each case was
 * an endless loop in `slmsim plot` before the layout bounded its ticks.
 */
#include "plots/draw.h"

#include <float.h>
#include <string.h>

#include "tests/check.h"

static struct figure_axis axis(int log, double min, double max)
{
    struct figure_axis a;

    memset(&a, 0, sizeof a);
    a.log = log;
    a.min = min;
    a.max = max;
    return a;
}

static void assert_sane(const struct draw_axis *o)
{
    size_t i;

    assert_true(isfinite(o->lo) && isfinite(o->hi));
    assert_true(o->hi > o->lo);
    assert_true(o->nticks >= 1 && o->nticks <= DRAW_MAX_TICKS);
    for (i = 1; i < o->nticks; i++)
        assert_true(o->tick[i] > o->tick[i - 1]);
}

static void test_log_axis_with_min_zero_ends(void **state)
{
    struct figure_axis a = axis(1, 0.0, (double)NAN);
    struct draw_axis o;

    (void)state;
    draw_axis_layout(&a, 0.5, 200, 6, &o);
    assert_sane(&o);
    assert_close(o.lo, 0.1, 1e-12); /* the data's decade, not 0 */
}

static void test_log_axis_with_a_denormal_mark_ends(void **state)
{
    struct figure_axis a = axis(1, (double)NAN, (double)NAN);
    struct draw_axis o;

    (void)state;
    draw_axis_layout(&a, 5e-324, 1e3, 6, &o);
    assert_sane(&o);
    assert_true(o.lo >= 1e-300);
    draw_axis_layout(&a, 1e-300, DBL_MAX, 6, &o);
    assert_sane(&o);
}

static void test_linear_axis_narrower_than_its_doubles_ends(void **state)
{
    struct figure_axis a = axis(0, (double)NAN, (double)NAN);
    struct figure_axis set = axis(0, 1e17, 1e17 + 16);
    struct draw_axis o;

    (void)state;
    draw_axis_layout(&a, 1e17, 1e17 + 16, 6, &o);
    assert_sane(&o);
    draw_axis_layout(&set, (double)NAN, (double)NAN, 6, &o);
    assert_true(o.nticks <= DRAW_MAX_TICKS);
    draw_axis_layout(&a, -DBL_MAX, DBL_MAX, 6, &o);
    assert_sane(&o);
}

static void test_linear_axis_keeps_round_ticks(void **state)
{
    struct figure_axis a = axis(0, (double)NAN, (double)NAN);
    struct draw_axis o;

    (void)state;
    draw_axis_layout(&a, 0.0, 97.0, 6, &o);
    assert_sane(&o);
    assert_close(o.lo, 0.0, 0);
    assert_close(o.hi, 100.0, 1e-12);
    assert_close(o.tick[1] - o.tick[0], 20.0, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_axis_with_min_zero_ends),
        cmocka_unit_test(test_log_axis_with_a_denormal_mark_ends),
        cmocka_unit_test(test_linear_axis_narrower_than_its_doubles_ends),
        cmocka_unit_test(test_linear_axis_keeps_round_ticks),
    };
    return cmocka_run_group_tests_name("draw_axis", tests, NULL, NULL);
}
