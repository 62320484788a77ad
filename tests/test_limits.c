/*
 * test_limits: every ceiling docs/limits.md lists that no other test
 * program checks, at the ceiling (accepted) and one past it (a located
 * error, never a crash or a silent cut).  The YAML ceilings (file size,
 * depth, scalar length, items) are in test_cfg, the JSON reader's in
 * test_json, the trace line in test_trace, requests in flight and pending
 * events in test_verdict.
 */
#include "tests/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/scenario.h"
#include "models/workload.h"
#include "plots/figure.h"
#include "sim/mem.h"

/* Loads yaml; returns the status and leaves the messages in *msg (owned
 * by the caller, free()). */
static int load(const char *yaml, char **msg)
{
    char path[] = "/tmp/slmsim-limits-XXXXXX";
    struct scenario *sc = NULL;
    struct diag d;
    size_t len = 0;
    FILE *m = open_memstream(msg, &len);
    int fd = mkstemp(path), st;
    FILE *f = fdopen(fd, "w");

    assert_non_null(f);
    fputs(yaml, f);
    fclose(f);
    diag_init(&d, m);
    st = scenario_load(path, NULL, &d, &sc);
    fclose(m);
    unlink(path);
    scenario_free(sc);
    return st;
}

/* A scenario with ntasks tasks and nb station backends. */
static char *scenario_with(size_t ntasks, size_t nb, const char *reps)
{
    size_t cap = 256 + ntasks * 96 + nb * 96, i;
    char *y = malloc(cap);
    FILE *f = fmemopen(y, cap, "w");

    assert_non_null(f);
    fprintf(f, "name: lim\nhorizon: 1h\nreplications: %s\nworkload:\n"
               "  arrivals: {process: poisson, rate: 1/s}\n  tasks:\n",
            reps);
    for (i = 0; i < ntasks; i++)
        fprintf(f, "    - {type: t%zu, share: %.17g, input_tokens: 10, "
                   "output_tokens: 10}\n",
                i, 1.0 / (double)ntasks);
    fprintf(f, "backends:\n");
    for (i = 0; i < nb; i++)
        fprintf(f, "  b%zu: {kind: station, servers: 1, service: 1s}\n", i);
    if (nb > 1)
        fprintf(f, "routing: {policy: single, backend: b0}\n");
    fputc('\0', f);
    fclose(f);
    return y;
}

static void test_limits_tasks_up_to_the_ceiling(void **state)
{
    char *msg = NULL, *ok = scenario_with(WORKLOAD_MAX_TASKS, 1, "1");
    char *over = scenario_with(WORKLOAD_MAX_TASKS + 1, 1, "1");

    (void)state;
    assert_int_equal(load(ok, &msg), 0);
    free(msg);
    assert_int_equal(load(over, &msg), SLM_EINPUT);
    assert_non_null(strstr(msg, "error"));
    assert_non_null(strstr(msg, "64"));
    free(msg);
    free(ok);
    free(over);
}

static void test_limits_backends_up_to_the_ceiling(void **state)
{
    char *msg = NULL, *ok = scenario_with(1, SCENARIO_MAX_BACKENDS, "1");
    char *over = scenario_with(1, SCENARIO_MAX_BACKENDS + 1, "1");

    (void)state;
    assert_int_equal(load(ok, &msg), 0);
    free(msg);
    assert_int_equal(load(over, &msg), SLM_EINPUT);
    assert_non_null(strstr(msg, "error"));
    assert_non_null(strstr(msg, "16"));
    free(msg);
    free(ok);
    free(over);
}

static void test_limits_replications_up_to_the_ceiling(void **state)
{
    char *msg = NULL, *ok = scenario_with(1, 1, "1000");
    char *over = scenario_with(1, 1, "1001");

    (void)state;
    assert_int_equal(load(ok, &msg), 0);
    free(msg);
    assert_int_equal(load(over, &msg), SLM_EINPUT);
    assert_non_null(strstr(msg, ":3:"));
    assert_non_null(strstr(msg, "1000"));
    free(msg);
    free(ok);
    free(over);
}

static void test_limits_max_in_flight_accepts_its_range(void **state)
{
    static const char head[] =
        "name: lim\nhorizon: 1h\nworkload:\n  arrivals: {process: poisson, "
        "rate: 1/s}\nbackends:\n  s: {kind: station, servers: 1, service: "
        "1s}\n";
    char y[512], *msg = NULL;

    (void)state;
    snprintf(y, sizeof y, "%slimits: {max_in_flight: 1000000000, "
                          "max_events: 1}\n", head);
    assert_int_equal(load(y, &msg), 0);
    free(msg);
    snprintf(y, sizeof y, "%slimits: {max_in_flight: 1000000001}\n", head);
    assert_int_equal(load(y, &msg), SLM_EINPUT);
    assert_non_null(strstr(msg, ":7:"));
    free(msg);
}

static void test_limits_figure_rows_stop_at_the_ceiling(void **state)
{
    struct figure *f = figure_new("rows", FIGURE_XY);
    double v[2] = {1.0, 2.0};
    size_t i;

    (void)state;
    assert_non_null(f);
    assert_int_equal(figure_add_column(f, "x"), 0);
    assert_int_equal(figure_add_column(f, "y"), 1);
    for (i = 0; i < FIGURE_MAX_ROWS; i++)
        assert_int_equal(figure_add_row(f, v, NULL), 0);
    assert_int_equal(figure_add_row(f, v, NULL), SLM_EINPUT);
    figure_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_tasks_up_to_the_ceiling),
        cmocka_unit_test(test_limits_backends_up_to_the_ceiling),
        cmocka_unit_test(test_limits_replications_up_to_the_ceiling),
        cmocka_unit_test(test_limits_max_in_flight_accepts_its_range),
        cmocka_unit_test(test_limits_figure_rows_stop_at_the_ceiling),
    };
    return cmocka_run_group_tests_name("limits", tests, NULL, NULL);
}
