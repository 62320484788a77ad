/*
 * test_dist_parse: every YAML form of a distribution, and the messages for
 * wrong ones.  Built only once sim/cfg.c exists (it needs the loader).
 *
 * Messages written by dist.c are golden (exact text and position); those
 * written by cfg's getters are checked for position and the quoted value
 * only, their wording belongs to tests/test_cfg.c.
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>

#include "sim/cfg.h"
#include "sim/diag.h"
#include "sim/dist.h"
#include "sim/rng.h"

#define PARSE_TEST_N 100000

struct parsed {
    int rc;
    int errors;
    char *msgs; /* what diag printed, owned (free) */
};

/* Loads "s: <text>" and parses s as a distribution called where. */
static struct parsed parse(const char *text, enum dist_quantity q,
                           struct dist *dd)
{
    struct parsed p = {0, 0, NULL};
    char doc_text[512];
    struct cfg_doc *doc = NULL;
    struct diag d;
    size_t len;
    FILE *sink = open_memstream(&p.msgs, &len);

    assert_non_null(sink);
    diag_init(&d, sink);
    snprintf(doc_text, sizeof doc_text, "s: %s\n", text);
    assert_int_equal(cfg_load_buffer("t.yaml", doc_text, strlen(doc_text),
                                     &d, &doc),
                     0);
    p.rc = dist_parse(cfg_get(cfg_doc_root(doc), "s"), "backends.mm1.service",
                      q, dd, &d);
    p.errors = d.errors;
    fclose(sink);
    cfg_doc_free(doc);
    return p;
}

static void parses(const char *text, enum dist_quantity q, struct dist *dd)
{
    struct parsed p = parse(text, q, dd);

    if (p.rc != 0)
        print_error("%s", p.msgs);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.errors, 0);
    free(p.msgs);
}

/* One error, exactly msg (a full line without its newline). */
static void fails_with(const char *text, enum dist_quantity q,
                       const char *msg)
{
    struct dist dd;
    struct parsed p = parse(text, q, &dd);
    size_t n = strlen(p.msgs);

    assert_int_equal(p.rc, -1);
    assert_int_equal(p.errors, 1);
    if (n && p.msgs[n - 1] == '\n')
        p.msgs[n - 1] = '\0';
    assert_string_equal(p.msgs, msg);
    assert_null(dd.values); /* nothing left to free */
    free(p.msgs);
}

/* One error reported by a cfg getter at prefix, quoting found. */
static void fails_at(const char *text, enum dist_quantity q,
                     const char *prefix, const char *found)
{
    struct dist dd;
    struct parsed p = parse(text, q, &dd);

    assert_int_equal(p.rc, -1);
    assert_true(p.errors >= 1);
    if (strncmp(p.msgs, prefix, strlen(prefix)) != 0 ||
        (found && !strstr(p.msgs, found)))
        print_error("got: %s", p.msgs);
    assert_memory_equal(p.msgs, prefix, strlen(prefix));
    if (found)
        assert_non_null(strstr(p.msgs, found));
    free(p.msgs);
}

static void test_dist_parse_bare_scalar_is_deterministic(void **state)
{
    struct dist dd;

    (void)state;
    parses("250ms", DIST_DURATION, &dd);
    assert_int_equal(dd.kind, DIST_DETERMINISTIC);
    assert_close(dd.a, 0.25, 1e-15);
    parses("512", DIST_COUNT, &dd);
    assert_close(dd.a, 512, 0.0);
    parses("{dist: deterministic, value: 2m}", DIST_DURATION, &dd);
    assert_close(dd.a, 120, 0.0);
    assert_true(isinf(dd.lo) && isinf(dd.hi));
}

