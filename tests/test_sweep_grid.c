/*
 * sweep grid: --vary specs into values, the grid's order, and what is
 * refused (study/grid.h).
 */
#include "study/grid.h"

#include <string.h>

#include "sim/status.h"
#include "tests/check.h"

static void add_ok(struct grid *g, const char *arg)
{
    struct diag d;

    diag_init(&d, NULL);
    assert_int_equal(grid_add(g, arg, 1, &d), SLM_OK);
    assert_int_equal(d.errors, 0);
}

static int add_bad(const char *arg)
{
    struct grid g = {0};
    struct diag d;
    int st;

    diag_init(&d, NULL);
    st = grid_add(&g, arg, 1, &d);
    grid_fini(&g);
    return st == SLM_EINPUT && d.errors == 1;
}

static void test_grid_list_keeps_values_as_written(void **state)
{
    struct grid g = {0};

    (void)state;
    add_ok(&g, "backends.local.gpu=L40S,H100-SXM,L4");
    assert_int_equal(g.ndims, 1);
    assert_string_equal(g.dim[0].key, "backends.local.gpu");
    assert_int_equal(g.dim[0].n, 3);
    assert_string_equal(g.dim[0].value[0], "L40S");
    assert_string_equal(g.dim[0].value[2], "L4");
    grid_fini(&g);
}

static void test_grid_lin_range_hits_both_ends(void **state)
{
    struct grid g = {0};

    (void)state;
    add_ok(&g, "backends.local.count=1..4:lin:4");
    assert_int_equal(g.dim[0].n, 4);
    assert_string_equal(g.dim[0].value[0], "1");
    assert_string_equal(g.dim[0].value[1], "2");
    assert_string_equal(g.dim[0].value[3], "4");
    grid_fini(&g);
}

static void test_grid_log_range_keeps_the_unit(void **state)
{
    struct grid g = {0};

    (void)state;
    add_ok(&g, "workload.arrivals.volume=1e6/month..1e8/month:log:3");
    assert_int_equal(g.dim[0].n, 3);
    assert_string_equal(g.dim[0].value[0], "1000000/month");
    assert_string_equal(g.dim[0].value[1], "10000000/month");
    assert_string_equal(g.dim[0].value[2], "100000000/month");
    grid_fini(&g);
}

static void test_grid_points_vary_the_last_key_fastest(void **state)
{
    struct grid g = {0};
    size_t idx[GRID_MAX_DIMS];
    char buf[128];

    (void)state;
    add_ok(&g, "a=1,2");
    add_ok(&g, "b=x,y,z");
    assert_int_equal(grid_npoints(&g), 6);
    grid_point(&g, 4, idx);
    assert_int_equal(idx[0], 1);
    assert_int_equal(idx[1], 1);
    assert_string_equal(grid_set_text(&g, 5, 1, buf, sizeof buf), "b=z");
    assert_string_equal(grid_set_text(&g, 3, 0, buf, sizeof buf), "a=2");
    grid_fini(&g);
}

static void test_grid_refuses_bad_specs(void **state)
{
    (void)state;
    assert_true(add_bad("novalue"));
    assert_true(add_bad("=1,2"));
    assert_true(add_bad("a="));
    assert_true(add_bad("a=1,,2"));
    assert_true(add_bad("a=1..4"));
    assert_true(add_bad("a=1..4:cubic:3"));
    assert_true(add_bad("a=1..4:lin:0"));
    assert_true(add_bad("a=1..4:lin:1001"));
    assert_true(add_bad("a=1..4:lin:2x"));
    assert_true(add_bad("a=0..4:log:3"));
    assert_true(add_bad("a=x..4:lin:3"));
    assert_true(add_bad("a=1/s..4/h:lin:3"));
}

static void test_grid_refuses_a_key_varied_twice(void **state)
{
    struct grid g = {0};
    struct diag d;

    (void)state;
    add_ok(&g, "seed=1,2");
    diag_init(&d, NULL);
    assert_int_equal(grid_add(&g, "seed=3", 2, &d), SLM_EINPUT);
    assert_int_equal(g.ndims, 1);
    grid_fini(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_list_keeps_values_as_written),
        cmocka_unit_test(test_grid_lin_range_hits_both_ends),
        cmocka_unit_test(test_grid_log_range_keeps_the_unit),
        cmocka_unit_test(test_grid_points_vary_the_last_key_fastest),
        cmocka_unit_test(test_grid_refuses_bad_specs),
        cmocka_unit_test(test_grid_refuses_a_key_varied_twice),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
