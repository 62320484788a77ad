/*
 * The scenario path end to end: loading, overrides, defaults said aloud,
 * and every allocation failure on the way handled cleanly (run under the
 * sanitizer build, a leak or a crash on any failure path fails the test).
 */
#include "tests/check.h"
#include "tests/run_driver.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/run.h"
#include "models/scenario.h"
#include "sim/mem.h"

static const char sc_text[] =
    "name: walk\n"
    "horizon: 2h\n"
    "warmup: 10m\n"
    "replications: 2\n"
    "workload:\n"
    "  arrivals: {process: gamma, rate: 0.5/s, cv: 1.5}\n"
    "  tasks:\n"
    "    - {type: a, share: 0.25, input_tokens: {dist: lognormal, median: 300, p99: 900}, output_tokens: 20}\n"
    "    - {type: b, share: 0.75, input_tokens: 100, output_tokens: {dist: empirical, values: [5, 9]}}\n"
    "backends:\n"
    "  one: {kind: station, servers: 2, service: {dist: gamma, mean: 1.7s, cv: 0.6}}\n"
    "  two: {kind: station, service: 0.3s}\n"
    "routing: {policy: split, shares: {one: 0.6, two: 0.4}}\n"
    "slo: {e2e_p99: 3s}\n"
    "outputs: {plots: [latency-cdf]}\n";

static char sc_path[64];

static int sc_setup(void **state)
{
    int fd;
    FILE *f;

    (void)state;
    strcpy(sc_path, "/tmp/slmsim-scenario-XXXXXX");
    fd = mkstemp(sc_path);
    if (fd < 0 || !(f = fdopen(fd, "w")))
        return -1;
    fputs(sc_text, f);
    return fclose(f);
}

static int sc_teardown(void **state)
{
    (void)state;
    unlink(sc_path);
    return 0;
}

static struct scenario *sc_load(const char *const *sets, size_t n,
                                const char *out, int *status)
{
    struct scenario_overrides ov = {sets, n, out};
    struct scenario *sc = NULL;
    struct diag d;

    diag_init(&d, NULL);
    *status = scenario_load(sc_path, &ov, &d, &sc);
    return sc;
}

static void test_scenario_loads_in_si_units_with_defaults_noted(void **state)
{
    struct scenario *sc;
    int st;

    (void)state;
    sc = sc_load(NULL, 0, NULL, &st);
    assert_int_equal(st, 0);
    assert_string_equal(sc->name, "walk");
    assert_close(sc->horizon, 7200.0, 1e-15);
    assert_close(sc->warmup, 600.0, 1e-15);
    assert_close(sc->slo.e2e_p99, 3.0, 1e-15);
    assert_int_equal(sc->nbackends, 2);
    assert_string_equal(sc->out_dir, "out/walk");
    assert_int_equal(sc->nplots, 1);
    /* the seed was not given: the report must say so */
    assert_int_equal(sc->nnotes, 1);
    assert_non_null(strstr(sc->notes[0], "seed"));
    assert_int_equal(sc->workload.ntasks, 2);
    assert_close(sc->workload.cum_share[0], 0.25, 1e-15);
    scenario_free(sc);
}

static void test_overrides_win_over_the_file(void **state)
{
    const char *const sets[] = {"backends.two.service=2s", "seed=9",
                                "workload.tasks.0.share=0.5",
                                "workload.tasks.1.share=0.5"};
    struct scenario *sc;
    int st;

    (void)state;
    sc = sc_load(sets, 4, "elsewhere", &st);
    assert_int_equal(st, 0);
    assert_int_equal(sc->seed, 9);
    assert_string_equal(sc->out_dir, "elsewhere");
    assert_close(sc->workload.cum_share[0], 0.5, 1e-15);
    assert_int_equal(sc->nnotes, 0);
    scenario_free(sc);
}

/* The one note of a scenario given a second backend `two` (its YAML). */
static struct scenario *sc_load_one_note(const char *two)
{
    char set[256];
    snprintf(set, sizeof set, "backends.two=%s", two);
    const char *const sets[] = {"seed=9", set};
    int st;
    struct scenario *sc = sc_load(sets, 2, NULL, &st);

    assert_int_equal(st, 0);
    assert_int_equal(sc->nnotes, 1);
    return sc;
}

static void test_a_gpu_backend_notes_that_http_time_is_not_modelled(
    void **state)
{
    (void)state;
    struct scenario *sc =
        sc_load_one_note("{kind: gpu, gpu: L4, model: llama-3.2-1b}");
    assert_non_null(strstr(sc->notes[0], "HTTP server's own time"));
    assert_non_null(strstr(sc->notes[0], "not modelled"));
    scenario_free(sc);
}

static void test_a_stated_frontend_latency_is_noted_as_the_scenarios(
    void **state)
{
    (void)state;
    struct scenario *sc = sc_load_one_note(
        "{kind: gpu, gpu: L4, model: llama-3.2-1b, "
        "serving: {frontend_latency: 15ms}}");
    assert_non_null(strstr(sc->notes[0], "backends.two"));
    assert_non_null(strstr(sc->notes[0], "15 ms a request"));
    assert_null(strstr(sc->notes[0], "not modelled"));
    scenario_free(sc);
}

static void test_a_bad_override_is_input_error(void **state)
{
    const char *const sets[] = {"workload.tasks.0.share=0.9"};
    struct scenario *sc;
    int st;

    (void)state;
    sc = sc_load(sets, 1, NULL, &st);
    assert_int_equal(st, SLM_EINPUT);
    assert_null(sc);
}

/* Fails the Nth allocation for N = 0, 1, 2, ... across loading the scenario
 * and running one replication, until everything succeeds: each failure
 * must come back as SLM_ENOMEM, never as a crash, a leak, or bad input. */
static void test_every_allocation_failure_is_clean(void **state)
{
    (void)state;
    /* the walk went through real allocations */
    assert_true(drv_alloc_walk(sc_path) > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenario_loads_in_si_units_with_defaults_noted),
        cmocka_unit_test(
            test_a_gpu_backend_notes_that_http_time_is_not_modelled),
        cmocka_unit_test(
            test_a_stated_frontend_latency_is_noted_as_the_scenarios),
        cmocka_unit_test(test_overrides_win_over_the_file),
        cmocka_unit_test(test_a_bad_override_is_input_error),
        cmocka_unit_test(test_every_allocation_failure_is_clean),
    };
    return cmocka_run_group_tests_name("scenario", tests, sc_setup,
                                       sc_teardown);
}