static void test_dist_parse_reads_each_kind_in_si(void **state)
{
    struct dist dd;
    double s2 = log(1 + 0.7 * 0.7);

    (void)state;
    parses("{dist: exponential, mean: 830ms}", DIST_DURATION, &dd);
    assert_int_equal(dd.kind, DIST_EXPONENTIAL);
    assert_close(dd.a, 0.83, 1e-15);
    parses("{dist: lognormal, mean: 2.385s, cv: 0.7}", DIST_DURATION, &dd);
    assert_close(dd.a, log(2.385) - s2 / 2, 1e-14);
    assert_close(dd.b, sqrt(s2), 1e-14);
    assert_close(dist_mean(&dd), 2.385, 1e-14);
    parses("{dist: gamma, mean: 2.385s, cv: 0.7}", DIST_DURATION, &dd);
    assert_close(dd.a, 1 / 0.49, 1e-14);
    assert_close(dist_mean(&dd), 2.385, 1e-14);
    parses("{dist: gamma, shape: 2, scale: 500ms}", DIST_DURATION, &dd);
    assert_close(dd.a, 2, 0.0);
    assert_close(dd.b, 0.5, 0.0);
    parses("{dist: uniform, min: 1s, max: 3s}", DIST_DURATION, &dd);
    assert_close(dd.a, 1, 0.0);
    assert_close(dd.b, 3, 0.0);
    assert_true(isinf(dd.lo) && isinf(dd.hi));
    parses("{dist: exponential, mean: 512, min: 1, max: 4096}", DIST_COUNT,
           &dd);
    assert_close(dd.lo, 1, 0.0);
    assert_close(dd.hi, 4096, 0.0);
}

static void test_dist_parse_empirical_keeps_values_and_weights(void **state)
{
    struct dist dd, cp;

    (void)state;
    parses("{dist: empirical, values: [1s, 2s, 2s, 5s]}", DIST_DURATION, &dd);
    assert_int_equal(dd.n, 4);
    assert_null(dd.cumw);
    assert_close(dist_mean(&dd), 2.5, 1e-15);
    dist_fini(&dd);
    parses("{dist: empirical, values: [100, 200, 400], weights: [1, 0, 3]}",
           DIST_COUNT, &dd);
    assert_non_null(dd.cumw);
    assert_close(dd.cumw[2], 4, 0.0);
    assert_close(dist_mean(&dd), (100 + 3 * 400) / 4.0, 1e-15);
    assert_int_equal(dist_copy(&cp, &dd), 0);
    dist_fini(&dd);
    assert_close(dist_second_moment(&cp), (1e4 + 3 * 16e4) / 4.0, 1e-15);
    dist_fini(&cp);
}

static void test_dist_parse_lognormal_p99_holds_empirically(void **state)
{
    struct dist dd;
    gsl_rng *r = rng_stream_new(2385, 0, "p99");
    double z = gsl_cdf_ugaussian_Pinv(0.995), p = 0.99;
    double hw = z * sqrt(p * (1 - p) / PARSE_TEST_N);
    size_t below = 0, i;

    (void)state;
    parses("{dist: lognormal, median: 200ms, p99: 2.385s}", DIST_DURATION,
           &dd);
    /* The count of draws <= p99 is Binomial(n, 0.99): its 99% interval. */
    for (i = 0; i < PARSE_TEST_N; i++)
        below += dist_sample(&dd, r) <= 2.385;
    assert_within((double)below / PARSE_TEST_N, p - hw, p + hw);
    assert_close(exp(dd.a), 0.2, 1e-15);
    gsl_rng_free(r);
}

static void test_dist_parse_names_an_unknown_distribution(void **state)
{
    (void)state;
    fails_with("{dist: lognorm, mean: 1s}", DIST_DURATION,
               "t.yaml:1:11: error: unknown distribution 'lognorm' in "
               "backends.mm1.service (allowed: deterministic, exponential, "
               "lognormal, gamma, uniform, empirical; did you mean "
               "'lognormal'?)");
    fails_with("{dist: zipf, mean: 1s}", DIST_DURATION,
               "t.yaml:1:11: error: unknown distribution 'zipf' in "
               "backends.mm1.service (allowed: deterministic, exponential, "
               "lognormal, gamma, uniform, empirical)");
    fails_with("{mean: 1s}", DIST_DURATION,
               "t.yaml:1:4: error: missing required key 'dist' in "
               "backends.mm1.service (allowed: deterministic, exponential, "
               "lognormal, gamma, uniform, empirical)");
    fails_with("[1s, 2s]", DIST_DURATION,
               "t.yaml:1:4: error: backends.mm1.service must be a value or "
               "a mapping with 'dist', got a sequence");
}

