/*
 * tseries: the adaptive width keeps every series within
 * TSERIES_MAX_POINTS buckets whatever the horizon, widening by powers of
 * two of the width asked for, and the figures stay right at any width:
 *   a day at one minute keeps 1,440 one-minute buckets
 *   a year at one minute has 2,054 buckets of 256 minutes
 *   over horizons from an hour to ten years the count is bounded, the
 *   width is the smallest power-of-two multiple that fits
 *   counts add up to what was counted; a level held constant reads back
 *   as that level in every bucket, the partial last one included
 */
#include "check.h"

#include <stdlib.h>

#include "sim/tseries.h"

static const struct tseries_def defs[] = {
    {"arrivals", TSERIES_COUNT},
    {"queue", TSERIES_LEVEL},
};

static void test_tseries_a_day_keeps_one_minute_buckets(void **state)
{
    struct tseries *ts = tseries_new(60.0, 86400.0, defs, 2);

    (void)state;
    assert_non_null(ts);
    assert_int_equal(tseries_buckets(ts), 1440);
    assert_close(tseries_width(ts), 60.0, 0.0);
    tseries_free(ts);
}

static void test_tseries_a_year_has_a_bounded_number_of_points(void **state)
{
    struct tseries *ts = tseries_new(60.0, 365.0 * 86400.0, defs, 2);

    (void)state;
    assert_non_null(ts);
    assert_int_equal(tseries_buckets(ts), 2054);
    assert_close(tseries_width(ts), 256.0 * 60.0, 0.0);
    tseries_free(ts);
}

static void test_tseries_width_is_the_smallest_doubling_that_fits(void **state)
{
    static const double horizons[] = {3600.0,   86400.0 * 2.84, 86400.0 * 3,
                                      2.6e6,    31536000.0,     3.1536e8,
                                      245760.0, 245761.0};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof horizons / sizeof horizons[0]; i++) {
        struct tseries *ts = tseries_new(60.0, horizons[i], defs, 2);
        double w, k;
        assert_non_null(ts);
        w = tseries_width(ts);
        k = log2(w / 60.0);
        assert_close(k, floor(k), 0.0); /* a power of two of a minute */
        assert_true(tseries_buckets(ts) <= TSERIES_MAX_POINTS);
        assert_close((double)tseries_buckets(ts), ceil(horizons[i] / w), 0.0);
        if (w > 60.0) /* half as wide would not fit */
            assert_true(ceil(horizons[i] / (w / 2.0)) > TSERIES_MAX_POINTS);
        tseries_free(ts);
    }
}

static void test_tseries_counts_and_levels_survive_wide_buckets(void **state)
{
    double h = 400.0 * 86400.0 + 1234.5; /* a partial last bucket */
    struct tseries *ts = tseries_new(60.0, h, defs, 2);
    double sum = 0.0, t = 0.0;
    size_t i, n = 0;

    (void)state;
    assert_non_null(ts);
    srand(7);
    while (t < h) {
        tseries_count(ts, 0, t, 1.0);
        n++;
        t += 3600.0 * ((double)rand() / RAND_MAX);
    }
    /* A constant 2.75 in pieces that cross bucket edges. */
    for (t = 0.0; t < h; t += 5000.0)
        tseries_level(ts, 1, t, t + 5000.0, 2.75, 2.75);
    for (i = 0; i < tseries_buckets(ts); i++) {
        sum += tseries_value(ts, 0, i);
        assert_close(tseries_value(ts, 1, i), 2.75, 1e-9);
    }
    assert_close(sum, (double)n, 0.0);
    tseries_free(ts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tseries_a_day_keeps_one_minute_buckets),
        cmocka_unit_test(test_tseries_a_year_has_a_bounded_number_of_points),
        cmocka_unit_test(test_tseries_width_is_the_smallest_doubling_that_fits),
        cmocka_unit_test(test_tseries_counts_and_levels_survive_wide_buckets),
    };
    return cmocka_run_group_tests_name("tseries", tests, NULL, NULL);
}
