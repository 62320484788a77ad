/*
 * units: text to SI, and what is refused.
 */
#include "sim/units.h"

#include <stdlib.h>

#include "tests/check.h"

static double duration(const char *text)
{
    double v = -1;
    assert_int_equal(units_parse_duration(text, &v), 0);
    return v;
}

static double rate(const char *text)
{
    double v = -1;
    assert_int_equal(units_parse_rate(text, &v), 0);
    return v;
}

static double bytes(const char *text)
{
    double v = -1;
    assert_int_equal(units_parse_bytes(text, &v), 0);
    return v;
}

static void test_units_durations_convert_to_seconds(void **state)
{
    (void)state;
    assert_close(duration("250ms"), 0.25, 1e-15);
    assert_close(duration("30s"), 30.0, 0);
    assert_close(duration("2m"), 120.0, 0);
    assert_close(duration("1.5h"), 5400.0, 0);
    assert_close(duration("2d"), 172800.0, 0);
    assert_close(duration("2.385s"), 2.385, 0);
    assert_close(duration("250us"), 250e-6, 1e-15);
    assert_close(duration("40ns"), 40e-9, 1e-15);
    assert_close(duration("  12.5 ms  "), 0.0125, 1e-15);
    assert_close(duration("0"), 0.0, 0);
    assert_close(duration("1e-3s"), 1e-3, 0);
}

static void test_units_rates_convert_to_events_per_second(void **state)
{
    (void)state;
    assert_close(rate("3/s"), 3.0, 0);
    assert_close(rate("120/m"), 2.0, 0);
    assert_close(rate("120/min"), 2.0, 0);
    assert_close(rate("7200/h"), 2.0, 0);
    assert_close(rate("86400/day"), 1.0, 0);
    assert_close(rate("43200/d"), 0.5, 0);
    assert_close(rate("604800/week"), 1.0, 0);
    assert_close(rate("31557600/year"), 1.0, 0);
}

static void test_units_month_is_the_mean_gregorian_month_exactly(void **state)
{
    char text[32];
    int n;

    (void)state;
    assert_true(UNITS_MONTH == 2629800.0);
    assert_true(12.0 * UNITS_MONTH == UNITS_YEAR);
    assert_true(rate("1e6/month") == 1e6 / 2629800.0);
    assert_true(rate("1/month") == rate("12/year"));
    /* division, not multiplication by a rounded 1/period: exact for all n */
    for (n = 1; n <= 1000; n++) {
        snprintf(text, sizeof text, "%d/month", n);
        assert_true(rate(text) == (double)n / 2629800.0);
    }
}

static void test_units_bytes_take_decimal_and_binary_prefixes(void **state)
{
    (void)state;
    assert_close(bytes("512"), 512.0, 0);
    assert_close(bytes("10B"), 10.0, 0);
    assert_close(bytes("64 KiB"), 65536.0, 0);
    assert_close(bytes("1.5GB"), 1.5e9, 0);
    assert_close(bytes("3 MB"), 3e6, 0);
    assert_close(bytes("2TiB"), 2199023255552.0, 0);
    assert_close(bytes("1 GiB"), 1073741824.0, 0);
    assert_close(bytes("4 TB"), 4e12, 0);
}

static void test_units_plain_numbers_take_signs_and_exponents(void **state)
{
    double v = 0;

    (void)state;
    assert_int_equal(units_parse_number("-3", &v), 0);
    assert_close(v, -3.0, 0);
    assert_int_equal(units_parse_number("+4", &v), 0);
    assert_close(v, 4.0, 0);
    assert_int_equal(units_parse_number(".5", &v), 0);
    assert_close(v, 0.5, 0);
    assert_int_equal(units_parse_number("6.02e23", &v), 0);
    assert_close(v, 6.02e23, 0);
}

/* Each refused text leaves *out alone. */
static void refuse(int (*parse)(const char *, double *), const char *text)
{
    double v = 2.385;

    if (parse(text, &v) != -1) {
        print_error("'%s' was accepted as %g\n", text ? text : "(null)", v);
        fail();
    }
    assert_close(v, 2.385, 0);
}

static void test_units_refuse_non_finite_numbers(void **state)
{
    static const char *const bad[] = {"inf", "-inf", "+inf", "infinity",
                                      "nan", "NaN",  "-nan", "1e400",
                                      "-1e400"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        refuse(units_parse_number, bad[i]);
        refuse(units_parse_duration, bad[i]);
        refuse(units_parse_rate, bad[i]);
        refuse(units_parse_bytes, bad[i]);
    }
    refuse(units_parse_duration, "1e308d"); /* finite until scaled */
    refuse(units_parse_bytes, "1e300 TiB");
}

static void test_units_refuse_hex_and_empty_text(void **state)
{
    static const char *const bad[] = {"0x10", "0X1p3", "-0x1p3", "+0x2",
                                      "",     "   ",   "s",      "ms",
                                      "/s",   "1 2",   "1e",     "--5",
                                      "5..",  "five"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        refuse(units_parse_number, bad[i]);
        refuse(units_parse_duration, bad[i]);
        refuse(units_parse_rate, bad[i]);
    }
    refuse(units_parse_number, NULL);
}

static void test_units_refuse_unknown_units(void **state)
{
    (void)state;
    refuse(units_parse_duration, "5 parsecs");
    refuse(units_parse_bytes, "5 parsecs");
    refuse(units_parse_duration, "30x");
    refuse(units_parse_duration, "30 S");
    refuse(units_parse_rate, "5/fortnight");
    refuse(units_parse_rate, "5/s/s");
    refuse(units_parse_rate, "5s"); /* a duration is not a rate */
    refuse(units_parse_duration, "5/s");
    refuse(units_parse_bytes, "5kb");
    refuse(units_parse_number, "5s");
}

/* A bare number where a unit is needed is its own status, so the caller
 * can say how to write it ("write 5e6/month or 5e6/s"); zero needs none. */
static void test_units_bare_numbers_need_a_unit(void **state)
{
    double v = -1;

    (void)state;
    assert_int_equal(units_parse_rate("5e6", &v), UNITS_ENOUNIT);
    assert_int_equal(units_parse_duration("2000", &v), UNITS_ENOUNIT);
    assert_int_equal(units_parse_duration(" 1e-300 ", &v), UNITS_ENOUNIT);
    assert_close(v, -1, 0); /* left alone */
    assert_int_equal(units_parse_rate("0", &v), UNITS_OK);
    assert_close(v, 0, 0);
    assert_int_equal(units_parse_duration("0.0", &v), UNITS_OK);
    assert_int_equal(units_parse_duration("5x", &v), UNITS_EBAD);
    assert_int_equal(units_parse_number("5", &v), UNITS_OK);
    assert_int_equal(units_parse_bytes("5", &v), UNITS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units_bare_numbers_need_a_unit),
        cmocka_unit_test(test_units_durations_convert_to_seconds),
        cmocka_unit_test(test_units_rates_convert_to_events_per_second),
        cmocka_unit_test(test_units_month_is_the_mean_gregorian_month_exactly),
        cmocka_unit_test(test_units_bytes_take_decimal_and_binary_prefixes),
        cmocka_unit_test(test_units_plain_numbers_take_signs_and_exponents),
        cmocka_unit_test(test_units_refuse_non_finite_numbers),
        cmocka_unit_test(test_units_refuse_hex_and_empty_text),
        cmocka_unit_test(test_units_refuse_unknown_units),
    };

    return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