static void test_dist_parse_wants_exactly_one_parameterisation(void **state)
{
    (void)state;
    fails_with("{dist: lognormal, mean: 1s, cv: 0.5, p99: 3s}",
               DIST_DURATION,
               "t.yaml:1:41: error: lognormal in backends.mm1.service takes "
               "either 'mean' and 'cv' or 'median' and 'p99', not both "
               "(found 'p99')");
    fails_with("{dist: gamma}", DIST_DURATION,
               "t.yaml:1:4: error: gamma in backends.mm1.service needs "
               "'mean' and 'cv', or 'shape' and 'scale'");
}

static void test_dist_parse_checks_parameters_against_each_other(void **state)
{
    (void)state;
    fails_with("{dist: lognormal, median: 2s, p99: 200ms}", DIST_DURATION,
               "t.yaml:1:39: error: 'p99' must be > 'median' (2s), got "
               "'200ms'");
    fails_with("{dist: uniform, min: 3s, max: 3s}", DIST_DURATION,
               "t.yaml:1:34: error: 'max' must be > 'min' (3s), got '3s'");
    fails_with("{dist: exponential, mean: 1s, min: 2s, max: 1s}",
               DIST_DURATION,
               "t.yaml:1:48: error: 'max' must be >= 'min' (2s), got '1s'");
    fails_with("{dist: empirical, values: [1, 2], weights: [1]}", DIST_COUNT,
               "t.yaml:1:47: error: 'weights' must have as many entries as "
               "'values' (2), got 1");
    fails_with("{dist: empirical, values: [1, 2], weights: [0, 0]}",
               DIST_COUNT,
               "t.yaml:1:47: error: 'weights' must sum to a finite number "
               "> 0, got 0");
    fails_with("{dist: empirical, values: []}", DIST_COUNT,
               "t.yaml:1:30: error: 'values' in backends.mm1.service must "
               "not be empty");
    fails_with("{dist: lognormal, mean: 1s, cv: 1e200}", DIST_DURATION,
               "t.yaml:1:4: error: distribution in backends.mm1.service is "
               "too extreme: its second moment overflows");
}

static void test_dist_parse_reports_bad_values_where_they_stand(void **state)
{
    (void)state;
    fails_at("{dist: lognormal, mean: 1s, cv: -1}", DIST_DURATION,
             "t.yaml:1:36: error: ", "'-1'");
    fails_at("{dist: exponential, mean: 3x}", DIST_DURATION,
             "t.yaml:1:30: error: ", "'3x'");
    fails_at("{dist: exponential, mean: 3ms}", DIST_COUNT,
             "t.yaml:1:30: error: ", "'3ms'");
    fails_at("{dist: empirical, values: [1, -2]}", DIST_COUNT,
             "t.yaml:1:34: error: ", "'-2'");
    fails_at("{dist: uniform, min: 1s, max: 2s, mean: 1s}", DIST_DURATION,
             "t.yaml:1:38: error: ", "'mean'");
    fails_at("{dist: exponential, mean: 1s, sevrers: 3}", DIST_DURATION,
             "t.yaml:1:34: error: ", "'sevrers'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dist_parse_bare_scalar_is_deterministic),
        cmocka_unit_test(test_dist_parse_reads_each_kind_in_si),
        cmocka_unit_test(test_dist_parse_empirical_keeps_values_and_weights),
        cmocka_unit_test(test_dist_parse_lognormal_p99_holds_empirically),
        cmocka_unit_test(test_dist_parse_names_an_unknown_distribution),
        cmocka_unit_test(test_dist_parse_wants_exactly_one_parameterisation),
        cmocka_unit_test(
            test_dist_parse_checks_parameters_against_each_other),
        cmocka_unit_test(test_dist_parse_reports_bad_values_where_they_stand),
    };
    return cmocka_run_group_tests_name("dist_parse", tests, NULL, NULL);
}
